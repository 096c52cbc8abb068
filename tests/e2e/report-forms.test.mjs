// The forms around a report, as a first-time user met them: a grid worker
// reporting for a resident (name, phone, channel) and finding 随手处置 from
// the report page; a resident choosing a file that is not a photo, and a
// very large photo that must be made small before it is sent; a handling
// unit's queue showing only the states a unit's cases can be in; and the
// dispatcher's unit list grouped with the routed unit first.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { harness, MOBILE, DESKTOP } from './harness.mjs';

const e2e = harness('forms');
let page;

before(async () => {
  await e2e.start();
  ({ page } = e2e);
});

after(() => e2e.stop());

async function chooseCategory() {
  const big = page.locator('.cat-picker select').nth(0);
  const small = page.locator('.cat-picker select').nth(1);
  await big.locator('option:nth-child(2)').waitFor({ state: 'attached' });
  await big.selectOption({ index: 1 });
  await small.locator('option:nth-child(2)').waitFor({ state: 'attached' });
  await small.selectOption({ index: 1 });
}

async function pin(spot, name) {
  await e2e.context.setGeolocation({ latitude: spot.lat, longitude: spot.lon });
  await page.getByRole('button', { name: '使用我的位置' }).click();
  await page.locator('#where .where-path', { hasText: name }).waitFor();
}

test('a grid worker reports for a resident with name, phone and channel, and finds 随手处置 on the report page', e2e.withEvidence('behalf', async () => {
  await e2e.signedOut();
  await page.setViewportSize(MOBILE);
  await e2e.signIn('gridworker');
  await page.getByRole('link', { name: '上报问题' }).click();
  await page.locator('#report-map[data-ready="true"]').waitFor();

  const behalf = page.locator('#behalf');
  await behalf.waitFor();
  await behalf.getByLabel('居民姓名').fill('赵大爷');
  await behalf.getByLabel('联系电话').fill('13800471234');
  const channel = behalf.getByLabel('渠道');
  const channels = await channel.locator('option').evaluateAll((os) => os.map((o) => [o.value, o.textContent]));
  assert.deepEqual(channels.map((c) => c[0]), ['', 'phone', 'visit', 'web', 'hotline']);
  assert.deepEqual(channels.slice(1).map((c) => c[1]), ['电话', '走访', '网上', '12345 热线']);
  await channel.selectOption('phone');

  // The switch to 随手处置 is on the page, and keeps what was typed.
  const toOnsite = page.locator('#mode-switch');
  assert.equal(await toOnsite.getAttribute('href'), '#/onsite');
  assert.match(await toOnsite.innerText(), /现场已处理？改为随手处置/);

  await page.locator('input[type=file][name=photo]').setInputFiles(await e2e.makeJpeg('before'));
  await page.locator('.photo-previews img').first().waitFor();
  await chooseCategory();
  const words = `代报${Date.now().toString(36)}`;
  await page.getByLabel('问题描述').fill(`赵大爷电话反映楼下路灯不亮 ${words}`);
  await pin(await e2e.pointInArea('community', '电子路社区'), '电子路社区');
  await e2e.shot('30-report-behalf-375');

  await page.locator('#report-submit').click();
  await page.waitForURL(/#\/case\/\d+$/);
  const caseId = Number(page.url().match(/#\/case\/(\d+)$/)[1]);
  const stored = await page.evaluate((id) => fetch(`/api/v1/cases/${id}`).then((r) => r.json()), caseId);
  assert.equal(stored.reporter?.name, '赵大爷');
  assert.equal(stored.reporter?.phone, '13800471234');
  assert.equal(stored.channel, 'phone');

  // 随手处置 from the report page: the description goes along.
  await page.getByRole('link', { name: '上报问题' }).click();
  await page.locator('#report-map[data-ready="true"]').waitFor();
  await page.getByLabel('问题描述').fill('井盖移位，已现场复位');
  await page.locator('#mode-switch').click();
  await page.waitForURL(/#\/onsite$/);
  await page.locator('h1', { hasText: '随手处置' }).waitFor();
  assert.equal(await page.getByLabel('问题描述').inputValue(), '井盖移位，已现场复位');
  assert.equal(await page.locator('#behalf').count(), 0, 'an on-the-spot fix has no resident to name');
  assert.equal(await page.locator('#mode-switch').getAttribute('href'), '#/report');
  await e2e.signOut();
}));

test('a resident sees no reporter fields; a file that is not a photo is refused at once; a 45-megapixel photo is made small', e2e.withEvidence('photos', async () => {
  await e2e.signedOut();
  await page.setViewportSize(MOBILE);
  await e2e.signIn('resident1');
  await page.getByRole('link', { name: '上报问题' }).click();
  await page.locator('#report-map[data-ready="true"]').waitFor();
  assert.equal(await page.locator('#behalf').count(), 0, 'residents do not name a reporter');
  assert.equal(await page.locator('#mode-switch').count(), 0, 'residents have no 随手处置');

  // Sending without a photo says so ...
  await page.locator('#report-submit').click();
  const formError = page.locator('.report-form .form-error');
  await formError.filter({ hasText: '请至少添加一张照片' }).waitFor();

  // ... a text file is refused the moment it is chosen, in Chinese, with
  // no broken preview ...
  await page.locator('input[type=file][name=photo]').setInputFiles(
    { name: '说明.txt', mimeType: 'text/plain', buffer: Buffer.from('不是照片') });
  const photoError = page.locator('.photo-error');
  await photoError.filter({ hasText: '只能添加 JPEG、PNG 或 WebP 格式的照片' }).waitFor();
  assert.match(await photoError.innerText(), /说明\.txt/);
  assert.equal(await page.locator('.photo-previews img').count(), 0, 'no preview of a file that is not a photo');

  // ... and a 45-megapixel JPEG, small in bytes, is shrunk to 2048 px on
  // its long side before it is sent; the stale messages go away.
  const b64 = await page.evaluate(async () => {
    const c = new OffscreenCanvas(8192, 5504);
    const g = c.getContext('2d');
    g.fillStyle = '#9fb7cc';
    g.fillRect(0, 0, 8192, 5504);
    g.fillStyle = '#6c4f3d';
    g.fillRect(2000, 2000, 3000, 1500);
    const blob = await c.convertToBlob({ type: 'image/jpeg', quality: 0.8 });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  });
  const big = Buffer.from(b64, 'base64');
  assert.ok(big.length < 1.5 * 1024 * 1024, `the test photo is small in bytes (${big.length})`);
  await page.locator('input[type=file][name=photo]').setInputFiles({ name: 'big.jpg', mimeType: 'image/jpeg', buffer: big });
  const preview = page.locator('.photo-previews img').first();
  await preview.waitFor();
  await page.waitForFunction(() => document.querySelector('.photo-previews img')?.naturalWidth > 0);
  const [w, hgt] = await preview.evaluate((img) => [img.naturalWidth, img.naturalHeight]);
  assert.equal(Math.max(w, hgt), 2048, `the photo is shrunk to 2048 px on the long side (${w}x${hgt})`);
  assert.equal(await photoError.isVisible(), false, 'the type message goes once a photo is added');
  assert.equal(await formError.isVisible(), false, 'the "add a photo" message goes once a photo is added');
  await e2e.shot('31-report-photo-375');

  // The case keeps the small photo.
  await chooseCategory();
  await page.getByLabel('问题描述').fill('楼下垃圾箱满溢，照片很大');
  await pin(await e2e.pointInArea('community', '电子路社区'), '电子路社区');
  await page.locator('#report-submit').click();
  await page.waitForURL(/#\/case\/\d+$/);
  await page.locator('#photo-compare .before img').waitFor();
  await e2e.comparePhotosLoaded();
  const stored = await page.locator('#photo-compare .before img').first().evaluate((img) => [img.naturalWidth, img.naturalHeight]);
  assert.ok(Math.max(...stored) <= 2048, `the stored photo is at most 2048 px (${stored})`);
  await e2e.signOut();
}));

test('a report left to the platform whose category it cannot tell says so, and goes once one is chosen', e2e.withEvidence('unsure-refused', async () => {
  await e2e.signedOut();
  await page.setViewportSize(MOBILE);
  await e2e.signIn('resident1');
  await page.getByRole('link', { name: '上报问题' }).click();
  await page.locator('#report-map[data-ready="true"]').waitFor();
  await page.locator('input[type=file][name=photo]').setInputFiles(await e2e.makeJpeg('unsure'));
  await page.locator('.photo-previews img').first().waitFor();
  await page.getByLabel('不确定类别，由平台根据描述建议').check();
  await page.getByLabel('问题描述').fill('嗯嗯啊啊哦哦呃呃');
  await pin(await e2e.pointInArea('community', '电子路社区'), '电子路社区');
  const before = page.url();
  await page.locator('#report-submit').click();
  const formError = page.locator('.report-form .form-error');
  await formError.filter({ hasText: '平台无法从这段描述判断类别' }).waitFor();
  assert.match(await formError.innerText(), /取消“不确定类别”并选择一个类别/);
  assert.equal(page.url(), before, 'nothing was filed');
  await e2e.shot('34-report-unsure-refused-375');

  await page.getByLabel('不确定类别，由平台根据描述建议').uncheck();
  await chooseCategory();
  await page.locator('#report-submit').click();
  await page.waitForURL(/#\/case\/\d+$/);
  await e2e.signOut();
}));

test('a handling unit\'s queue shows only the states its cases can be in', e2e.withEvidence('unit-tabs', async () => {
  await e2e.signedOut();
  await page.setViewportSize(DESKTOP);
  await e2e.signIn('sanitation');
  await page.locator('#queue-list').waitFor();
  const tabs = await page.locator('.tabs a').evaluateAll((as) => as.map((a) => a.dataset.tab));
  assert.deepEqual(tabs, ['all', 'dispatched', 'handling', 'extension_pending', 'handled', 'suspended', 'closed', 'overdue']);
  for (const never of ['待受理', '已立案', '已驳回', '已撤回', '已合并']) {
    assert.equal(await page.locator('.tabs a', { hasText: never }).count(), 0, `no ${never} tab for a unit`);
  }
  await page.locator('.tabs a[aria-current="page"]', { hasText: '已派遣' }).waitFor();
  await e2e.shot('32-unit-queue-1440');
  await e2e.signOut();

  // The dispatcher's queue keeps every state.
  await e2e.signIn('dispatcher');
  await page.locator('.tabs a[data-tab="submitted"]', { hasText: '待受理' }).waitFor();
  await page.locator('.tabs a[data-tab="filed"]', { hasText: '已立案' }).waitFor();
  await e2e.signOut();
}));

test('the dispatch form lists the routed unit first, then departments, then the district\'s offices, and filters by typing', e2e.withEvidence('dispatch-units', async () => {
  await e2e.signedOut();
  await page.setViewportSize(DESKTOP);
  await e2e.signIn('dispatcher');
  await page.goto(`${e2e.base}/#/queue?state=filed`);
  const row = page.locator('#queue-list a.queue-row').first();
  await row.waitFor();
  await row.click();
  await page.locator('#case-actions button[data-action="dispatch"]').click();
  const form = page.locator('form.action-form[data-action="dispatch"]');
  const select = form.locator('select[name=unit]');
  await select.locator('optgroup').first().waitFor({ state: 'attached' });
  const groups = await select.locator('optgroup').evaluateAll((gs) => gs.map((g) => g.dataset.group));
  assert.deepEqual(groups, ['suggested', 'department', 'local', 'other']);
  const suggested = select.locator('optgroup[data-group="suggested"] option');
  assert.equal(await suggested.count(), 1);
  assert.equal(await select.inputValue(), await suggested.getAttribute('value'), 'the routed unit is chosen');
  // The offices of the case's district come before the others.
  const caseArea = await page.evaluate(() => fetch(`/api/v1/cases/${location.hash.match(/\d+/)[0]}`)
    .then((r) => r.json()).then((c) => c.area.code.slice(0, 6)));
  const units = await page.evaluate(() => fetch('/api/v1/units').then((r) => r.json()).then((a) => a.items));
  const areaOf = Object.fromEntries(units.map((u) => [u.code, u.area || '']));
  const local = await select.locator('optgroup[data-group="local"] option').evaluateAll((os) => os.map((o) => o.value));
  assert.ok(local.length > 0 && local.every((v) => areaOf[v].startsWith(caseArea)), 'local offices are in the case\'s district');
  await e2e.shot('33-dispatch-units-1440');

  await form.getByLabel('筛选单位').fill('环卫');
  const shown = await select.locator('option').evaluateAll((os) => os.map((o) => o.textContent));
  assert.ok(shown.some((s) => s.includes('环卫')), 'the filter keeps matching units');
  assert.ok(shown.length < 10, `the filter narrows the list (${shown.length})`);
  await form.locator('.unit-count', { hasText: '共' }).waitFor();
  await e2e.signOut();
}));
