// "My reports" (我的上报): everything this person reported, newest first,
// with where each case stands and by when it should be done.

import { api } from '../api.js';
import { h, clear } from '../dom.js';
import { t } from '../i18n.js';
import { caseCard, pager } from './widgets.js';

const PER_PAGE = 20;

export function render(main, ctx) {
  const page = Math.max(1, Number(ctx.query.get('page')) || 1);
  const list = h('div', { class: 'case-list', id: 'my-cases', 'aria-busy': 'true' },
    h('p', { class: 'loading' }, t('app.loading')));
  const canReport = ['resident', 'grid_worker', 'dispatcher', 'admin'].includes(ctx.session.user.role);
  main.append(
    h('div', { class: 'page-head page-head-row' },
      h('h1', null, t('mine.title')),
      canReport ? h('a', { class: 'btn btn-primary', href: '#/report' }, '+ ' + t('mine.new')) : null),
    list);

  const query = { page, per_page: PER_PAGE };
  if (ctx.session.user.role !== 'resident') query.scope = 'mine';
  api.get('/api/v1/cases', query).then((ans) => {
    clear(list).removeAttribute('aria-busy');
    if (!ans.items.length) {
      list.append(h('div', { class: 'empty card' }, h('p', null, t('mine.empty')),
        canReport ? h('a', { class: 'btn btn-primary', href: '#/report' }, t('mine.new')) : null));
      return;
    }
    for (const c of ans.items) list.append(caseCard(c));
    if (ans.total > PER_PAGE) {
      list.append(pager(page, PER_PAGE, ans.total, (p) => ctx.go(`#/mine?page=${p}`),
        ans.total_capped));
    }
  }).catch((e) => {
    clear(list).removeAttribute('aria-busy');
    list.append(h('p', { class: 'form-error', role: 'alert' }, e.message));
  });
}
