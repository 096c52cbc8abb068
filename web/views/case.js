// One case: what was reported, before and after photos side by side, the
// whole history, and exactly the actions the server says this person may
// take now (allowed_actions) — no more, no fewer. Each action has a small
// form asking for what it needs (a reason, closing photos, a unit ...).
// The loaded version goes with every action, so if someone else changed
// the case meanwhile the server refuses and the page reloads it.

import { api, request, uploadPhoto, newKey, cached } from '../api.js';
import { h, clear, field, errorBox, toast, uid } from '../dom.js';
import { t, has, colon, stateLabel, actionLabel, roleLabel, ratingLabel, localName, fmtDateTime } from '../i18n.js';
import { L, baseMap, pinIcon, areaLayer, GRID_MARK } from './map.js';
import { stateBadge, loadUnits, categoryPicker, caseTitle } from './widgets.js';
import { PHOTO_ACCEPT, isPhotoType, shrink, UnreadablePhoto } from './photos.js';

// The case's place from the district down (the city is the platform's
// own), e.g. 回民区 / 光明路街道 / 电子路社区 / 电子路社区第2网格.
function areaPath(area) {
  const path = (area?.path || []).filter((a) => a.level !== 'city');
  return path.length ? path.map((a) => a.name).join(' / ') : localName(area);
}

// An acceptance the platform made on its own, when the classifier was sure
// enough: no person, and a note that says so.
function isAutomatic(e) {
  return !e.actor && e.action === 'accept' && /^自动立案/.test(e.note || '');
}

const RATINGS = ['satisfied', 'basically_satisfied', 'unsatisfied'];

// What each action asks for, mirroring the lifecycle table's needs. An
// action not listed takes an optional note.
const NEEDS = {
  reject: ['note'],
  rework: ['note'],
  return: ['note'],
  deny_extension: ['note'],
  suspend: ['note'],
  escalate: ['note'],
  reopen: ['note'],
  extend: ['note', 'days'],
  handle: ['note', 'photos'],
  self_handle: ['note', 'photos'],
  dispatch: ['unit'],
  merge: ['target'],
  rate: ['rating'],
};

// Actions that move a case forward are primary; those that stop or send it
// back are drawn as secondary or as a warning.
const TONE = {
  accept: 'primary', dispatch: 'primary', sign: 'primary', handle: 'primary', close: 'primary',
  approve_extension: 'primary', resume: 'primary',
  reject: 'danger', withdraw: 'danger', rework: 'warn', return: 'warn', deny_extension: 'warn',
  escalate: 'warn', reopen: 'warn',
};

// The unit to dispatch to, out of some 200: the one the case is routed to
// first, then the departments, then the offices of the case's own district
// (their area codes start with its 6-digit district code), then the other
// offices. Typing in the box above the list narrows it to the names that
// contain what was typed; the chosen unit always stays in the list.
function unitPicker(c, err) {
  const district = (c.area?.code || '').slice(0, 6);
  const select = h('select', { name: 'unit', required: true, id: uid('unit') });
  const count = h('p', { class: 'hint unit-count', id: uid('hint'), role: 'status' });
  const filter = h('input', { type: 'search', name: 'unit-filter', id: uid('unit-filter'),
    placeholder: t('form.unit.filter.ph'), autocomplete: 'off', enterkeyhint: 'done',
    'aria-controls': select.id, 'aria-describedby': count.id });
  let units = [];
  let suggested = null;

  function fill() {
    const keep = select.value || (suggested ? suggested.code : '');
    const q = filter.value.trim().toLowerCase();
    const matches = (u) => !q || u.name.toLowerCase().includes(q) || u.code.toLowerCase().includes(q);
    const hit = (u) => u.code === keep || matches(u);
    const groups = [
      ['suggested', suggested ? [suggested] : []],
      ['department', units.filter((u) => u !== suggested && u.kind === 'department')],
      ['local', units.filter((u) => u !== suggested && u.kind !== 'department' && district && (u.area || '').startsWith(district))],
      ['other', units.filter((u) => u !== suggested && u.kind !== 'department' && !(district && (u.area || '').startsWith(district)))],
    ];
    clear(select).append(h('option', { value: '' }, t('report.category.choose')));
    let n = 0;
    for (const [key, list] of groups) {
      const shown = list.filter(hit);
      if (!shown.length) continue;
      const group = h('optgroup', { label: t(`form.unit.group.${key}`), dataset: { group: key } });
      for (const u of shown) {
        // Offices below a street's are indented under it.
        const depth = key === 'department' || key === 'suggested' ? 0 : Math.max(0, ((u.area || '').length - 9) / 3);
        group.append(h('option', { value: u.code, selected: u.code === keep },
          '\u3000'.repeat(depth) + u.name + (u === suggested ? t('form.unit.suggested') : '')));
        if (matches(u)) n += 1;
      }
      select.append(group);
    }
    count.textContent = q && !n ? t('form.unit.none', { q: filter.value.trim() }) : t('form.unit.count', { n });
  }

  loadUnits().then((list) => {
    const depts = list.filter((u) => u.kind === 'department')
      .sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'));
    const offices = list.filter((u) => u.kind !== 'department')
      .sort((a, b) => (a.area || '').localeCompare(b.area || '') || a.name.localeCompare(b.name, 'zh-CN'));
    units = [...depts, ...offices];
    suggested = units.find((u) => u.id === c.unit_id) || null;
    fill();
  }).catch((e) => err.show(e.message));
  filter.addEventListener('input', fill);
  filter.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') { ev.preventDefault(); select.focus(); }
  });

  select.fieldEl = h('div', { class: 'unit-picker' },
    field(t('form.unit.filter'), filter),
    field(t('form.unit'), select),
    count);
  return select;
}

export function render(main, ctx) {
  const id = Number(ctx.params.id);
  let mapCleanup = null;
  let disposed = false;

  async function load(notice) {
    try {
      const c = await api.get(`/api/v1/cases/${id}`);
      if (disposed) return;
      draw(c);
      if (notice) toast(notice, 'info');
    } catch (e) {
      if (disposed) return;
      clear(main).append(h('div', { class: 'card empty' },
        h('p', { class: 'form-error', role: 'alert' }, e.status === 404 || e.status === 403 ? t('case.notFound') : e.message),
        h('a', { class: 'btn btn-secondary', href: ctx.session.user.role === 'resident' ? '#/mine' : '#/queue' }, t('case.back'))));
    }
  }

  function draw(c) {
    if (mapCleanup) { mapCleanup(); mapCleanup = null; }
    clear(main);
    const user = ctx.session.user;
    const isStaff = user.role !== 'resident';
    const events = c.events || [];

    const head = h('div', { class: 'case-page-head' },
      h('a', { class: 'back-link', href: isStaff && !c.mine ? '#/queue' : '#/mine' }, '‹ ' + t('case.back')),
      h('div', { class: 'case-title-row' },
        h('h1', null, t('case.title', { id: `#${c.id}` })),
        h('span', { id: 'case-state' }, stateBadge(c)),
        c.overdue ? h('span', { class: 'badge badge-danger' }, t('case.overdue')) : null,
        c.escalated ? h('span', { class: 'badge badge-warn' }, t('list.escalated')) : null),
      c.title ? h('p', { class: 'case-subtitle' }, c.title) : null);

    const description = h('section', { class: 'card case-desc-card' },
      h('p', { class: 'case-description' }, c.description || ''),
      h('p', { class: 'muted small' },
        [localName(c.category), areaPath(c.area), c.address].filter(Boolean).join(' · ')),
      // A merged case follows another: its reporter finds the result there.
      c.state === 'merged' && c.parent_id
        ? h('p', { class: 'merged-into', id: 'merged-into' }, t('case.mergedInto'),
          h('a', { href: `#/case/${c.parent_id}` }, `#${c.parent_id}`))
        : null);

    const actions = actionPanel(c);
    const support = supportCard(c);
    const details = detailsCard(c, isStaff);
    const timeline = timelineCard(events);
    const photos = compareCard(events);

    let mapCard = null;
    if (c.location) {
      const mapEl = h('div', { class: 'map map-case', role: 'img', 'aria-label': t('map.case') });
      mapCard = h('section', { class: 'card card-flush' }, mapEl);
      requestAnimationFrame(() => {
        if (disposed || !mapEl.isConnected) return;
        const { map, ready } = baseMap(mapEl, ctx.session.config, { keepView: true, levels: ['street'] });
        const ll = [c.location.lat, c.location.lon];
        map.setView(ll, 16, { animate: false });
        L.marker(ll, { icon: pinIcon(), keyboard: false, interactive: false }).addTo(map);
        mapCleanup = () => map.remove();
        const code = c.area?.code || '';
        if (code.length >= 9) {
          ready.then(() => cached('/api/v1/areas/geojson', { level: 'grid', within: code.slice(0, 9) }))
            .then((fc) => {
              if (disposed || !mapEl.isConnected) return;
              areaLayer(fc, 'grid').addTo(map).eachLayer((l) => {
                if (code.startsWith(l.feature?.properties?.code)) l.setStyle(GRID_MARK);
              });
            }).catch(() => { /* the outline is a help, not a need */ });
        }
      });
    }

    // On a desk the actions stay in sight beside the case; on a phone they
    // come right after the photos (see .case-layout in style.css).
    description.classList.add('slot-desc');
    photos.classList.add('slot-photos');
    timeline.classList.add('slot-timeline');
    actions.classList.add('slot-actions');
    details.classList.add('slot-details');
    mapCard?.classList.add('slot-map');
    main.append(head, h('div', { class: 'case-layout' },
      h('div', { class: 'case-main' }, description, photos, timeline),
      h('div', { class: 'case-side' }, support, actions, details, mapCard)));
  }

  // "Me too": how many residents met the same problem and joined the case
  // instead of filing it again, and for a resident who did not report it,
  // the button to join (我也遇到了). Filled in once the count arrives.
  function supportCard(c) {
    const box = h('section', { class: 'card support-card', id: 'case-support', hidden: true,
      'aria-live': 'polite' });
    api.get(`/api/v1/cases/${c.id}/support`)
      .then((s) => { if (!disposed) fillSupport(box, c, s); })
      .catch(() => { /* the count is a help, not a need */ });
    return box;
  }

  function fillSupport(box, c, s) {
    const resident = ctx.session.user.role === 'resident';
    const canJoin = resident && !c.mine && s.can_support;
    clear(box);
    box.hidden = !s.supporters && !canJoin && !s.supporting;
    if (box.hidden) return;
    box.append(h('p', { class: 'support-count', id: 'support-count' },
      t('support.count', { n: s.supporters })));
    if (s.supporting) {
      box.append(h('p', { class: 'support-mine', id: 'support-mine' }, t('support.joined')));
      return;
    }
    if (!canJoin) return;
    const err = errorBox();
    const btn = h('button', { type: 'button', class: 'btn btn-primary btn-block', id: 'support-button' },
      t('support.button'));
    btn.addEventListener('click', async () => {
      btn.disabled = true;
      err.show('');
      try {
        const ans = await request(`/api/v1/cases/${c.id}/support`, { method: 'POST' });
        toast(t('support.done'), 'success');
        fillSupport(box, c, ans);
      } catch (e) {
        btn.disabled = false;
        err.show(e.message);
      }
    });
    box.append(btn, h('p', { class: 'hint' }, t('support.hint')), err);
  }

  function compareCard(events) {
    const before = [];
    const after = [];
    for (const e of events) {
      if (e.action === 'submit') before.push(...(e.photos || []));
      if (e.action === 'handle' || e.action === 'self_handle') after.push(...(e.photos || []));
    }
    const figure = (cls, label, list) => h('figure', { class: `compare-side ${cls}` },
      h('figcaption', null, label),
      list.length
        ? h('div', { class: 'compare-photos' }, ...list.map((p, i) => h('a', {
          href: p.url, target: '_blank', rel: 'noopener', 'aria-label': `${label} ${i + 1}: ${t('case.photo.open')}`,
        }, h('img', { src: p.url, alt: `${label} ${i + 1}`, width: p.width, height: p.height }))))
        : h('div', { class: 'compare-empty' }, t('case.noPhotos')));
    return h('section', { class: 'card compare', id: 'photo-compare' },
      figure('before', t('case.before'), before),
      figure('after', t('case.after'), after));
  }

  function detailsCard(c, isStaff) {
    const rows = [];
    const add = (k, v, cls) => { if (v) rows.push(h('div', { class: 'dl-row ' + (cls || '') }, h('dt', null, t(k)), h('dd', null, v))); };
    add('case.ref', c.ref);
    add('case.state', stateLabel(c.state, c.state_label));
    add('case.category', c.category ? localName(c.category) + t('punct.paren', { text: c.category.code }) : '');
    add('case.area', areaPath(c.area));
    add('case.address', c.address);
    add('case.unit', c.unit);
    if (c.level) {
      add('case.level', h('span', null,
        h('span', { class: 'badge level-' + c.level + (c.level === 'emergency' ? ' badge-danger'
          : c.level === 'utility' ? ' badge-warn' : '') }, t('routing.level.' + c.level)),
        isStaff && c.level_reason ? h('span', { class: 'level-reason' }, ' ' + c.level_reason) : null),
      'level-row');
    }
    add('case.reported', fmtDateTime(c.reported_at));
    add('case.due', c.due_at ? fmtDateTime(c.due_at) : '', c.overdue ? 'overdue' : '');
    add('case.closed', fmtDateTime(c.closed_at));
    if (c.reporter && !c.mine) {
      add('case.reporter', c.reporter.name);
      add('case.phone', c.reporter.phone);
    }
    if (isStaff && c.channel) add('case.channel', has(`channel.${c.channel}`) ? t(`channel.${c.channel}`) : c.channel);
    if (isStaff) add('case.route', c.route_reason);
    // A case the platform filed: its three suggestions and why.
    if (isStaff) add('case.category_reason', c.category_reason, 'category-reason');
    if (isStaff && c.suggestions?.length) {
      add('case.suggestions', h('span', { class: 'suggestions' }, c.suggestions.map((g) =>
        h('span', { class: 'suggestion', dataset: { code: g.code } },
          `${g.code} ${g.name} ${Math.round(g.p * 100)}%`))), 'suggestions-row');
    }
    add('case.rating', c.rating ? ratingLabel(c.rating) : '', 'rating');
    return h('section', { class: 'card', id: 'case-details' }, h('dl', { class: 'details' }, rows));
  }

  function timelineCard(events) {
    const ol = h('ol', { class: 'timeline', id: 'timeline' });
    for (const e of [...events].reverse()) {
      ol.append(h('li', { class: `tl-item tl-${e.action}` },
        h('div', { class: 'tl-dot', 'aria-hidden': 'true' }),
        h('div', { class: 'tl-body' },
          h('div', { class: 'tl-head' },
            h('strong', null, actionLabel(e.action, e.action_label)),
            e.to && e.to !== e.from ? h('span', { class: `badge badge-sm state-${e.to}` }, stateLabel(e.to, e.to_label)) : null,
            h('time', { datetime: e.at }, fmtDateTime(e.at))),
          h('div', { class: 'tl-who muted small' },
            t('case.event.by', { actor: e.actor || (isAutomatic(e) ? t('case.event.platform') : '—'),
              role: roleLabel(e.actor_role) })),
          e.note ? h('p', { class: 'tl-note' }, e.note) : null,
          e.unit && e.action === 'dispatch' ? h('p', { class: 'small' }, t('case.event.unit', { unit: e.unit })) : null,
          e.rating ? h('p', { class: 'small' }, t('case.event.rating', { rating: ratingLabel(e.rating) })) : null,
          e.photos?.length ? h('div', { class: 'tl-photos' }, ...e.photos.map((p) =>
            h('a', { href: p.url, target: '_blank', rel: 'noopener', 'aria-label': t('case.photo.open') },
              h('img', { src: p.thumb_url, alt: '', loading: 'lazy', width: 64, height: 64 })))) : null)));
    }
    return h('section', { class: 'card' }, h('h2', null, t('case.timeline')), ol);
  }

  function actionPanel(c) {
    const allowed = (c.allowed_actions || []).map((a) => a.action);
    const box = h('section', { class: 'card actions-card', id: 'case-actions', 'aria-labelledby': 'actions-h' },
      h('h2', { id: 'actions-h' }, t('case.actions')));
    if (c.rating) {
      box.append(h('p', { class: 'rating-shown', id: 'rating-shown' },
        colon(t('case.rating')), h('strong', null, ratingLabel(c.rating))));
    }
    if (!allowed.length) {
      box.append(h('p', { class: 'muted' }, t('case.noActions')));
      return box;
    }
    const formSlot = h('div', { class: 'action-form-slot' });
    const buttons = h('div', { class: 'action-buttons' });
    for (const a of allowed) {
      if (a === 'rate') {
        box.append(ratePanel(c));
        continue;
      }
      const btn = h('button', { type: 'button', class: `btn btn-${TONE[a] || 'secondary'}`,
        dataset: { action: a }, 'aria-expanded': 'false' }, actionLabel(a));
      btn.addEventListener('click', () => {
        for (const b of buttons.children) b.setAttribute('aria-expanded', 'false');
        btn.setAttribute('aria-expanded', 'true');
        clear(formSlot).append(actionForm(c, a, () => {
          btn.setAttribute('aria-expanded', 'false');
          clear(formSlot);
          btn.focus();
        }));
        formSlot.querySelector('textarea, select, input, button[type=submit]')?.focus();
      });
      buttons.append(btn);
    }
    if (buttons.children.length) box.append(buttons, formSlot);
    return box;
  }

  // Rating: first the optional word on why, then one tap on 满意 / 基本满意
  // / 不满意. 不满意 without a word asks once more, since it may reopen the
  // case and the reason helps whoever handles it again.
  function ratePanel(c) {
    const note = h('textarea', { rows: 3, maxlength: 2000, placeholder: t('form.note.ph'), name: 'rate-note' });
    const err = errorBox();
    const row = h('div', { class: 'rating-buttons', role: 'group', 'aria-label': t('case.rate.prompt') });
    const confirmBox = h('div', { class: 'rate-confirm', role: 'alert', hidden: true });
    const setDisabled = (v) => { for (const x of row.children) x.disabled = v; };
    async function send(r) {
      setDisabled(true);
      confirmBox.hidden = true;
      err.show('');
      const ok = await act(c, { action: 'rate', rating: r, note: note.value.trim() || undefined }, err,
        t('case.rated', { rating: ratingLabel(r) }));
      if (!ok) setDisabled(false);
    }
    for (const r of RATINGS) {
      row.append(h('button', { type: 'button', class: `btn rating-btn rating-${r}`, dataset: { rating: r },
        onclick: () => {
          if (r === 'unsatisfied' && !note.value.trim()) {
            clear(confirmBox).append(
              h('p', null, t('case.rate.confirm')),
              h('div', { class: 'form-buttons' },
                h('button', { type: 'button', class: 'btn btn-danger btn-sm', id: 'rate-confirm-yes',
                  onclick: () => send(r) }, t('case.rate.confirm.yes')),
                h('button', { type: 'button', class: 'btn btn-ghost btn-sm',
                  onclick: () => { confirmBox.hidden = true; note.focus(); } }, t('case.rate.confirm.no'))));
            confirmBox.hidden = false;
            return;
          }
          send(r);
        } }, ratingLabel(r)));
    }
    note.addEventListener('input', () => { if (note.value.trim()) confirmBox.hidden = true; });
    return h('div', { class: 'rate-panel', id: 'rate-panel' },
      h('p', { class: 'rate-prompt' }, t('case.rate.prompt')),
      field(t('case.rate.note'), note, t('case.rate.note.hint')),
      row, confirmBox, err);
  }

  function actionForm(c, action, onCancel) {
    const needs = NEEDS[action] || [];
    const parts = [];
    const err = errorBox();
    const key = newKey();
    let note = null; let unit = null; let target = null; let days = null; let files = null;
    let category = null;
    const previews = h('ul', { class: 'photo-previews' });
    const chosen = [];
    let preparing = Promise.resolve();

    if (action === 'withdraw') parts.push(h('p', { class: 'warn' }, t('form.confirm.withdraw')));
    if (needs.includes('unit')) {
      unit = unitPicker(c, err);
      parts.push(unit.fieldEl);
    }
    // Accepting settles the category: the dispatcher confirms the one the
    // case came with or files it under another (the platform's other
    // suggestions are one click away).
    if (action === 'accept' && c.category?.code) {
      category = categoryPicker(c.category.code, { label: t('form.category') });
      const quick = (c.suggestions || []).filter((g) => g.code !== c.category.code).map((g) =>
        h('button', { type: 'button', class: 'btn btn-ghost btn-sm cat-quick', dataset: { code: g.code },
          onclick: () => {
            const [bigSel, smallSel] = category.querySelectorAll('select');
            bigSel.value = g.code.slice(0, 2);
            bigSel.dispatchEvent(new Event('change'));
            smallSel.value = g.code;
          } }, `${g.code} ${g.name}`));
      parts.push(h('fieldset', { class: 'plain accept-category' },
        h('legend', null, t('form.category')), category,
        quick.length ? h('p', { class: 'hint' }, t('form.category.others'), ' ', ...quick) : null,
        h('p', { class: 'hint' }, t('form.category.hint'))));
    }
    if (needs.includes('target')) {
      target = h('input', { name: 'target', type: 'number', min: 1, inputmode: 'numeric', required: true });
      parts.push(field(t('form.target'), target));
      // The open cases nearby that look like the same problem, one click
      // each; a filed one can take the merge, one still waiting cannot.
      const picks = h('div', { class: 'merge-picks', id: 'merge-picks', 'aria-live': 'polite' });
      parts.push(picks);
      if (c.location) {
        api.get('/api/v1/cases/similar', {
          lon: c.location.lon, lat: c.location.lat, category: c.category?.code,
          text: c.description || undefined, limit: 8,
        }).then((ans) => {
          const items = (ans.items || []).filter((it) => it.id !== c.id);
          if (!items.length) {
            picks.append(h('p', { class: 'hint' }, t('merge.none')));
            return;
          }
          picks.append(h('p', { class: 'hint' }, t('merge.pick')));
          for (const it of items) {
            const waiting = it.state === 'submitted';
            picks.append(h('button', {
              type: 'button', class: 'btn btn-sm merge-pick', dataset: { caseId: it.id },
              disabled: waiting ? true : null,
              title: waiting ? t('merge.waiting') : null,
              onclick: () => { target.value = String(it.id); target.focus(); },
            }, `#${it.id} ${caseTitle(it)} · ${t('similar.distance', { m: it.distance_m })}` +
              (waiting ? ` · ${t('merge.waiting')}` : '')));
          }
        }).catch(() => { /* typing the number still works */ });
      }
    }
    if (needs.includes('days')) {
      days = h('input', { name: 'days', type: 'number', min: 1, max: 60, value: '3', inputmode: 'numeric', required: true });
      parts.push(field(t('form.days'), days));
    }
    if (needs.includes('photos')) {
      files = h('input', { type: 'file', accept: PHOTO_ACCEPT, capture: 'environment', multiple: true,
        class: 'visually-hidden', id: uid('photo'), name: 'photo' });
      const label = h('label', { for: files.id, class: 'btn btn-secondary photo-add' },
        h('span', { class: 'icon-camera', 'aria-hidden': 'true' }), t('report.photos.add'));
      const photoErr = h('p', { class: 'field-error photo-error', role: 'alert', hidden: true });
      files.addEventListener('change', () => {
        const list = [...files.files].slice(0, 9 - chosen.length);
        files.value = '';
        preparing = (async () => {
          const problems = [];
          for (const f of list) {
            if (!isPhotoType(f)) { problems.push(t('report.photos.type', { name: f.name })); continue; }
            try {
              const small = await shrink(f);
              chosen.push({ file: small, url: URL.createObjectURL(small) });
            } catch (e) {
              if (!(e instanceof UnreadablePhoto)) throw e;
              problems.push(t('report.photos.unreadable', { name: f.name }));
            }
          }
          photoErr.textContent = problems.join(' ');
          photoErr.hidden = !problems.length;
          if (chosen.length && err.textContent === t('form.need.photo')) err.show('');
          clear(previews);
          chosen.forEach((p, i) => previews.append(h('li', null,
            h('img', { src: p.url, alt: t('report.photos.preview', { n: i + 1 }) }),
            h('button', { type: 'button', class: 'photo-remove', 'aria-label': t('report.photos.remove', { n: i + 1 }),
              onclick: (ev) => { URL.revokeObjectURL(p.url); chosen.splice(chosen.indexOf(p), 1); ev.currentTarget.parentElement.remove(); } }, '×'))));
        })();
      });
      parts.push(h('fieldset', { class: 'plain' }, h('legend', null, t('form.photos')), previews, label, files, photoErr));
    }
    note = h('textarea', { name: 'note', rows: 3, maxlength: 2000, placeholder: t('form.note.ph'),
      required: needs.includes('note') });
    parts.push(field(needs.includes('note') ? t('form.note.required') : t('form.note'), note));

    const submit = h('button', { type: 'submit', class: `btn btn-${TONE[action] === 'danger' ? 'danger' : 'primary'}` },
      t('form.submit', { action: actionLabel(action) }));
    const form = h('form', { class: 'action-form', novalidate: true, dataset: { action } },
      h('h3', null, actionLabel(action)), ...parts, err,
      h('div', { class: 'form-buttons' }, submit,
        h('button', { type: 'button', class: 'btn btn-ghost', onclick: onCancel }, t('form.cancel'))));

    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.show('');
      await preparing.catch(() => {});
      const body = { action, version: c.version };
      if (note.value.trim()) body.note = note.value.trim();
      if (needs.includes('note') && !body.note) { err.show(t('form.need.note')); note.focus(); return; }
      if (unit) { if (!unit.value) { err.show(t('form.need.unit')); unit.focus(); return; } body.unit = unit.value; }
      if (category) {
        if (!category.smallOnly()) { err.show(t('report.need.category')); category.focus(); return; }
        if (category.smallOnly() !== c.category.code) body.category = category.smallOnly();
      }
      if (target) {
        const n = Number(target.value);
        if (!Number.isInteger(n) || n < 1) { err.show(t('form.need.target')); target.focus(); return; }
        body.target = n;
      }
      if (days) {
        const n = Number(days.value);
        if (!Number.isInteger(n) || n < 1 || n > 60) { err.show(t('form.need.days')); days.focus(); return; }
        body.days = n;
      }
      if (files && !chosen.length) { err.show(t('form.need.photo')); files.focus(); return; }
      submit.disabled = true;
      try {
        if (chosen.length) {
          body.photos = [];
          for (let i = 0; i < chosen.length; i++) {
            submit.textContent = t('form.uploading', { n: i + 1, total: chosen.length });
            if (!chosen[i].hash) chosen[i].hash = (await uploadPhoto(chosen[i].file)).hash;
            body.photos.push(chosen[i].hash);
          }
        }
        submit.textContent = t('form.busy');
      } catch (e) {
        err.show(e.message);
        submit.disabled = false;
        submit.textContent = t('form.submit', { action: actionLabel(action) });
        return;
      }
      const ok = await act(c, body, err, t('case.done', { action: actionLabel(action) }), key);
      if (ok) for (const p of chosen) URL.revokeObjectURL(p.url);
      else {
        submit.disabled = false;
        submit.textContent = t('form.submit', { action: actionLabel(action) });
      }
    });
    return form;
  }

  // Sends one action. On success the answer is the case as it now is; on a
  // version conflict the page shows the case as someone else left it.
  async function act(c, body, err, doneMessage, key) {
    if (!body.version) body.version = c.version;
    try {
      const ans = await request(`/api/v1/cases/${c.id}/actions`, {
        method: 'POST', json: body, headers: { 'Idempotency-Key': key || newKey() },
      });
      toast(doneMessage, 'success');
      if (ans && ans.events) draw(ans);
      else ctx.go('#/queue');
      return true;
    } catch (e) {
      if (e.status === 409) {
        // Someone else moved the case on: show it as it now is.
        await load(e.code === 'stale_version' || e.code === 'conflict' ? t('case.stale') : e.message);
        return false;
      }
      err.show(e.message);
      return false;
    }
  }

  main.append(h('p', { class: 'loading', role: 'status' }, t('app.loading')));
  load();
  return () => {
    disposed = true;
    if (mapCleanup) mapCleanup();
  };
}

