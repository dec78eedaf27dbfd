// The vertical slice (issue 2): the demo store's hero is personalized in the
// browser by the wasm core, and every failure leaves the default content.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { grantConsent, newVisitor, openStoredRecords, overwriteRecord, ready, screenshot, startSite, tactfulStorage, trailRunner } from './harness.mjs';

let site;
before(async () => { site = await startSite(); });
after(() => site.stop());

const heroVariant = (page) => page.locator('[data-tactful-slot="hero"]').getAttribute('data-tactful-variant');
const heroState = (page) => page.locator('[data-tactful-slot="hero"]').getAttribute('data-tactful-decided');

describe('the hero slot', () => {
  test('a first-time visitor sees the default hero', async () => {
    const v = await newVisitor();
    try {
      await v.page.goto(`${site.url}/index.html`);
      assert.deepEqual(await ready(v.page), { ok: true });
      assert.equal(await heroState(v.page), 'default');
      assert.equal(await heroVariant(v.page), null);
      assert.match(await v.page.locator('[data-tactful-slot="hero"]').innerText(), /\S/);
      assert.deepEqual(v.tactfulMessages().filter((m) => m.type === 'error'), []);
    } finally {
      await v.close();
    }
  });

  test('after opting in and two trail-running pages, the home hero is the trail-running one', async () => {
    const v = await newVisitor();
    try {
      await v.page.goto(`${site.url}/index.html`);
      await ready(v.page);
      const consent = await grantConsent(v.page, { purposes: { personalization: true } });
      assert.equal(consent.purposes.personalization, true);
      for (const path of ['/trail-running.html', '/product-ridge-runner.html']) {
        await v.page.goto(site.url + path);
        await ready(v.page);
      }
      await v.page.goto(`${site.url}/index.html`);
      assert.deepEqual(await ready(v.page), { ok: true });
      assert.equal(await heroVariant(v.page), 'trail-running');
      assert.equal(await heroState(v.page), 'personalized');
      const hero = await v.page.locator('[data-tactful-slot="hero"]').innerText();
      assert.match(hero, /trail/i);
      assert.match(hero, /because you like trail running/i, 'the placeholder is filled with the interest');
      assert.doesNotMatch(hero, /\{\{/);
      await screenshot(v.page, 'home-personalized-desktop-en');
    } finally {
      await v.close();
    }
  });

  test('the decision event names every slot and its variant', async () => {
    const v = await newVisitor();
    try {
      await v.page.addInitScript(() => {
        window.__decisions = [];
        document.addEventListener('tactful:decision', (e) => window.__decisions.push(e.detail));
      });
      await v.page.goto(`${site.url}/index.html`);
      await ready(v.page);
      const [detail] = await v.page.evaluate(() => window.__decisions);
      const ids = detail.slots.map((s) => s.id).sort();
      assert.deepEqual(ids, ['banner', 'hero', 'picks']);
      assert.ok(detail.slots.every((s) => s.variant === null));
    } finally {
      await v.close();
    }
  });

  test('when the decision event fires, each slot it names already shows what it says', async () => {
    const v = await trailRunner(site);
    try {
      // What a listener finds on the page at the moment of the event, not later.
      await v.page.addInitScript(() => {
        window.__seen = [];
        document.addEventListener('tactful:decision', (e) => {
          for (const { id, variant } of e.detail.slots) {
            const el = document.querySelector(`[data-tactful-slot="${id}"]`);
            window.__seen.push({ id, variant, decided: el.getAttribute('data-tactful-decided'), shown: el.getAttribute('data-tactful-variant') });
          }
        });
      });
      await v.page.goto(`${site.url}/index.html`);
      await ready(v.page);
      const seen = await v.page.evaluate(() => window.__seen);
      assert.deepEqual(seen.find((s) => s.id === 'hero'), { id: 'hero', variant: 'trail-running', decided: 'personalized', shown: 'trail-running' });
      assert.deepEqual(seen.map((s) => s.id).sort(), ['banner', 'hero', 'picks']);
      for (const s of seen) assert.deepEqual([s.decided, s.shown], s.variant ? ['personalized', s.variant] : ['default', null], s.id);
    } finally {
      await v.close();
    }
  });
});

const longPath = `/${'a'.repeat(2048)}`;

describe('failing to default', () => {
  const cases = [
    ['a missing config', 'config-unavailable', (ctx) => ctx.route('**/tactful.config.json', (r) => r.fulfill({ status: 404, body: 'not found' }))],
    ['a malformed config', 'config-invalid', (ctx) => ctx.route('**/tactful.config.json', (r) => r.fulfill({ status: 200, contentType: 'application/json', body: '{"slots": [' }))],
    ['a config that breaks the rules', 'config-invalid', (ctx) => ctx.route('**/tactful.config.json', (r) => r.fulfill({ status: 200, contentType: 'application/json', body: '{"version": 1, "slotz": []}' }))],
    // As tactful lint refuses it: the browser's text() would have shown the
    // visitor U+FFFD where the owner's editor wrote an é.
    ['a config saved as Latin-1, not UTF-8', 'config-invalid', (ctx) => ctx.route('**/tactful.config.json', async (r) => {
      const config = (await (await r.fetch()).text()).replace('Trailhead Outfitters', 'Trailhead Outfitters Caf\u00e9');
      assert.match(config, /Caf/);
      await r.fulfill({ status: 200, contentType: 'application/json', body: Buffer.from(config, 'latin1') });
    })],
    // Valid JSON, but far larger than any config: refused before it is parsed.
    ['a config over 2 MiB', 'config-invalid', (ctx) => ctx.route('**/tactful.config.json', (r) => r.fulfill({
      status: 200, contentType: 'application/json', body: JSON.stringify({ version: 1, site: { name: 'x'.repeat(3 * 1024 * 1024) } }),
    }))],
    ['a blocked wasm file', 'wasm-unavailable', (ctx) => ctx.route('**/tactful.wasm', (r) => r.abort('blockedbyclient'))],
    ['an absent wasm file', 'wasm-unavailable', (ctx) => ctx.route('**/tactful.wasm', (r) => r.fulfill({ status: 404, body: '' }))],
    ['storage that throws', 'storage-unavailable', (ctx) => ctx.addInitScript(() => {
      IDBFactory.prototype.open = () => { throw new DOMException('denied', 'SecurityError'); };
    })],
    ['site data blocked by the browser', 'storage-unavailable', () => {}, { blockSiteData: true }],
    // The home page served at a path longer than conditions read.
    ['a path over 2048 characters', 'page-unsupported', (ctx) => ctx.route(`**${longPath}`, async (r) =>
      r.fulfill({ response: await r.fetch({ url: `${site.url}/index.html` }) })), undefined, longPath],
  ];
  for (const [what, reason, arrange, visitor, path = '/index.html'] of cases) {
    test(`${what} keeps the default content with one clear message`, async () => {
      const v = await newVisitor(visitor);
      try {
        await arrange(v.context);
        await v.page.addInitScript(() => {
          window.__decisions = [];
          window.__errors = [];
          document.addEventListener('tactful:decision', (e) => window.__decisions.push(e.detail));
          document.addEventListener('tactful:error', (e) => window.__errors.push(e.detail));
        });
        await v.page.goto(`${site.url}${path}`);
        const status = await ready(v.page);
        assert.equal(status.ok, false);
        assert.equal(status.reason, reason);
        // The page's code hears of it too: one tactful:error with the same reason and message.
        assert.deepEqual(await v.page.evaluate(() => window.__errors), [{ reason, message: status.message }]);
        assert.equal(await heroState(v.page), 'default');
        assert.equal(await heroVariant(v.page), null);
        // The page's code learns what its slots show, as after any decision.
        const [decision, ...more] = await v.page.evaluate(() => window.__decisions);
        assert.deepEqual(more, []);
        assert.deepEqual(decision.slots.map((d) => d.id).sort(), ['banner', 'hero', 'picks']);
        // The same detail shape as after a decision ({id, variant, late}), as docs/api.md says.
        assert.ok(decision.slots.every((d) => d.variant === null && d.late === false), JSON.stringify(decision.slots));
        assert.ok(await v.page.locator('[data-tactful-slot="hero"]').isVisible());
        const msgs = v.tactfulMessages();
        assert.equal(msgs.length, 1, JSON.stringify(msgs));
        assert.equal(msgs[0].type, 'error');
      } finally {
        await v.close();
      }
    });
  }
});

describe('slots a script adds after a failed start', () => {
  test('show their default at once, not after the config\'s longer deadline', async () => {
    const v = await newVisitor({ deadline: null });
    try {
      // A config that asks for a 3 s deadline, and a wasm that cannot load (a CSP without 'wasm-unsafe-eval', a blocked file).
      let served;
      const configServed = new Promise((r) => { served = r; });
      await v.context.route('**/tactful.config.json', async (r) => {
        const config = await (await r.fetch()).json();
        await r.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ ...config, deadlineMs: 3000 }) });
        served();
      });
      await v.context.route('**/tactful.wasm', (r) => r.fulfill({ status: 404, body: '' }));
      await v.page.goto(`${site.url}/index.html`);
      assert.equal((await ready(v.page)).reason, 'wasm-unavailable');
      // A router renders a route with a slot: the observer runs before the next task.
      const later = await v.page.evaluate(async () => {
        const el = document.createElement('section');
        el.setAttribute('data-tactful-slot', 'later');
        el.textContent = 'Our own content';
        document.querySelector('main').prepend(el);
        await new Promise((r) => setTimeout(r, 0));
        return { decided: el.getAttribute('data-tactful-decided'), visibility: getComputedStyle(el).visibility };
      });
      assert.deepEqual(later, { decided: 'default', visibility: 'visible' });
      // Nor does a slot in a component's shadow root (with tactful.css linked)
      // wait 3 s, though the config arrived (after the wasm had failed, or before).
      await configServed;
      await v.page.waitForFunction(() => performance.getEntriesByType('resource').some((e) => e.name.endsWith('/tactful.config.json')));
      await v.page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
      assert.equal(await v.page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--tactful-deadline')), '');
    } finally {
      await v.close();
    }
  });
});

describe('a start that fails before the page is parsed', () => {
  test('the slots after a script that holds the parser are shown and named too', async () => {
    const v = await newVisitor();
    try {
      // The home page with a blocking script of its own between the banner and the hero.
      await v.context.route('**/held.html', async (r) => {
        const response = await r.fetch({ url: `${site.url}/index.html` });
        const body = (await response.text()).replace('<section class="hero"', '<script src="/held.js"></script>\n<section class="hero"');
        await r.fulfill({ response, body });
      });
      let release;
      const held = new Promise((r) => { release = r; });
      await v.context.route('**/held.js', async (r) => {
        await held;
        await r.fulfill({ contentType: 'text/javascript', body: '' });
      });
      await v.context.route('**/tactful.config.json', (r) => r.fulfill({ status: 404, body: 'not found' }));
      await v.page.addInitScript(() => {
        window.__decisions = [];
        document.addEventListener('tactful:decision', (e) => window.__decisions.push(e.detail));
      });
      // The start has failed while the parser still waits for held.js: then it goes on.
      const failed = v.page.waitForEvent('console', (m) => m.type() === 'error' && m.text().startsWith('tactful:'));
      const loading = v.page.goto(`${site.url}/held.html`);
      await failed;
      release();
      await loading;
      assert.equal((await ready(v.page)).reason, 'config-unavailable');
      assert.equal(await heroState(v.page), 'default');
      const decisions = await v.page.evaluate(() => window.__decisions);
      assert.equal(decisions.length, 1, JSON.stringify(decisions));
      assert.deepEqual(decisions[0].slots.map((d) => d.id).sort(), ['banner', 'hero', 'picks']);
    } finally {
      await v.close();
    }
  });
});

// The home page loaded with its config broken (brokenConfig), then as
// served (fixedConfig, which resolves to the visitor's consent then), and
// personalized for a trail runner (trailHome).
async function brokenConfig(page) {
  await page.route('**/tactful.config.json', (r) => r.fulfill({ status: 200, contentType: 'application/json', body: '{"slots": [' }));
  await page.goto(`${site.url}/index.html`);
  assert.equal((await ready(page)).reason, 'config-invalid');
}
async function fixedConfig(page) {
  await page.unroute('**/tactful.config.json');
  await page.goto(`${site.url}/index.html`);
  assert.deepEqual(await ready(page), { ok: true });
  assert.equal(await heroState(page), 'default');
  return page.evaluate(() => window.tactful.consent.get());
}
async function trailHome(page) {
  await page.goto(`${site.url}/index.html`);
  await ready(page);
  assert.equal(await heroState(page), 'personalized');
}

describe('forgetting and withdrawing when the module could not start', () => {
  test('forget() erases everything stored although the config is broken, and the next good start begins afresh', async () => {
    const v = await trailRunner(site);
    try {
      assert.ok(Object.keys(await tactfulStorage(v.page)).length > 0);
      await brokenConfig(v.page);
      // The other methods need the core, which never started.
      assert.match(await v.page.evaluate(() => window.tactful.profile.view().then(() => 'resolved', (e) => e.message)), /^tactful: unavailable \(config-invalid\)/);
      assert.deepEqual(await v.page.evaluate(() => window.tactful.profile.forget()), { forgotten: true });
      assert.deepEqual(await tactfulStorage(v.page), {});
      const consent = await fixedConfig(v.page);
      assert.equal(consent.purposes.personalization, false);
      assert.deepEqual(await tactfulStorage(v.page), {});
    } finally {
      await v.close();
    }
  });

  test('a withdrawal is kept while the config is broken and applies at the next good start, before anything is decided', async () => {
    const v = await trailRunner(site);
    try {
      await trailHome(v.page);
      await brokenConfig(v.page);
      // Nothing can be applied now: the call rejects, saying what it kept.
      const answer = await v.page.evaluate(() => window.tactful.consent.set({ purposes: { personalization: false }, categories: { interests: false, location: true } })
        .then(() => 'resolved', (e) => ({ message: e.message, kept: e.kept })));
      assert.match(answer.message, /^tactful: unavailable \(config-invalid\): .*; the withdrawal \(personalization, interests\) is kept and applies when the module next starts$/);
      assert.deepEqual(answer.kept, { purposes: { personalization: false }, categories: { interests: false } });
      // A change that withdraws nothing is refused as before.
      assert.match(await v.page.evaluate(() => window.tactful.consent.set({ purposes: { aggregate: true } }).then(() => 'resolved', (e) => e.message)), /^tactful: unavailable \(config-invalid\): [^;]*$/);
      const consent = await fixedConfig(v.page);
      assert.equal(consent.purposes.personalization, false);
      assert.equal(consent.categories.interests, false);
      // Turning interests off deleted them, and the kept record is gone once applied.
      assert.doesNotMatch(JSON.stringify((await openStoredRecords(v.page)).profile), /trail-running/);
      assert.equal((await tactfulStorage(v.page))['tactful:v1:withdrawals'], undefined);
    } finally {
      await v.close();
    }
  });

  test('a withdrawal kept in a tab whose module could not start applies at once in a tab where it runs', async () => {
    const v = await trailRunner(site);
    try {
      await trailHome(v.page);
      const broken = await v.context.newPage();
      await brokenConfig(broken);
      await broken.evaluate(() => window.tactful.consent.set({ purposes: { personalization: false } }).catch(() => {}));
      await v.page.waitForFunction(() => document.querySelector('[data-tactful-slot="hero"]').getAttribute('data-tactful-decided') === 'default');
      assert.equal((await v.page.evaluate(() => window.tactful.consent.get())).purposes.personalization, false);
      assert.equal((await tactfulStorage(v.page))['tactful:v1:withdrawals'], undefined);
    } finally {
      await v.close();
    }
  });

  test('calls queued before the module loaded still run when it cannot start: a queued withdrawal is kept, each refusal said', async () => {
    const v = await trailRunner(site);
    try {
      await trailHome(v.page);
      // A site's snippet queued a withdrawal (and a typo) for the page whose config is broken, not for the next one.
      await v.page.addInitScript(() => {
        if (sessionStorage.getItem('queued')) return;
        sessionStorage.setItem('queued', '1');
        window.__pageErrors = [];
        window.addEventListener('unhandledrejection', (e) => window.__pageErrors.push(String((e.reason && e.reason.message) || e.reason)));
        window.__said = [];
        const warn = console.warn;
        console.warn = (...args) => { window.__said.push(args.join(' ')); warn.apply(console, args); };
        window.tactful = [['consent.set', { purposes: { personalization: false } }], ['consent.sett', {}]];
      });
      await brokenConfig(v.page);
      // The refusal is said once the withdrawal is stored.
      await v.page.waitForFunction(() => window.__said.some((line) => line.includes('queued call "consent.set"')));
      const said = await v.page.evaluate(() => window.__said);
      assert.equal(said.length, 2, JSON.stringify(said));
      assert.match(said[0], /^tactful: queued call "consent\.sett" is not a tactful method/);
      assert.match(said[1], /^tactful: queued call "consent\.set" was refused: unavailable \(config-invalid\): .*; the withdrawal \(personalization\) is kept and applies when the module next starts$/);
      assert.deepEqual(await v.page.evaluate(() => window.__pageErrors), []);
      assert.ok((await tactfulStorage(v.page))['tactful:v1:withdrawals']);
      const consent = await fixedConfig(v.page);
      assert.equal(consent.purposes.personalization, false);
      // Queued calls have no gesture: the receipt says the site withdrew it, not the visitor.
      const receipt = (await v.page.evaluate(() => window.tactful.profile.export())).receipts.at(-1);
      assert.deepEqual([receipt.source, receipt.choices.purposes.personalization], ['site', false], JSON.stringify(receipt));
    } finally {
      await v.close();
    }
  });

  test('a kept record that another script wrote can only turn things off', async () => {
    const v = await trailRunner(site);
    try {
      await overwriteRecord(v.page, 'tactful:v1:withdrawals', () => JSON.stringify({
        gesture: true, purposes: { aggregate: true, personalization: 'no' }, categories: { location: true, interests: false },
      }));
      await v.page.goto(`${site.url}/index.html`);
      assert.deepEqual(await ready(v.page), { ok: true });
      const consent = await v.page.evaluate(() => window.tactful.consent.get());
      assert.deepEqual(consent.purposes, { personalization: true, aggregate: false });
      assert.equal(consent.categories.location, false);
      assert.equal(consent.categories.interests, false);
      assert.equal((await tactfulStorage(v.page))['tactful:v1:withdrawals'], undefined);
    } finally {
      await v.close();
    }
  });
});

describe('a request that never answers', () => {
  const settled = (page) => page.evaluate(() => Promise.race([
    window.tactful.ready,
    new Promise((r) => setTimeout(() => r('pending'), 100)),
  ]));
  for (const [what, file, reason] of [['config', 'tactful.config.json', 'config-unavailable'], ['wasm', 'tactful.wasm', 'wasm-unavailable']]) {
    test(`a ${what} request that never answers shows the defaults by the deadline, and ready settles after 20 s with one message`, async () => {
      const v = await newVisitor({ deadline: null }); // the stylesheet's own 150 ms
      try {
        await v.context.route(`**/${file}`, () => {}); // held: never answered, never failed
        await v.context.clock.install();
        await v.page.goto(`${site.url}/index.html`);
        // The stylesheet's deadline, not the script, reveals the default.
        await v.page.locator('[data-tactful-slot="hero"]').waitFor({ state: 'visible' });
        await v.context.clock.fastForward(18000);
        assert.equal(await settled(v.page), 'pending');
        assert.deepEqual(v.tactfulMessages(), []);
        await v.context.clock.fastForward(3000);
        const status = await settled(v.page);
        assert.equal(status.ok, false);
        assert.equal(status.reason, reason);
        assert.match(status.message, new RegExp(`^${what} \\S*${file.replace('.', '\\.')} did not arrive within 20 s$`));
        assert.equal(await heroState(v.page), 'default');
        const msgs = v.tactfulMessages();
        assert.equal(msgs.length, 1, JSON.stringify(msgs));
        assert.match(msgs[0].text, /did not arrive within 20 s - showing default content$/);
      } finally {
        await v.close();
      }
    });
  }
});

describe('content security policy', () => {
  test('a policy without \'wasm-unsafe-eval\' keeps the defaults, and the one message names what to add (not \'unsafe-eval\')', async () => {
    const v = await newVisitor();
    try {
      await v.context.route(/\/index\.html$/, async (route) => {
        const response = await route.fetch();
        await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': "script-src 'self'; style-src 'self'" } });
      });
      await v.page.goto(`${site.url}/index.html`);
      const status = await ready(v.page);
      assert.equal(status.reason, 'wasm-unavailable');
      assert.equal(await heroState(v.page), 'default');
      const msgs = v.tactfulMessages();
      assert.equal(msgs.length, 1, JSON.stringify(msgs));
      assert.match(msgs[0].text, /needs 'wasm-unsafe-eval' in script-src \('unsafe-eval' is not needed\) - showing default content$/);
    } finally {
      await v.close();
    }
  });


  test('the demo is served with a CSP that forbids eval and inline script, and works under it', async () => {
    const v = await newVisitor();
    try {
      await v.page.addInitScript(() => {
        window.__violations = [];
        document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective));
      });
      const response = await v.page.goto(`${site.url}/index.html`);
      const csp = response.headers()['content-security-policy'];
      assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
      assert.doesNotMatch(csp, /'unsafe-eval'|'unsafe-inline'/);
      assert.deepEqual(await ready(v.page), { ok: true });
      assert.deepEqual(await v.page.evaluate(() => window.__violations), []);
      // The policy is in force: an inline script does not run.
      const ran = await v.page.evaluate(async () => {
        window.__inline = false;
        const s = document.createElement('script');
        s.textContent = 'window.__inline = true';
        document.body.append(s);
        await new Promise((r) => setTimeout(r, 50));
        return window.__inline;
      });
      assert.equal(ran, false);
      assert.ok((await v.page.evaluate(() => window.__violations)).some((d) => d.startsWith('script-src')));
    } finally {
      await v.close();
    }
  });
});
