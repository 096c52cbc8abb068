// The main job in a real browser against a real server: a resident
// reports a problem with a photo and a map pin; the dispatcher accepts and
// dispatches it; the community office signs for it and feeds back a
// closing photo; the supervisor closes it; the resident sees the before
// and after photos side by side and rates it. A second test checks the
// English switch.
//
// Run: npm run test:e2e   (needs ./civicgrid built and /usr/bin/chromium;
// CIVICGRID_BIN=build-san/civicgrid runs it against the sanitizer build)
// Screenshots go to test-results/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { chromium } from 'playwright-core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = resolve(ROOT, process.env.CIVICGRID_BIN || 'civicgrid');
const SHOTS = join(ROOT, 'test-results');
const PASSWORD = 'civicgrid-demo';
const COMMUNITY = '电子路社区';
const MOBILE = { width: 375, height: 812 };
const DESKTOP = { width: 1440, height: 900 };
const STEP_TIMEOUT = 15000;

let tmp;
let server;
let serverLog = '';
let base;
let context;
let page;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url, ms) {
  const deadline = Date.now() + ms;
  let last = '';
  while (Date.now() < deadline) {
    if (server.exitCode !== null) break;
    try {
      const r = await fetch(url);
      if (r.ok) return;
      last = `status ${r.status}`;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not become healthy (${last}); log:\n${serverLog}`);
}

async function shot(name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

// A real JPEG drawn in the page, so the photo pipeline gets what a phone
// camera would send rather than a stub.
async function makeJpeg(kind) {
  const b64 = await page.evaluate(async (k) => {
    const c = new OffscreenCanvas(800, 600);
    const g = c.getContext('2d');
    const sky = g.createLinearGradient(0, 0, 0, 600);
    sky.addColorStop(0, k === 'before' ? '#8d99ae' : '#a5d8ff');
    sky.addColorStop(1, '#dee2e6');
    g.fillStyle = sky;
    g.fillRect(0, 0, 800, 600);
    g.fillStyle = '#adb5bd';
    g.fillRect(0, 420, 800, 180);
    if (k === 'before') {
      g.fillStyle = '#6c4f3d';
      for (let i = 0; i < 14; i++) g.fillRect(180 + i * 29, 330 + (i % 3) * 25, 60, 90 - (i % 4) * 12);
    } else {
      g.fillStyle = '#2b8a3e';
      g.beginPath();
      g.arc(400, 360, 70, 0, Math.PI * 2);
      g.fill();
    }
    const blob = await c.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }, kind);
  const buffer = Buffer.from(b64, 'base64');
  assert.equal(buffer[0], 0xff, 'the drawn photo is a JPEG');
  assert.equal(buffer[1], 0xd8, 'the drawn photo is a JPEG');
  return { name: `${kind}.jpg`, mimeType: 'image/jpeg', buffer };
}

async function signIn(username) {
  await page.goto(`${base}/#/signin`);
  const form = page.locator('form.signin-card');
  await form.waitFor();
  await form.getByLabel('用户名').fill(username);
  await form.getByLabel('密码').fill(PASSWORD);
  await form.getByRole('button', { name: '登录' }).click();
  await page.locator('#sign-out').waitFor();
}

async function signOut() {
  await page.locator('#sign-out').click();
  await page.locator('form.signin-card').waitFor();
}

// Finds the case in the work queue by its unique words and opens it.
async function openFromQueue(caseId, words) {
  await page.getByRole('link', { name: '工作台' }).click();
  await page.locator('#queue-list').waitFor();
  await page.goto(`${base}/#/queue?state=all&q=${encodeURIComponent(words)}`);
  const row = page.locator(`#queue-list a[data-case-id="${caseId}"]`);
  await row.waitFor();
  await row.click();
  await page.locator('#case-actions').waitFor();
}

async function waitState(label) {
  await page.locator('#case-state .badge', { hasText: label }).waitFor();
}

// Opens an action's form, fills it, and sends it.
async function takeAction(action, fill) {
  await page.locator(`#case-actions button[data-action="${action}"]`).click();
  const form = page.locator(`form.action-form[data-action="${action}"]`);
  await form.waitFor();
  if (fill) await fill(form);
  await form.locator('button[type=submit]').click();
  await form.waitFor({ state: 'detached' });
}

// A point inside the community's polygon, checked with the server's own
// point-in-polygon lookup.
async function pointInCommunity() {
  const fc = await (await fetch(`${base}/api/v1/areas/geojson?level=community`)).json();
  const f = fc.features.find((x) => x.properties.name === COMMUNITY);
  assert.ok(f, `the demo has the community ${COMMUNITY}`);
  const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
  const xs = ring.map((p) => p[0]);
  const ys = ring.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  for (const fy of [0.5, 0.4, 0.6, 0.3, 0.7]) {
    for (const fx of [0.5, 0.4, 0.6, 0.3, 0.7]) {
      const lon = x0 + (x1 - x0) * fx;
      const lat = y0 + (y1 - y0) * fy;
      const r = await fetch(`${base}/api/v1/areas/locate?lon=${lon}&lat=${lat}`);
      if (!r.ok) continue;
      const ans = await r.json();
      if (ans.path.some((a) => a.name === COMMUNITY)) return { lon, lat };
    }
  }
  throw new Error(`no point found inside ${COMMUNITY}`);
}

before(async () => {
  assert.ok(existsSync(BIN), `build the server first: ${BIN} is missing (run make)`);
  if (!existsSync(join(ROOT, 'web/vendor/leaflet/leaflet-src.esm.js'))) {
    const v = spawnSync('sh', [join(ROOT, 'scripts/vendor-web.sh')], { cwd: ROOT, stdio: 'inherit' });
    assert.equal(v.status, 0, 'scripts/vendor-web.sh copies Leaflet into web/vendor');
  }
  mkdirSync(SHOTS, { recursive: true });
  tmp = mkdtempSync(join(tmpdir(), 'civicgrid-e2e-'));
  const db = join(tmp, 'db');
  const blobs = join(tmp, 'blobs');
  const demo = spawnSync(BIN, ['demo', '--db', db, '--blob-dir', blobs], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(demo.status, 0, `civicgrid demo failed:\n${demo.stdout}\n${demo.stderr}`);

  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(BIN, ['serve', '--db', db, '--blob-dir', blobs, '--listen', `127.0.0.1:${port}`],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout.on('data', (d) => { serverLog += d; });
  server.stderr.on('data', (d) => { serverLog += d; });
  await waitForHealth(`${base}/healthz`, 20000);

  context = await chromium.launchPersistentContext(join(tmp, 'chromium-profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    locale: 'zh-CN',
    viewport: MOBILE,
    permissions: ['geolocation'],
  });
  context.setDefaultTimeout(STEP_TIMEOUT);
  page = context.pages()[0] || await context.newPage();
  page.on('pageerror', (e) => { serverLog += `\n[page error] ${e.message}`; });
});

after(async () => {
  if (context) await context.close().catch(() => {});
  let exit = null;
  if (server) {
    if (server.exitCode === null) {
      const done = new Promise((r) => server.once('exit', (code, signal) => r({ code, signal })));
      server.kill('SIGTERM');
      exit = await done;
    } else {
      exit = { code: server.exitCode, signal: server.signalCode };
    }
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  // A sanitizer report or a crash on the way out fails the run too.
  if (exit && exit.code !== 0) {
    throw new Error(`the server exited uncleanly (${JSON.stringify(exit)}):\n${serverLog.slice(-4000)}`);
  }
});

// Runs a test body and, when it fails, keeps a screenshot of the page as it
// was and the server's log in the error.
function withEvidence(name, body) {
  return async () => {
    try {
      await body();
    } catch (e) {
      await page?.screenshot({ path: join(SHOTS, `failed-${name}.png`), fullPage: true }).catch(() => {});
      e.message += `\n--- server log (tail) ---\n${serverLog.slice(-4000)}`;
      throw e;
    }
  };
}

test('a report goes from the resident through dispatch, handling and closing, and is rated', withEvidence('main-job', async () => {
  const words = `E2E${Date.now().toString(36)}`;
  const description = `楼道口堆放建筑垃圾，影响通行 ${words}`;
  const spot = await pointInCommunity();

  // Resident, on a phone.
  await page.setViewportSize(MOBILE);
  await page.goto(base + '/');
  await page.locator('form.signin-card').waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
  await shot('01-signin-375');
  await signIn('resident1');
  await page.getByRole('link', { name: '上报问题' }).click();
  await page.locator('#report-map[data-ready="true"]').waitFor();

  const before = await makeJpeg('before');
  await page.locator('input[type=file][name=photo]').setInputFiles(before);
  await page.locator('.photo-previews img').first().waitFor();

  const big = page.locator('.cat-picker select').nth(0);
  const small = page.locator('.cat-picker select').nth(1);
  await big.locator('option:nth-child(2)').waitFor({ state: 'attached' });
  await big.selectOption({ index: 1 });
  await small.locator('option:nth-child(2)').waitFor({ state: 'attached' });
  await small.selectOption({ index: 1 });
  await page.getByLabel('问题描述').fill(description);

  // The pin: centre the map on the place, then tap just below the centre
  // (the pin itself covers the centre).
  await context.setGeolocation({ latitude: spot.lat, longitude: spot.lon });
  await page.getByRole('button', { name: '使用我的位置' }).click();
  await page.locator('#where .where-path', { hasText: COMMUNITY }).waitFor();
  const box = await page.locator('#report-map').boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2 + 10);
  await page.locator('#where .where-path', { hasText: COMMUNITY }).waitFor();
  await page.locator('#where .where-route').waitFor();
  await page.getByLabel('详细地址（可选）').fill('电子路 12 号院 3 号楼东侧');
  await shot('02-report-375');

  await page.locator('#report-submit').click();
  await page.waitForURL(/#\/case\/\d+$/);
  const caseId = Number(page.url().match(/#\/case\/(\d+)$/)[1]);
  await waitState('待受理');

  await page.getByRole('link', { name: '我的上报' }).click();
  const card = page.locator(`#my-cases a[data-case-id="${caseId}"]`);
  await card.waitFor();
  await card.locator('.badge', { hasText: '待受理' }).waitFor();
  await card.locator('img.case-thumb').waitFor();
  await shot('03-mine-375');
  await signOut();

  // Dispatcher, at a desk.
  await page.setViewportSize(DESKTOP);
  await signIn('dispatcher');
  await page.locator('#queue-list').waitFor();
  await shot('04-queue-1440');
  await openFromQueue(caseId, words);
  await takeAction('accept');
  await waitState('已立案');
  await takeAction('dispatch', async (form) => {
    const select = form.locator('select[name=unit]');
    await select.locator('option', { hasText: COMMUNITY }).first().waitFor({ state: 'attached' });
    const value = await select.locator('option', { hasText: COMMUNITY }).first().getAttribute('value');
    await select.selectOption(value);
  });
  await waitState('已派遣');
  await shot('05-dispatched-1440');
  await signOut();

  // The community office signs for it and feeds back a closing photo.
  await signIn('community');
  await openFromQueue(caseId, words);
  await takeAction('sign');
  await waitState('处置中');
  const closing = await makeJpeg('after');
  await takeAction('handle', async (form) => {
    await form.locator('input[type=file]').setInputFiles(closing);
    await form.locator('.photo-previews img').waitFor();
    await form.locator('textarea[name=note]').fill('已清运建筑垃圾，楼道恢复通行。');
  });
  await waitState('待核查');
  await signOut();

  // The supervisor verifies and closes.
  await signIn('supervisor');
  await openFromQueue(caseId, words);
  await shot('06-verify-1440');
  await takeAction('close');
  await waitState('已结案');
  await signOut();

  // The resident sees the result and rates it.
  await page.setViewportSize(MOBILE);
  await signIn('resident1');
  await page.locator(`#my-cases a[data-case-id="${caseId}"]`).click();
  await waitState('已结案');
  const beforeImg = page.locator('#photo-compare .before img').first();
  const afterImg = page.locator('#photo-compare .after img').first();
  await beforeImg.waitFor();
  await afterImg.waitFor();
  await page.waitForFunction(() => [...document.querySelectorAll('#photo-compare img')]
    .every((img) => img.complete && img.naturalWidth > 0));
  assert.ok(await beforeImg.evaluate((img) => img.naturalWidth) > 0, 'the report photo loads');
  assert.ok(await afterImg.evaluate((img) => img.naturalWidth) > 0, 'the closing photo loads');
  assert.notEqual(await beforeImg.getAttribute('src'), await afterImg.getAttribute('src'),
    'before and after are different photos');
  await shot('07-closed-375');

  await page.locator('#rate-panel button[data-rating="satisfied"]').click();
  await page.locator('#rating-shown', { hasText: '满意' }).waitFor();
  await page.locator('#rate-panel').waitFor({ state: 'detached' });
  await page.locator('#timeline', { hasText: '评价：满意' }).waitFor();
  await shot('08-rated-375');
  await signOut();
}));

test('the language switch turns the interface into English and back', withEvidence('language', async () => {
  await context.clearCookies();
  await page.setViewportSize(MOBILE);
  await page.goto(`${base}/#/signin`);
  const form = page.locator('form.signin-card');
  await form.getByRole('button', { name: '登录' }).waitFor();
  await page.locator('#lang-switch').click();
  await form.getByRole('button', { name: 'Sign in' }).waitFor();
  await form.getByLabel('Username').waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');

  // The choice is remembered across page loads.
  await page.reload();
  await page.locator('form.signin-card').getByRole('button', { name: 'Sign in' }).waitFor();
  await signInEnglish('dispatcher');
  await page.getByRole('link', { name: 'Work queue' }).waitFor();
  await page.setViewportSize(DESKTOP);
  await page.locator('#queue-list').waitFor();
  await page.locator('.tabs a', { hasText: 'Awaiting intake' }).waitFor();
  await shot('09-queue-english-1440');
  await page.getByRole('link', { name: 'Statistics' }).click();
  await page.locator('#stats-tiles .tile').first().waitFor();
  await page.locator('#stats-tiles', { hasText: 'Closure rate' }).waitFor();
  await shot('10-stats-english-1440');

  await page.locator('#lang-switch').click();
  await page.getByRole('link', { name: '统计分析' }).waitFor();
  await page.locator('#stats-tiles', { hasText: '结案率' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
  await shot('11-stats-1440');
  await page.locator('#sign-out').click();
  await page.locator('form.signin-card').waitFor();
}));

async function signInEnglish(username) {
  const form = page.locator('form.signin-card');
  await form.getByLabel('Username').fill(username);
  await form.getByLabel('Password').fill(PASSWORD);
  await form.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#sign-out').waitFor();
}
