// The service center's published year, read by a leader on the statistics
// page (统计分析): 5,239 reports, 5,058 closed, 164 open, 17 rejected, 822
// withdrawn (counted apart), closure rate 96.6%, satisfaction 100.0%.
//
// The year is written by tests/api/gen_center_year.py for a grid of 回民区
// and imported with `civicgrid import cases` into a demo database built
// without the real 2011–2020 citizen messages (--shared-data /nonexistent),
// so nothing else falls in 2011. The leader isolates it with the page's own
// filters: from 2011-01-01 to 2011-12-31 (the last day counted; the page
// asks the server for reports before the midnight after it), as of
// 2011-12-30 10:00 Beijing time.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { harness, civicgrid, ROOT, DESKTOP } from './harness.mjs';

const DISTRICT = '回民区';
const CATEGORY = '06036'; // 乱堆杂物

const e2e = harness('year');
let page;

// The first unit grid (level 4) of the district, read from the database.
function gridOf(db, district) {
  const r = spawnSync('/usr/bin/python3', ['-c', `
import sqlite3, sys
c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
row = c.execute("SELECT g.code FROM areas g JOIN areas d ON d.level = 1 AND d.name = ?"
                " WHERE g.level = 4 AND g.code LIKE d.code || '%' ORDER BY g.code LIMIT 1",
                (sys.argv[2],)).fetchone()
print(row[0] if row else "")
`, db, district], { encoding: 'utf8' });
  assert.equal(r.status, 0, `reading a grid of ${district}: ${r.stderr}`);
  const code = r.stdout.trim();
  assert.match(code, /^\d{15}$/, `the demo has a unit grid in ${district}`);
  return code;
}

before(async () => {
  await e2e.start({
    demoArgs: ['--shared-data', '/nonexistent'],
    prepare: ({ db, tmp }) => {
      const out = join(tmp, 'center-2011.jsonl');
      const gen = spawnSync('/usr/bin/python3',
        [join(ROOT, 'tests/api/gen_center_year.py'), out, '--area', gridOf(db, DISTRICT), '--category', CATEGORY],
        { cwd: ROOT, encoding: 'utf8' });
      assert.equal(gen.status, 0, `gen_center_year.py failed:\n${gen.stdout}\n${gen.stderr}`);
      civicgrid(['import', 'cases', out, '--db', db]);
    },
  });
  ({ page } = e2e);
});

after(() => e2e.stop());

// What a person reads on a tile, with thousands separators taken out.
async function tileText(key) {
  const tile = page.locator(`#stats-tiles .tile[data-key="${key}"]`);
  const label = (await tile.locator('.tile-label').innerText()).trim();
  const value = (await tile.locator('.tile-value').innerText()).trim().replace(/[,，\s\u00a0\u202f]/g, '');
  return { label, value };
}

test('a leader reads the service center\'s published year on the statistics page', e2e.withEvidence('published-year', async () => {
  await page.setViewportSize(DESKTOP);
  await e2e.signIn('supervisor');
  await page.getByRole('link', { name: '统计分析' }).click();
  await page.locator('#stats-tiles .tile[data-key="reported"]').waitFor();

  // The filters, set the way a leader sets them: in the form.
  const form = page.locator('form.stats-filters');
  await form.getByLabel('起始日期').fill('2011-01-01');
  await form.getByLabel('截止日期').fill('2011-12-31');
  await form.getByLabel('统计时点').fill('2011-12-30T10:00');
  await form.getByRole('button', { name: '查询' }).click();

  // The figures as they stood at that moment (the note is only written
  // once the answer for these filters is on the page).
  await page.locator('#stats-as-of', { hasText: '2011/12/30 10:00' }).waitFor();
  await page.locator('#stats-tiles:not([aria-busy]) .tile[data-key="satisfaction_rate"]').waitFor();
  const url = new URL(page.url());
  const q = new URLSearchParams(url.hash.split('?')[1] || '');
  assert.equal(q.get('from'), '2011-01-01');
  assert.equal(q.get('to'), '2011-12-31');
  assert.equal(q.get('as_of'), '2011-12-30T10:00');

  const want = {
    reported: ['上报数', '5239'],
    closed: ['结案数', '5058'],
    open: ['未结案数', '164'],
    rejected: ['驳回数', '17'],
    withdrawn: ['撤回数', '822'],
    closure_rate: ['结案率', '96.6%'],
    satisfaction_rate: ['满意率', '100.0%'],
  };
  const got = {};
  for (const key of Object.keys(want)) {
    const { label, value } = await tileText(key);
    got[key] = [label, value];
  }
  assert.deepEqual(got, want);

  // The closure rate's fraction, as the tile spells it out: closed over
  // should-be-closed (5,058 + 17 rejected + 161 overdue).
  const frac = (await page.locator('#stats-tiles .tile[data-key="closure_rate"] .tile-frac').innerText())
    .replace(/[,，\s\u00a0\u202f]/g, '');
  assert.match(frac, /5058\D+5236/, `closure rate fraction: ${frac}`);

  // By area, all of it is 回民区's.
  const row = page.locator('#stats-groups tbody tr', { has: page.locator('th', { hasText: DISTRICT }) });
  await row.waitFor();
  assert.equal(await page.locator('#stats-groups tbody tr').count(), 1, 'only one district reported in 2011');
  await e2e.shot('12-published-year-1440');

  // The address keeps the filters: reloading brings back the same form
  // and the same figures.
  await page.reload();
  await page.locator('#stats-as-of', { hasText: '2011/12/30 10:00' }).waitFor();
  await page.locator('#stats-tiles .tile[data-key="reported"]').waitFor();
  assert.equal(await form.getByLabel('起始日期').inputValue(), '2011-01-01');
  assert.equal(await form.getByLabel('截止日期').inputValue(), '2011-12-31');
  assert.equal(await form.getByLabel('统计时点').inputValue(), '2011-12-30T10:00');
  assert.deepEqual(await tileText('reported'), { label: '上报数', value: '5239' });
  assert.deepEqual(await tileText('closure_rate'), { label: '结案率', value: '96.6%' });

  await e2e.signOut();
}));
