// "Me too" as residents meet it: resident1 has reported a broken street
// lamp; resident2 starts reporting the same lamp a few steps away, is
// shown resident1's case before sending, joins it instead of filing a
// second one, and finds it in their own list. The case page shows the
// count of residents who met the problem.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { harness, PASSWORD, MOBILE } from './harness.mjs';

const e2e = harness('metoo');
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

test('resident2 is shown the case resident1 reported nearby, joins it and follows it', e2e.withEvidence('metoo', async () => {
  await e2e.signedOut();
  await page.setViewportSize(MOBILE);
  const spot = await e2e.pointInArea('community', '电子路社区');
  const tree = (await (await fetch(`${e2e.base}/api/v1/categories`)).json()).items;
  const big = tree[0];
  const small = big.children[0];
  const words = `路灯不亮，晚上很黑 ${Date.now().toString(36)}`;

  // resident1 reported it first.
  const r = await fetch(`${e2e.base}/api/v1/cases`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${await token('resident1')}` },
    body: JSON.stringify({ category: small.code, lon: spot.lon, lat: spot.lat, description: `东门口${words}` }),
  });
  const body = await r.text();
  assert.equal(r.status, 201, body);
  const first = JSON.parse(body);

  // resident2 starts a report of the same lamp a few steps away.
  await e2e.signIn('resident2');
  await page.getByRole('link', { name: '上报问题' }).click();
  await page.locator('#report-map[data-ready="true"]').waitFor();
  const selects = page.locator('.cat-picker select');
  await selects.nth(0).locator(`option[value="${big.code}"]`).waitFor({ state: 'attached' });
  await selects.nth(0).selectOption(big.code);
  await selects.nth(1).selectOption(small.code);
  await e2e.context.setGeolocation({ latitude: spot.lat + 0.0003, longitude: spot.lon });
  await page.getByRole('button', { name: '使用我的位置' }).click();
  await page.locator('#where .where-path', { hasText: '电子路社区' }).waitFor();
  await page.getByLabel('问题描述').fill(words);

  // The case is suggested before anything is sent, with how far and how
  // alike it is.
  const item = page.locator(`#similar .similar-item[data-case-id="${first.id}"]`);
  await item.locator('.similar-why', { hasText: '描述相似' }).waitFor();
  assert.match(await item.innerText(), /相距约 \d+ 米/);
  assert.match(await item.innerText(), /描述相似 \d+%/);
  await e2e.shot('60-metoo-suggested-375');

  // Joining goes to the case instead of filing a new one.
  await item.getByRole('button', { name: '这是同一个问题，我也要反映' }).click();
  await page.waitForURL(new RegExp(`#/case/${first.id}$`));
  await page.locator('#support-mine').waitFor();
  assert.match(await page.locator('#support-count').innerText(), /1 位居民也遇到了这个问题/);
  assert.equal(await page.locator('#support-button').count(), 0, 'joined once, no second button');
  await e2e.shot('61-metoo-joined-375');

  // resident2 did not file a case of their own: the list holds resident1's,
  // as anyone may see it.
  await page.getByRole('link', { name: '我的上报' }).click();
  const card = page.locator(`#my-cases .case-card[data-case-id="${first.id}"]`);
  await card.waitFor();
  const mine = await page.evaluate(() => fetch('/api/v1/cases?per_page=100').then((x) => x.json()));
  const listed = mine.items.find((c) => c.id === first.id);
  assert.equal(listed.supported, true);
  assert.equal(listed.address, undefined);
  assert.equal(mine.items.filter((c) => c.description === words).length, 0);
}));

test('the reporter sees the count but no 我也遇到了 button on their own case', e2e.withEvidence('metoo-reporter', async () => {
  await e2e.signedOut();
  await e2e.signIn('resident1');
  const mine = await page.evaluate(() => fetch('/api/v1/cases?per_page=100').then((x) => x.json()));
  const own = mine.items.find((c) => /^东门口路灯不亮/.test(c.description));
  assert.ok(own, 'resident1 has the case reported in the first test');
  await page.goto(`${e2e.base}/#/case/${own.id}`);
  await page.locator('#support-count').waitFor();
  assert.match(await page.locator('#support-count').innerText(), /1 位居民/);
  assert.equal(await page.locator('#support-button').count(), 0);
}));
