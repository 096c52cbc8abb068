// Live updates: one event stream per signed-in page (GET /api/v1/stream).
//
// The server sends an event when a case the person may see changes; it
// names the case, its state and version, nothing more. Pages that show
// cases (queues, a case, my cases, statistics, the map) are drawn again
// from the API a moment later, unless the person is in the middle of
// writing something there. The browser reconnects by itself when the
// stream breaks (the server asks for 3 s).

import { api } from './api.js';

const listeners = new Set();
let source = null;
let state = 'off';
const stateListeners = new Set();

function setState(s) {
  state = s;
  for (const fn of stateListeners) fn(s);
}

export function liveState() {
  return state;
}

export function onLiveState(fn) {
  stateListeners.add(fn);
  return () => stateListeners.delete(fn);
}

// fn({case, state, version}) for each change; returns the unsubscribe.
export function onCaseChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function liveStart() {
  if (source || typeof EventSource === 'undefined') return;
  source = new EventSource('/api/v1/stream');
  setState('connecting');
  source.addEventListener('hello', () => setState('on'));
  source.addEventListener('case', (e) => {
    let data;
    try { data = JSON.parse(e.data); } catch (_) { return; }
    for (const fn of listeners) fn(data);
  });
  // Too far behind: every page reloads what it shows.
  source.addEventListener('resync', () => {
    for (const fn of listeners) fn({ case: 0, state: '', version: 0 });
  });
  source.onerror = () => {
    const closed = source && source.readyState === 2;
    setState(closed ? 'off' : 'connecting');
    // Refused for good (the session ended, here or on another page): the
    // API call says so, and the page goes back to signing in.
    if (closed) {
      source = null;
      api.get('/api/v1/me').then(() => setTimeout(liveStart, 3000)).catch(() => {});
    }
  };
}

export function liveStop() {
  if (source) source.close();
  source = null;
  setState('off');
}
