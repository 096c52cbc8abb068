// The one way the UI talks to the server.
//
// Signed-in pages use the session cookie; every request that changes
// something (POST, DELETE) carries the session's CSRF token in
// X-CSRF-Token, which another site cannot read. Errors arrive as
// {"error": {"code", "message"}} and are thrown as ApiError with the
// server's message, which is written for people and shown as is.

import { t, hasOwn } from './i18n.js';

let csrfToken = null;

export function setCsrf(token) {
  csrfToken = token || null;
}

// The readable cookie is there while a session may be: without it there is
// no point asking the server who is signed in.
export function hasSessionCookie() {
  return csrfFromCookie() !== null;
}

export function forgetSessionCookie() {
  document.cookie = 'cg_csrf=; Path=/; Max-Age=0; SameSite=Strict';
}

function csrfFromCookie() {
  const m = document.cookie.match(/(?:^|;\s*)cg_csrf=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : null;
}

// The sentence a person reads for an error: the meaning of the server's
// stable error code in the interface's language when it has one (Chinese
// has them all; English only where a plain sentence reads better), else
// the server's own sentence. The server's exact sentence stays on the
// error as `detail` for whoever has to look into it.
function explain(err, status) {
  const exact = err?.message || t('err.unknown', { status });
  if (err?.code && hasOwn(`errcode.${err.code}`)) return t(`errcode.${err.code}`);
  return exact;
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

// Fired when the server says the session is gone, so the shell can show
// the sign-in page instead of a broken view.
export const sessionEvents = new EventTarget();

// request(path, {method, json, body, headers, query})
//   json:  an object sent as application/json
//   body:  a FormData or Blob sent as is (multipart uploads)
//   query: an object turned into ?a=b, skipping empty values
export async function request(path, opts = {}) {
  const method = opts.method || 'GET';
  const headers = { Accept: 'application/json', ...(opts.headers || {}) };
  let body = opts.body;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  }
  if (method !== 'GET' && method !== 'HEAD') {
    const token = csrfToken || csrfFromCookie();
    if (token) headers['X-CSRF-Token'] = token;
  }
  let url = path;
  if (opts.query) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(opts.query)) {
      if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
    }
    const s = qs.toString();
    if (s) url += (url.includes('?') ? '&' : '?') + s;
  }

  let res;
  try {
    res = await fetch(url, {
      method, headers, body, credentials: 'same-origin', signal: opts.signal,
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', t('err.network'));
  }

  let data = null;
  const type = res.headers.get('Content-Type') || '';
  if (type.includes('application/json')) {
    try {
      data = await res.json();
    } catch (_) {
      data = null;
    }
  }
  if (!res.ok) {
    const err = data && data.error;
    if (res.status === 401 && path !== '/api/v1/session') {
      sessionEvents.dispatchEvent(new Event('expired'));
    }
    const e = new ApiError(res.status, err?.code || 'http_' + res.status,
      explain(err, res.status));
    e.detail = err?.message || '';
    console.warn(`${path}: ${res.status} ${e.code}: ${e.detail}`);
    throw e;
  }
  if (data === null && res.status !== 204) {
    throw new ApiError(res.status, 'bad_answer', t('err.unknown', { status: res.status }));
  }
  return data;
}

export const api = {
  get: (path, query, signal) => request(path, { query, signal }),
  post: (path, json, headers) => request(path, { method: 'POST', json, headers }),
  patch: (path, json) => request(path, { method: 'PATCH', json }),
  del: (path) => request(path, { method: 'DELETE' }),
};

// Uploads one photo and answers {hash, url, thumb_url}.
export function uploadPhoto(file) {
  const fd = new FormData();
  fd.append('photo', file, file.name || 'photo.jpg');
  return request('/api/v1/photos', { method: 'POST', body: fd });
}

// Read-mostly catalogues change rarely; one copy per page load is enough.
const cache = new Map();
export function cached(path, query) {
  const key = path + '?' + new URLSearchParams(query || {}).toString();
  if (!cache.has(key)) {
    const p = api.get(path, query).catch((e) => {
      cache.delete(key);
      throw e;
    });
    cache.set(key, p);
  }
  return cache.get(key);
}

// A fresh Idempotency-Key. crypto.randomUUID() exists only on HTTPS and
// localhost; a district intranet often serves plain HTTP, where
// getRandomValues still works.
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
