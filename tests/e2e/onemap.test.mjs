// The one map (一张图) in chromium: a leader opens it and sees the district
// and street outlines and the case clusters; the numbers on the circles add
// up to what the server counts for the same view; a screenshot holds the
// colours of the clusters and of the outlines; a resident sees the public
// map; areas can be shaded and the heat layer drawn.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { harness, DESKTOP } from './harness.mjs';

const e2e = harness('onemap');
let page;

before(async () => {
  await e2e.start();
  page = e2e.page;
  await page.setViewportSize(DESKTOP);
});
after(() => e2e.stop());

// Pixels of the screenshot whose colour is within `tol` of rgb, counted in
// the page (a canvas decodes the PNG, so no library is needed).
async function countPixels(png, colours, tol = 24) {
  return page.evaluate(async ({ b64, colours: cs, tol: t }) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + b64;
    await img.decode();
    const c = new OffscreenCanvas(img.width, img.height);
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const px = g.getImageData(0, 0, img.width, img.height).data;
    const out = cs.map(() => 0);
    for (let i = 0; i < px.length; i += 4) {
      cs.forEach(([r, gg, b], k) => {
        if (Math.abs(px[i] - r) <= t && Math.abs(px[i + 1] - gg) <= t && Math.abs(px[i + 2] - b) <= t) out[k]++;
      });
    }
    return out;
  }, { b64: png.toString('base64'), colours, tol });
}

async function mapLoaded() {
  await page.locator('#onemap[data-ready="true"]').waitFor();
  await page.locator('#onemap[data-loaded]').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('#onemap .om-cluster').length > 0);
}

test('a leader sees outlines and clusters that add up to the server\'s count', e2e.withEvidence('onemap-leader', async () => {
  await e2e.signIn('admin');
  await page.locator('nav.main-nav a[href="#/map"]', { hasText: '一张图' }).click();
  await mapLoaded();

  // Polygons: Leaflet draws the outlines on a canvas (or SVG) in the map.
  const drawn = await page.locator('#onemap canvas, #onemap svg path').count();
  assert.ok(drawn > 0, 'the area outlines are drawn');

  // The clusters on the page add up to the total the API gives for the
  // same view and zoom.
  const view = await page.evaluate(() => {
    const cs = [...document.querySelectorAll('#onemap .om-cluster')];
    return {
      sum: cs.reduce((n, c) => n + Number(c.dataset.count), 0),
      parts: cs.every((c) => Number(c.dataset.count) ===
        Number(c.dataset.open) + Number(c.dataset.overdue) + Number(c.dataset.closed)),
      shown: Number(document.getElementById('onemap').dataset.total),
    };
  });
  assert.ok(view.sum > 0, 'clusters are drawn');
  assert.ok(view.parts, 'each circle splits its count into open, overdue and closed');
  assert.equal(view.sum, view.shown, 'the circles add up to the count shown');
  const api = await page.evaluate(async () => {
    const all = await fetch('/api/v1/map?bbox=-180,-90,180,90&zoom=2').then((r) => r.json());
    return all.total;
  });
  assert.ok(view.sum <= api, 'the view holds at most every case');
  assert.equal(Number((await page.locator('#om-total').textContent()).replace(/\D/g, '')), view.sum);

  // The screenshot shows the clusters' colours and the outlines' blue.
  const png = await page.screenshot({ path: `${e2e.tmp}/onemap.png` });
  await e2e.shot('onemap-leader');
  const [red, blue, green, outline] = await countPixels(png,
    [[0xe0, 0x31, 0x31], [0x1c, 0x7e, 0xd6], [0x2f, 0x9e, 0x44], [0x0b, 0x5c, 0xad]]);
  assert.ok(red + blue + green > 200, `cluster colours in the screenshot (red ${red}, blue ${blue}, green ${green})`);
  assert.ok(outline > 50, `district outlines in the screenshot (${outline} pixels)`);
}));

test('filters, shading and the heat layer', e2e.withEvidence('onemap-filters', async () => {
  await page.goto(`${e2e.base}/#/map?state=overdue&shade=overdue&heat=1`);
  await mapLoaded();
  const overdueOnly = await page.evaluate(() => [...document.querySelectorAll('#onemap .om-cluster')]
    .every((c) => Number(c.dataset.count) === Number(c.dataset.overdue)));
  assert.ok(overdueOnly, 'with state=overdue every circle holds overdue cases only');
  await page.locator('#onemap[data-shaded]').waitFor();
  const heat = await page.evaluate(() => {
    const c = document.querySelector('#onemap canvas.om-heat');
    if (!c) return 0;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  });
  assert.ok(heat > 100, `the heat canvas is drawn (${heat} pixels)`);
  await e2e.shot('onemap-filters');
}));

test('a resident sees the public map', e2e.withEvidence('onemap-public', async () => {
  await e2e.signOut();
  await e2e.signIn('resident1');
  await page.locator('nav.main-nav a[href="#/map"]').click();
  await mapLoaded();
  await page.locator('h1', { hasText: '身边事地图' }).waitFor();
  const anon = await page.evaluate(async () => (await fetch('/api/v1/map?bbox=-180,-90,180,90&zoom=2').then((r) => r.json())).anonymised);
  assert.equal(anon, true, 'the resident gets the anonymised map');
  await e2e.shot('onemap-public');
  await e2e.signOut();
}));
