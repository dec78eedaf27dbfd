// Aggregated signals in a real browser (issue 6): nothing reaches the
// collector while `aggregate` is off; after opting in, one fixed-size sealed
// report per window, sent with no cookie, no referrer and no credentials,
// holding nothing but noised values; retries with backoff until the
// deadline, then dropped. Every request the browser makes is intercepted.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { guardNetwork } from '../../package/testing.mjs';
import { OWNER_TOKEN, grantConsent, newVisitor, ready, slowLocks, startSite } from './harness.mjs';
import { expectedReportSize, openReports, recordRequests, reportingConfig, servedConfig } from './reporting-helpers.mjs';

// The demo config, sent at once (no random delay) so tests need not wait.
const testConfig = reportingConfig((c) => { c.reporting.sendDelayMs = { min: 0, max: 0 }; });
// ε = 10 per metric: randomized response then keeps the true value with
// p = e^10/(e^10 + d - 1) > 0.9998, so one report shows what was accumulated.
const sharpConfig = reportingConfig((c) => {
  c.reporting.sendDelayMs = { min: 0, max: 0 };
  c.reporting.epsilonBudget = 50;
  for (const m of c.metrics) m.epsilon = 10;
});

let site;
let sharpSite;
before(async () => {
  [site, sharpSite] = await Promise.all([startSite({ config: testConfig }), startSite({ config: sharpConfig })]);
});
after(() => {
  site.stop();
  sharpSite.stop();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits until `fn()` is truthy (polling), or fails after `ms`. */
async function until(fn, ms = 15000, what = 'condition') {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Records tactful:report events and the options of every fetch to the collector, from page start. */
function watchReports(context) {
  return context.addInitScript(() => {
    window.__reports = [];
    window.__collectFetches = [];
    document.addEventListener('tactful:report', (e) => window.__reports.push(e.detail));
    const original = window.fetch;
    window.fetch = function (input, init) {
      const url = String(input && input.url ? input.url : input);
      if (new URL(url, location.href).pathname === '/collect') {
        // The options, given beside the URL or inside a Request.
        const from = init || (input instanceof Request ? input : {});
        window.__collectFetches.push({ at: Date.now(), credentials: from.credentials, referrerPolicy: from.referrerPolicy });
      }
      return original.apply(this, arguments);
    };
  });
}

/** Goes to a page and waits for tactful.ready; fails if the module did not start. */
async function open(page, url) {
  await page.goto(url);
  assert.deepEqual(await ready(page), { ok: true });
}

/** Opts in to aggregate inside a real click, then closes the window now. */
async function optInAndFlush(page) {
  const consent = await grantConsent(page, { purposes: { aggregate: true } });
  assert.equal(consent.purposes.aggregate, true);
  return page.evaluate(() => window.tactful.flush());
}

const bodyOf = (entry) => entry.request.postDataBuffer();

/**
 * For the retry tests: installs Playwright's clock, records report events and
 * collector requests, and lets `answer` (a route handler) answer every send.
 */
async function collectorAnswering(v, answer) {
  await v.page.clock.install();
  await watchReports(v.context);
  const requests = await recordRequests(v.context);
  await v.context.route('**/collect', answer);
  return requests;
}

/** Moves the page's clock on, `step` ms at a time, until a tactful:report event came (at most 40 steps). */
async function fastForwardToReport(page, step) {
  for (let i = 0; i < 40 && !(await page.evaluate(() => window.__reports.length)); i++) {
    await page.clock.fastForward(step);
    await sleep(50);
  }
}

describe('while aggregate is off', () => {
  const scenarios = [
    ['plain browsing', {}],
    ['Global Privacy Control on', { gpc: true }],
  ];
  for (const [name, { gpc }] of scenarios) {
    test(`the collector gets zero requests: ${name}, then flush()`, async () => {
      const v = await newVisitor();
      try {
        if (gpc) {
          await v.context.addInitScript(() => {
            Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true });
          });
        }
        await watchReports(v.context);
        const requests = await recordRequests(v.context);
        // And as a site owner's test sees it (tactful/testing): nothing carried out.
        const guard = await guardNetwork(v.context);
        await open(v.page, `${site.url}/index.html`);
        // A visitor who uses the site fully: personalization on, pages, a click, a conversion.
        await grantConsent(v.page, { purposes: { personalization: true } });
        for (const path of ['/trail-running.html', '/product-ridge-runner.html', '/checkout.html', '/index.html']) {
          await open(v.page, site.url + path);
        }
        await v.page.evaluate(() => window.tactful.track({ type: 'conversion', goal: 'newsletter' }));
        const consent = await v.page.evaluate(() => window.tactful.consent.get());
        assert.equal(consent.purposes.aggregate, false);
        assert.equal(consent.signals.gpc, !!gpc);
        const flushed = await v.page.evaluate(() => window.tactful.flush());
        assert.equal(flushed.report, false);
        assert.equal(flushed.epsilonSpent, 0);
        await v.page.evaluate(() => window.tactful.flush());
        await sleep(500);
        assert.ok(requests.all.length > 10, 'the recorder saw the page load');
        assert.deepEqual(requests.collect().map((e) => e.url), []);
        assert.deepEqual(await v.page.evaluate(() => window.__collectFetches), []);
        assert.deepEqual(await v.page.evaluate(() => window.__reports), []);
        await guard.assertClean();
      } finally {
        await v.close();
      }
    });
  }
});

/**
 * A shop session cookie, and home pages that would leak their URL in a
 * Referer (unsafe-url): only the report's own fetch must carry neither.
 */
async function leakyPages(context) {
  await context.addCookies([{ name: 'shop_session', value: 'visitor-42', url: site.url }]);
  await context.route(/\/index\.html(\?.*)?$/, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, headers: { ...response.headers(), 'referrer-policy': 'unsafe-url' } });
  });
}

/**
 * A visitor who browses with personalization on, opts in to aggregate and
 * flushes: resolves to the one report request, answered 204.
 */
async function reportAfterBrowsing(v) {
  const requests = await recordRequests(v.context);
  await open(v.page, `${site.url}/trail-running.html`);
  await grantConsent(v.page, { purposes: { personalization: true } });
  await open(v.page, `${site.url}/index.html?from=newsletter`);
  assert.equal((await optInAndFlush(v.page)).report, true);
  const [sent] = await until(() => { const c = requests.collect(); return c.length && c[0].status !== null ? c : null; }, 15000, 'the report');
  assert.equal(sent.status, 204);
  return sent;
}

describe('after opting in', () => {
  test("a page's fetch wrapper that passes on only the URL still sends the report with no cookie and no referrer", async () => {
    const v = await newVisitor();
    try {
      await leakyPages(v.context);
      // An analytics shim of the careless kind: the second argument is lost.
      await v.context.addInitScript(() => {
        const original = window.fetch;
        window.fetch = (input) => original(input);
      });
      const sent = await reportAfterBrowsing(v);
      const headers = await sent.request.allHeaders();
      assert.equal(headers.cookie, undefined);
      assert.equal(headers.referer, undefined);
    } finally {
      await v.close();
    }
  });

  test('flush() sends exactly one sealed report of the fixed size, with no cookie, referrer, credentials or language', async () => {
    const v = await newVisitor({ locale: 'es-ES' });
    try {
      await leakyPages(v.context);
      await watchReports(v.context);
      const requests = await recordRequests(v.context);
      await open(v.page, `${site.url}/trail-running.html`);
      await grantConsent(v.page, { purposes: { personalization: true } });
      await open(v.page, `${site.url}/index.html?from=newsletter`);
      const flushed = await optInAndFlush(v.page);
      assert.equal(flushed.report, true);
      assert.ok(flushed.epsilonSpent > 0 && flushed.epsilonSpent <= flushed.epsilonBudget);

      const report = await until(() => v.page.evaluate(() => window.__reports[0]), 15000, 'tactful:report');
      const { config } = await servedConfig(site);
      const size = expectedReportSize(config);
      assert.deepEqual(report, { status: 204, bytes: size, attempts: 1, delivered: true });
      await sleep(300);
      const sent = requests.collect();
      assert.equal(sent.length, 1);
      const [only] = sent;
      assert.equal(only.method, 'POST');
      assert.equal(only.status, 204);
      const headers = await only.request.allHeaders();
      assert.equal(headers['content-type'], 'application/octet-stream');
      assert.equal(headers.cookie, undefined);
      assert.equal(headers.referer, undefined);
      // The visitor's languages would tell browsers apart: every report says the same.
      assert.equal(headers['accept-language'], '*');
      assert.equal(bodyOf(only).length, size);
      const [init] = await v.page.evaluate(() => window.__collectFetches);
      assert.equal(init.credentials, 'omit');
      assert.equal(init.referrerPolicy, 'no-referrer');
      // The controls: the same page's own same-origin requests do carry the cookie and the referrer.
      const configFetch = requests.all.filter((e) => e.url.endsWith('/tactful.config.json')).at(-1);
      const configHeaders = await configFetch.request.allHeaders();
      assert.match(configHeaders.cookie || '', /shop_session=visitor-42/);
      assert.match(configHeaders.referer || '', /index\.html\?from=newsletter/);
      assert.match(configHeaders['accept-language'] || '', /^es-ES/);

      // Opened with the collector's secret key: a valid report, nothing but noised values.
      const [opened] = await openReports(site, [bodyOf(only).toString('base64')]);
      assert.equal(opened.ok, true, opened.error);
      assert.equal(opened.size, size);
      assert.equal(opened.version, 1);
      assert.deepEqual(opened.metrics.map((m) => m.id), config.metrics.map((m) => m.id));
      for (const m of opened.metrics) assert.equal(m.supports.length, 1, `${m.id} is one randomized value`);
      assertNoProfileStrings(opened, config);
    } finally {
      await v.close();
    }
  });

  test('the report request names nothing: the bare collector URL, and only the headers a browser sends itself', async () => {
    const v = await newVisitor();
    try {
      const sent = await reportAfterBrowsing(v);
      // No query and no fragment: nothing about the page, the visitor or the send rides in the URL.
      assert.equal(sent.url, `${site.url}/collect`);
      // Every header is one the browser adds to any request (its own hints
      // and fetch metadata) or the two the module sets to fixed values; a
      // header of the module's own could carry an identifier.
      const headers = await sent.request.allHeaders();
      const browsers = /^(host|connection|content-length|user-agent|accept|accept-encoding|origin|cache-control|pragma|priority|sec-ch-ua(-mobile|-platform)?|sec-fetch-(site|mode|dest))$/;
      const own = Object.keys(headers).filter((name) => !browsers.test(name)).sort();
      assert.deepEqual(own, ['accept-language', 'content-type']);
      assert.equal(headers['accept-language'], '*');
      assert.equal(headers['content-type'], 'application/octet-stream');
    } finally {
      await v.close();
    }
  });
});

/**
 * The plaintext is the 13-byte header, one small encoding per metric, then
 * zeros; and no byte sequence of it spells an interest, a label, a path or
 * any identifier (no printable run of 4 or more characters).
 */
function assertNoProfileStrings(opened, config) {
  const plain = Buffer.from(opened.plaintext, 'hex');
  assert.ok(plain.subarray(opened.payloadEnd).every((b) => b === 0), 'padding is zeros');
  const payload = plain.subarray(13, opened.payloadEnd);
  const text = payload.toString('latin1');
  assert.doesNotMatch(text, /[\x20-\x7e]{4,}/, 'no printable run in the payload');
  const words = [
    ...config.taxonomy.flatMap((t) => [t.id, ...Object.values(t.label || {})]),
    '/index.html', '/trail-running.html', 'index', 'trail', 'newsletter', 'shop_session', 'visitor-42',
  ];
  const whole = plain.toString('latin1');
  for (const w of words) assert.ok(!whole.includes(w), `plaintext holds "${w}"`);
}

describe('what a report holds', () => {
  test('every report has the same size, whatever the visitor did', async () => {
    const sizes = [];
    for (const busy of [true, false]) {
      const v = await newVisitor();
      try {
        await watchReports(v.context);
        const requests = await recordRequests(v.context);
        if (busy) {
          await open(v.page, `${site.url}/trail-running.html`);
          await grantConsent(v.page, { purposes: { personalization: true } });
          await grantConsent(v.page, { purposes: { aggregate: true }, categories: { purchases: true } });
          for (const path of ['/product-ridge-runner.html', '/hiking.html', '/city.html', '/index.html', '/checkout.html', '/index.html']) {
            await open(v.page, site.url + path);
          }
          await v.page.evaluate(() => {
            window.tactful.track({ type: 'click', slot: 'hero' });
            window.tactful.track({ type: 'purchase', category: 'shoes', value: 120 });
            window.tactful.track({ type: 'conversion', goal: 'order' });
          });
          await v.page.evaluate(() => window.tactful.flush());
        } else {
          await open(v.page, `${site.url}/privacy.html`);
          await optInAndFlush(v.page);
        }
        await until(() => v.page.evaluate(() => window.__reports.length === 1), 15000, 'tactful:report');
        const sent = requests.collect();
        assert.equal(sent.length, 1);
        sizes.push(bodyOf(sent[0]).length);
      } finally {
        await v.close();
      }
    }
    const { config } = await servedConfig(site);
    assert.deepEqual(sizes, [expectedReportSize(config), expectedReportSize(config)]);
  });

  test('opting in never sends the past: only what happens after it is in the first report', async () => {
    // With ε = 10 a report shows its true values (each kept with p > 0.9996).
    const label = (opened, id) => opened.metrics.find((m) => m.id === id).supports[0];
    const run = async (optInFirst) => {
      const v = await newVisitor();
      try {
        await watchReports(v.context);
        const requests = await recordRequests(v.context);
        await open(v.page, `${sharpSite.url}/trail-running.html`);
        await grantConsent(v.page, { purposes: { personalization: true } });
        for (const path of ['/product-ridge-runner.html', '/product-fell-sprinter.html', '/index.html']) {
          await open(v.page, sharpSite.url + path);
        }
        let optedInAt = Date.now();
        if (optInFirst) await grantConsent(v.page, { purposes: { aggregate: true } });
        // Pages with interests, a click on the personalized hero, a conversion.
        for (const path of ['/product-canyon-trail.html', '/product-switchback-lite.html', '/index.html']) {
          await open(v.page, sharpSite.url + path);
        }
        assert.equal(await v.page.locator('[data-tactful-slot="hero"]').getAttribute('data-tactful-variant'), 'trail-running');
        await v.page.evaluate(() => {
          window.tactful.track({ type: 'click', slot: 'hero' });
          window.tactful.track({ type: 'conversion', goal: 'order' });
        });
        await v.page.evaluate(() => window.tactful.profile.view());  // the tracked events are applied
        if (!optInFirst) {
          optedInAt = Date.now();
          await grantConsent(v.page, { purposes: { aggregate: true } });
        }
        const flushed = await v.page.evaluate(() => window.tactful.flush());
        assert.equal(flushed.report, true);
        await until(() => v.page.evaluate(() => window.__reports.length === 1), 15000, 'tactful:report');
        const sent = requests.collect();
        assert.equal(sent.length, 1);
        const [opened] = await openReports(sharpSite, [bodyOf(sent[0]).toString('base64')]);
        assert.equal(opened.ok, true, opened.error);
        return { opened, optedInAt, windowStart: flushed.windowEndsAt - 86400 * 1000 };
      } finally {
        await v.close();
      }
    };

    const late = await run(false);
    assert.ok(late.windowStart >= late.optedInAt, 'the window starts when the visitor opted in, not before');
    assert.equal(label(late.opened, 'converted'), 'no', 'a conversion before opting in is not reported');
    assert.equal(label(late.opened, 'hero-clicks'), 'trail-running|not clicked', 'a click before opting in is not reported');
    assert.equal(label(late.opened, 'pages-per-visit'), '(no data)', 'pages viewed before opting in are not reported');

    // The control: the same visit with the opt-in first reports all of it.
    const early = await run(true);
    assert.ok(early.windowStart >= early.optedInAt);
    assert.equal(label(early.opened, 'converted'), 'yes');
    assert.equal(label(early.opened, 'hero-clicks'), 'trail-running|clicked');
    assert.equal(label(early.opened, 'pages-per-visit'), '2-3');
  });

  test('a visitor shown the default content reports it as the "default" variant (the holdout baseline)', async () => {
    const opened = await sharpReport(async (page) => {
      assert.equal(await page.locator('[data-tactful-slot="hero"]').getAttribute('data-tactful-variant'), null);
      await page.evaluate(() => window.tactful.track({ type: 'click', slot: 'hero' }));
    });
    assert.equal(opened.metrics.find((m) => m.id === 'hero-clicks').supports[0], 'default|clicked');
    assert.equal(opened.metrics.find((m) => m.id === 'hero-conversions').supports[0], 'default|not converted');
  });

  test("a visitor's own click inside a personalized slot is counted as a click on it, with no track() call", async () => {
    const opened = await sharpReport(async (page) => {
      await grantConsent(page, { purposes: { personalization: true } });
      for (const path of ['/trail-running.html', '/product-ridge-runner.html', '/index.html']) await open(page, sharpSite.url + path);
      const heroSlot = page.locator('[data-tactful-slot="hero"]');
      assert.equal(await heroSlot.getAttribute('data-tactful-variant'), 'trail-running');
      await heroSlot.locator('.hero-title').click();
      await page.evaluate(() => window.tactful.profile.view());  // the tracked click is applied
    });
    assert.equal(opened.metrics.find((m) => m.id === 'hero-clicks').supports[0], 'trail-running|clicked');
  });

  test('a page marked with the tactful:conversion meta counts as a conversion, with no track() call', async () => {
    const converted = (opened) => opened.metrics.find((m) => m.id === 'converted').supports[0];
    // The checkout page carries <meta name="tactful:conversion" content="order">; the control visits a product page.
    assert.equal(converted(await sharpReport((page) => open(page, `${sharpSite.url}/checkout.html`))), 'yes');
    assert.equal(converted(await sharpReport((page) => open(page, `${sharpSite.url}/product-ridge-runner.html`))), 'no');
  });
});

/**
 * A new visitor on the ε = 10 site: opts in on its home page, does `browse(page)`,
 * flushes; resolves to the one report sent, opened (it shows the true values).
 */
async function sharpReport(browse) {
  const v = await newVisitor();
  try {
    await watchReports(v.context);
    const requests = await recordRequests(v.context);
    await open(v.page, `${sharpSite.url}/index.html`);
    await grantConsent(v.page, { purposes: { aggregate: true } });
    await browse(v.page);
    assert.equal((await v.page.evaluate(() => window.tactful.flush())).report, true);
    await until(() => v.page.evaluate(() => window.__reports.length === 1), 15000, 'tactful:report');
    const [opened] = await openReports(sharpSite, [bodyOf(requests.collect()[0]).toString('base64')]);
    assert.equal(opened.ok, true, opened.error);
    return opened;
  } finally {
    await v.close();
  }
}

describe('one report per window', () => {
  test('two open tabs that both flush send exactly one report', async () => {
    const v = await newVisitor();
    try {
      await watchReports(v.context);
      const requests = await recordRequests(v.context);
      const first = v.page;
      const second = await v.context.newPage();
      await open(first, `${site.url}/index.html`);
      await open(second, `${site.url}/trail-running.html`);
      await grantConsent(first, { purposes: { aggregate: true } });
      // The other tab takes up the choice from storage.
      await until(() => second.evaluate(() => window.tactful.consent.get().then((c) => c.purposes.aggregate)), 15000, 'consent in the second tab');
      const results = await Promise.all([first.evaluate(() => window.tactful.flush()), second.evaluate(() => window.tactful.flush())]);
      assert.deepEqual(results.map((r) => r.report).sort(), [false, true]);
      await until(() => requests.collect().length === 1 && requests.collect()[0].status === 204, 15000, 'the report');
      // Flushing again, in either tab or in a new one, sends nothing more in this window.
      await first.evaluate(() => window.tactful.flush());
      await second.reload();
      await ready(second);
      await second.evaluate(() => window.tactful.flush());
      await sleep(500);
      assert.equal(requests.collect().length, 1);
    } finally {
      await v.close();
    }
  });
});

describe('a page left while its report waits', () => {
  // Reports the collector stored (a request sent while a page unloads is not
  // one Playwright reports, so the store is asked).
  async function stored() {
    const r = await fetch(`${site.url}/api/insights`, { headers: { Authorization: `Bearer ${OWNER_TOKEN}` } });
    return (await r.json()).total.reports;
  }

  test('a report waiting for its send delay is sent as the page goes, and not again', async () => {
    const v = await newVisitor();
    try {
      await sendDelay(v.context, { min: 20000, max: 20000 });
      await open(v.page, `${site.url}/index.html`);
      const before = await stored();
      assert.equal((await optInAndFlush(v.page)).report, true);
      // Away long before the 20 s delay ends: the report leaves with the page.
      await open(v.page, `${site.url}/trail-running.html`);
      await until(async () => (await stored()) === before + 1, 10000, 'the report sent as the page went');
    } finally {
      await v.close();
    }
  });

  // The withdrawal has not run when the page goes (its lock answers late):
  // the page's own leaving step runs it before the report's is asked.
  test('withdrawn just before leaving, the waiting report does not leave with the page', async () => {
    const v = await newVisitor();
    try {
      await slowLocks(v.context);
      await sendDelay(v.context, { min: 20000, max: 20000 });
      await open(v.page, `${site.url}/index.html`);
      const before = await stored();
      assert.equal((await optInAndFlush(v.page)).report, true);
      await v.page.evaluate(() => {
        window.__slowLocks = true;
        void window.tactful.consent.set({ purposes: { aggregate: false } });
      });
      await open(v.page, `${site.url}/trail-running.html`);
      assert.equal((await v.page.evaluate(() => window.tactful.consent.get())).purposes.aggregate, false);
      // The same wait in which the test above sees its report stored.
      await sleep(3000);
      assert.equal(await stored(), before);
    } finally {
      await v.close();
    }
  });
});

/** Serves the site's config with the report's send delay changed. */
function sendDelay(context, delay) {
  return context.route('**/tactful.config.json', async (route) => {
    const response = await route.fetch();
    const config = JSON.parse(await response.text());
    config.reporting.sendDelayMs = delay;
    await route.fulfill({ response, body: JSON.stringify(config) });
  });
}

describe('withdrawing aggregate while a report waits', () => {
  test('a report waiting for its send delay is dropped, never sent', async () => {
    const v = await newVisitor();
    try {
      await watchReports(v.context);
      const requests = await recordRequests(v.context);
      await sendDelay(v.context, { min: 1500, max: 1500 });
      await open(v.page, `${site.url}/index.html`);
      const flushed = await optInAndFlush(v.page);
      assert.equal(flushed.report, true);
      const consent = await v.page.evaluate(() => window.tactful.consent.set({ purposes: { aggregate: false } }));
      assert.equal(consent.purposes.aggregate, false);
      await until(() => v.page.evaluate(() => window.__reports.length), 10000, 'the report event');
      assert.deepEqual(await v.page.evaluate(() => window.__reports.map((r) => ({ ...r, bytes: undefined }))),
        [{ status: 0, attempts: 0, delivered: false, dropped: true, withdrawn: true, bytes: undefined }]);
      assert.deepEqual(requests.collect(), []);
      assert.deepEqual(await v.page.evaluate(() => window.__collectFetches), []);
    } finally {
      await v.close();
    }
  });

  // Consent is read from storage before each attempt: also when nothing
  // tells this page of the other tab's change (no BroadcastChannel).
  for (const [name, unannounced] of [
    ['a report waiting to be retried is dropped when another tab withdraws aggregate', false],
    ["a report waiting to be retried is dropped when another tab withdraws aggregate, though no message tells this page", true],
  ]) {
    test(name, async () => {
      const v = await newVisitor();
      try {
        if (unannounced) await v.page.addInitScript(() => { delete window.BroadcastChannel; });
        const requests = await collectorAnswering(v, (route) => route.fulfill({ status: 503, body: '' }));
        await open(v.page, `${site.url}/index.html`);
        await optInAndFlush(v.page);
        await until(() => requests.collect().length, 10000, 'the first attempt');
        // The visitor withdraws in another tab.
        const other = await v.context.newPage();
        await other.goto(`${site.url}/index.html`);
        await ready(other);
        await other.evaluate(() => window.tactful.consent.set({ purposes: { aggregate: false } }));
        await other.close();
        await fastForwardToReport(v.page, 1000);
        const [report] = await v.page.evaluate(() => window.__reports);
        assert.deepEqual(report && { ...report, bytes: undefined }, { status: 0, attempts: 1, delivered: false, dropped: true, withdrawn: true, bytes: undefined });
        await v.page.clock.fastForward(60_000);
        await sleep(200);
        assert.equal(requests.collect().length, 1, 'no retry after the withdrawal');
      } finally {
        await v.close();
      }
    });
  }
});

describe('delivery', () => {
  test('failed sends (unavailable, timed out, rate-limited) retry with growing backoff, then deliver the same report', async () => {
    const v = await newVisitor();
    try {
      let refused = 0;
      const requests = await collectorAnswering(v, (route) => {
        if (refused < 3) {
          refused += 1;
          return route.fulfill({ status: [503, 408, 429][refused - 1], body: '' });
        }
        return route.fallback();
      });
      await open(v.page, `${site.url}/index.html`);
      await optInAndFlush(v.page);
      await fastForwardToReport(v.page, 1000);
      const [report] = await v.page.evaluate(() => window.__reports);
      assert.deepEqual(report && { ...report, bytes: undefined }, { status: 204, attempts: 4, delivered: true, bytes: undefined });
      const sent = requests.collect();
      assert.deepEqual(sent.map((e) => e.status), [503, 408, 429, 204]);
      const bodies = new Set(sent.map((e) => bodyOf(e).toString('base64')));
      assert.equal(bodies.size, 1, 'each retry carries the same report');
      // Waits between attempts: about 2 s, 4 s, 8 s (each at least half of that,
      // at most that plus one clock step and the real time the steps took:
      // the installed clock also runs between them; a loaded machine made
      // that 2 ms more than one step once).
      const at = (await v.page.evaluate(() => window.__collectFetches)).map((f) => f.at);
      const waits = at.slice(1).map((t, i) => t - at[i]);
      [2000, 4000, 8000].forEach((nominal, i) => {
        assert.ok(waits[i] >= nominal / 2 && waits[i] <= nominal + 1500, `wait ${i + 1} was ${waits[i]} ms`);
      });
    } finally {
      await v.close();
    }
  });

  test('an offline collector is said once on the console, however many attempts fail', async () => {
    const v = await newVisitor();
    try {
      const requests = await collectorAnswering(v, (route) => route.abort('connectionrefused'));
      await open(v.page, `${site.url}/index.html`);
      await optInAndFlush(v.page);
      for (let i = 0; i < 20 && requests.collect().length < 3; i++) {
        await v.page.clock.fastForward(2000);
        await sleep(50);
      }
      assert.ok(requests.collect().length >= 3, `retried (${requests.collect().length} attempts)`);
      const said = v.tactfulMessages();
      assert.equal(said.length, 1, JSON.stringify(said));
      assert.match(said[0].text, /^tactful: the collector http:\/\/\S+\/collect could not be reached; the report is retried until \S+, then dropped$/);
    } finally {
      await v.close();
    }
  });

  test('a report the collector never takes is dropped at its deadline, with no backlog', async () => {
    const shortWindows = reportingConfig((c) => {
      c.reporting.sendDelayMs = { min: 0, max: 0 };
      c.reporting.windowSeconds = 60;
    });
    const shortSite = await startSite({ config: shortWindows });
    const v = await newVisitor();
    try {
      const requests = await collectorAnswering(v, (route) => route.fulfill({ status: 503, body: '' }));
      await open(v.page, `${shortSite.url}/index.html`);
      const flushedAt = await v.page.evaluate(() => Date.now());
      await optInAndFlush(v.page);
      await fastForwardToReport(v.page, 2000);
      const [report] = await v.page.evaluate(() => window.__reports);
      assert.equal(report && report.dropped, true, JSON.stringify(report));
      assert.equal(report.delivered, false);
      const droppedAt = await v.page.evaluate(() => Date.now());
      assert.ok(droppedAt - flushedAt <= 60_000 + 2000, 'dropped by the deadline (one window)');
      const dropped = bodyOf(requests.collect()[0]).toString('base64');
      const attempts = requests.collect().length;
      assert.equal(attempts, report.attempts);
      assert.ok(attempts >= 3, `retried (${attempts} attempts)`);
      assert.ok(requests.collect().every((e) => bodyOf(e).toString('base64') === dropped));
      // No backlog: neither time passing nor a new page brings the dropped report back.
      await v.page.clock.fastForward(30_000);
      await v.page.reload();
      await ready(v.page);
      await v.page.clock.fastForward(30_000);
      await sleep(300);
      const again = requests.collect().slice(attempts).filter((e) => bodyOf(e).toString('base64') === dropped);
      assert.equal(again.length, 0);
    } finally {
      await v.close();
      shortSite.stop();
    }
  });
});

describe('a report the collector refuses for good', () => {
  test("the console line gives the collector's reason, so the owner knows what to fix", async () => {
    const v = await newVisitor();
    try {
      await watchReports(v.context);
      // A page still sealing to the collector's old key: the key id no longer matches.
      await v.context.route('**/collect', (route) => {
        const body = Buffer.from(route.request().postDataBuffer());
        body[1] ^= 0xff;
        return route.continue({ postData: body });
      });
      await open(v.page, `${site.url}/index.html`);
      assert.equal((await optInAndFlush(v.page)).report, true);
      const report = await until(() => v.page.evaluate(() => window.__reports[0]), 15000, 'tactful:report');
      assert.deepEqual(report, { status: 400, bytes: report.bytes, attempts: 1, delivered: false });
      const said = v.tactfulMessages().map((m) => m.text);
      assert.deepEqual(said, [`tactful: the collector ${site.url}/collect refused the report (HTTP 400: not a report for this collector: unknown key id); it is dropped`]);
    } finally {
      await v.close();
    }
  });
});

describe('pages per visit', () => {
  const pages = (opened) => opened.metrics.find((m) => m.id === 'pages-per-visit').supports[0];

  test('every page load counts, with or without interests; tracked views are not pages', async () => {
    // Four pages after opting in, none of which signals an interest (buckets 1, 2, 4, 8).
    assert.equal(pages(await sharpReport(async (page) => {
      for (const path of ['/checkout.html', '/privacy.html', '/index.html', '/privacy.html']) await open(page, sharpSite.url + path);
    })), '4-7');
    // One page that tracks six views: one page.
    assert.equal(pages(await sharpReport(async (page) => {
      await open(page, `${sharpSite.url}/privacy.html`);
      await page.evaluate(() => { for (let i = 0; i < 6; i++) window.tactful.track({ type: 'view', interests: ['hiking'] }); });
      await page.evaluate(() => window.tactful.profile.view());  // the tracked events are applied
    })), '1');
  });
});

describe('the ε budget of a window', () => {
  test('withdrawing and granting aggregate again, even inside one click, buys no second report in the window', async () => {
    const v = await newVisitor();
    try {
      await watchReports(v.context);
      const requests = await recordRequests(v.context);
      await open(v.page, `${site.url}/index.html`);
      const first = await optInAndFlush(v.page);
      assert.equal(first.report, true);
      await until(() => requests.collect().length === 1 && requests.collect()[0].status === 204, 15000, 'the report');
      // A page script that turns every click into "withdraw, grant, flush".
      await v.page.evaluate(() => {
        window.__loop = [];
        document.addEventListener('click', async () => {
          for (let i = 0; i < 3; i++) {
            await window.tactful.consent.set({ purposes: { aggregate: false } });
            await window.tactful.consent.set({ purposes: { aggregate: true } });
            window.__loop.push(await window.tactful.flush());
          }
        });
      });
      await v.page.mouse.click(2, 2);
      const loop = await until(() => v.page.evaluate(() => window.__loop.length === 3 && window.__loop), 15000, 'the loop');
      for (const r of loop) {
        assert.deepEqual({ ...r, reason: undefined }, { ...first, report: false, reason: undefined });
      }
      await v.page.reload();
      await ready(v.page);
      assert.equal((await v.page.evaluate(() => window.tactful.flush())).report, false);
      await sleep(500);
      assert.equal(requests.collect().length, 1);
    } finally {
      await v.close();
    }
  });
});

/**
 * The demo site at http://127.0.0.1:PORT with its collector named as
 * http://localhost:PORT/collect: two origins, one server. `allowed` lists the
 * page's origin in reporting.allowedOrigins.
 */
async function crossOriginSite({ allowed }) {
  const { createServer } = await import('node:net');
  const port = await new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
  const config = reportingConfig((c) => {
    c.reporting.sendDelayMs = 0;
    c.reporting.collector = `http://localhost:${port}/collect`;
    if (allowed) c.reporting.allowedOrigins = [`http://127.0.0.1:${port}`];
  });
  return { port, site: await startSite({ config, port }) };
}

describe('a collector on another origin', () => {
  test("receives the report when it lists the page's origin: served CSP allows it, CORS with no cookie", async () => {
    const { port, site: crossSite } = await crossOriginSite({ allowed: true });
    const v = await newVisitor();
    try {
      await v.context.addCookies([{ name: 'shop_session', value: 'visitor-42', url: `http://localhost:${port}` }]);
      await watchReports(v.context);
      const requests = await recordRequests(v.context);
      await open(v.page, `${crossSite.url}/index.html`);
      assert.equal((await optInAndFlush(v.page)).report, true);
      const report = await until(() => v.page.evaluate(() => window.__reports[0]), 15000, 'tactful:report');
      assert.equal(report.delivered, true, JSON.stringify({ report, said: v.tactfulMessages() }));
      const [sent] = requests.all.filter((e) => e.method === 'POST' && e.url === `http://localhost:${port}/collect`);
      const headers = await sent.request.allHeaders();
      assert.equal(headers.origin, `http://127.0.0.1:${port}`);
      assert.equal(headers.cookie, undefined);
      assert.equal(headers.referer, undefined);
      assert.deepEqual(v.tactfulMessages(), []);
    } finally {
      await v.close();
      crossSite.stop();
    }
  });

  test("that does not list the page's origin: the console says what to check", async () => {
    const { port, site: crossSite } = await crossOriginSite({ allowed: false });
    const v = await newVisitor();
    try {
      await open(v.page, `${crossSite.url}/index.html`);
      await optInAndFlush(v.page);
      const said = await until(() => v.tactfulMessages().length && v.tactfulMessages(), 15000, 'the console line');
      assert.equal(said.length, 1);
      assert.ok(said[0].text.includes(`could not be reached (on another origin it needs http://127.0.0.1:${port} in reporting.allowedOrigins`), said[0].text);
      const n = await fetch(`${crossSite.url}/api/insights`, { headers: { Authorization: `Bearer ${OWNER_TOKEN}` } });
      assert.equal((await n.json()).total.reports, 0);
    } finally {
      await v.close();
      crossSite.stop();
    }
  });
});
