// Reporting a problem (上报问题): photo, category, a pin on the map and a few
// words. The platform places the pin in its grid and tells the resident
// who will handle it before they send. Grid workers use the same page to
// record something they fixed on the spot (随手处置), which closes at once.

import { request, api, cached, newKey } from '../api.js';
import { h, clear, field, errorBox, toast, uid } from '../dom.js';
import { t, colon } from '../i18n.js';
import { L, baseMap, pinIcon, areaLayer, GRID_MARK } from './map.js';
import { categoryPicker, areaPicker, stateBadge } from './widgets.js';
import { PHOTO_ACCEPT, isPhotoType, shrink, UnreadablePhoto } from './photos.js';

const MAX_PHOTOS = 9;
// How long typing pauses before the possible duplicates are asked again.
const SIMILAR_DEBOUNCE_MS = 400;
// How long typing pauses before the platform's category suggestion is
// asked again.
const SUGGEST_DEBOUNCE_MS = 600;
// Who may leave the category to the platform (不确定类别).
const UNSURE_ROLES = ['resident', 'grid_worker'];

// Staff who may report for a resident (代居民上报), and the channels the
// report came by. The API takes any name of 1-16 characters.
const BEHALF_ROLES = ['grid_worker', 'dispatcher', 'admin'];
export const CHANNELS = ['phone', 'visit', 'web', 'hotline'];

// What a grid worker had filled in when switching between 上报问题 and
// 随手处置, handed to the other page so nothing is typed twice.
let draft = null;

export function render(main, ctx) {
  const onsite = Boolean(ctx.params.onsite);
  const role = ctx.session.user.role;
  const behalf = !onsite && BEHALF_ROLES.includes(role);
  const carried = draft;
  draft = null;
  const photos = carried?.photos || []; // {file, url}
  let point = null; // {lon, lat}
  let located = null;
  let pending = null; // the serialized request and its Idempotency-Key
  let handedOver = false;
  let preparing = Promise.resolve();

  // Any change to the form makes it a new request with a new key; a retry
  // of the same form reuses both, so a double tap or a retry after a lost
  // answer creates one case.
  const changed = () => { pending = null; };

  const err = errorBox();

  // Photos: checked the moment they are chosen, so a wrong file is named
  // at once and never shows as a broken preview.
  const fileInput = h('input', { type: 'file', accept: PHOTO_ACCEPT, capture: 'environment',
    multiple: true, class: 'visually-hidden', id: uid('photo'), name: 'photo' });
  const previews = h('ul', { class: 'photo-previews', 'aria-live': 'polite' });
  const addLabel = h('label', { for: fileInput.id, class: 'btn btn-secondary photo-add' },
    h('span', { class: 'icon-camera', 'aria-hidden': 'true' }), t('report.photos.add'));
  const photoErr = h('p', { class: 'field-error photo-error', role: 'alert', hidden: true, id: uid('photo-err') });
  const photoBusy = h('p', { class: 'hint', role: 'status', hidden: true }, t('report.photos.busy'));
  const showPhotoErr = (msgs) => {
    photoErr.textContent = msgs.join(' ');
    photoErr.hidden = !msgs.length;
  };
  function drawPreviews() {
    clear(previews);
    photos.forEach((p, i) => {
      previews.append(h('li', null,
        h('img', { src: p.url, alt: t('report.photos.preview', { n: i + 1 }) }),
        h('button', { type: 'button', class: 'photo-remove', 'aria-label': t('report.photos.remove', { n: i + 1 }),
          onclick: () => { URL.revokeObjectURL(p.url); photos.splice(i, 1); changed(); drawPreviews(); } }, '×')));
    });
    addLabel.hidden = photos.length >= MAX_PHOTOS;
  }
  fileInput.addEventListener('change', () => {
    const files = [...fileInput.files].slice(0, MAX_PHOTOS - photos.length);
    fileInput.value = '';
    preparing = (async () => {
      const problems = [];
      photoBusy.hidden = false;
      for (const f of files) {
        if (!isPhotoType(f)) {
          problems.push(t('report.photos.type', { name: f.name }));
          continue;
        }
        try {
          const small = await shrink(f);
          photos.push({ file: small, url: URL.createObjectURL(small) });
        } catch (e) {
          if (!(e instanceof UnreadablePhoto)) throw e;
          problems.push(t('report.photos.unreadable', { name: f.name }));
        }
      }
      photoBusy.hidden = true;
      showPhotoErr(problems);
      // A photo is there now: the earlier "add a photo" no longer holds.
      if (photos.length && err.textContent === t('report.need.photo')) err.show('');
      changed();
      drawPreviews();
    })();
  });

  // Category
  const cat = categoryPicker(carried?.category || '', { label: t('report.category') });
  cat.addEventListener('change', () => { changed(); if (point) locate(); findSimilarSoon(0); });

  // 不确定类别: a resident may leave the category to the platform, which
  // files the report under its best suggestion; the suggestions, with the
  // reason, show as the description is typed so that one can be picked.
  const mayBeUnsure = UNSURE_ROLES.includes(role);
  const unsure = h('input', { type: 'checkbox', id: 'cat-unsure', name: 'unsure' });
  const unsureRow = mayBeUnsure ? h('label', { class: 'cat-unsure', for: 'cat-unsure' },
    unsure, ' ', t('report.category.unsure')) : null;
  const suggestBox = h('div', { class: 'cat-suggest', id: 'cat-suggest', 'aria-live': 'polite', hidden: true });
  let suggestSeq = 0;
  let suggestTimer = null;
  function suggestSoon(delay) {
    clearTimeout(suggestTimer);
    suggestTimer = setTimeout(suggest, delay);
  }
  function pickCategory(code) {
    const [bigSel, smallSel] = cat.querySelectorAll('select');
    bigSel.value = code.slice(0, 2);
    bigSel.dispatchEvent(new Event('change'));
    smallSel.value = code;
    smallSel.dispatchEvent(new Event('change'));
    unsure.checked = false;
    cat.classList.remove('is-unsure');
  }
  async function suggest() {
    const seq = ++suggestSeq;
    const text = desc.value.trim();
    if (!mayBeUnsure || text.length < 2 || (cat.smallOnly() && !unsure.checked)) {
      suggestBox.hidden = true;
      return;
    }
    let ans;
    try {
      const query = { text };
      if (title.value.trim()) query.title = title.value.trim();
      ans = await api.get('/api/v1/categories/suggest', query);
    } catch { return; }
    if (seq !== suggestSeq) return;
    clear(suggestBox);
    if (!ans.items?.length) {
      suggestBox.append(h('p', { class: 'hint' }, t('report.suggest.none')));
    } else {
      suggestBox.append(h('p', { class: 'cat-suggest-head' }, t('report.suggest.head')),
        h('ul', { class: 'cat-suggest-list' }, ans.items.map((it) => h('li', null,
          h('button', { type: 'button', class: 'btn btn-ghost btn-sm cat-suggest-pick', 'data-code': it.code,
            onclick: () => { pickCategory(it.code); suggestBox.hidden = true; } },
          `${it.code} ${it.name}`, h('span', { class: 'cat-suggest-p' }, ` ${Math.round(it.p * 100)}%`))))),
        h('p', { class: 'hint cat-suggest-why' }, ans.reason),
        h('p', { class: 'hint' }, t('report.suggest.unsure')));
    }
    suggestBox.hidden = false;
  }
  unsure.addEventListener('change', () => {
    changed();
    cat.classList.toggle('is-unsure', unsure.checked);
    const [bigSel, smallSel] = cat.querySelectorAll('select');
    bigSel.disabled = unsure.checked;
    smallSel.disabled = unsure.checked || !bigSel.value;
    suggestSoon(0);
  });

  // Text
  const desc = h('textarea', { name: 'description', rows: 4, maxlength: 4000, required: true,
    placeholder: t('report.description.ph'), value: carried?.description || '' });
  const note = onsite ? h('textarea', { name: 'note', rows: 3, maxlength: 2000, required: true,
    placeholder: t('report.note.ph') }) : null;
  const title = h('input', { name: 'title', maxlength: 100, value: carried?.title || '' });
  const address = h('input', { name: 'address', maxlength: 200, placeholder: t('report.address.ph'),
    autocomplete: 'street-address', value: carried?.address || '' });
  for (const el of [desc, note, title, address]) el?.addEventListener('input', changed);
  desc.addEventListener('input', () => findSimilarSoon(SIMILAR_DEBOUNCE_MS));
  desc.addEventListener('input', () => suggestSoon(SUGGEST_DEBOUNCE_MS));

  // Possible duplicates: once a category and a pin are chosen, and again
  // as the description is typed, the open cases nearby that may be this
  // very problem. A resident can join one (我也要反映) instead of filing
  // it again; staff reporting for someone see them to avoid a second case.
  const similarBox = h('section', { class: 'card similar', id: 'similar', 'aria-live': 'polite',
    'aria-labelledby': 'similar-h', hidden: true });
  const similarErr = errorBox();
  let similarSeq = 0;
  let similarTimer = null;
  function findSimilarSoon(delay) {
    clearTimeout(similarTimer);
    similarTimer = setTimeout(findSimilar, delay);
  }
  async function findSimilar() {
    const seq = ++similarSeq;
    const category = cat.smallOnly();
    const text = desc.value.trim();
    // Without a category, the words tell the server which one to look in.
    if (onsite || !point || (!category && text.length < 4)) {
      similarBox.hidden = true;
      return;
    }
    try {
      const ans = await api.get('/api/v1/cases/similar', {
        lon: point.lon.toFixed(6), lat: point.lat.toFixed(6), category: category || undefined,
        text: text || undefined, limit: 5,
      });
      if (seq === similarSeq) drawSimilar(ans.items || [], Boolean(desc.value.trim()));
    } catch (_) {
      // A help, not a need: the report can still be sent.
      if (seq === similarSeq) similarBox.hidden = true;
    }
  }
  function drawSimilar(items, withText) {
    clear(similarBox);
    similarErr.show('');
    similarBox.hidden = !items.length;
    if (!items.length) return;
    const list = h('ul', { class: 'similar-list' });
    for (const it of items) {
      const why = [t('similar.distance', { m: it.distance_m })];
      if (withText) why.push(t('similar.alike', { pct: Math.round((it.similarity || 0) * 100) }));
      if (it.supporters) why.push(t('similar.supporters', { n: it.supporters }));
      const join = role === 'resident' && !it.mine
        ? h('button', { type: 'button', class: 'btn btn-primary btn-sm similar-join', dataset: { caseId: it.id } },
          t('similar.join'))
        : null;
      join?.addEventListener('click', () => joinCase(it, join));
      list.append(h('li', { class: 'similar-item', dataset: { caseId: it.id } },
        it.thumb_url
          ? h('img', { class: 'similar-thumb', src: it.thumb_url, alt: '', loading: 'lazy', width: 64, height: 64 })
          : h('span', { class: 'similar-thumb similar-thumb-empty', 'aria-hidden': 'true' }, t('list.noPhoto')),
        h('div', { class: 'similar-body' },
          h('div', { class: 'similar-head' },
            h('a', { href: `#/case/${it.id}`, class: 'similar-link' }, `#${it.id}`),
            stateBadge(it)),
          h('p', { class: 'similar-desc' }, it.description || ''),
          h('p', { class: 'muted small similar-why', title: it.reason || '' }, why.join(' · ')),
          it.mine ? h('p', { class: 'small similar-mine' }, t('similar.mine')) : join)));
    }
    similarBox.append(
      h('h2', { id: 'similar-h' }, t('similar.title', { n: items.length })),
      h('p', { class: 'hint' }, t(role === 'resident' ? 'similar.hint' : 'similar.hint.staff')),
      list, similarErr);
  }
  async function joinCase(it, btn) {
    btn.disabled = true;
    similarErr.show('');
    try {
      await request(`/api/v1/cases/${it.id}/support`, { method: 'POST' });
      toast(t('similar.joined', { id: it.id }), 'success');
      ctx.go(`#/case/${it.id}`);
    } catch (e) {
      btn.disabled = false;
      similarErr.show(e.message);
    }
  }

  // For a resident: who they are and how the report came (staff only).
  let reporterName = null; let reporterPhone = null; let channel = null; let behalfCard = null;
  if (behalf) {
    reporterName = h('input', { name: 'reporter_name', maxlength: 50, autocomplete: 'off' });
    reporterPhone = h('input', { name: 'reporter_phone', type: 'tel', maxlength: 20, inputmode: 'tel',
      autocomplete: 'off' });
    channel = h('select', { name: 'channel' },
      h('option', { value: '' }, t('report.channel.none')),
      ...CHANNELS.map((c) => h('option', { value: c }, t(`channel.${c}`))));
    for (const el of [reporterName, reporterPhone, channel]) el.addEventListener('input', changed);
    channel.addEventListener('change', changed);
    behalfCard = h('fieldset', { class: 'card behalf', id: 'behalf' },
      h('legend', null, t('report.behalf')),
      h('p', { class: 'hint behalf-hint' }, t('report.behalf.hint')),
      h('div', { class: 'behalf-row' },
        field(t('report.reporter_name'), reporterName),
        field(t('report.reporter_phone'), reporterPhone)),
      field(t('report.channel'), channel));
  }

  // A grid worker who finds the problem already fixed switches to 随手处置
  // (and back), keeping what is filled in.
  let switchLink = null;
  if (role === 'grid_worker') {
    switchLink = h('p', { class: 'mode-switch' },
      h('a', { href: onsite ? '#/report' : '#/onsite', id: 'mode-switch', class: 'mode-switch-link',
        onclick: () => {
          handedOver = true;
          draft = { photos, category: cat.smallOnly(), description: desc.value, title: title.value,
            address: address.value, point };
        } },
      h('span', { class: 'mode-switch-icon', 'aria-hidden': 'true' }, onsite ? '↺' : '✓'),
      t(onsite ? 'report.switch.report' : 'report.switch.onsite')),
      h('span', { class: 'hint' }, ' ' + t('report.switch.keep')));
  }

  // Location
  const mapEl = h('div', { class: 'map map-pick', id: 'report-map', role: 'application',
    'aria-label': t('map.label'), 'aria-describedby': 'map-legend', tabindex: '0' });
  const where = h('div', { class: 'where', 'aria-live': 'polite', id: 'where' },
    h('span', { class: 'muted' }, t('report.location.none')));
  const locBtn = h('button', { type: 'button', class: 'btn btn-ghost btn-sm' }, t('report.location.mine'));
  const goto = areaPicker(ctx.session.config.city_code || '', '', t('report.goto'));
  const gotoBox = h('details', { class: 'goto' },
    h('summary', null, t('report.goto')),
    h('p', { class: 'hint' }, t('report.goto.hint')), goto);

  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block btn-lg', id: 'report-submit' },
    onsite ? t('report.submit.onsite') : t('report.submit'));

  const form = h('form', { class: 'report-form', novalidate: true },
    h('div', { class: 'report-grid' },
      h('div', { class: 'report-col' },
        h('fieldset', { class: 'card' },
          h('legend', null, onsite ? t('form.photos') : t('report.photos')),
          previews, addLabel, fileInput, photoBusy, photoErr,
          h('p', { class: 'hint' }, t('report.photos.hint'))),
        h('fieldset', { class: 'card' },
          h('legend', null, t('report.category')), cat, unsureRow, suggestBox),
        h('div', { class: 'card' },
          field(t('report.description'), desc),
          note ? field(t('report.note'), note) : null,
          field(t('report.title.field'), title)),
        behalfCard),
      h('div', { class: 'report-col' },
        h('fieldset', { class: 'card' },
          h('legend', null, t('report.location')),
          h('p', { class: 'hint' }, t('report.location.hint')),
          gotoBox,
          mapEl,
          h('p', { class: 'hint map-legend', id: 'map-legend' }, t('map.legend')),
          h('div', { class: 'where-row' }, where, locBtn),
          field(t('report.address'), address)),
        similarBox, err, submit)));

  main.append(h('div', { class: 'page-head' },
    h('h1', null, onsite ? t('report.onsite.title') : t('report.title')),
    h('p', { class: 'lead' }, onsite ? t('report.onsite.lead') : t('report.lead')),
    switchLink), form);
  if (photos.length) drawPreviews();

  // The map
  const { map, ready, showArea } = baseMap(mapEl, ctx.session.config, { focus: ctx.session.user.area, centerInfo: true });
  goto.addEventListener('change', () => {
    const code = goto.value();
    if (code) showArea(code).catch(() => { /* the map stays where it is */ });
  });
  let marker = null;
  let gridLayer = null;
  let locateSeq = 0;

  async function locate() {
    const seq = ++locateSeq;
    located = null;
    clear(where).append(h('span', { class: 'muted' }, t('report.location.locating')));
    try {
      const ans = await api.get('/api/v1/areas/locate', {
        lon: point.lon.toFixed(6), lat: point.lat.toFixed(6), category: cat.smallOnly() || undefined,
      });
      if (seq !== locateSeq) return;
      located = ans;
      const path = (ans.path || []).filter((a) => a.level !== 'city').map((a) => a.name).join(' / ');
      clear(where).append(
        h('span', { class: 'where-path' }, h('span', { class: 'muted' }, colon(t('report.location.area'))), path));
      if (ans.route) {
        where.append(h('span', { class: 'where-route', title: ans.route.reason },
          t('report.location.route', { unit: ans.route.unit_name })));
      }
      showGrid(ans);
    } catch (e) {
      if (seq !== locateSeq) return;
      clear(where).append(h('span', { class: 'warn' },
        e.code === 'outside_area' ? t('report.location.outside') : e.message));
    }
  }

  // Draws the grids of the street the pin fell in and marks its grid.
  async function showGrid(ans) {
    const street = (ans.path || []).find((a) => a.level === 'street');
    if (!street) return;
    try {
      const fc = await cached('/api/v1/areas/geojson', { level: 'grid', within: street.code });
      if (gridLayer) gridLayer.remove();
      gridLayer = areaLayer(fc, 'grid', false).addTo(map);
      gridLayer.eachLayer((l) => {
        if (ans.area.startsWith(l.feature?.properties?.code)) l.setStyle(GRID_MARK);
      });
    } catch (_) { /* the outline is a help, not a need */ }
  }

  function setPoint(latlng) {
    point = { lon: latlng.lng, lat: latlng.lat };
    changed();
    if (!marker) {
      marker = L.marker(latlng, { icon: pinIcon(), draggable: true, keyboard: true,
        title: t('report.location'), alt: t('report.location') }).addTo(map);
      marker.on('dragend', () => setPoint(marker.getLatLng()));
    } else {
      marker.setLatLng(latlng);
    }
    locate();
    findSimilarSoon(0);
  }
  map.on('click', (e) => setPoint(e.latlng));
  ready.then(() => {
    map.invalidateSize();
    if (carried?.point) {
      const ll = { lat: carried.point.lat, lng: carried.point.lon };
      map.setView([ll.lat, ll.lng], Math.max(map.getZoom(), 16), { animate: false });
      setPoint(ll);
    }
  });

  locBtn.addEventListener('click', () => {
    if (!navigator.geolocation) return;
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        const ll = { lat: pos.coords.latitude, lng: pos.coords.longitude };
        map.setView([ll.lat, ll.lng], Math.max(map.getZoom(), 16));
        setPoint(ll);
      },
      (e) => toast(t('report.geo.fail', { message: e.message }), 'error'),
      { enableHighAccuracy: true, timeout: 10000 });
  });

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.show('');
    await preparing.catch(() => {});
    if (!photos.length) { err.show(t('report.need.photo')); addLabel.focus(); return; }
    const leaveCategory = mayBeUnsure && unsure.checked;
    if (!cat.smallOnly() && !leaveCategory) {
      err.show(t(mayBeUnsure ? 'report.need.category.or.unsure' : 'report.need.category')); cat.focus(); return;
    }
    if (desc.value.trim().length < 2) { err.show(t('report.need.description')); desc.focus(); return; }
    if (onsite && !note.value.trim()) { err.show(t('report.need.note')); note.focus(); return; }
    if (!point) { err.show(t('report.need.location')); mapEl.focus(); return; }
    if (reporterPhone && reporterPhone.value.trim() && !/^[0-9+\-\s()]{3,20}$/.test(reporterPhone.value.trim())) {
      err.show(t('report.need.phone')); reporterPhone.focus(); return;
    }
    if (submit.disabled) return;
    submit.disabled = true;
    submit.textContent = t('report.busy');
    try {
      if (!pending) {
        const fd = new FormData();
        fd.append('description', desc.value.trim());
        if (!leaveCategory) fd.append('category', cat.smallOnly());
        fd.append('lon', point.lon.toFixed(7));
        fd.append('lat', point.lat.toFixed(7));
        if (address.value.trim()) fd.append('address', address.value.trim());
        if (title.value.trim()) fd.append('title', title.value.trim());
        if (behalf) {
          if (reporterName.value.trim()) fd.append('reporter_name', reporterName.value.trim());
          if (reporterPhone.value.trim()) fd.append('reporter_phone', reporterPhone.value.trim());
          if (channel.value) fd.append('channel', channel.value);
        }
        if (onsite) {
          fd.append('self_handle', 'true');
          fd.append('note', note.value.trim());
        }
        for (const p of photos) fd.append('photo', p.file, p.file.name || 'photo.jpg');
        // Serialized once, so a retry sends the very same bytes that the
        // Idempotency-Key was first used with.
        const req = new Request(location.href, { method: 'POST', body: fd });
        pending = { key: newKey(), type: req.headers.get('Content-Type'), body: await req.blob() };
      }
      const ans = await request('/api/v1/cases', { method: 'POST', body: pending.body,
        headers: { 'Content-Type': pending.type, 'Idempotency-Key': pending.key } });
      toast(t(onsite ? 'report.done.onsite' : 'report.done', { id: ans.id }), 'success');
      ctx.go(`#/case/${ans.id}`);
    } catch (e) {
      // Left to the platform, a category it cannot tell is the one thing
      // missing: say so, rather than that something is.
      if (e.code === 'missing_field' && leaveCategory && /'category'/.test(e.detail || '')) {
        err.show(t('report.unsure.refused'));
        unsure.focus();
      } else {
        err.show(e.message);
      }
      submit.disabled = false;
      submit.textContent = onsite ? t('report.submit.onsite') : t('report.submit');
    }
  });

  return () => {
    clearTimeout(similarTimer);
    clearTimeout(suggestTimer);
    suggestSeq += 1;
    similarSeq += 1;
    map.remove();
    if (!handedOver) for (const p of photos) URL.revokeObjectURL(p.url);
  };
}
