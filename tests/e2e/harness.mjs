// What every browser test needs: a demo database of its own, a real
// civicgrid server on a free loopback port (CIVICGRID_BIN picks the
// binary, e.g. build-san/civicgrid), Debian's chromium driven by
// playwright-core in zh-CN, signing in and out, screenshots, and a clean
// stop: the server gets SIGTERM and the run fails if it exits uncleanly
// (a crash, or a sanitizer report on the way out).
//
//   const e2e = harness('main-job');
//   before(() => e2e.start());          // or start({ demoArgs, prepare })
//   after(() => e2e.stop());
//   test('...', e2e.withEvidence('name', async () => { e2e.page ... }));

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { chromium } from 'playwright-core';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = resolve(ROOT, process.env.CIVICGRID_BIN || 'civicgrid');
export const SHOTS = join(ROOT, 'test-results');
export const PASSWORD = 'civicgrid-demo';
export const MOBILE = { width: 375, height: 812 };
export const DESKTOP = { width: 1440, height: 900 };
export const STEP_TIMEOUT = 15000;

export function freePort() {
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

// Runs the civicgrid binary to its end; fails with its output if it fails.
export function civicgrid(args) {
  const r = spawnSync(BIN, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, `civicgrid ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

export function harness(label = 'e2e') {
  const e2e = {
    tmp: null, db: null, blobs: null, server: null, base: null, context: null, page: null,
    log: '',
  };

  async function waitForHealth(url, ms) {
    const deadline = Date.now() + ms;
    let last = '';
    while (Date.now() < deadline) {
      if (e2e.server.exitCode !== null) break;
      try {
        const r = await fetch(url);
        if (r.ok) return;
        last = `status ${r.status}`;
      } catch (e) {
        last = e.message;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`server did not become healthy (${last}); log:\n${e2e.log}`);
  }

  // Builds the demo database (with demoArgs added to `civicgrid demo`),
  // lets prepare({db, blobs, tmp}) change it before it is served, serves
  // it and opens the browser.
  e2e.start = async ({ demoArgs = [], prepare } = {}) => {
    assert.ok(existsSync(BIN), `build the server first: ${BIN} is missing (run make)`);
    if (!existsSync(join(ROOT, 'web/vendor/leaflet/leaflet-src.esm.js'))) {
      const v = spawnSync('sh', [join(ROOT, 'scripts/vendor-web.sh')], { cwd: ROOT, stdio: 'inherit' });
      assert.equal(v.status, 0, 'scripts/vendor-web.sh copies Leaflet into web/vendor');
    }
    mkdirSync(SHOTS, { recursive: true });
    e2e.tmp = mkdtempSync(join(tmpdir(), `civicgrid-${label}-`));
    e2e.db = join(e2e.tmp, 'db');
    e2e.blobs = join(e2e.tmp, 'blobs');
    civicgrid(['demo', '--db', e2e.db, '--blob-dir', e2e.blobs, ...demoArgs]);
    if (prepare) await prepare({ db: e2e.db, blobs: e2e.blobs, tmp: e2e.tmp });

    const port = await freePort();
    e2e.base = `http://127.0.0.1:${port}`;
    e2e.server = spawn(BIN, ['serve', '--db', e2e.db, '--blob-dir', e2e.blobs, '--listen', `127.0.0.1:${port}`],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    e2e.server.stdout.on('data', (d) => { e2e.log += d; });
    e2e.server.stderr.on('data', (d) => { e2e.log += d; });
    await waitForHealth(`${e2e.base}/healthz`, 20000);

    e2e.context = await chromium.launchPersistentContext(join(e2e.tmp, 'chromium-profile'), {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      locale: 'zh-CN',
      viewport: MOBILE,
      permissions: ['geolocation'],
    });
    e2e.context.setDefaultTimeout(STEP_TIMEOUT);
    e2e.page = e2e.context.pages()[0] || await e2e.context.newPage();
    e2e.page.on('pageerror', (e) => { e2e.log += `\n[page error] ${e.message}`; });
    return e2e;
  };

  e2e.stop = async () => {
    if (e2e.context) await e2e.context.close().catch(() => {});
    let exit = null;
    const server = e2e.server;
    if (server) {
      if (server.exitCode === null && server.signalCode === null) {
        const done = new Promise((r) => server.once('exit', (code, signal) => r({ code, signal })));
        server.kill('SIGTERM');
        exit = await done;
      } else {
        exit = { code: server.exitCode, signal: server.signalCode };
      }
    }
    if (e2e.tmp && !process.env.KEEP_TMP) rmSync(e2e.tmp, { recursive: true, force: true });
    // A sanitizer report or a crash on the way out fails the run too.
    if (exit && exit.code !== 0) {
      throw new Error(`the server exited uncleanly (${JSON.stringify(exit)}):\n${e2e.log.slice(-4000)}`);
    }
  };

  e2e.shot = async (name) => {
    await e2e.page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  };

  // Runs a test body and, when it fails, keeps a screenshot of the page as
  // it was and the server's log in the error.
  e2e.withEvidence = (name, body) => async () => {
    try {
      await body();
    } catch (e) {
      await e2e.page?.screenshot({ path: join(SHOTS, `failed-${name}.png`), fullPage: true }).catch(() => {});
      e.message += `\n--- server log (tail) ---\n${e2e.log.slice(-4000)}`;
      throw e;
    }
  };

  e2e.signIn = async (username) => {
    const { page } = e2e;
    await page.goto(`${e2e.base}/#/signin`);
    const form = page.locator('form.signin-card');
    await form.waitFor();
    await form.getByLabel('用户名').fill(username);
    await form.getByLabel('密码').fill(PASSWORD);
    await form.getByRole('button', { name: '登录' }).click();
    await e2e.page.locator('#sign-out').waitFor();
  };

  e2e.signOut = async () => {
    await e2e.page.locator('#sign-out').click();
    await e2e.page.locator('form.signin-card').waitFor();
  };

  // For a test that must not inherit the sign-in a failed test left behind.
  e2e.signedOut = async () => {
    await e2e.page.goto(`${e2e.base}/`);
    await e2e.page.locator('form.signin-card, #sign-out').first().waitFor();
    if (await e2e.page.locator('#sign-out').isVisible()) await e2e.signOut();
  };

  // The badge of the open case page shows this state.
  e2e.waitState = async (label) => {
    await e2e.page.locator('#case-state .badge', { hasText: label }).waitFor();
  };

  // Opens an action's form on the case page, fills it, and sends it.
  e2e.takeAction = async (action, fill) => {
    const { page } = e2e;
    await page.locator(`#case-actions button[data-action="${action}"]`).click();
    const form = page.locator(`form.action-form[data-action="${action}"]`);
    await form.waitFor();
    if (fill) await fill(form);
    await form.locator('button[type=submit]').click();
    await form.waitFor({ state: 'detached' });
  };

  // A real JPEG drawn in the page, so the photo pipeline gets what a phone
  // camera would send rather than a stub.
  e2e.makeJpeg = async (kind) => {
    const b64 = await e2e.page.evaluate(async (k) => {
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
  };

  // A point inside the named area's polygon (level: community, compound
  // ...), checked with the server's own point-in-polygon lookup.
  e2e.pointInArea = async (level, name) => {
    const fc = await (await fetch(`${e2e.base}/api/v1/areas/geojson?level=${level}`)).json();
    const f = fc.features.find((x) => x.properties.name === name);
    assert.ok(f, `the demo has the ${level} ${name}`);
    const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
    const xs = ring.map((p) => p[0]);
    const ys = ring.map((p) => p[1]);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    for (const fy of [0.5, 0.4, 0.6, 0.3, 0.7]) {
      for (const fx of [0.5, 0.4, 0.6, 0.3, 0.7]) {
        const lon = x0 + (x1 - x0) * fx;
        const lat = y0 + (y1 - y0) * fy;
        const r = await fetch(`${e2e.base}/api/v1/areas/locate?lon=${lon}&lat=${lat}`);
        if (!r.ok) continue;
        const ans = await r.json();
        if (ans.path.some((a) => a.name === name)) return { lon, lat };
      }
    }
    throw new Error(`no point found inside ${name}`);
  };

  // Every photo of the before/after comparison has loaded with pixels.
  e2e.comparePhotosLoaded = async () => {
    await e2e.page.waitForFunction(() => {
      const imgs = [...document.querySelectorAll('#photo-compare img')];
      return imgs.length > 0 && imgs.every((img) => img.complete && img.naturalWidth > 0);
    });
  };

  return e2e;
}
