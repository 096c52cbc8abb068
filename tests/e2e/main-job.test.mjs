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
import { harness, PASSWORD, MOBILE, DESKTOP } from './harness.mjs';

const COMMUNITY = '电子路社区';

const e2e = harness('e2e');
const { shot, signIn, signOut, waitState, takeAction, makeJpeg } = e2e;
let base;
let context;
let page;

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

// A point inside the community's polygon, checked with the server's own
// point-in-polygon lookup.
function pointInCommunity() {
  return e2e.pointInArea('community', COMMUNITY);
}

before(async () => {
  await e2e.start();
  ({ base, context, page } = e2e);
});

after(() => e2e.stop());

const withEvidence = e2e.withEvidence;

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
  await e2e.comparePhotosLoaded();
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
