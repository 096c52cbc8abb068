// Maps without a tile server: the platform's own area polygons (WGS-84
// GeoJSON) are the base map, so it works on an intranet or offline. When the
// deployment names a tile server, its tiles are drawn underneath.
//
// Without tiles a resident finds their place by its name, so the map names
// its areas: districts when the whole city is in view, streets as one zooms
// in, then communities, then grids (whose outlines appear only close up).
// Labels that would overlap are left out, larger areas first.

import * as L from '../vendor/leaflet/leaflet-src.esm.js';
import { api, cached } from '../api.js';
import { h } from '../dom.js';
import { t, colon } from '../i18n.js';

export { L };

const STYLES = {
  district: { color: '#0b5cad', weight: 2, fillColor: '#dbe8f6', fillOpacity: 0.55 },
  street: { color: '#4a7fb8', weight: 1.2, fillColor: '#eef4fb', fillOpacity: 0.35, dashArray: '4 3' },
  community: { color: '#7a9cc2', weight: 1, fillOpacity: 0.05 },
  grid: { color: '#98b3d1', weight: 0.8, fillOpacity: 0.03 },
};

// The zoom levels at which each level's names are shown (inclusive), and
// from which the finer outlines are drawn.
const LABEL_ZOOM = {
  district: [0, 12],
  street: [12, 14],
  community: [14, 15],
  grid: [16, 30],
  compound: [16, 30],
};
const OUTLINE_ZOOM = { community: 14, grid: 15 };

// The grid a point falls in, drawn over the others.
export const GRID_MARK = { color: '#d9480f', weight: 2, fillColor: '#ffd8a8', fillOpacity: 0.35 };

export function areaLayer(geojson, level, withTooltips = true) {
  return L.geoJSON(geojson, {
    style: STYLES[level] || STYLES.grid,
    interactive: withTooltips,
    onEachFeature: withTooltips
      ? (f, layer) => layer.bindTooltip(f.properties?.name || '', { sticky: true, direction: 'top' })
      : undefined,
  });
}

export function pinIcon(kind = 'report') {
  return L.divIcon({
    className: `map-pin map-pin-${kind}`,
    html: '<span class="map-pin-head"></span>',
    iconSize: [30, 40],
    iconAnchor: [15, 38],
  });
}

// The area-weighted centre of a polygon's outer ring (of the largest part
// of a multipolygon), and that ring's area, in degrees: good enough to
// place a name inside a district, street or grid.
function labelPoint(geometry) {
  const rings = geometry.type === 'Polygon' ? [geometry.coordinates[0]]
    : geometry.type === 'MultiPolygon' ? geometry.coordinates.map((p) => p[0]) : [];
  let best = null;
  for (const ring of rings) {
    let a = 0; let cx = 0; let cy = 0;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [x0, y0] = ring[j];
      const [x1, y1] = ring[i];
      const f = x0 * y1 - x1 * y0;
      a += f;
      cx += (x0 + x1) * f;
      cy += (y0 + y1) * f;
    }
    if (!a) continue;
    const c = { lon: cx / (3 * a), lat: cy / (3 * a), area: Math.abs(a / 2) };
    if (!best || c.area > best.area) best = c;
  }
  return best;
}

// Permanent names for the areas of a map, each level at its own zooms.
function areaLabels(map) {
  const group = L.layerGroup().addTo(map);
  const labels = []; // {marker, level, area, code}
  const seen = new Set();

  function add(fc, level) {
    for (const f of fc.features || []) {
      const code = f.properties?.code;
      const name = f.properties?.name;
      if (!name || seen.has(code)) continue;
      const p = labelPoint(f.geometry || {});
      if (!p) continue;
      seen.add(code);
      const marker = L.marker([p.lat, p.lon], {
        icon: L.divIcon({
          className: `area-label area-label-${level}`,
          html: h('span', { class: 'area-label-text' }, name),
          iconSize: null,
        }),
        interactive: false, keyboard: false,
      });
      labels.push({ marker, level, area: p.area, code });
      group.addLayer(marker);
    }
    labels.sort((a, b) => b.area - a.area);
    update();
  }

  // Shows the labels of the levels for this zoom that fit without
  // overlapping, larger areas first.
  function update() {
    const z = map.getZoom();
    const size = map.getSize();
    const taken = [];
    for (const l of labels) {
      const el = l.marker.getElement();
      if (!el) continue;
      const [lo, hi] = LABEL_ZOOM[l.level] || [99, 99];
      let show = z >= lo && z <= hi;
      if (show) {
        const pt = map.latLngToContainerPoint(l.marker.getLatLng());
        const w = (el.firstChild?.offsetWidth || 60) / 2 + 2;
        const ht = (el.firstChild?.offsetHeight || 18) / 2 + 1;
        const box = [pt.x - w, pt.y - ht, pt.x + w, pt.y + ht];
        show = box[0] >= 0 && box[2] <= size.x && box[1] >= 0 && box[3] <= size.y &&
          !taken.some((o) => box[0] < o[2] && box[2] > o[0] && box[1] < o[3] && box[3] > o[1]);
        if (show) taken.push(box);
      }
      el.classList.toggle('is-hidden', !show);
    }
  }

  map.on('zoomend moveend resize', update);
  return { add, update, group };
}

// Where the middle of the map is, named from the district down: a way to
// know where one is when no name is in sight, without searching.
function centerInfo(map, el) {
  const text = h('span', { class: 'map-center-path' }, '');
  const box = h('div', { class: 'map-center-info is-empty', id: 'map-center' },
    h('span', { class: 'map-center-label' }, colon(t('map.center'))), text);
  const Info = L.Control.extend({ onAdd: () => box });
  new Info({ position: 'bottomleft' }).addTo(map);
  let timer = null;
  let seq = 0;
  map.on('moveend', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const my = ++seq;
      const c = map.getCenter();
      try {
        const ans = await api.get('/api/v1/areas/locate', { lon: c.lng.toFixed(6), lat: c.lat.toFixed(6) });
        if (my !== seq) return;
        text.textContent = (ans.path || []).filter((a) => a.level !== 'city').map((a) => a.name).join(' / ');
      } catch (_) {
        if (my === seq) text.textContent = t('map.center.outside');
      }
      box.classList.toggle('is-empty', !text.textContent);
    }, 300);
  });
  map.on('unload', () => clearTimeout(timer));
}

// Creates a map in el with the district and street outlines, the names of
// the areas, and, as one zooms in, the community and grid outlines.
// Answers {map, ready} where ready resolves once the outlines are drawn and
// the view fits them.
export function baseMap(el, config, opts = {}) {
  const map = L.map(el, {
    zoomControl: true,
    attributionControl: Boolean(config?.tile_url),
    preferCanvas: true,
    minZoom: 3,
    maxZoom: 19,
  });
  if (config?.tile_url) {
    L.tileLayer(config.tile_url, { maxZoom: 19 }).addTo(map);
  }
  map.setView([40.84, 111.75], 11, { animate: false }); // until the outlines load
  const names = areaLabels(map);
  el.classList.toggle('map-no-tiles', !config?.tile_url);

  // The finer outlines, loaded once the map is zoomed in far enough.
  const finer = {};
  let gone = false;
  map.on('unload', () => { gone = true; });
  function loadFiner() {
    if (gone) return;
    for (const [level, from] of Object.entries(OUTLINE_ZOOM)) {
      if (map.getZoom() < from || finer[level]) continue;
      finer[level] = cached('/api/v1/areas/geojson', { level }).then((fc) => {
        if (gone) return;
        finer[level] = areaLayer(fc, level, false);
        names.add(fc, level);
        showFiner();
      }).catch(() => { finer[level] = null; });
    }
    showFiner();
  }
  function showFiner() {
    for (const [level, from] of Object.entries(OUTLINE_ZOOM)) {
      const layer = finer[level];
      if (!layer || typeof layer.addTo !== 'function') continue;
      if (map.getZoom() >= from) {
        if (!map.hasLayer(layer)) layer.addTo(map);
      } else if (map.hasLayer(layer)) {
        layer.remove();
      }
    }
  }
  map.on('zoomend', loadFiner);

  const ready = (async () => {
    const levels = opts.levels || ['district', 'street'];
    let bounds = null;
    for (const level of levels) {
      try {
        const fc = await cached('/api/v1/areas/geojson', { level });
        if (!fc.features?.length) continue;
        const layer = areaLayer(fc, level, false).addTo(map);
        names.add(fc, level);
        if (!bounds) bounds = layer.getBounds();
      } catch (_) {
        /* a missing outline level only makes the map plainer */
      }
    }
    // Names of the levels not drawn as outlines (a case map shows streets
    // only, but still names the district).
    for (const level of ['district', 'street']) {
      if (levels.includes(level)) continue;
      cached('/api/v1/areas/geojson', { level }).then((fc) => names.add(fc, level)).catch(() => {});
    }
    // Staff with a scope (a grid worker's grid, a street office's street)
    // start on their own area, drawn over the others.
    if (opts.focus && opts.focus.level !== 'city') {
      try {
        const fc = await cached('/api/v1/areas/geojson', { level: opts.focus.level, within: opts.focus.code });
        if (fc.features?.length) {
          const own = L.geoJSON(fc, { style: { ...GRID_MARK, fillOpacity: 0.12 }, interactive: false }).addTo(map);
          bounds = own.getBounds();
        }
      } catch (_) { /* the whole city then */ }
    }
    if (bounds && bounds.isValid() && !opts.keepView) map.fitBounds(bounds, { padding: [8, 8], animate: false });
    loadFiner();
    names.update();
    el.dataset.ready = 'true';
    return map;
  })();

  if (opts.centerInfo) centerInfo(map, el);

  // Shows one area (by its code) whole: the cascading "go to" pickers use it.
  async function showArea(code) {
    const level = { 6: 'district', 9: 'street', 12: 'community', 15: 'grid' }[code.length];
    if (!level) return;
    const fc = await cached('/api/v1/areas/geojson', { level, within: code });
    const f = (fc.features || []).filter((x) => x.properties?.code === code);
    if (!f.length) return;
    const b = L.geoJSON({ type: 'FeatureCollection', features: f }).getBounds();
    if (b.isValid()) map.fitBounds(b, { padding: [12, 12], maxZoom: 18 });
  }

  return { map, ready, showArea };
}
