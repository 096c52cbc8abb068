// Pieces shared by the views: state badges, case cards, pickers for areas
// and categories, and the pager.

import { cached } from '../api.js';
import { h, clear, uid } from '../dom.js';
import { t, stateLabel, localName, fmtDateTime } from '../i18n.js';

export function stateBadge(c) {
  return h('span', { class: `badge state-${c.state}`, dataset: { state: c.state } },
    stateLabel(c.state, c.state_label));
}

export function caseTitle(c) {
  if (c.title) return c.title;
  // The first line: what follows it may be the answers to a form's
  // questions (紧急程度：一般), not the problem.
  const d = (c.description || '').trim().split('\n')[0];
  return d.length > 40 ? d.slice(0, 40) + '…' : d;
}

// One case in a list: the first photo, what it is, where, and by when.
export function caseCard(c) {
  const thumb = c.thumb_url
    ? h('img', { class: 'case-thumb', src: c.thumb_url, alt: '', loading: 'lazy', width: 72, height: 72 })
    : h('span', { class: 'case-thumb case-thumb-empty', 'aria-hidden': 'true' }, t('list.noPhoto'));
  const meta = h('div', { class: 'case-meta' },
    h('span', null, localName(c.category)),
    h('span', null, localName(c.area)));
  const when = h('div', { class: 'case-when' },
    c.due_at && ['closed', 'rejected', 'withdrawn', 'merged'].indexOf(c.state) < 0
      ? h('span', { class: c.overdue ? 'due overdue' : 'due' }, t('list.due', { when: fmtDateTime(c.due_at) }))
      : h('span', null, t('list.reported', { when: fmtDateTime(c.reported_at) })),
    c.overdue ? h('span', { class: 'badge badge-danger' }, t('list.overdue')) : null,
    c.escalated ? h('span', { class: 'badge badge-warn' }, t('list.escalated')) : null,
    // A case the resident joined rather than reported.
    c.supported ? h('span', { class: 'badge badge-info' }, t('list.supported')) : null);
  return h('a', { class: 'case-card' + (c.overdue ? ' is-overdue' : ''), href: `#/case/${c.id}`,
    dataset: { caseId: c.id } },
  thumb,
  h('div', { class: 'case-body' },
    h('div', { class: 'case-head' },
      h('span', { class: 'case-id' }, `#${c.id}`),
      stateBadge(c)),
    h('p', { class: 'case-desc' }, caseTitle(c)),
    meta, when));
}

// `capped`: the server stopped counting at `total` (a common word, a big
// list; docs/api.md), so there are more pages than it says: "1000+".
export function pager(page, perPage, total, onPage, capped = false) {
  const pages = Math.max(1, Math.ceil(total / perPage));
  const args = capped
    ? { page, pages: `${Math.max(pages, page)}+`, total: totalText(total, true) }
    : { page, pages, total };
  return h('nav', { class: 'pager', 'aria-label': t('list.page', args) },
    h('button', { type: 'button', class: 'btn btn-ghost btn-sm', disabled: page <= 1,
      onclick: () => onPage(page - 1) }, '‹ ' + t('list.prev')),
    h('span', { class: 'pager-info' }, t('list.page', args)),
    h('button', { type: 'button', class: 'btn btn-ghost btn-sm', disabled: !capped && page >= pages,
      onclick: () => onPage(page + 1) }, t('list.next') + ' ›'));
}

// A list's total as the server gave it: "1000+" when it stopped counting.
export function totalText(total, capped) {
  return capped ? `${total}+` : String(total);
}

// Cascading selects over the area tree, starting below `root` (the
// person's own area, or the city). value() is the deepest chosen code, or
// '' for "all". Codes follow the national scheme, so a chosen code's
// ancestors are its prefixes; that is how an initial value is restored.
export function areaPicker(root, initial, label) {
  const wrap = h('div', { class: 'area-picker', role: 'group', 'aria-label': label });
  const selects = [];

  async function addLevel(parent, depth, want) {
    let items;
    try {
      items = (await cached('/api/v1/areas', parent ? { parent } : {})).items || [];
    } catch (_) {
      return;
    }
    if (!items.length) return;
    // The top of the tree is the city itself: go straight to its children.
    if (!parent && items.length === 1 && items[0].children) {
      return addLevel(items[0].code, depth, want);
    }
    const sel = h('select', { id: uid('area'), 'aria-label': `${label} ${depth + 1}` },
      h('option', { value: '' }, depth === 0 ? t('area.any') : '—'));
    for (const a of items) {
      sel.append(h('option', { value: a.code, dataset: { children: a.children } }, a.name));
    }
    sel.addEventListener('change', () => {
      for (const s of selects.splice(depth + 1)) s.remove();
      const opt = sel.selectedOptions[0];
      if (sel.value && opt && Number(opt.dataset.children) > 0) addLevel(sel.value, depth + 1);
      wrap.dispatchEvent(new Event('change'));
    });
    selects[depth] = sel;
    wrap.append(sel);
    if (want) {
      const hit = items.find((a) => want.startsWith(a.code) && a.code !== parent);
      if (hit) {
        sel.value = hit.code;
        if (hit.code !== want && hit.children > 0) await addLevel(hit.code, depth + 1, want);
      }
    }
  }

  wrap.ready = addLevel(root || null, 0, initial || '');
  wrap.value = () => {
    for (let i = selects.length - 1; i >= 0; i--) if (selects[i]?.value) return selects[i].value;
    return '';
  };
  return wrap;
}

// Big class then small class. With allowBig, choosing only a big class is a
// valid filter value; a report needs a small class.
export function categoryPicker(initial, { allowBig = false, label } = {}) {
  const big = h('select', { id: uid('cat'), 'aria-label': `${label} · ${t('report.category.big')}` });
  const small = h('select', { id: uid('cat'), 'aria-label': `${label} · ${t('report.category.small')}`, disabled: true });
  small.append(h('option', { value: '' }, '—'));
  const wrap = h('div', { class: 'cat-picker', role: 'group', 'aria-label': label }, big, small);
  let tree = [];

  function fillSmall(want) {
    clear(small);
    const b = tree.find((x) => x.code === big.value);
    small.append(h('option', { value: '' }, allowBig ? t('category.any') : t('report.category.choose')));
    for (const c of b?.children || []) small.append(h('option', { value: c.code }, localName(c)));
    small.disabled = !b;
    if (want) small.value = want;
  }

  wrap.ready = cached('/api/v1/categories').then((ans) => {
    tree = ans.items || [];
    big.append(h('option', { value: '' }, allowBig ? t('category.any') : t('report.category.choose')));
    for (const b of tree) big.append(h('option', { value: b.code }, `${localName(b)}`));
    if (initial) {
      const b = tree.find((x) => initial.startsWith(x.code));
      if (b) {
        big.value = b.code;
        fillSmall(initial !== b.code ? initial : '');
      }
    }
  });
  big.addEventListener('change', () => { fillSmall(); wrap.dispatchEvent(new Event('change')); });
  small.addEventListener('change', () => wrap.dispatchEvent(new Event('change')));
  wrap.value = () => small.value || (allowBig ? big.value : '');
  wrap.smallOnly = () => small.value;
  wrap.focus = () => (big.value ? small : big).focus();
  return wrap;
}

export function loadUnits() {
  return cached('/api/v1/units').then((a) => a.items || []);
}
