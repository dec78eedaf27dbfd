// The owner's dashboard (/insights) as a site owner reads it: what it says
// before there is anything to show, on a phone, and to a screen reader.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OWNER_TOKEN, newVisitor, root, screenshot, startSite } from './harness.mjs';
import { get, makeReports, post, reportingConfig } from './reporting-helpers.mjs';

const nextAddress = (() => { let i = 0; return () => { i++; return `127.2.${(i >> 7) + 1}.${(i & 127) + 1}`; }; })();

async function postAll(site, lines) {
  for (const report of await makeReports(site, lines)) {
    assert.equal((await post(site.url, report, { localAddress: nextAddress() })).status, 204);
  }
}

/** Opens the dashboard in a fresh browser; resolves once its summary line is written. */
async function openDashboard(site, options = {}) {
  const v = await newVisitor(options);
  await v.context.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const response = await v.page.goto(`${site.url}/insights?token=${OWNER_TOKEN}`);
  assert.equal(response.status(), 200);
  await v.page.waitForFunction(() => document.getElementById('summary').textContent !== '');
  return v;
}

describe('an empty collector, then one with a few reports', () => {
  // The demo's own k-minimum: 20 reports per cell.
  let site;
  before(async () => { site = await startSite(); });
  after(() => site.stop());

  test('with no reports, the dashboard says so instead of listing hidden cells, and logs no error', async () => {
    const v = await openDashboard(site);
    try {
      const summary = await v.page.locator('#summary').innerText();
      assert.match(summary, /^No reports yet\./);
      assert.match(summary, /20 or more/, 'says when estimates will appear');
      assert.equal(await v.page.locator('section').count(), 0);
      assert.equal(await v.page.getByText('hidden', { exact: true }).count(), 0);
      // An icon of its own, else the browser asks for /favicon.ico: a 404 and
      // a console error on a site that has none.
      const icon = await v.page.evaluate(async () => {
        const link = document.querySelector('link[rel~="icon"]');
        if (!link) return null;
        const r = await fetch(link.href);
        return [r.status, r.headers.get('content-type')];
      });
      assert.deepEqual(icon, [200, 'image/svg+xml']);
      await v.page.waitForLoadState('load');
      const errors = v.messages.filter((m) => m.type === 'error');
      assert.deepEqual(errors, [], 'no console error (a missing icon is one)');
      assert.deepEqual(await v.page.evaluate(() => window.__violations), []);
    } finally {
      await v.close();
    }
  });

  test('a window with fewer reports than the minimum says why every cell is hidden', async () => {
    await postAll(site, Array.from({ length: 5 }, () => ({ converted: true })));
    const v = await openDashboard(site);
    try {
      assert.match(await v.page.locator('#summary').innerText(), /^5 reports in 1 window · .*too few reports for any estimate/);
      const option = await v.page.locator('#window option').nth(1).innerText();
      assert.match(option, /^\d{4}-\d\d-\d\d \d\d:\d\d to \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
      await v.page.selectOption('#window', { index: 1 });
      assert.match(await v.page.locator('#summary').innerText(), /^5 reports · .*too few reports for any estimate/);
    } finally {
      await v.close();
    }
  });
});

async function seriousAxeViolations(page) {
  // Evaluated, not added as a script tag: the page's own CSP stays on.
  await page.evaluate(readFileSync(join(root, 'node_modules/axe-core/axe.min.js'), 'utf8'));
  return page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations
    .filter((x) => x.impact === 'serious' || x.impact === 'critical')
    .map((x) => `${x.id}: ${x.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`));
}

describe('without the right token', () => {
  let site;
  before(async () => { site = await startSite(); });
  after(() => site.stop());

  test('the page says what is missing, in a document axe finds no serious problem with', async () => {
    const v = await newVisitor();
    try {
      const response = await v.page.goto(`${site.url}/insights?token=not-the-token`);
      assert.equal(response.status(), 401);
      assert.match(await v.page.locator('body').innerText(), /token is missing or wrong/);
      assert.deepEqual(await seriousAxeViolations(v.page), []);
    } finally {
      await v.close();
    }
  });
});

describe('a collector with estimates to show', () => {
  let site;
  let insights;
  before(async () => {
    site = await startSite({ config: reportingConfig((c) => {
      c.reporting.minReportsPerCell = 2;
      // An id with nothing to wrap at but "_" (ids may hold it): it must still fit a phone.
      const hero = c.slots.find((s) => s.id === 'hero');
      hero.variants.push({ ...hero.variants[0], id: 'seasonal_trail_running_campaign_2026' });
    }) });
    // 400 browsers that all converted: "converted: yes" is far above the minimum.
    await postAll(site, Array.from({ length: 400 }, (_, i) => ({ converted: true, pageViews: 1 + (i % 8), visits: 1 })));
    insights = (await get(site.url, '/api/insights', OWNER_TOKEN)).json;
  });
  after(() => site.stop());

  test('at 360 px wide the page fits, tables have column headers, and each chart has its numbers as text', async () => {
    const v = await openDashboard(site, { viewport: { width: 360, height: 800 } });
    try {
      await v.page.waitForFunction(() => document.querySelectorAll('canvas').length > 0);
      const [scrollWidth, innerWidth] = await v.page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      assert.ok(scrollWidth <= innerWidth, `no sideways scrolling: ${scrollWidth} > ${innerWidth}`);

      const sections = await v.page.locator('section').count();
      assert.equal(sections, insights.total.metrics.length);
      assert.equal(await v.page.getByRole('columnheader', { name: 'estimate' }).count(), sections);
      assert.equal(await v.page.getByRole('rowheader', { name: 'yes' }).count(), 1);
      assert.equal(await v.page.getByRole('table', { name: 'Estimated counts for converted' }).count(), 1);

      // Each chart's accessible name lists the bars it draws, with the API's numbers.
      for (const m of insights.total.metrics) {
        const shown = m.cells.filter((c) => !c.suppressed);
        if (!shown.length) continue;
        const chart = v.page.getByRole('img', { name: `Bar chart of estimated counts for ${m.id} with` });
        assert.equal(await chart.count(), 1, m.id);
        const name = await chart.getAttribute('aria-label');
        for (const c of shown) {
          const text = `${c.label} ${c.estimate.toFixed(0)} (${c.ci95[0].toFixed(0)} to ${c.ci95[1].toFixed(0)})`;
          assert.ok(name.includes(text), `${name} lacks ${text}`);
        }
      }
      await screenshot(v.page, 'insights-dashboard-360');
    } finally {
      await v.close();
    }
  });

  test('axe finds no serious or critical problem, hidden cells included', async () => {
    const v = await openDashboard(site);
    try {
      await v.page.waitForFunction(() => document.querySelectorAll('canvas').length > 0);
      assert.ok(await v.page.locator('tr.suppressed').count() > 0, 'some cells are hidden (the variants no browser saw)');
      assert.deepEqual(await seriousAxeViolations(v.page), []);
    } finally {
      await v.close();
    }
  });
});

describe('rates whose lift cannot be given', () => {
  let site;
  before(async () => { site = await startSite(); });
  after(() => site.stop());

  // Which lifts are missing depends on the noise: the page is given answers
  // with each case (the API's shape, docs/report-format.md) instead.
  const rate = (variant, value, low, high, lift) => ({
    variant, suppressed: false, rate: value, ci95: [low, high], ...(lift ? { lift: { value: lift[0], ci95: [lift[1], lift[2]] } } : {}),
  });
  const hidden = (variant) => ({ variant, suppressed: true, rate: null, ci95: null });
  const metric = (id, rates) => ({
    id, kind: 'slotShownClicked', epsilon: 1, reports: 500,
    cells: [{ label: 'default|clicked', suppressed: false, estimate: 40, ci95: [20, 60] }], rates,
  });
  const answer = {
    generatedAt: 0, keyId: '00', schema: 1, windowSeconds: 3600, minReportsPerCell: 20, epsilonPerReport: 3, windows: [],
    total: { reports: 500, windows: 1, metrics: [
      metric('measured', [rate('default', 0.1, 0.05, 0.15), rate('trail', 0.2, 0.12, 0.28, [1, 0.2, 2.5]),
                          rate('kitchen', 0.12, 0.01, 0.4), hidden('garden')]),
      metric('default-near-zero', [rate('default', 0.02, 0, 0.06), rate('trail', 0.2, 0.1, 0.3)]),
      metric('default-hidden', [hidden('default'), rate('trail', 0.2, 0.1, 0.3)]),
    ] },
  };

  test('a rate shown without a lift says why in its lift cell, never an empty cell', async () => {
    const v = await newVisitor({ viewport: { width: 360, height: 800 } });
    try {
      await v.context.route('**/api/insights', (route) => route.fulfill({ json: answer }));
      await v.page.goto(`${site.url}/insights?token=${OWNER_TOKEN}`);
      await v.page.waitForFunction(() => document.querySelectorAll('section').length === 3);
      const lifts = await v.page.evaluate(() => [...document.querySelectorAll('table')]
        .filter((t) => t.caption.textContent.startsWith('Rates for '))
        .map((t) => [t.caption.textContent, [...t.rows].slice(1).map((tr) => [tr.cells[0].textContent, tr.cells[1].textContent, tr.cells[3].textContent])]));
      assert.deepEqual(lifts, [
        ['Rates for measured', [
          ['default', '10.0%', 'baseline'],
          ['trail', '20.0%', '100.0% (20.0% – 250.0%)'],
          ['kitchen', '12.0%', 'not estimated: too uncertain yet'],
          ['garden', 'hidden', ''],
        ]],
        ['Rates for default-near-zero', [['default', '2.0%', 'baseline'], ['trail', '20.0%', "not estimated: default's rate could be 0"]]],
        ['Rates for default-hidden', [['default', 'hidden', ''], ['trail', '20.0%', "not estimated: default's rate is hidden"]]],
      ]);
      // The words are the cell's accessible name, under its column's header.
      const table = v.page.getByRole('table', { name: 'Rates for default-hidden' });
      assert.equal(await table.getByRole('cell', { name: "not estimated: default's rate is hidden" }).count(), 1);
      assert.deepEqual(await seriousAxeViolations(v.page), []);
      // The words fit a phone: no sideways scrolling.
      const [scrollWidth, innerWidth] = await v.page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      assert.ok(scrollWidth <= innerWidth, `no sideways scrolling: ${scrollWidth} > ${innerWidth}`);
      await v.page.getByRole('table', { name: 'Rates for measured' }).scrollIntoViewIfNeeded();
      await screenshot(v.page, 'insights-lift-reasons-360');
    } finally {
      await v.close();
    }
  });
});

describe('a cell hidden only so that another cannot be worked out', () => {
  // ε = 10 per metric: each report keeps its true value (p > 0.9998), so the
  // collector's estimates are the counts posted below.
  let site;
  before(async () => {
    site = await startSite({ config: reportingConfig((c) => {
      c.reporting.epsilonBudget = 50;
      for (const m of c.metrics) m.epsilon = 10;
    }) });
  });
  after(() => site.stop());

  test('is not said to have too few reports: the page says why cells are hidden', async () => {
    // 30 browsers per interest, none without one: "(no data)" is under the
    // minimum of 20, and with it the smallest interest is hidden too (else
    // the window's total would give "(no data)" back), although it has 30.
    const interests = ['trail-running', 'hiking', 'city-walking', 'outdoor'];
    await postAll(site, interests.flatMap((topInterest) =>
      Array.from({ length: 30 }, () => ({ allowedCategories: ['interests'], topInterest }))));
    const v = await openDashboard(site);
    try {
      const rows = await v.page.getByRole('table', { name: 'Estimated counts for top-interest' }).evaluate((t) =>
        [...t.rows].slice(1).map((tr) => [tr.cells[0].textContent, tr.cells[1].textContent]));
      const hiddenInterests = rows.filter(([label, shown]) => interests.includes(label) && /^hidden/.test(shown));
      assert.equal(hiddenInterests.length, 1, `one interest hidden with "(no data)": ${JSON.stringify(rows)}`);
      assert.deepEqual(rows.at(-1), ['(no data)', 'hidden']);
      // Which hidden cell is under the minimum is not said (that would narrow
      // the others down): every hidden cell says the same, and no cell
      // claims too few reports for a value 30 browsers had.
      assert.deepEqual(hiddenInterests[0].slice(1), ['hidden']);
      const words = await v.page.locator('header').innerText();
      assert.match(words, /cells under 20 are hidden, and so are the fewest others needed so that none of them can be worked out from the rest/);
    } finally {
      await v.close();
    }
  });
});
