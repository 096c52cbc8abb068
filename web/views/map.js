// Maps without a tile server: the platform's own area polygons (WGS-84
// GeoJSON) are the base map, so it works on an intranet or offline. When the
// deployment names a tile server, its tiles are drawn underneath.

import * as L from '../vendor/leaflet/leaflet-src.esm.js';
import { cached } from '../api.js';

export { L };

const STYLES = {
  district: { color: '#0b5cad', weight: 2, fillColor: '#dbe8f6', fillOpacity: 0.55 },
  street: { color: '#4a7fb8', weight: 1.2, fillColor: '#eef4fb', fillOpacity: 0.35, dashArray: '4 3' },
  community: { color: '#7a9cc2', weight: 1, fillOpacity: 0.05 },
  grid: { color: '#98b3d1', weight: 0.8, fillOpacity: 0.03 },
};

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

// Creates a map in el with the district and street outlines. Answers
// {map, ready} where ready resolves once the outlines are drawn and the
// view fits them.
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
  const ready = (async () => {
    const levels = opts.levels || ['district', 'street'];
    let bounds = null;
    for (const level of levels) {
      try {
        const fc = await cached('/api/v1/areas/geojson', { level });
        if (!fc.features?.length) continue;
        const layer = areaLayer(fc, level, level !== 'district').addTo(map);
        if (!bounds) bounds = layer.getBounds();
      } catch (_) {
        /* a missing outline level only makes the map plainer */
      }
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
    el.dataset.ready = 'true';
    return map;
  })();
  return { map, ready };
}
