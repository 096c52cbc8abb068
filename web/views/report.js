// Reporting a problem (上报问题): photo, category, a pin on the map and a few
// words. The platform places the pin in its grid and tells the resident
// who will handle it before they send. Grid workers use the same page to
// record something they fixed on the spot (随手处置), which closes at once.

import { request, api, cached, newKey } from '../api.js';
import { h, clear, field, errorBox, toast, uid } from '../dom.js';
import { t } from '../i18n.js';
import { L, baseMap, pinIcon, areaLayer, GRID_MARK } from './map.js';
import { categoryPicker } from './widgets.js';

const MAX_PHOTOS = 9;
const SHRINK_ABOVE = 1.5 * 1024 * 1024;
const MAX_SIDE = 2048;

// Phone photos are often 5-10 MB; sending them at most 2048 px on the long
// side saves the resident's data and time. The server re-encodes anyway.
async function shrink(file) {
  if (file.size <= SHRINK_ABOVE || !window.createImageBitmap) return file;
  try {
    const bmp = await createImageBitmap(file);
    const scale = Math.min(1, MAX_SIDE / Math.max(bmp.width, bmp.height));
    const w = Math.round(bmp.width * scale);
    const hgt = Math.round(bmp.height * scale);
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = hgt;
    canvas.getContext('2d').drawImage(bmp, 0, 0, w, hgt);
    bmp.close?.();
    const blob = await new Promise((res) => canvas.toBlob(res, 'image/jpeg', 0.85));
    if (!blob || blob.size >= file.size) return file;
    return new File([blob], (file.name || 'photo').replace(/\.\w+$/, '') + '.jpg', { type: 'image/jpeg' });
  } catch (_) {
    return file;
  }
}

export function render(main, ctx) {
  const onsite = Boolean(ctx.params.onsite);
  const photos = []; // {file, url}
  let point = null; // {lon, lat}
  let located = null;
  let pending = null; // the serialized request and its Idempotency-Key

  // Any change to the form makes it a new request with a new key; a retry
  // of the same form reuses both, so a double tap or a retry after a lost
  // answer creates one case.
  const changed = () => { pending = null; };

  // Photos
  const fileInput = h('input', { type: 'file', accept: 'image/*', capture: 'environment',
    multiple: true, class: 'visually-hidden', id: uid('photo'), name: 'photo' });
  const previews = h('ul', { class: 'photo-previews', 'aria-live': 'polite' });
  const addLabel = h('label', { for: fileInput.id, class: 'btn btn-secondary photo-add' },
    h('span', { class: 'icon-camera', 'aria-hidden': 'true' }), t('report.photos.add'));
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
  fileInput.addEventListener('change', async () => {
    const files = [...fileInput.files].slice(0, MAX_PHOTOS - photos.length);
    fileInput.value = '';
    for (const f of files) {
      const small = await shrink(f);
      photos.push({ file: small, url: URL.createObjectURL(small) });
    }
    changed();
    drawPreviews();
  });

  // Category
  const cat = categoryPicker('', { label: t('report.category') });
  cat.addEventListener('change', () => { changed(); if (point) locate(); });

  // Text
  const desc = h('textarea', { name: 'description', rows: 4, maxlength: 4000, required: true,
    placeholder: t('report.description.ph') });
  const note = onsite ? h('textarea', { name: 'note', rows: 3, maxlength: 2000, required: true,
    placeholder: t('report.note.ph') }) : null;
  const title = h('input', { name: 'title', maxlength: 100 });
  const address = h('input', { name: 'address', maxlength: 200, placeholder: t('report.address.ph'),
    autocomplete: 'street-address' });
  for (const el of [desc, note, title, address]) el?.addEventListener('input', changed);

  // Location
  const mapEl = h('div', { class: 'map map-pick', id: 'report-map', role: 'application',
    'aria-label': t('map.label'), tabindex: '0' });
  const where = h('div', { class: 'where', 'aria-live': 'polite', id: 'where' },
    h('span', { class: 'muted' }, t('report.location.none')));
  const locBtn = h('button', { type: 'button', class: 'btn btn-ghost btn-sm' }, t('report.location.mine'));

  const err = errorBox();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block btn-lg', id: 'report-submit' },
    onsite ? t('report.submit.onsite') : t('report.submit'));

  const form = h('form', { class: 'report-form', novalidate: true },
    h('div', { class: 'report-grid' },
      h('div', { class: 'report-col' },
        h('fieldset', { class: 'card' },
          h('legend', null, onsite ? t('form.photos') : t('report.photos')),
          previews, addLabel, fileInput,
          h('p', { class: 'hint' }, t('report.photos.hint'))),
        h('fieldset', { class: 'card' },
          h('legend', null, t('report.category')), cat),
        h('div', { class: 'card' },
          field(t('report.description'), desc),
          note ? field(t('report.note'), note) : null,
          field(t('report.title.field'), title))),
      h('div', { class: 'report-col' },
        h('fieldset', { class: 'card' },
          h('legend', null, t('report.location')),
          h('p', { class: 'hint' }, t('report.location.hint')),
          mapEl,
          h('div', { class: 'where-row' }, where, locBtn),
          field(t('report.address'), address)),
        err, submit)));

  main.append(h('div', { class: 'page-head' },
    h('h1', null, onsite ? t('report.onsite.title') : t('report.title')),
    h('p', { class: 'lead' }, onsite ? t('report.onsite.lead') : t('report.lead'))), form);

  // The map
  const { map, ready } = baseMap(mapEl, ctx.session.config, { focus: ctx.session.user.area });
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
        h('span', { class: 'where-path' }, h('span', { class: 'muted' }, t('report.location.area') + '：'), path));
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
  }
  map.on('click', (e) => setPoint(e.latlng));
  ready.then(() => map.invalidateSize());

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
    if (!photos.length) { err.show(t('report.need.photo')); addLabel.focus(); return; }
    if (!cat.smallOnly()) { err.show(t('report.need.category')); cat.focus(); return; }
    if (desc.value.trim().length < 2) { err.show(t('report.need.description')); desc.focus(); return; }
    if (onsite && !note.value.trim()) { err.show(t('report.need.note')); note.focus(); return; }
    if (!point) { err.show(t('report.need.location')); mapEl.focus(); return; }
    if (submit.disabled) return;
    submit.disabled = true;
    submit.textContent = t('report.busy');
    try {
      if (!pending) {
        const fd = new FormData();
        fd.append('description', desc.value.trim());
        fd.append('category', cat.smallOnly());
        fd.append('lon', point.lon.toFixed(7));
        fd.append('lat', point.lat.toFixed(7));
        if (address.value.trim()) fd.append('address', address.value.trim());
        if (title.value.trim()) fd.append('title', title.value.trim());
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
      err.show(e.message);
      submit.disabled = false;
      submit.textContent = onsite ? t('report.submit.onsite') : t('report.submit');
    }
  });

  return () => {
    map.remove();
    for (const p of photos) URL.revokeObjectURL(p.url);
  };
}
