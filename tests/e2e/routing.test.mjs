// The administrator's routing rules (分派规则) in a real browser against a
// real server: the admin adds a rule (06010 暴露垃圾 in 回民区 → 环卫中心), sees
// it listed, is told why the same rule cannot be added twice, runs the dry
// run (试算) for a point in 回民区 and sees the rule win; a case resident1
// reports there goes to the rule's unit with the rule's reason; the admin
// deletes the rule (after confirming) and the dry run falls back to the
// category's department. A dispatcher has no 分派规则 in the menu and cannot
// open the page.
//
// Run: npm run test:e2e   (screenshots go to test-results/)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { harness, PASSWORD, DESKTOP } from './harness.mjs';

const PHONE = { width: 390, height: 844 };
const CATEGORY = '06010';
const DISTRICT = '回民区';
const COMMUNITY = '电子路社区';
const UNIT = 'dept-sanitation';
const UNIT_NAME = '环卫中心';

const e2e = harness('routing');
const { shot, signIn, signOut } = e2e;
let base;
let page;

before(async () => {
  await e2e.start();
  ({ base, page } = e2e);
});

after(() => e2e.stop());

// The API as another person would use it, with a token of their own.
async function token(username) {
  const r = await fetch(`${base}/api/v1/session`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  assert.equal(r.status, 201, `${username} signs in`);
  return (await r.json()).token;
}

async function call(tok, method, path, body) {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${tok}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: r.status, body: await r.json() };
}

// Chooses a big class then a small class in a category picker.
async function chooseCategory(scope, code) {
  const big = scope.locator('.cat-picker select').nth(0);
  const small = scope.locator('.cat-picker select').nth(1);
  await big.locator(`option[value="${code.slice(0, 2)}"]`).waitFor({ state: 'attached' });
  await big.selectOption(code.slice(0, 2));
  await small.locator(`option[value="${code}"]`).waitFor({ state: 'attached' });
  await small.selectOption(code);
}

// The dry run for a point typed as coordinates (the map follows them).
async function dryRunAt(spot) {
  const dry = page.locator('#routing-dry');
  await dry.getByLabel('经度').fill(spot.lon.toFixed(6));
  await dry.getByLabel('纬度').fill(spot.lat.toFixed(6));
  await dry.getByLabel('纬度').press('Tab');
  await dry.getByRole('button', { name: '试算', exact: true }).click();
}

test('an admin adds a routing rule, sees it win the dry run and route a case, and deletes it', e2e.withEvidence('routing', async () => {
  const spot = await e2e.pointInArea('community', COMMUNITY); // in 回民区
  await page.setViewportSize(DESKTOP);
  await signIn('admin');
  await page.getByRole('link', { name: '分派规则' }).click();
  await page.getByRole('heading', { name: '分派规则', level: 1 }).waitFor();
  await page.locator('#routing-empty').waitFor();

  // Add the rule.
  const add = page.locator('#routing-add');
  await chooseCategory(add, CATEGORY);
  const area = add.locator('.area-picker select').first();
  await area.locator('option', { hasText: DISTRICT }).waitFor({ state: 'attached' });
  await area.selectOption({ label: DISTRICT });
  await add.getByLabel('网格等级').selectOption('');
  await add.getByLabel('筛选单位').fill('环卫');
  const unit = add.getByLabel('处置单位', { exact: true });
  await unit.locator(`option[value="${UNIT}"]`).waitFor({ state: 'attached' });
  assert.equal(await unit.locator('optgroup[data-group="department"] option').count(), 1,
    'the filter leaves the one department named 环卫');
  await unit.selectOption(UNIT);
  await add.getByLabel('备注（可选）').fill('回民区暴露垃圾统一由环卫中心清运（E2E）');
  await add.getByRole('button', { name: '添加规则' }).click();

  const row = page.locator('#routing-rules tbody tr', { hasText: '暴露垃圾' });
  await row.waitFor();
  const ruleId = Number(await row.getAttribute('data-rule-id'));
  assert.ok(ruleId > 0, 'the new rule is listed with its number');
  for (const words of [`#${ruleId}`, CATEGORY, DISTRICT, '任何等级', UNIT_NAME, 'E2E']) {
    assert.ok((await row.textContent()).includes(words), `the listed rule shows ${words}`);
  }
  assert.equal(await page.locator('#routing-count').textContent(), '1');

  // The same rule again: the server says which rule is in the way.
  await add.getByRole('button', { name: '添加规则' }).click();
  const addErr = add.locator('.form-error');
  await addErr.waitFor();
  assert.match(await addErr.textContent(), /已有一条规则覆盖相同的类别、区域和网格等级/);
  assert.match(await addErr.textContent(), new RegExp(`rule #${ruleId} already covers`),
    'the server\'s own sentence is shown too');
  assert.equal(await page.locator('#routing-rules tbody tr').count(), 1, 'nothing more was stored');

  // The dry run for a point in 回民区: first a tap on the map, then the exact
  // point typed in.
  const dry = page.locator('#routing-dry');
  await chooseCategory(dry, CATEGORY);
  await dry.getByText('地图上的点').click();
  await page.locator('#routing-map[data-ready="true"]').waitFor();
  const box = await page.locator('#routing-map').boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2 + 20);
  await page.locator('#routing-map .map-pin').waitFor();
  assert.match(await dry.getByLabel('经度').inputValue(), /^1\d\d\.\d{6}$/, 'the tap fills the longitude');
  assert.match(await dry.getByLabel('纬度').inputValue(), /^\d\d\.\d{6}$/, 'the tap fills the latitude');
  await dryRunAt(spot);

  const winner = page.locator(`#dry-rules li[data-rule-id="${ruleId}"]`);
  await winner.waitFor();
  assert.equal(await winner.getAttribute('data-won'), 'true');
  assert.ok(await winner.evaluate((el) => el.classList.contains('is-winner')), 'the winner is highlighted');
  await winner.locator('.badge', { hasText: '胜出' }).waitFor();
  await page.locator('#dry-unit', { hasText: UNIT_NAME }).waitFor();
  await page.locator('#dry-unit .by-badge[data-by="rule"]', { hasText: '按分派规则' }).waitFor();
  assert.ok((await page.locator('#dry-reason').textContent()).startsWith(`规则 #${ruleId}：${CATEGORY}`));
  const place = await page.locator('.dry-place dd').textContent();
  assert.ok(place.startsWith(DISTRICT) && place.includes(COMMUNITY), `the point is in 回民区: ${place}`);
  await page.locator('.dry-level .badge[data-level]').waitFor();
  await page.locator('.dry-deadline dd', { hasText: '若现在上报' }).waitFor();
  await shot('routing-dry-run-1440');
  await page.setViewportSize(PHONE);
  await winner.scrollIntoViewIfNeeded();
  await shot('routing-dry-run-390');
  await page.setViewportSize(DESKTOP);

  // resident1 reports a case of that category there: it goes to the rule's
  // unit, with the rule as the reason.
  const resident = await token('resident1');
  const made = await call(resident, 'POST', '/api/v1/cases', {
    category: CATEGORY, lon: spot.lon, lat: spot.lat,
    description: '路口垃圾桶旁堆着好几袋生活垃圾，已经有味道了（分派规则 E2E）',
  });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const caseId = made.body.id;
  const admin = await token('admin');
  const seen = await call(admin, 'GET', `/api/v1/cases/${caseId}`);
  assert.equal(seen.status, 200);
  assert.equal(seen.body.unit, UNIT_NAME, 'the case went to the rule\'s unit');
  assert.ok(seen.body.route_reason.startsWith(`规则 #${ruleId}：${CATEGORY}`), seen.body.route_reason);

  // The sanitation department is reorganised: the rule keeps what it
  // covers and sends to another unit; the list shows it at once.
  await row.getByRole('button', { name: `改派规则 #${ruleId} 的处置单位` }).click();
  const change = row.locator('form.change-unit');
  await change.waitFor();
  await change.getByLabel('处置单位', { exact: true }).selectOption('dept-enforcement');
  await change.getByRole('button', { name: '保存' }).click();
  await page.locator(`#routing-rules tr[data-rule-id="${ruleId}"] .col-unit`, { hasText: '城管执法局' }).waitFor();
  await shot('routing-unit-changed');
  const changed = await call(admin, 'GET', '/api/v1/routing-rules');
  const rule = changed.body.items.find((x) => x.id === ruleId);
  assert.equal(rule.unit.code, 'dept-enforcement');
  assert.equal(rule.category.code, CATEGORY);

  // Delete the rule, after confirming; the dry run is asked again and falls
  // back to the category's department.
  await row.getByRole('button', { name: `删除规则 #${ruleId}` }).click();
  const confirm = row.locator('.confirm-delete');
  await confirm.getByText(`确定删除规则 #${ruleId}？`).waitFor();
  await confirm.getByRole('button', { name: '取消' }).click();
  await confirm.waitFor({ state: 'detached' });
  assert.equal(await page.locator('#routing-rules tbody tr').count(), 1, 'cancel keeps the rule');
  await row.getByRole('button', { name: `删除规则 #${ruleId}` }).click();
  await row.getByRole('button', { name: '确定删除' }).click();
  await page.locator('#routing-empty').waitFor();
  await page.locator('#dry-unit .by-badge[data-by="category"]', { hasText: '类别主管部门' }).waitFor();
  await page.locator('#dry-norules').waitFor();
  assert.equal(await page.locator('#dry-rules li').count(), 0);
  const fallback = await page.locator('#dry-reason').textContent();
  assert.ok(!fallback.startsWith('规则'), fallback);
  assert.ok(fallback.includes(UNIT_NAME), fallback);
  await dryRunAt(spot); // and asked by hand: the same answer
  await page.locator('#dry-unit .by-badge[data-by="category"]').waitFor();
  const rules = await call(admin, 'GET', '/api/v1/routing-rules');
  assert.deepEqual(rules.body.items, [], 'the rule is gone');
  await shot('routing-deleted-1440');

  // The case keeps the reason it was routed by, on the staff case page.
  await page.goto(`${base}/#/case/${caseId}`);
  const reason = page.locator('#case-details .dl-row', { hasText: '派单依据' });
  await reason.waitFor();
  assert.ok((await reason.locator('dd').textContent()).startsWith(`规则 #${ruleId}：${CATEGORY}`));
  await signOut();
}));

test('a dispatcher has no 分派规则 in the menu and cannot open it', e2e.withEvidence('routing-dispatcher', async () => {
  await e2e.signedOut();
  await page.setViewportSize(DESKTOP);
  await signIn('dispatcher');
  const nav = page.getByRole('navigation', { name: '主导航' });
  await nav.getByRole('link', { name: '统计分析' }).waitFor();
  assert.equal(await nav.getByRole('link', { name: '分派规则' }).count(), 0);
  await page.goto(`${base}/#/routing`);
  await page.waitForURL(/#\/queue$/);
  await page.locator('#queue-list').waitFor();
  await signOut();
}));
