// The one map (一张图): every case of the person's scope on the area map,
// for leaders and dispatchers on a PC and grid workers on a phone; for a
// resident, everyone's cases anonymised (places rounded to about 100 m).
//
// The server counts the cases per screen cell below zoom 16 and sends the
// counts, never a million markers; from zoom 16 it sends the cases
// themselves. Circles are sized by count and split by state (open,
// overdue, closed); a heat layer is drawn from the same counts on a canvas
// of its own; areas can be shaded by closure rate or by overdue cases.
// Filters live in the address (#/map?state=overdue&category=06…).

import { api, cached } from '../api.js';
import { h, clear, field } from '../dom.js';
import { t, stateLabel, fmtNumber } from '../i18n.js';
import { baseMap, L } from './map.js';
import { categoryPicker } from './widgets.js';

export const COLORS = { open: '#1c7ed6', overdue: '#e03131', closed: '#2f9e44' };
const STATES = ['submitted', 'filed', 'dispatched', 'handling', 'extension_pending',
  'handled', 'suspended', 'closed', 'rejected'];
const URGENCY = ['emergency', 'utility', 'general', 'complex'];
const FILTERS = ['category', 'state', 'urgency', 'from', 'to', 'shade', 'heat'];

// The area level whose shading fits a zoom: districts for the city, then
// streets, communities and, close up, the grids.
function shadeLevel(z) {
  if (z < 12) return 'district';
  if (z < 14) return 'street';
  if (z < 15) return 'community';
  return 'grid';
}

function hashFor(q) {
  const qs = new URLSearchParams();
  for (const k of FILTERS) if (q[k]) qs.set(k, q[k]);
  const s = qs.toString();
  return '#/map' + (s ? '?' + s : '');
}

// Dates from the pickers are Beijing days: from the start of `from` to the
// end of `to`.
function apiFilters(q) {
  const f = {};
  if (q.category) f.category = q.category;
  if (q.state) f.state = q.state;
  if (q.urgency) f.urgency = q.urgency;
  if (q.from) f.from = q.from;
  if (q.to) {
    const d = new Date(q.to + 'T00:00:00+08:00');
    d.setUTCDate(d.getUTCDate() + 1);
    f.to = new Date(d.getTime() + 8 * 3600e3).toISOString().slice(0, 10);
  }
  return f;
}

// A circle for a cell: its area grows with the count, its ring shows the
// share of open, overdue and closed cases.
function clusterIcon(c) {
  const d = Math.round(Math.min(56, 24 + 5 * Math.log2(c.count)));
  const a = (c.open / c.count) * 360;
  const b = a + (c.overdue / c.count) * 360;
  const el = h('div', {
    class: 'om-cluster', dataset: { count: String(c.count), open: String(c.open),
      overdue: String(c.overdue), closed: String(c.closed) },
  }, h('span', { class: 'om-cluster-count' }, fmtNumber(c.count)));
  el.style.width = el.style.height = d + 'px';
  el.style.background = `conic-gradient(${COLORS.open} 0deg ${a}deg, ` +
    `${COLORS.overdue} ${a}deg ${b}deg, ${COLORS.closed} ${b}deg 360deg)`;
  return L.divIcon({ className: 'om-cluster-icon', html: el, iconSize: [d, d], iconAnchor: [d / 2, d / 2] });
}

// The heat of the view drawn on a canvas above the map: each cluster or
// case is a soft spot weighted by its count, and the summed intensity is
// coloured from blue through yellow to red.
const HeatLayer = L.Layer.extend({
  initialize(points) { this.points = points || []; },
  onAdd(map) {
    // A pane of its own, above the area shading and below the markers.
    const pane = map.getPane('om-heat') || map.createPane('om-heat');
    pane.style.zIndex = 450;
    pane.style.pointerEvents = 'none';
    this.canvas = L.DomUtil.create('canvas', 'om-heat leaflet-zoom-hide', pane);
    map.on('moveend zoomend resize', this.redraw, this);
    this.redraw();
  },
  onRemove(map) {
    map.off('moveend zoomend resize', this.redraw, this);
    this.canvas.remove();
  },
  setPoints(points) { this.points = points; if (this._map) this.redraw(); return this; },
  redraw() {
    const map = this._map;
    if (!map) return;
    const size = map.getSize();
    const cv = this.canvas;
    cv.width = size.x;
    cv.height = size.y;
    L.DomUtil.setPosition(cv, map.containerPointToLayerPoint([0, 0]));
    const g = cv.getContext('2d');
    g.clearRect(0, 0, size.x, size.y);
    if (!this.points.length) return;
    const max = Math.max(...this.points.map((p) => p.weight));
    const r = 40;
    for (const p of this.points) {
      const pt = map.latLngToContainerPoint([p.lat, p.lon]);
      const alpha = Math.min(1, 0.15 + 0.85 * Math.sqrt(p.weight / max));
      const grad = g.createRadialGradient(pt.x, pt.y, 0, pt.x, pt.y, r);
      grad.addColorStop(0, `rgba(0,0,0,${alpha})`);
      grad.addColorStop(1, 'rgba(0,0,0,0)');
      g.fillStyle = grad;
      g.fillRect(pt.x - r, pt.y - r, 2 * r, 2 * r);
    }
    const img = g.getImageData(0, 0, size.x, size.y);
    const px = img.data;
    for (let i = 0; i < px.length; i += 4) {
      const v = px[i + 3] / 255;
      if (!v) continue;
      // blue (cool) -> yellow -> red (hot)
      px[i] = Math.round(255 * Math.min(1, v * 2));
      px[i + 1] = Math.round(255 * (v < 0.5 ? v * 2 : 2 - v * 2));
      px[i + 2] = Math.round(255 * Math.max(0, 1 - v * 2));
      px[i + 3] = Math.round(200 * Math.min(1, v * 1.4));
    }
    g.putImageData(img, 0, 0);
  },
});

function shadeColor(kind, item, max) {
  if (kind === 'overdue') {
    if (!item.overdue) return '#f8f9fa';
    const v = Math.sqrt(item.overdue / (max || 1));
    return `rgb(${255}, ${Math.round(235 - 170 * v)}, ${Math.round(235 - 170 * v)})`;
  }
  if (item.closure_rate === null) return '#f1f3f5';
  const r = item.closure_rate; // red (low) to green (high)
  return `rgb(${Math.round(224 - 180 * r)}, ${Math.round(80 + 100 * r)}, ${Math.round(80 - 10 * r)})`;
}

export function render(main, ctx) {
  const user = ctx.session.user;
  const isPublic = user.role === 'resident';
  const q = Object.fromEntries(FILTERS.map((k) => [k, ctx.query.get(k) || '']));
  if (!ctx.query.has('heat')) q.heat = '';

  // Filters
  const cat = categoryPicker(q.category, { allowBig: true, label: t('onemap.category') });
  const state = h('select', { id: 'om-state' },
    h('option', { value: '' }, t('onemap.state.any')),
    ...['open', 'overdue', 'closed'].map((s) => h('option', { value: s }, t('onemap.bucket.' + s))),
    ...STATES.map((s) => h('option', { value: s }, stateLabel(s))));
  state.value = q.state;
  const urgency = h('select', { id: 'om-urgency' },
    h('option', { value: '' }, t('onemap.urgency.any')),
    ...URGENCY.map((u) => h('option', { value: u }, t('onemap.urgency.' + u))));
  urgency.value = q.urgency;
  const from = h('input', { type: 'date', id: 'om-from', value: q.from });
  const to = h('input', { type: 'date', id: 'om-to', value: q.to });
  const shade = h('select', { id: 'om-shade' },
    h('option', { value: '' }, t('onemap.shade.none')),
    h('option', { value: 'closure' }, t('onemap.shade.closure')),
    h('option', { value: 'overdue' }, t('onemap.shade.overdue')));
  shade.value = q.shade;
  const heat = h('input', { type: 'checkbox', id: 'om-heat', checked: q.heat === '1' });

  function apply() {
    ctx.go(hashFor({
      category: cat.value(), state: state.value, urgency: urgency.value,
      from: from.value, to: to.value, shade: shade.value, heat: heat.checked ? '1' : '',
    }));
  }
  for (const el of [cat, state, urgency, from, to, shade, heat]) el.addEventListener('change', apply);

  const filters = h('form', { class: 'om-filters', id: 'om-filters', onsubmit: (e) => e.preventDefault() },
    field(t('onemap.category'), cat),
    field(t('onemap.state'), state),
    field(t('onemap.urgency'), urgency),
    field(t('onemap.from'), from),
    field(t('onemap.to'), to),
    field(t('onemap.shade'), shade),
    h('label', { class: 'om-heat-toggle' }, heat, ' ', t('onemap.heat')));

  const total = h('span', { id: 'om-total' }, '…');
  const legend = h('p', { class: 'om-legend', id: 'om-legend' },
    ...['open', 'overdue', 'closed'].map((k) => h('span', { class: 'om-key' },
      h('span', { class: 'om-swatch om-swatch-' + k }), t('onemap.bucket.' + k))),
    h('span', { class: 'om-total-line' }, t('onemap.total'), ' ', total));
  const mapEl = h('div', { class: 'map om-map', id: 'onemap', role: 'region', 'aria-label': t('onemap.title') });
  main.append(
    h('div', { class: 'page-head' }, h('h1', null, t(isPublic ? 'onemap.title.public' : 'onemap.title')),
      isPublic ? h('p', { class: 'lead' }, t('onemap.public.hint')) : null),
    // On a phone the map comes first; the filters fold away.
    h('details', { class: 'om-filter-box', open: window.innerWidth > 640 || FILTERS.some((k) => q[k]) },
      h('summary', null, t('onemap.filters')), filters),
    legend, mapEl);

  const focus = !isPublic && user.area && user.area.level !== 'city' ? user.area : null;
  const { map, ready } = baseMap(mapEl, ctx.session.config, { focus });
  const clusterLayer = L.layerGroup().addTo(map);
  const caseLayer = L.layerGroup().addTo(map);
  const shadeLayer = L.layerGroup().addTo(map);
  const heatLayer = new HeatLayer([]);
  if (q.heat === '1') heatLayer.addTo(map);
  const f = apiFilters(q);
  let seq = 0;
  let timer = null;
  let gone = false;

  async function loadCases() {
    const my = ++seq;
    const b = map.getBounds();
    const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
    const bbox = [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90),
      clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)].map((v) => v.toFixed(6)).join(',');
    let ans;
    try {
      ans = await api.get('/api/v1/map', { ...f, bbox, zoom: String(Math.round(map.getZoom())) });
    } catch (e) {
      if (my === seq && !gone) total.textContent = e.message;
      return;
    }
    if (my !== seq || gone) return;
    clusterLayer.clearLayers();
    caseLayer.clearLayers();
    const heatPts = [];
    if (ans.mode === 'clusters') {
      for (const c of ans.clusters) {
        heatPts.push({ lon: c.lon, lat: c.lat, weight: c.count });
        const m = L.marker([c.lat, c.lon], { icon: clusterIcon(c), keyboard: false, title: '' });
        m.on('click', () => map.setView([c.lat, c.lon], Math.min(map.getZoom() + 2, 16)));
        clusterLayer.addLayer(m);
      }
    } else {
      // Cases on one spot (a grid's centre, or the public view's rounded
      // place) are fanned out around it, so each can be seen and clicked.
      const spots = new Map();
      for (const c of ans.cases) {
        const key = `${c.lat.toFixed(5)},${c.lon.toFixed(5)}`;
        if (!spots.has(key)) spots.set(key, []);
        spots.get(key).push(c);
      }
      const placed = new Map();
      for (const group of spots.values()) {
        if (group.length === 1) { placed.set(group[0], [group[0].lat, group[0].lon]); continue; }
        const centre = map.latLngToLayerPoint([group[0].lat, group[0].lon]);
        const r = Math.min(60, 10 + 3 * group.length);
        group.forEach((c, i) => {
          const a = (2 * Math.PI * i) / group.length;
          const ll = map.layerPointToLatLng(L.point(centre.x + r * Math.cos(a), centre.y + r * Math.sin(a)));
          placed.set(c, [ll.lat, ll.lng]);
        });
      }
      for (const c of ans.cases) {
        heatPts.push({ lon: c.lon, lat: c.lat, weight: 1 });
        const bucket = c.overdue ? 'overdue' : (c.state === 'closed' || c.state === 'rejected') ? 'closed' : 'open';
        const m = L.circleMarker(placed.get(c), {
          radius: 7, fillColor: COLORS[bucket], fillOpacity: 0.9,
          color: c.overdue ? COLORS.overdue : '#ffffff', weight: c.overdue ? 4 : 2,
        });
        m.bindTooltip(`#${c.id} ${stateLabel(c.state)}${c.overdue ? ' · ' + t('onemap.bucket.overdue') : ''}`);
        m.on('click', () => ctx.go('#/case/' + c.id));
        caseLayer.addLayer(m);
      }
    }
    heatLayer.setPoints(heatPts);
    total.textContent = fmtNumber(ans.total) + (ans.truncated ? ' ' + t('onemap.truncated', { n: ans.cases.length }) : '');
    mapEl.dataset.mode = ans.mode;
    mapEl.dataset.total = String(ans.total);
    mapEl.dataset.loaded = String(my);
  }

  let shadeKey = '';
  async function loadShade() {
    if (!q.shade) return;
    const level = shadeLevel(map.getZoom());
    const key = level;
    if (key === shadeKey) return;
    shadeKey = key;
    try {
      const [fc, figs] = await Promise.all([
        cached('/api/v1/areas/geojson', { level }),
        api.get('/api/v1/map/areas', { ...f, level }),
      ]);
      if (gone || key !== shadeKey) return;
      const byCode = new Map(figs.items.map((i) => [i.code, i]));
      const max = Math.max(0, ...figs.items.map((i) => i.overdue));
      shadeLayer.clearLayers();
      L.geoJSON(fc, {
        filter: (ft) => byCode.has(ft.properties?.code),
        style: (ft) => ({
          color: '#495057', weight: 0.8, fillOpacity: 0.55,
          fillColor: shadeColor(q.shade, byCode.get(ft.properties.code), max),
        }),
        onEachFeature: (ft, layer) => {
          const it = byCode.get(ft.properties.code);
          const rate = it.closure_rate === null ? t('stats.none') : fmtNumber(it.closure_rate * 100, 1) + '%';
          layer.bindTooltip(`${it.name}: ${t('onemap.shade.closure')} ${rate} · ` +
            `${t('onemap.bucket.overdue')} ${fmtNumber(it.overdue)}`, { sticky: true });
        },
      }).addTo(shadeLayer);
      mapEl.dataset.shaded = level;
    } catch (_) { shadeKey = ''; }
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(() => { loadCases(); loadShade(); }, 150);
  }
  ready.then(() => {
    if (gone) return;
    map.on('moveend', later);
    loadCases();
    loadShade();
  });

  return () => {
    gone = true;
    clearTimeout(timer);
    map.remove();
    clear(mapEl);
  };
}
