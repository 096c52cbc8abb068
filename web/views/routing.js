// The routing table for administrators (分派规则): the rules that can apply
// in the administrator's scope, a form to add one, and the dry run (试算)
// that tells where a case would go, how urgent it would be, by when it
// would be due, and which rule won and why, without creating a case.
//
// A rule names a category (small class, big class or any), an area (its
// whole subtree, or anywhere) and a grid grade (A/B/C or any), and sends
// what it covers to one unit; the most specific applicable rule wins. The
// server decides everything: this page shows its answers and its reasons.

import { api } from '../api.js';
import { h, clear, field, errorBox, toast, uid } from '../dom.js';
import { t, lang, localName, fmtDateTime, colon } from '../i18n.js';
import { areaPicker, categoryPicker, loadUnits } from './widgets.js';
import { L, baseMap, pinIcon } from './map.js';

const GRADES = ['A', 'B', 'C'];
const BY = ['rule', 'category', 'territorial'];

// Server sentences (reasons, the precedence) are Chinese: marked as such so
// a screen reader reads them in Chinese on the English page too.
function zhText(tag, attrs, text) {
  return h(tag, { ...attrs, lang: 'zh-CN' }, text);
}

function categoryText(c) {
  return c ? `${c.code} ${localName(c)}` : t('routing.any.category');
}

function gradeText(g) {
  return g ? t('routing.grade.n', { grade: g }) : t('routing.any.grade');
}

function levelLabel(lv) {
  const key = `routing.level.${lv.level}`;
  return lang() === 'en' || !lv.label ? t(key) : lv.label;
}

function specLabel(part, value) {
  const key = `routing.spec.${part}.${value}`;
  const s = t(key);
  return s === key ? value : s;
}

// The error a form shows: the sentence for the person, and the server's
// own sentence when it says more (which rule is in the way, whose scope).
function showError(box, e) {
  box.show(e.message);
  if (e.detail && e.detail !== e.message) {
    box.append(h('span', { class: 'error-detail' }, colon(t('routing.error.server')), e.detail));
  }
}

// A select of units grouped like the dispatch form's: the departments,
// then the offices of the chosen area's district, then the other offices;
// the box above narrows the list to the names that contain what is typed.
function unitPicker(err) {
  const select = h('select', { name: 'unit', id: uid('unit'), required: true });
  const count = h('p', { class: 'hint unit-count', id: uid('hint'), role: 'status' });
  const filter = h('input', { type: 'search', name: 'unit-filter', id: uid('unit-filter'),
    placeholder: t('form.unit.filter.ph'), autocomplete: 'off', enterkeyhint: 'done',
    'aria-controls': select.id, 'aria-describedby': count.id });
  let units = [];
  let district = '';

  function fill() {
    const keep = select.value;
    const q = filter.value.trim().toLowerCase();
    const matches = (u) => !q || u.name.toLowerCase().includes(q) || u.code.toLowerCase().includes(q);
    const local = (u) => district && (u.area || '').startsWith(district);
    const groups = [
      ['department', units.filter((u) => u.kind === 'department')],
      ['local', units.filter((u) => u.kind !== 'department' && local(u))],
      ['other', units.filter((u) => u.kind !== 'department' && !local(u))],
    ];
    clear(select).append(h('option', { value: '' }, t('report.category.choose')));
    let n = 0;
    for (const [key, list] of groups) {
      const shown = list.filter((u) => u.code === keep || matches(u));
      if (!shown.length) continue;
      const group = h('optgroup', { label: t(`form.unit.group.${key}`), dataset: { group: key } });
      for (const u of shown) {
        const depth = key === 'department' ? 0 : Math.max(0, ((u.area || '').length - 9) / 3);
        group.append(h('option', { value: u.code, selected: u.code === keep },
          '\u3000'.repeat(depth) + u.name));
        if (matches(u)) n += 1;
      }
      select.append(group);
    }
    count.textContent = q && !n ? t('form.unit.none', { q: filter.value.trim() }) : t('form.unit.count', { n });
  }

  select.ready = loadUnits().then((list) => {
    const depts = list.filter((u) => u.kind === 'department')
      .sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'));
    const offices = list.filter((u) => u.kind !== 'department')
      .sort((a, b) => (a.area || '').localeCompare(b.area || '') || a.name.localeCompare(b.name, 'zh-CN'));
    units = [...depts, ...offices];
    fill();
  }).catch((e) => err.show(e.message));
  filter.addEventListener('input', fill);
  filter.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') { ev.preventDefault(); select.focus(); }
  });
  // The offices of the rule's district come first among the offices.
  select.setDistrict = (code) => {
    const d = (code || '').slice(0, 6);
    if (d === district) return;
    district = d;
    if (units.length) fill();
  };
  select.fieldEl = h('div', { class: 'unit-picker' },
    field(t('routing.unit.filter'), filter),
    field(t('routing.unit'), select),
    count);
  return select;
}

// The pickers' "all" entries read as what a rule means by them.
function relabelFirst(select, text) {
  if (select && select.options[0]) select.options[0].textContent = text;
}

export function render(main, ctx) {
  const user = ctx.session.user;
  const scope = user.area || { code: ctx.session.config.city_code || '', level: 'city' };
  const wholeCity = !scope.level || scope.level === 'city';
  const anyArea = wholeCity ? t('routing.any.area.city') : t('routing.any.area.scope', { area: scope.name });
  let disposed = false;
  let rules = [];
  let highlight = null;

  // ----- the list of rules -----
  const count = h('span', { class: 'count-chip', id: 'routing-count' });
  const orderNote = h('details', { class: 'routing-order', id: 'routing-order', hidden: true },
    h('summary', null, t('routing.order')), zhText('p', { class: 'small' }, ''));
  const listErr = errorBox();
  const listBody = h('div', { id: 'routing-rules', 'aria-busy': 'true' },
    h('p', { class: 'loading' }, t('app.loading')));
  const listCard = h('section', { class: 'card routing-list', 'aria-labelledby': 'routing-list-title' },
    h('div', { class: 'card-head' },
      h('h2', { id: 'routing-list-title', tabindex: '-1' }, t('routing.list'), count),
      h('p', { class: 'hint' }, t('routing.list.hint'))),
    orderNote, listErr, listBody);

  async function loadRules() {
    try {
      const ans = await api.get('/api/v1/routing-rules');
      if (disposed) return;
      rules = ans.items || [];
      orderNote.hidden = !ans.order;
      orderNote.querySelector('p').textContent = ans.order || '';
      listErr.show('');
      drawRules();
    } catch (e) {
      if (disposed) return;
      clear(listBody).removeAttribute('aria-busy');
      listErr.show(e.message);
    }
  }

  function drawRules() {
    clear(listBody).removeAttribute('aria-busy');
    count.textContent = String(rules.length);
    count.setAttribute('aria-label', t('routing.count', { n: rules.length }));
    if (!rules.length) {
      listBody.append(h('p', { class: 'empty', id: 'routing-empty' }, t('routing.empty')));
      return;
    }
    const cols = ['id', 'category', 'area', 'grade', 'unit', 'note', 'created', 'actions'];
    const thead = h('thead', null, h('tr', null,
      ...cols.map((c) => h('th', { scope: 'col', class: `col-${c}` },
        c === 'actions' ? h('span', { class: 'visually-hidden' }, t('routing.col.actions')) : t(`routing.col.${c}`)))));
    const tbody = h('tbody');
    for (const r of rules) tbody.append(ruleRow(r));
    listBody.append(h('div', { class: 'table-scroll routing-table-wrap', tabindex: '0', role: 'region',
      'aria-labelledby': 'routing-list-title' },
    h('table', { class: 'routing-table' },
      h('caption', { class: 'visually-hidden' }, t('routing.list')), thead, tbody)));
    if (highlight) {
      const row = listBody.querySelector(`tr[data-rule-id="${highlight}"]`);
      if (row) {
        row.classList.add('is-highlight');
        row.scrollIntoView({ block: 'nearest' });
      }
      highlight = null;
    }
  }

  function ruleRow(r) {
    const cell = (col, ...content) => h('td', { class: `col-${col}`, dataset: { label: t(`routing.col.${col}`) } },
      content.length ? h('span', { class: 'cell' }, ...content) : null);
    const actions = cell('actions');
    const row = h('tr', { dataset: { ruleId: r.id }, class: r.editable ? '' : 'is-readonly' },
      h('th', { scope: 'row', class: 'col-id', dataset: { label: t('routing.col.id') } }, `#${r.id}`),
      cell('category', r.category
        ? [h('span', { class: 'code' }, r.category.code), ' ', localName(r.category),
          h('span', { class: 'tag' }, t(r.category.code.length > 2 ? 'routing.small' : 'routing.big'))]
        : h('span', { class: 'muted' }, t('routing.any.category'))),
      cell('area', r.area ? r.area.name : h('span', { class: 'muted' }, t('routing.anywhere'))),
      cell('grade', r.grade ? gradeText(r.grade) : h('span', { class: 'muted' }, t('routing.any.grade'))),
      cell('unit', h('strong', null, r.unit?.name || '')),
      cell('note', r.note ? r.note : h('span', { class: 'muted' }, '—')),
      cell('created', h('time', { datetime: r.created_at }, fmtDateTime(r.created_at))),
      actions);
    function idle() {
      clear(actions);
      if (!r.editable) {
        actions.append(h('span', { class: 'muted small', title: t('routing.readonly.why') }, t('routing.readonly')));
        return null;
      }
      const change = h('button', { type: 'button', class: 'btn btn-ghost btn-sm', dataset: { action: 'change-unit' },
        'aria-label': t('routing.change.label', { id: r.id }), onclick: changeUnit }, t('routing.change'));
      const del = h('button', { type: 'button', class: 'btn btn-ghost btn-sm btn-del', dataset: { action: 'delete' },
        'aria-label': t('routing.delete.label', { id: r.id }), onclick: confirm }, t('routing.delete'));
      actions.append(change, del);
      return change;
    }
    // Another unit for the same rule: departments are reorganised, the
    // rule's category, area and grade stay what they are.
    function changeUnit() {
      clear(actions);
      const err = errorBox();
      const select = unitPicker(err);
      select.setDistrict(r.area?.code || '');
      select.ready.then(() => { select.value = r.unit?.code || ''; });
      const save = h('button', { type: 'submit', class: 'btn btn-primary btn-sm', dataset: { action: 'save-unit' } },
        t('routing.change.save'));
      const cancel = h('button', { type: 'button', class: 'btn btn-ghost btn-sm', onclick: () => idle().focus() },
        t('routing.delete.no'));
      const form = h('form', { class: 'change-unit', 'aria-label': t('routing.change.label', { id: r.id }) },
        select.fieldEl, h('div', { class: 'form-buttons' }, save, cancel), err);
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        if (!select.value) { err.show(t('routing.need.unit')); select.focus(); return; }
        save.disabled = true;
        try {
          await api.patch(`/api/v1/routing-rules/${r.id}`, { unit: select.value });
          toast(t('routing.changed', { id: r.id }), 'success');
          await loadRules();
          refreshDry();
        } catch (e) {
          save.disabled = false;
          showError(err, e);
        }
      });
      actions.append(form);
      select.focus();
    }
    function confirm() {
      clear(actions);
      const err = errorBox();
      const yes = h('button', { type: 'button', class: 'btn btn-danger btn-sm', dataset: { action: 'confirm-delete' } },
        t('routing.delete.yes'));
      const no = h('button', { type: 'button', class: 'btn btn-ghost btn-sm', onclick: () => idle().focus() },
        t('routing.delete.no'));
      yes.addEventListener('click', async () => {
        yes.disabled = true;
        no.disabled = true;
        try {
          await api.del(`/api/v1/routing-rules/${r.id}`);
          toast(t('routing.deleted', { id: r.id }), 'success');
          addErr.show('');
          await loadRules();
          refreshDry();
          document.getElementById('routing-list-title')?.focus();
        } catch (e) {
          yes.disabled = false;
          no.disabled = false;
          showError(err, e);
        }
      });
      actions.append(h('div', { class: 'confirm-delete', role: 'group', 'aria-label': t('routing.delete.label', { id: r.id }) },
        h('p', { class: 'confirm-text' }, t('routing.delete.ask', { id: r.id })),
        h('div', { class: 'form-buttons' }, yes, no), err));
      yes.focus();
    }
    idle();
    return row;
  }

  // ----- adding a rule -----
  const addErr = errorBox();
  const addCat = categoryPicker('', { allowBig: true, label: t('routing.category') });
  const [bigSel, smallSel] = addCat.querySelectorAll('select');
  addCat.ready.then(() => relabelFirst(bigSel, t('routing.any.category')));
  addCat.addEventListener('change', () => {
    if (bigSel.value) relabelFirst(smallSel, t('routing.wholeBig'));
  });
  const addArea = areaPicker(scope.code, '', t('routing.area'));
  addArea.ready.then(() => relabelFirst(addArea.querySelector('select'), anyArea));
  const grade = h('select', { name: 'grade', id: uid('grade') },
    h('option', { value: '' }, t('routing.any.grade')),
    ...GRADES.map((g) => h('option', { value: g }, gradeText(g))));
  const unit = unitPicker(addErr);
  addArea.addEventListener('change', () => unit.setDistrict(addArea.value()));
  const note = h('input', { type: 'text', name: 'note', maxlength: 200, autocomplete: 'off',
    placeholder: t('routing.note.ph') });
  const addBtn = h('button', { type: 'submit', class: 'btn btn-primary', id: 'routing-add-submit' }, t('routing.add.submit'));

  const addForm = h('form', { class: 'card routing-add', id: 'routing-add', novalidate: true,
    'aria-labelledby': 'routing-add-title' },
  h('h2', { id: 'routing-add-title' }, t('routing.add')),
  h('p', { class: 'hint lead-hint' }, t('routing.add.hint')),
  h('fieldset', { class: 'plain' }, h('legend', null, t('routing.category')), addCat,
    h('p', { class: 'hint' }, t('routing.category.hint'))),
  h('fieldset', { class: 'plain' }, h('legend', null, t('routing.area')), addArea,
    h('p', { class: 'hint' }, t('routing.area.hint'))),
  field(t('routing.grade'), grade, t('routing.grade.hint')),
  unit.fieldEl,
  field(t('routing.note'), note),
  addErr,
  h('div', { class: 'form-buttons' }, addBtn));

  addForm.addEventListener('change', () => addErr.show(''));
  addForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    addErr.show('');
    if (!unit.value) { addErr.show(t('routing.need.unit')); unit.focus(); return; }
    const body = { unit: unit.value };
    if (addCat.value()) body.category = addCat.value();
    if (addArea.value()) body.area = addArea.value();
    else if (!wholeCity && scope.code) body.area = scope.code;
    if (grade.value) body.grade = grade.value;
    if (note.value.trim()) body.note = note.value.trim();
    addBtn.disabled = true;
    addBtn.textContent = t('routing.add.busy');
    try {
      const rule = await api.post('/api/v1/routing-rules', body);
      toast(t('routing.added', { id: rule.id }), 'success');
      note.value = '';
      highlight = rule.id;
      await loadRules();
      refreshDry();
    } catch (e) {
      showError(addErr, e);
      // The rule already there is the one to look at.
      const m = e.code === 'duplicate_rule' && /#(\d+)/.exec(e.detail || '');
      if (m) { highlight = Number(m[1]); drawRules(); }
    } finally {
      addBtn.disabled = false;
      addBtn.textContent = t('routing.add.submit');
    }
  });

  // ----- the dry run -----
  const dryErr = errorBox();
  const dryCat = categoryPicker('', { label: t('routing.dry.category') });
  const dryArea = areaPicker(scope.code, '', t('routing.dry.area'));
  dryArea.ready.then(() => relabelFirst(dryArea.querySelector('select'), t('report.category.choose')));
  const text = h('textarea', { name: 'text', rows: 2, maxlength: 4000, placeholder: t('routing.dry.text.ph') });
  const modeName = uid('mode');
  const modeArea = h('input', { type: 'radio', name: modeName, value: 'area', id: uid('mode'), checked: true });
  const modePoint = h('input', { type: 'radio', name: modeName, value: 'point', id: uid('mode') });
  const mapEl = h('div', { class: 'map routing-map', id: 'routing-map', role: 'application', tabindex: '0',
    'aria-label': t('routing.dry.map'), 'aria-describedby': 'routing-map-hint' });
  const lon = h('input', { type: 'text', inputmode: 'decimal', name: 'lon', autocomplete: 'off', placeholder: '111.66' });
  const lat = h('input', { type: 'text', inputmode: 'decimal', name: 'lat', autocomplete: 'off', placeholder: '40.82' });
  const areaBox = h('div', { class: 'dry-where dry-where-area' }, dryArea);
  const pointBox = h('div', { class: 'dry-where dry-where-point', hidden: true },
    h('p', { class: 'hint', id: 'routing-map-hint' }, t('routing.dry.map.hint')),
    mapEl,
    h('div', { class: 'coords' }, field(t('routing.dry.lon'), lon), field(t('routing.dry.lat'), lat)));
  const dryBtn = h('button', { type: 'submit', class: 'btn btn-primary', id: 'routing-dry-submit' }, t('routing.dry.submit'));
  const result = h('div', { class: 'dry-result', id: 'dry-result', 'aria-live': 'polite' },
    h('p', { class: 'muted dry-placeholder' }, t('routing.dry.placeholder')));

  const dryForm = h('form', { class: 'dry-form', novalidate: true },
    h('fieldset', { class: 'plain' }, h('legend', null, t('routing.dry.category')), dryCat),
    h('fieldset', { class: 'plain' },
      h('legend', null, t('routing.dry.where')),
      h('div', { class: 'segmented', role: 'radiogroup', 'aria-label': t('routing.dry.where') },
        h('label', { for: modeArea.id }, modeArea, h('span', null, t('routing.dry.byArea'))),
        h('label', { for: modePoint.id }, modePoint, h('span', null, t('routing.dry.byPoint')))),
      areaBox, pointBox),
    field(t('routing.dry.text'), text, t('routing.dry.text.hint')),
    dryErr,
    h('div', { class: 'form-buttons' }, dryBtn));
  const dryCard = h('section', { class: 'card routing-dry', id: 'routing-dry', 'aria-labelledby': 'routing-dry-title' },
    h('h2', { id: 'routing-dry-title' }, t('routing.dry')),
    h('p', { class: 'hint lead-hint' }, t('routing.dry.hint')),
    dryForm, result);

  main.append(
    h('div', { class: 'page-head' }, h('h1', null, t('routing.title')), h('p', { class: 'lead' }, t('routing.lead'))),
    listCard,
    h('div', { class: 'routing-grid' }, addForm, dryCard));

  // The map is made when it is first shown, so Leaflet measures a visible box.
  let map = null;
  let marker = null;
  let point = null;
  function ensureMap() {
    if (map) return;
    const made = baseMap(mapEl, ctx.session.config, { focus: user.area });
    map = made.map;
    made.ready.then(() => {
      if (disposed) return;
      map.invalidateSize();
      if (point) map.setView([point.lat, point.lon], Math.max(map.getZoom(), 14), { animate: false });
    });
    map.on('click', (e) => {
      setPoint(e.latlng.lat, e.latlng.lng, false);
      if (dryCat.smallOnly()) run();
    });
  }
  function setPoint(la, lo, recenter) {
    point = { lat: la, lon: lo };
    lon.value = lo.toFixed(6);
    lat.value = la.toFixed(6);
    if (!map) return;
    const ll = [la, lo];
    if (!marker) {
      marker = L.marker(ll, { icon: pinIcon(), draggable: true, keyboard: true,
        title: t('routing.dry.pin'), alt: t('routing.dry.pin') }).addTo(map);
      marker.on('dragend', () => {
        const p = marker.getLatLng();
        setPoint(p.lat, p.lng, false);
        if (dryCat.smallOnly()) run();
      });
    } else {
      marker.setLatLng(ll);
    }
    if (recenter) map.setView(ll, Math.max(map.getZoom(), 14), { animate: false });
  }
  function coordsTyped() {
    const lo = Number(lon.value.trim());
    const la = Number(lat.value.trim());
    if (lon.value.trim() && lat.value.trim() && Number.isFinite(lo) && Number.isFinite(la)) setPoint(la, lo, true);
  }
  lon.addEventListener('change', coordsTyped);
  lat.addEventListener('change', coordsTyped);
  function setMode() {
    const byPoint = modePoint.checked;
    areaBox.hidden = byPoint;
    pointBox.hidden = !byPoint;
    if (byPoint) {
      ensureMap();
      map.invalidateSize();
    }
  }
  modeArea.addEventListener('change', setMode);
  modePoint.addEventListener('change', setMode);

  let drySeq = 0;
  let lastQuery = null;
  async function run(query) {
    dryErr.show('');
    let q = query;
    if (!q) {
      const category = dryCat.smallOnly();
      if (!category) { dryErr.show(t('routing.need.category')); dryCat.focus(); return; }
      q = { category, text: text.value.trim() || undefined };
      if (modePoint.checked) {
        coordsTyped();
        if (!point) { dryErr.show(t('routing.need.point')); mapEl.focus(); return; }
        q.lon = point.lon.toFixed(6);
        q.lat = point.lat.toFixed(6);
      } else {
        const a = dryArea.value();
        if (!a) { dryErr.show(t('routing.need.area')); dryArea.querySelector('select')?.focus(); return; }
        q.area = a;
      }
    }
    const seq = ++drySeq;
    result.setAttribute('aria-busy', 'true');
    dryBtn.disabled = true;
    try {
      const ans = await api.get('/api/v1/routing/dry-run', q);
      if (disposed || seq !== drySeq) return;
      lastQuery = q;
      drawResult(ans);
    } catch (e) {
      if (disposed || seq !== drySeq) return;
      showError(dryErr, e);
    } finally {
      if (seq === drySeq) {
        result.removeAttribute('aria-busy');
        dryBtn.disabled = false;
      }
    }
  }
  // After a rule is added or deleted, the last dry run is asked again.
  function refreshDry() {
    if (lastQuery) run(lastQuery);
  }
  dryForm.addEventListener('submit', (ev) => { ev.preventDefault(); run(); });

  function englishReason(ans) {
    const win = (ans.rules || []).find((r) => r.won);
    if (ans.by === 'rule' && win) {
      return t('routing.reason.rule', { id: win.id, category: categoryText(win.category),
        area: win.area ? win.area.name : t('routing.anywhere'), unit: ans.unit.name });
    }
    return t(`routing.reason.${ans.by}`, { unit: ans.unit.name });
  }

  function drawResult(ans) {
    clear(result);
    const by = BY.includes(ans.by) ? ans.by : 'rule';
    const path = (ans.path || []).filter((a) => a.level !== 'city').map((a) => a.name).join(' / ') || ans.area?.name;
    const lv = ans.level || {};
    const applicable = ans.rules || [];

    const head = h('div', { class: `dry-head by-${by}`, id: 'dry-unit' },
      h('p', { class: 'dry-kicker' }, t('routing.dry.goesTo')),
      h('p', { class: 'dry-unit-name' }, h('strong', null, ans.unit?.name || ''),
        h('span', { class: `badge by-badge by-${by}`, dataset: { by } }, t(`routing.by.${by}`))),
      lang() === 'en' ? h('p', { class: 'dry-reason' }, englishReason(ans)) : null,
      zhText('p', { class: lang() === 'en' ? 'dry-reason-zh small muted' : 'dry-reason', id: 'dry-reason' },
        (lang() === 'en' ? colon(t('routing.dry.stored')) : '') + (ans.reason || '')));

    const rows = [];
    const add = (key, ...v) => rows.push(h('div', { class: `dl-row dry-${key}` },
      h('dt', null, t(`routing.dry.${key}`)), h('dd', null, ...v)));
    add('place', h('span', null, path),
      ans.area?.grade ? h('span', { class: 'tag' }, t('routing.grade.grid', { grade: ans.area.grade })) : null);
    add('category', `${ans.category?.code} ${localName(ans.category)}`);
    add('level',
      h('span', { class: `badge level-${lv.level}`, dataset: { level: lv.level } }, levelLabel(lv)),
      lv.from_text ? h('span', { class: 'tag tag-warn' }, t('routing.level.fromText')) : null,
      lv.reason ? zhText('span', { class: 'dd-note' }, lv.reason) : null);
    add('deadline',
      h('strong', { class: 'num' }, fmtDateTime(ans.deadline?.due_at_if_reported_now)),
      h('span', { class: 'muted small' }, ' ' + t('routing.dry.ifNow')),
      ans.deadline?.rule ? zhText('span', { class: 'dd-note' }, colon(t('routing.dry.setBy')) + ans.deadline.rule) : null);

    const list = h('ol', { class: 'dry-rules', id: 'dry-rules' });
    for (const r of applicable) {
      const s = r.specificity || {};
      list.append(h('li', { class: 'dry-rule' + (r.won ? ' is-winner' : ''), dataset: { ruleId: r.id, won: String(!!r.won) } },
        h('div', { class: 'dry-rule-head' },
          h('span', { class: 'dry-rule-id' }, `#${r.id}`),
          r.won
            ? h('span', { class: 'badge badge-won' }, '✓ ' + t('routing.won'))
            : h('span', { class: 'badge badge-lost' }, t('routing.lost'))),
        h('p', { class: 'dry-rule-text' },
          categoryText(r.category), ' · ', r.area ? r.area.name : t('routing.anywhere'),
          r.grade ? ` · ${gradeText(r.grade)}` : '',
          h('span', { class: 'arrow', 'aria-label': t('routing.to') }, ' → '), h('strong', null, r.unit?.name || '')),
        h('ul', { class: 'spec', 'aria-label': t('routing.spec') },
          h('li', null, colon(t('routing.spec.category')), specLabel('category', s.category)),
          h('li', null, colon(t('routing.spec.area')), specLabel('area', s.area)),
          h('li', null, colon(t('routing.spec.grade')), s.grade === 'any' ? t('routing.any.grade') : gradeText(s.grade)))));
    }

    result.append(
      h('h3', { class: 'visually-hidden' }, t('routing.dry.result')),
      head,
      h('dl', { class: 'details dry-details' }, rows),
      h('h3', { class: 'dry-rules-title' }, t('routing.dry.rules', { n: applicable.length })),
      applicable.length ? list : h('p', { class: 'muted dry-norules', id: 'dry-norules' }, t(`routing.dry.none.${by}`)),
      ans.order ? h('details', { class: 'routing-order' }, h('summary', null, t('routing.order')),
        zhText('p', { class: 'small' }, ans.order)) : null);
  }

  loadRules();

  return () => {
    disposed = true;
    if (map) map.remove();
  };
}
