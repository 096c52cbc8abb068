// The staff work queue (工作台): cases by state with counts, the overdue
// ones first in sight, filters by area, category and text, and paging.
// Everything lives in the address (#/queue?state=…&q=…) so a link or the
// back button brings the same list back.

import { api } from '../api.js';
import { h, clear, field } from '../dom.js';
import { t, stateLabel, localName, fmtDateTime } from '../i18n.js';
import { stateBadge, caseTitle, pager, totalText, areaPicker, categoryPicker } from './widgets.js';

const PER_PAGE = 20;
const STATES = ['submitted', 'filed', 'dispatched', 'handling', 'extension_pending',
  'handled', 'suspended', 'closed', 'rejected', 'withdrawn', 'merged'];

// A handling unit only ever sees cases once they are dispatched to it:
// 待受理, 已立案, 已驳回, 已撤回 and 已合并 never apply to it.
const UNIT_STATES = ['dispatched', 'handling', 'extension_pending', 'handled', 'suspended', 'closed'];

// Where each role's own work usually waits.
const FIRST_TAB = {
  dispatcher: 'submitted', unit: 'dispatched', supervisor: 'handled',
  grid_worker: 'handling', admin: 'submitted',
};

function hashFor(q) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v) qs.set(k, v);
  const s = qs.toString();
  return '#/queue' + (s ? '?' + s : '');
}

export function render(main, ctx) {
  const user = ctx.session.user;
  const q = {
    state: ctx.query.get('state') ?? FIRST_TAB[user.role] ?? '',
    overdue: ctx.query.get('overdue') || '',
    q: ctx.query.get('q') || '',
    area: ctx.query.get('area') || '',
    category: ctx.query.get('category') || '',
    page: Number(ctx.query.get('page')) || 1,
  };
  const filters = { area: q.area || undefined, category: q.category || undefined, q: q.q || undefined };

  // Tabs: "all", each state, and overdue, each with its count.
  const tabs = h('nav', { class: 'tabs', 'aria-label': t('queue.tabs') });
  const states = user.role === 'unit' ? UNIT_STATES : STATES;
  const tabDefs = [['', t('queue.all')], ...states.map((s) => [s, stateLabel(s)]), ['overdue', t('queue.overdue')]];
  for (const [key, label] of tabDefs) {
    const active = key === 'overdue' ? q.overdue === '1'
      : q.overdue !== '1' && q.state === (key || 'all');
    const count = h('span', { class: 'tab-count', dataset: { count: key || 'all' } }, '…');
    const next = key === 'overdue'
      ? { ...q, state: 'all', overdue: '1', page: '' }
      : { ...q, state: key || 'all', overdue: '', page: '' };
    tabs.append(h('a', { class: 'tab' + (key === 'overdue' ? ' tab-danger' : ''),
      'aria-current': active ? 'page' : null, href: hashFor(next), dataset: { tab: key || 'all' } },
    h('span', null, label), count));
    const cq = { ...filters, per_page: 1 };
    if (key === 'overdue') cq.overdue = 1;
    else if (key) cq.state = key;
    api.get('/api/v1/cases', cq).then((a) => {
      count.textContent = totalText(a.total, a.total_capped);
      if (a.total === 0) count.classList.add('zero');
    }).catch(() => { count.textContent = ''; });
  }

  // Filters
  const search = h('input', { type: 'search', name: 'q', value: q.q, placeholder: t('queue.search'),
    maxlength: 100, enterkeyhint: 'search' });
  const root = user.area?.code || ctx.session.config.city_code || '';
  const area = areaPicker(root, q.area, t('queue.area'));
  const cat = categoryPicker(q.category, { allowBig: true, label: t('queue.category') });
  const filterForm = h('form', { class: 'filters card', role: 'search' },
    h('div', { class: 'filter-search' }, field(t('queue.search'), search),
      h('button', { type: 'submit', class: 'btn btn-primary' }, t('queue.search.button'))),
    h('div', { class: 'filter-row' },
      h('div', { class: 'field' }, h('span', { class: 'label' }, t('queue.area')), area),
      h('div', { class: 'field' }, h('span', { class: 'label' }, t('queue.category')), cat),
      h('div', { class: 'filter-actions' },
        h('button', { type: 'submit', class: 'btn btn-secondary' }, t('queue.filter.apply')),
        h('a', { class: 'btn btn-ghost', href: hashFor({ state: q.state, overdue: q.overdue }) }, t('queue.filter.clear')))));
  filterForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.go(hashFor({ ...q, q: search.value.trim(), area: area.value(), category: cat.value(), page: '' }));
  });

  const table = h('div', { class: 'queue-list', id: 'queue-list', 'aria-busy': 'true' },
    h('p', { class: 'loading' }, t('app.loading')));

  main.append(
    h('div', { class: 'page-head' }, h('h1', null, t('queue.title'))),
    tabs, filterForm, table);

  const lq = { ...filters, sort: 'due', page: q.page, per_page: PER_PAGE };
  if (q.overdue === '1') lq.overdue = 1;
  else if (q.state && q.state !== 'all') lq.state = q.state;
  api.get('/api/v1/cases', lq).then((ans) => {
    clear(table).removeAttribute('aria-busy');
    if (!ans.items.length) {
      table.append(h('p', { class: 'empty card' }, t('list.empty')));
      return;
    }
    const box = h('div', { class: 'queue-table' });
    box.append(h('div', { class: 'queue-row queue-header', 'aria-hidden': 'true' },
      h('span', null, t('queue.col.case')), h('span', null, t('queue.col.category')),
      h('span', null, t('queue.col.area')), h('span', null, t('queue.col.state')),
      h('span', null, t('queue.col.unit')), h('span', null, t('queue.col.due'))));
    const ul = h('ul', { class: 'queue-items' });
    for (const c of ans.items) {
      ul.append(h('li', null, h('a', { class: 'queue-row' + (c.overdue ? ' is-overdue' : ''),
        href: `#/case/${c.id}`, dataset: { caseId: c.id } },
      h('span', { class: 'q-case' },
        c.thumb_url ? h('img', { src: c.thumb_url, alt: '', class: 'q-thumb', loading: 'lazy', width: 44, height: 44 }) : null,
        h('span', { class: 'q-text' }, h('b', null, `#${c.id} `), caseTitle(c))),
      h('span', { class: 'q-cat' }, localName(c.category),
        // Filed by the platform's suggestion: a hint that it waits for
        // the dispatcher's confirmation.
        c.suggestions?.length && c.state === 'submitted'
          ? h('span', { class: 'q-suggested', title: c.category_reason || '' },
            t('queue.suggested', { p: Math.round(c.suggestions[0].p * 100) }))
          : null),
      h('span', { class: 'q-area' }, localName(c.area)),
      h('span', { class: 'q-state' }, stateBadge(c),
        c.level === 'emergency' || c.level === 'utility'
          ? h('span', { class: 'badge ' + (c.level === 'emergency' ? 'badge-danger' : 'badge-warn'),
            dataset: { level: c.level } }, t('routing.level.' + c.level))
          : null,
        c.escalated ? h('span', { class: 'badge badge-warn' }, t('list.escalated')) : null),
      h('span', { class: 'q-unit' }, c.unit || ''),
      h('span', { class: 'q-due' + (c.overdue ? ' overdue' : '') },
        c.overdue ? h('span', { class: 'badge badge-danger' }, t('list.overdue')) : null,
        fmtDateTime(c.due_at)))));
    }
    box.append(ul);
    table.append(box, pager(ans.page, ans.per_page, ans.total, (p) => ctx.go(hashFor({ ...q, page: p })),
      ans.total_capped));
  }).catch((e) => {
    clear(table).removeAttribute('aria-busy');
    table.append(h('p', { class: 'form-error', role: 'alert' }, e.message));
  });
}
