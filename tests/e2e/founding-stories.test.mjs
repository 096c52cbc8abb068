// The founding stories in the browser, as the demo city tells them (see
// src/cmd/demo_cases.c): the broken stairwell tile resident1 reported at
// 13:46 and saw fixed the same evening; the construction waste in front of
// a building, now with the sanitation center; the soil and paving bricks
// around five new tree pits at 青城公园's south gate on 大学西街, cleared and
// waiting for the supervisor; and the 13 felled trees in 兴松小区, closed by
// explanation. Then resident2 reports the tree pits anew with a photo and
// a pin, and the case lands in 回民区.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { harness, MOBILE, DESKTOP } from './harness.mjs';

const e2e = harness('stories');
let page;

before(async () => {
  await e2e.start();
  ({ page } = e2e);
});

after(() => e2e.stop());

// The value a details row of the case page shows, by its label.
function detail(label) {
  return page.locator('#case-details .dl-row', { has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) })
    .locator('dd');
}

// Finds a case of mine by its title in 我的上报, paging on if need be, and
// opens it.
async function openMine(title) {
  await page.getByRole('link', { name: '我的上报' }).click();
  for (let p = 1; ; p++) {
    await page.locator('#my-cases:not([aria-busy])').waitFor();
    if (p > 1) await page.locator('#my-cases .pager-info', { hasText: `第 ${p} /` }).waitFor();
    const card = page.locator('#my-cases a.case-card', { has: page.locator('.case-desc', { hasText: title }) });
    if (await card.count()) {
      assert.equal(await card.count(), 1, `one case titled ${title}`);
      await card.click();
      await page.locator('#case-actions').waitFor();
      await page.locator('.case-subtitle', { hasText: title }).waitFor();
      return;
    }
    const next = page.locator('#my-cases .pager button', { hasText: '下一页' });
    assert.ok(await next.count() && await next.isEnabled(), `no case titled ${title} in 我的上报`);
    await next.click();
  }
}

// Searches the work queue with its own search box, in the current tab.
async function searchQueue(words) {
  await page.locator('#queue-list:not([aria-busy])').waitFor();
  await page.getByLabel('搜索描述或标题').fill(words);
  await page.getByRole('button', { name: '搜索', exact: true }).click();
  await page.waitForURL((u) => new URLSearchParams(u.hash.split('?')[1] || '').get('q') === words);
  await page.locator('#queue-list:not([aria-busy])').waitFor();
}

function queueRow(title) {
  return page.locator('#queue-list a.queue-row', { has: page.locator('.q-text', { hasText: title }) });
}

test('resident1 sees the stairwell tile fixed the same day, before and after side by side, rated 满意', e2e.withEvidence('story-tile', async () => {
  await e2e.signedOut();
  await page.setViewportSize(MOBILE);
  await e2e.signIn('resident1');
  await openMine('楼道地砖破损');
  await e2e.waitState('已结案');
  await page.locator('.case-description', { hasText: '地砖碎了好几块' }).waitFor();

  const beforeImg = page.locator('#photo-compare .before img');
  const afterImg = page.locator('#photo-compare .after img');
  await beforeImg.waitFor();
  await afterImg.waitFor();
  await e2e.comparePhotosLoaded();
  assert.equal(await beforeImg.count(), 1, 'one report photo');
  assert.equal(await afterImg.count(), 1, 'one closing photo');
  assert.ok(await beforeImg.evaluate((img) => img.naturalWidth) > 0, 'the report photo loads');
  assert.ok(await afterImg.evaluate((img) => img.naturalWidth) > 0, 'the closing photo loads');
  assert.notEqual(await beforeImg.getAttribute('src'), await afterImg.getAttribute('src'),
    'before and after are different photos');
  // Side by side: on one row, the report photo on the left.
  const [b, a] = [await beforeImg.boundingBox(), await afterImg.boundingBox()];
  assert.ok(b.x + b.width <= a.x + 1 && Math.abs(b.y - a.y) < b.height,
    `the photos stand side by side (before ${JSON.stringify(b)}, after ${JSON.stringify(a)})`);

  // Reported at 13:46 and closed before midnight the same day.
  assert.equal((await detail('上报时间').innerText()).trim(), '2026/11/23 13:46');
  const closed = (await detail('结案时间').innerText()).trim();
  assert.match(closed, /^2026\/11\/23 (1[4-9]|2[0-3]):\d\d$/, `closed the same day: ${closed}`);
  await page.locator('#timeline .tl-handle .tl-note', { hasText: '更换破损地砖6块' }).waitFor();

  // Her rating.
  assert.equal((await page.locator('#rating-shown strong').innerText()).trim(), '满意');
  assert.equal((await detail('群众评价').innerText()).trim(), '满意');
  await page.locator('#timeline', { hasText: '评价：满意' }).waitFor();
  assert.equal(await page.locator('#rate-panel').count(), 0, 'rated once, no second rating offered');
  await e2e.shot('20-story-tile-375');
  await e2e.signOut();
}));

test('the construction waste case waits in the sanitation center\'s queue to be signed for', e2e.withEvidence('story-waste', async () => {
  await e2e.signedOut();
  await page.setViewportSize(DESKTOP);
  await e2e.signIn('sanitation');
  await page.locator('#queue-list').waitFor();
  // The unit's own tab: 已派遣, the cases sent to it.
  await page.locator('.tabs a[aria-current="page"]', { hasText: '已派遣' }).waitFor();
  await searchQueue('建筑垃圾');
  const row = queueRow('楼前堆放建筑垃圾');
  await row.waitFor();
  assert.equal(await row.count(), 1);
  assert.equal((await row.locator('.q-state .badge').first().innerText()).trim(), '已派遣');
  assert.equal((await row.locator('.q-unit').innerText()).trim(), '环卫中心');
  await e2e.shot('21-story-waste-queue-1440');

  await row.click();
  await e2e.waitState('已派遣');
  await page.locator('.case-description', { hasText: '铁路住宅5号楼前' }).waitFor();
  assert.equal((await detail('处置单位').innerText()).trim(), '环卫中心');
  // It is the sanitation center's to sign for.
  await page.locator('#case-actions button[data-action="sign"]', { hasText: '签收' }).waitFor();
  await e2e.signOut();
}));

test('the supervisor verifies the cleared tree pits at 青城公园\'s south gate and closes the case', e2e.withEvidence('story-tree-pits', async () => {
  await e2e.signedOut();
  await page.setViewportSize(DESKTOP);
  await e2e.signIn('supervisor');
  await page.locator('#queue-list').waitFor();
  await page.locator('.tabs a[aria-current="page"]', { hasText: '待核查' }).waitFor();
  await searchQueue('树坑');
  const row = queueRow('树坑周边堆放渣土和步道砖');
  await row.waitFor();
  assert.equal((await row.locator('.q-state .badge').first().innerText()).trim(), '待核查');
  await row.click();

  await e2e.waitState('待核查');
  await page.locator('.case-description', { hasText: '大学西街青城公园南门' }).waitFor();
  assert.equal((await detail('地址').innerText()).trim(), '回民区大学西街青城公园南门');
  // What the landscape bureau fed back: the note and the photo of the
  // cleared pits.
  await page.locator('#timeline .tl-handle .tl-note', { hasText: '步道砖已回铺' }).waitFor();
  await page.locator('#photo-compare .after img').waitFor();
  await e2e.comparePhotosLoaded();
  await e2e.shot('22-story-tree-pits-verify-1440');

  await e2e.takeAction('close', async (form) => {
    await form.locator('textarea[name=note]').fill('现场核查余土已清运、步道砖已回铺，予以结案。');
  });
  await e2e.waitState('已结案');
  await page.locator('#timeline .tl-close .tl-note', { hasText: '予以结案' }).waitFor();
  assert.match((await detail('结案时间').innerText()).trim(), /^\d{4}\/\d\d\/\d\d \d\d:\d\d$/);
  assert.equal(await page.locator('#case-actions button[data-action="close"]').count(), 0,
    'a closed case offers no second close');

  // And it has left the 待核查 queue.
  await page.getByRole('link', { name: '工作台' }).click();
  await page.locator('.tabs a[aria-current="page"]', { hasText: '待核查' }).waitFor();
  await searchQueue('树坑');
  assert.equal(await queueRow('树坑周边堆放渣土和步道砖').count(), 0, 'no longer awaiting verification');
  await e2e.signOut();
}));

test('resident2 reads why the 13 trees in 兴松小区 were felled: closed by explanation, rated 基本满意', e2e.withEvidence('story-felled-trees', async () => {
  await e2e.signedOut();
  await page.setViewportSize(MOBILE);
  await e2e.signIn('resident2');
  await openMine('小区13棵树被砍伐');
  await e2e.waitState('已结案');
  await page.locator('.case-description', { hasText: '兴松小区院里的13棵大树' }).waitFor();

  // The answer: the reason, the approval, the public notice, the replanting.
  const answer = (await page.locator('#timeline .tl-handle .tl-note').innerText()).trim();
  for (const words of ['病虫害', '倒伏隐患', '批准', '公示', '补植', '13株']) {
    assert.ok(answer.includes(words), `the handling note gives ${words}: ${answer}`);
  }
  await page.locator('#timeline .tl-close .tl-note', { hasText: '按解释说明结案' }).waitFor();

  // The photo of the public notice, as the closing photo.
  const notice = page.locator('#photo-compare .after img');
  await notice.waitFor();
  await e2e.comparePhotosLoaded();
  assert.equal(await notice.count(), 1, 'one closing photo: the notice');
  assert.ok(await notice.evaluate((img) => img.naturalWidth) > 0, 'the notice photo loads');

  assert.equal((await page.locator('#rating-shown strong').innerText()).trim(), '基本满意');
  assert.equal((await detail('群众评价').innerText()).trim(), '基本满意');
  await page.locator('#timeline', { hasText: '评价：基本满意' }).waitFor();
  await e2e.shot('23-story-felled-trees-375');
  await e2e.signOut();
}));

test('resident2 reports the tree pits with a photo and a pin, and the case lands in 回民区', e2e.withEvidence('story-new-report', async () => {
  const PARK = '青城公园';
  const spot = await e2e.pointInArea('compound', PARK);
  const description = '大学西街青城公园南门新挖的5个树坑周围堆满了土和拆下来的步道砖，'
    + '行人只能绕到机动车道上走，晚上看不清很危险，希望尽快清理。';

  await e2e.signedOut();
  await page.setViewportSize(MOBILE);
  await e2e.signIn('resident2');
  await page.getByRole('link', { name: '上报问题' }).click();
  await page.locator('#report-map[data-ready="true"]').waitFor();

  const photo = await e2e.makeJpeg('before');
  await page.locator('input[type=file][name=photo]').setInputFiles(photo);
  await page.locator('.photo-previews img').first().waitFor();

  const big = page.locator('.cat-picker select').nth(0);
  const small = page.locator('.cat-picker select').nth(1);
  await big.locator('option', { hasText: '施工管理类' }).waitFor({ state: 'attached' });
  await big.selectOption({ label: '施工管理类' });
  await small.locator('option', { hasText: '施工废弃料' }).waitFor({ state: 'attached' });
  await small.selectOption({ label: '施工废弃料' });
  await page.getByLabel('问题描述').fill(description);
  await page.getByLabel('标题（可选）').fill('公园南门树坑周边堆土堆砖');

  // The pin: centre the map on the park's south gate, then tap just below
  // the centre (the pin itself covers the centre).
  await e2e.context.setGeolocation({ latitude: spot.lat, longitude: spot.lon });
  await page.getByRole('button', { name: '使用我的位置' }).click();
  await page.locator('#where .where-path', { hasText: PARK }).waitFor();
  const box = await page.locator('#report-map').boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2 + 10);
  const where = page.locator('#where .where-path', { hasText: PARK });
  await where.waitFor();
  const path = (await where.innerText()).replace(/^.*[:：]\s*/, '').split('/').map((s) => s.trim());
  assert.equal(path[0], '回民区', `the pin is placed in 回民区: ${path.join(' / ')}`);
  assert.equal(path[path.length - 1], PARK);
  await page.getByLabel('详细地址（可选）').fill('大学西街青城公园南门');
  await e2e.shot('24-story-new-report-375');

  await page.locator('#report-submit').click();
  await page.waitForURL(/#\/case\/\d+$/);
  const caseId = Number(page.url().match(/#\/case\/(\d+)$/)[1]);
  await e2e.waitState('待受理');
  await page.locator('.case-description', { hasText: '5个树坑周围堆满了土' }).waitFor();
  // The case page names the place from the district down.
  const place = (await detail('区域').innerText()).trim().split(' / ');
  assert.equal(place[0], '回民区');
  assert.equal(place[place.length - 1], PARK);
  assert.equal((await detail('地址').innerText()).trim(), '大学西街青城公园南门');
  await page.locator('#photo-compare .before img').waitFor();
  await e2e.comparePhotosLoaded();
  await e2e.shot('25-story-new-case-375');
  await e2e.signOut();

  // The case page as 回民区's supervisor sees it: she sees only 回民区's
  // cases, and this one is among them; 兴松小区 (新城区) is not.
  await page.setViewportSize(DESKTOP);
  await e2e.signIn('hm-supervisor');
  await page.locator('#queue-list').waitFor();
  await page.locator('.tabs a[data-tab="all"]').click();
  await page.locator('.tabs a[aria-current="page"][data-tab="all"]').waitFor();
  await searchQueue('13棵大树');
  await page.locator('#queue-list .empty').waitFor();
  await searchQueue('树坑');
  const row = page.locator(`#queue-list a[data-case-id="${caseId}"]`);
  await row.waitFor();
  assert.equal((await row.locator('.q-area').innerText()).trim(), PARK);
  await row.click();
  await e2e.waitState('待受理');
  await page.locator('.case-description', { hasText: '5个树坑周围堆满了土' }).waitFor();
  assert.ok((await detail('区域').innerText()).trim().endsWith(PARK));
  await e2e.shot('26-story-new-case-hm-supervisor-1440');
  await e2e.signOut();
}));
