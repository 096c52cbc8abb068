// Live updates as a dispatcher meets them: with the queue open, a case a
// resident reports elsewhere appears in it without a reload; with that
// case open, a colleague's action on it shows on the page by itself.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { harness, PASSWORD, DESKTOP } from './harness.mjs';

const e2e = harness('live');
let page;

before(async () => {
  await e2e.start();
  ({ page } = e2e);
});

after(() => e2e.stop());

async function token(username) {
  const r = await fetch(`${e2e.base}/api/v1/session`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  assert.equal(r.status, 201);
  return (await r.json()).token;
}

async function call(user, method, path, body) {
  const r = await fetch(`${e2e.base}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${await token(user)}` },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  assert.ok(r.ok, `${method} ${path}: ${r.status} ${text}`);
  return JSON.parse(text);
}

test('the queue and the case page follow changes made elsewhere', e2e.withEvidence('live', async () => {
  await e2e.signedOut();
  await page.setViewportSize(DESKTOP);
  await e2e.signIn('dispatcher');
  await page.goto(`${e2e.base}/#/queue?state=submitted`);
  await page.locator('#live-dot[data-state="on"]').waitFor();

  const spot = await e2e.pointInArea('community', '电子路社区');
  const words = `单元门禁坏了进不去 ${Date.now().toString(36)}`;
  const created = await call('resident1', 'POST', '/api/v1/cases',
    { lon: spot.lon, lat: spot.lat, description: words, category: '06036' });
  // No reload: the new case shows up in the open queue by itself.
  await page.locator(`[data-case-id="${created.id}"]`).waitFor({ timeout: 5000 });

  await page.locator(`[data-case-id="${created.id}"]`).first().click();
  await e2e.waitState('待受理');
  await call('dispatcher', 'POST', `/api/v1/cases/${created.id}/actions`, { action: 'accept' });
  await page.locator('#case-state .badge', { hasText: '待受理' }).waitFor({ state: 'detached', timeout: 5000 });
  const badge = await page.locator('#case-state .badge').first().textContent();
  assert.notEqual(badge.trim(), '待受理');
  await e2e.shot('live-case-updated');
}));
