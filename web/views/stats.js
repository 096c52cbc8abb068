// Statistics for leaders (统计分析): every figure the server computes, each
// with the formula it was computed by, for an area, a category and a
// period, counted as things stood at a chosen moment ("as of"), and broken
// down by area, category or handling unit.

import { api } from '../api.js';
import { h, clear, field, errorBox } from '../dom.js';
import { t, lang, fmtNumber, fmtDateTime, localName } from '../i18n.js';
import { areaPicker, categoryPicker } from './widgets.js';

// Figures shown large, in this order; the rest follow as smaller tiles.
const HEADLINE = ['reported', 'closed', 'open', 'closure_rate', 'ontime_rate', 'satisfaction_rate'];

function figureLabel(f) {
  return lang() === 'en' ? f.label_en : f.label_zh;
}

// The formula in the interface's language.
function formulaOf(f) {
  return lang() === 'en' ? f.formula : (f.formula_zh || f.formula);
}

function figureValue(f) {
  if (f.value === null || f.value === undefined) return t('stats.none');
  if (f.percent) return f.percent.endsWith('%') ? f.percent : f.percent + '%';
  if (f.numerator !== undefined) return t('stats.none');
  if (f.key === 'avg_close_hours') return fmtNumber(f.value, 1);
  return fmtNumber(f.value);
}

function hashFor(q) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v) qs.set(k, v);
  const s = qs.toString();
  return '#/stats' + (s ? '?' + s : '');
}

// <input type=datetime-local> speaks local wall time without a zone; the
// platform's wall time is Beijing time, so it is sent with +08:00.
function asOfParam(v) {
  if (!v) return undefined;
  return (v.length === 16 ? v + ':00' : v) + '+08:00';
}

// The form's end date is the last day counted; the API's `to` is the first
// day not counted.
function dayAfter(d) {
  if (!d) return undefined;
  const t = new Date(`${d}T00:00:00Z`);
  t.setUTCDate(t.getUTCDate() + 1);
  return t.toISOString().slice(0, 10);
}

export function render(main, ctx) {
  const user = ctx.session.user;
  const q = {
    area: ctx.query.get('area') || '',
    category: ctx.query.get('category') || '',
    from: ctx.query.get('from') || '',
    to: ctx.query.get('to') || '',
    as_of: ctx.query.get('as_of') || '',
    by: ctx.query.get('by') ?? 'area',
  };

  const root = user.area?.code || ctx.session.config.city_code || '';
  const area = areaPicker(root, q.area, t('stats.area'));
  const cat = categoryPicker(q.category, { allowBig: true, label: t('stats.category') });
  const from = h('input', { type: 'date', name: 'from', value: q.from });
  const to = h('input', { type: 'date', name: 'to', value: q.to });
  const asOf = h('input', { type: 'datetime-local', name: 'as_of', value: q.as_of, step: 60 });
  const by = h('select', { name: 'by' },
    ...[['none', 'stats.by.none'], ['area', 'stats.by.area'], ['category', 'stats.by.category'], ['unit', 'stats.by.unit']]
      .map(([v, k]) => h('option', { value: v, selected: v === q.by }, t(k))));
  const err = errorBox();

  const form = h('form', { class: 'card filters stats-filters' },
    h('div', { class: 'filter-row' },
      h('div', { class: 'field' }, h('span', { class: 'label' }, t('stats.area')), area),
      h('div', { class: 'field' }, h('span', { class: 'label' }, t('stats.category')), cat)),
    h('div', { class: 'filter-row' },
      field(t('stats.from'), from), field(t('stats.to'), to), field(t('stats.asOf'), asOf), field(t('stats.by'), by),
      h('div', { class: 'filter-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('stats.apply')))),
    err);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.go(hashFor({ area: area.value(), category: cat.value(), from: from.value, to: to.value,
      as_of: asOf.value, by: by.value }));
  });

  const asOfNote = h('p', { class: 'muted small', id: 'stats-as-of' });
  const tiles = h('div', { class: 'tiles', id: 'stats-tiles', 'aria-busy': 'true' }, h('p', { class: 'loading' }, t('app.loading')));
  const table = h('div', { class: 'stats-table-wrap', id: 'stats-groups' });

  main.append(
    h('div', { class: 'page-head' }, h('h1', null, t('stats.title')), h('p', { class: 'lead' }, t('stats.lead'))),
    form, asOfNote, tiles, table);

  const params = {
    area: q.area, category: q.category, from: q.from, to: dayAfter(q.to), as_of: asOfParam(q.as_of),
    by: q.by && q.by !== 'none' ? q.by : undefined,
  };
  api.get('/api/v1/stats', params).then((ans) => {
    clear(tiles).removeAttribute('aria-busy');
    asOfNote.textContent = t('stats.asOfNote', { when: fmtDateTime(ans.as_of) });
    const figures = ans.figures || [];
    const order = [...HEADLINE.map((k) => figures.find((f) => f.key === k)).filter(Boolean),
      ...figures.filter((f) => !HEADLINE.includes(f.key))];
    for (const f of order) {
      const big = HEADLINE.includes(f.key);
      tiles.append(h('article', { class: 'tile' + (big ? ' tile-big' : '') + (f.percent !== undefined || f.numerator !== undefined ? ' tile-rate' : ''),
        title: t('stats.formula', { formula: formulaOf(f) }), dataset: { key: f.key } },
      h('h3', { class: 'tile-label' }, figureLabel(f)),
      h('p', { class: 'tile-value' }, figureValue(f)),
      f.numerator !== undefined ? h('p', { class: 'tile-frac' }, t('stats.fraction', { num: fmtNumber(f.numerator), den: fmtNumber(f.denominator) })) : null,
      h('p', { class: 'tile-formula' }, formulaOf(f))));
    }
    drawGroups(ans, order.map((f) => f.key));
  }).catch((e) => {
    clear(tiles).removeAttribute('aria-busy');
    err.show(e.message);
  });

  function drawGroups(ans, keys) {
    clear(table);
    if (!ans.by) return;
    const groups = ans.groups || [];
    table.append(h('h2', null, t('stats.table') + ' · ' + t('stats.by.' + ans.by)));
    if (!groups.length) {
      table.append(h('p', { class: 'muted' }, t('stats.noGroups')));
      return;
    }
    const first = groups[0].figures || [];
    const labelOf = (k) => { const f = first.find((x) => x.key === k); return f ? figureLabel(f) : k; };
    const thead = h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, t('stats.table.name')),
      ...keys.map((k) => h('th', { scope: 'col', title: formulaOf(first.find((x) => x.key === k) || {}) || '' }, labelOf(k)))));
    const tbody = h('tbody');
    for (const g of groups) {
      const byKey = Object.fromEntries((g.figures || []).map((f) => [f.key, f]));
      tbody.append(h('tr', null,
        h('th', { scope: 'row' }, ans.by === 'category' ? localName({ code: g.key, name: g.name }) || g.key : g.name || g.key),
        ...keys.map((k) => h('td', { class: byKey[k]?.numerator !== undefined ? 'num rate' : 'num',
          title: byKey[k]?.numerator !== undefined ? t('stats.fraction', { num: byKey[k].numerator, den: byKey[k].denominator }) : null },
        byKey[k] ? figureValue(byKey[k]) : t('stats.none')))));
    }
    table.append(h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': t('stats.table') },
      h('table', { class: 'stats-table' }, thead, tbody)));
  }
}
