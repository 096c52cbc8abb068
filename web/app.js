// The shell of the web UI: who is signed in, the header, and hash routes.
//
// Residents and grid workers mostly use a phone; dispatchers, units,
// supervisors and leaders use a PC. Every route is a view module with
// render(container, ctx) that may return a function to clean up (maps,
// timers) when the person leaves the page.

import { api, cached, setCsrf, sessionEvents, ApiError, hasSessionCookie, forgetSessionCookie } from './api.js';
import { h, clear, toast, clearToasts } from './dom.js';
import { liveStart, liveStop, liveState, onLiveState, onCaseChange } from './live.js';
import { t, lang, setLang, onLangChange, applyDocumentLang, roleLabel, rememberNames } from './i18n.js';

const STAFF = ['grid_worker', 'dispatcher', 'unit', 'supervisor', 'admin'];
const REPORTERS = ['resident', 'grid_worker', 'dispatcher', 'admin'];

const session = { user: null, config: {} };

const routes = [
  { pattern: /^\/signin$/, view: () => import('./views/signin.js'), open: true },
  { pattern: /^\/report$/, view: () => import('./views/report.js'), roles: REPORTERS },
  { pattern: /^\/onsite$/, view: () => import('./views/report.js'), roles: ['grid_worker'], params: { onsite: true } },
  { pattern: /^\/mine$/, view: () => import('./views/mine.js') },
  { pattern: /^\/case\/(\d+)$/, view: () => import('./views/case.js'), keys: ['id'] },
  { pattern: /^\/queue$/, view: () => import('./views/queue.js'), roles: STAFF },
  { pattern: /^\/stats$/, view: () => import('./views/stats.js'), roles: STAFF },
  { pattern: /^\/map$/, view: () => import('./views/onemap.js') },
  { pattern: /^\/routing$/, view: () => import('./views/routing.js'), roles: ['admin'] },
];

function homeFor(user) {
  if (!user) return '#/signin';
  return user.role === 'resident' ? '#/mine' : '#/queue';
}

function navItems(user) {
  if (!user) return [];
  const items = [];
  const r = user.role;
  if (STAFF.includes(r)) items.push(['#/queue', 'nav.queue']);
  if (REPORTERS.includes(r)) items.push(['#/report', 'nav.report']);
  if (r === 'grid_worker') items.push(['#/onsite', 'nav.onsite']);
  if (r === 'resident' || r === 'grid_worker') items.push(['#/mine', 'nav.mine']);
  if (STAFF.includes(r)) items.push(['#/stats', 'nav.stats']);
  items.push(['#/map', r === 'resident' ? 'nav.onemap.public' : 'nav.onemap']);
  if (r === 'admin') items.push(['#/routing', 'nav.routing']);
  return items;
}

// Splits "#/queue?state=filed" into a path and its query parameters.
export function currentRoute() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, qs] = raw.split('?');
  return { path, query: new URLSearchParams(qs || '') };
}

export function go(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

function renderHeader() {
  const header = document.getElementById('app-header');
  clear(header);
  const { path } = currentRoute();
  const user = session.user;
  const brand = h('a', { class: 'brand', href: homeFor(user) },
    h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, '网'),
    h('span', { class: 'brand-text' },
      h('span', { class: 'brand-name' }, t('app.name')),
      h('span', { class: 'brand-tag' }, t('app.tagline'))));

  const langBtn = h('button', {
    type: 'button', class: 'btn btn-ghost btn-sm lang-switch', id: 'lang-switch',
    lang: lang() === 'en' ? 'zh-CN' : 'en',
    'aria-label': t('lang.switch.label'),
    onclick: () => setLang(lang() === 'en' ? 'zh-CN' : 'en'),
  }, t('lang.switch'));

  const tools = h('div', { class: 'header-tools' });
  if (user) {
    const name = user.display_name || user.username;
    tools.append(h('span', { class: 'who', id: 'who' },
      h('span', { class: 'who-name' }, name),
      name === roleLabel(user.role) ? null : h('span', { class: 'role-chip' }, roleLabel(user.role))));
  }
  if (user) {
    const dot = h('span', { class: 'live-dot', id: 'live-dot', role: 'status',
      title: t('live.' + liveState()), dataset: { state: liveState() } },
    h('span', { class: 'sr-only' }, t('live.' + liveState())));
    tools.append(dot);
  }
  tools.append(langBtn);
  if (user) {
    tools.append(h('button', {
      type: 'button', class: 'btn btn-ghost btn-sm', id: 'sign-out', onclick: signOut,
    }, t('nav.signout')));
  }

  const top = h('div', { class: 'header-bar' }, brand, tools);
  header.append(top);
  const items = navItems(user);
  if (items.length) {
    const nav = h('nav', { class: 'main-nav', 'aria-label': t('nav.main') });
    for (const [href, key] of items) {
      const active = path === href.slice(1) ||
        (href === '#/queue' && path.startsWith('/case/') && user.role !== 'resident') ||
        (href === '#/mine' && path.startsWith('/case/') && user.role === 'resident');
      nav.append(h('a', { href, 'aria-current': active ? 'page' : null }, t(key)));
    }
    header.append(nav);
  }
  document.getElementById('skip-link').textContent = t('app.skip');
}

async function signOut() {
  try {
    await api.del('/api/v1/session');
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) toast(e.message, 'error');
  }
  session.user = null;
  setCsrf(null);
  forgetSessionCookie();
  liveStop();
  clearToasts();
  go('#/signin');
}

export function signedIn(answer) {
  session.user = answer.user;
  setCsrf(answer.csrf);
  clearToasts();
  liveStart();
}

// Pages drawn again when a case they may show changes.
const LIVE_PAGES = ['/queue', '/mine', '/stats', '/map'];
let liveTimer = null;

// Whether the person is in the middle of something on the page: typing,
// a chosen file, an open dialog. Then the page waits for them.
function busy(main) {
  const a = document.activeElement;
  if (a && main.contains(a) && /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName)) return true;
  if (main.querySelector('dialog[open]')) return true;
  for (const el of main.querySelectorAll('textarea, input[type=file]')) {
    if (el.value) return true;
  }
  return false;
}

function onLive(change) {
  if (!session.user) return;
  const { path } = currentRoute();
  const caseMatch = path.match(/^\/case\/(\d+)$/);
  const relevant = LIVE_PAGES.includes(path) ||
    (caseMatch && (change.case === 0 || Number(caseMatch[1]) === change.case));
  if (!relevant) return;
  clearTimeout(liveTimer);
  liveTimer = setTimeout(function again() {
    const main = document.getElementById('main');
    if (busy(main)) {
      liveTimer = setTimeout(again, 3000);
      return;
    }
    const y = window.scrollY;
    render().then(() => window.scrollTo(0, y));
    if (caseMatch) toast(t('live.case.updated'), 'info');
  }, path === '/stats' || path === '/map' ? 1500 : 500);
}

let cleanup = null;
let renderSeq = 0;

async function render() {
  const seq = ++renderSeq;
  if (cleanup) {
    try { cleanup(); } catch (_) { /* a view that fails to clean up must not block the next */ }
    cleanup = null;
  }
  const { path, query } = currentRoute();
  const main = document.getElementById('main');

  let route = null;
  let match = null;
  for (const r of routes) {
    match = path.match(r.pattern);
    if (match) { route = r; break; }
  }
  if (!route) {
    location.replace(homeFor(session.user));
    return;
  }
  if (!route.open && !session.user) {
    const back = location.hash;
    location.replace('#/signin' + (back && back !== '#/' ? '?next=' + encodeURIComponent(back) : ''));
    return;
  }
  if (route.roles && !route.roles.includes(session.user.role)) {
    location.replace(homeFor(session.user));
    return;
  }
  renderHeader();
  const params = { ...(route.params || {}) };
  (route.keys || []).forEach((k, i) => { params[k] = match[i + 1]; });

  let mod;
  try {
    mod = await route.view();
  } catch (e) {
    if (seq !== renderSeq) return;
    clear(main).append(h('p', { class: 'form-error', role: 'alert' }, t('err.network')));
    return;
  }
  if (seq !== renderSeq) return;
  clear(main);
  main.className = 'app-main view-' + path.split('/')[1];
  const ctx = { session, params, query, go, signedIn, rerender: render };
  const out = mod.render(main, ctx);
  cleanup = typeof out === 'function' ? out : null;
}

function categoryNames() {
  return cached('/api/v1/categories').then((a) => rememberNames(a.items)).catch(() => {});
}

async function start() {
  applyDocumentLang();
  onLangChange(async () => {
    // The catalogue's English names, for lists that name categories by
    // code; then the page again, with the focus back on the switch.
    await categoryNames();
    await render();
    document.getElementById('lang-switch')?.focus({ preventScroll: true });
  });
  onCaseChange(onLive);
  onLiveState((st) => {
    const dot = document.getElementById('live-dot');
    if (!dot) return;
    dot.dataset.state = st;
    dot.title = t('live.' + st);
    dot.firstChild.textContent = t('live.' + st);
  });
  sessionEvents.addEventListener('expired', () => {
    if (!session.user) return;
    liveStop();
    session.user = null;
    forgetSessionCookie();
    toast(t('err.signin'), 'error');
    go('#/signin');
  });
  try {
    session.config = await api.get('/api/v1/config');
  } catch (_) {
    session.config = {};
  }
  if (hasSessionCookie()) {
    try {
      const me = await api.get('/api/v1/me');
      session.user = me;
      setCsrf(me.csrf);
    } catch (e) {
      session.user = null;
      if (e.status === 401) forgetSessionCookie();
    }
  }
  if (session.user) liveStart();
  if (lang() === 'en') await categoryNames();
  window.addEventListener('hashchange', render);
  if (!location.hash || location.hash === '#/') location.replace(homeFor(session.user));
  render();
}

start();
