// The visitor's profile and consent as the browser keeps them (issue 3),
// checked from outside the page: raw storage, opened with the native CLI.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { configVariant, delayConfig, grantConsent, interestEvidence, newVisitor, openStoredRecords, overwriteRecord, ready, slowLocks, startSite, tactfulStorage, trackThenLeave, trailRunner, visit } from './harness.mjs';

let site;
before(async () => { site = await startSite(); });
after(() => site.stop());

// Playwright's evaluate runs with a user gesture, so a site script's own
// attempt is made by an init script, as the page loads, with no gesture.
function attemptGrantFromScript(page, change) {
  return page.addInitScript((c) => {
    window.__attempt = new Promise((resolve) => {
      const tryIt = () => (window.tactful && window.tactful.consent
        ? window.tactful.consent.set(c).then(() => 'granted', (e) => e.message).then(resolve)
        : setTimeout(tryIt, 5));
      tryIt();
    });
  }, change);
}
const scriptAttempt = (page) => page.evaluate(() => window.__attempt);

const exportOf = (page) => page.evaluate(() => window.tactful.profile.export());
// The interests the profile inferred from views, by id (profile.view() lists items).
const inferredInterests = (view) => view.interests.filter((i) => i.kind === 'inferred-interest').map((i) => i.value.interest);

// Everything of ours a page could find in the browser's stores, read without
// opening (and so creating) anything: database names, and tactful keys.
const leftBehind = (page) => page.evaluate(async () => ({
  local: Object.keys(localStorage).filter((k) => k.startsWith('tactful')),
  session: Object.keys(sessionStorage).filter((k) => k.startsWith('tactful')),
  cookies: document.cookie,
  idb: (await indexedDB.databases()).map((d) => d.name),
  caches: await caches.keys(),
}));
const NOTHING = { local: [], session: [], cookies: '', idb: [], caches: [] };

describe('minimize at ingest', () => {
  test('nothing is stored for a category the visitor has not allowed', async () => {
    const v = await newVisitor();
    try {
      await visit(v.page, `${site.url}/index.html`);
      await grantConsent(v.page, { purposes: { personalization: true } });
      await visit(v.page, `${site.url}/product-ridge-runner.html`);
      await v.page.getByRole('button', { name: /add to cart/i }).click();   // purchase:shoes, purchases is off
      await v.page.evaluate(() => window.tactful.profile.view());           // let the queued event land
      const { profile } = await openStoredRecords(v.page);
      assert.deepEqual(profile.profile.purchases ?? [], []);
      assert.ok(JSON.stringify(profile).includes('trail-running'), 'the allowed interest is stored');
      assert.doesNotMatch(JSON.stringify(profile), /shoes/);
      const exported = await exportOf(v.page);
      assert.deepEqual(exported.profile.purchases, []);
    } finally {
      await v.close();
    }
  });

  test('the site relays a shipping country the visitor gave it: stored with provenance site, as documented', async () => {
    const v = await newVisitor();
    try {
      await visit(v.page, `${site.url}/index.html`);
      await grantConsent(v.page, { purposes: { personalization: true }, categories: { location: true } });
      // What a checkout script does with the address form's country.
      const view = await v.page.evaluate(() => window.tactful.profile.declare({ location: { country: 'pt' }, source: 'site' }));
      assert.equal(view.location[0].value.country, 'PT');
      assert.equal(view.location[0].provenance.source, 'site');
      const refused = await v.page.evaluate(() => window.tactful.profile.declare({ location: { country: 'FR' }, source: 'ip' })
        .then(() => 'stored', (e) => e.message));
      assert.match(refused, /source: must be "visitor" or "site"/);
      assert.equal((await exportOf(v.page)).profile.location[0].value.country, 'PT');
    } finally {
      await v.close();
    }
  });

  test('without personalization nothing about browsing is stored at all', async () => {
    const v = await newVisitor();
    try {
      await visit(v.page, `${site.url}/trail-running.html`);
      await visit(v.page, `${site.url}/hiking.html`);
      const { profile } = await openStoredRecords(v.page);
      const text = JSON.stringify(profile);
      assert.doesNotMatch(text, /trail-running|hiking/);
      assert.deepEqual((await exportOf(v.page)).profile.interests, []);
    } finally {
      await v.close();
    }
  });

  test('turning a category off deletes what it held, at once', async () => {
    const v = await newVisitor();
    try {
      await visit(v.page, `${site.url}/index.html`);
      await grantConsent(v.page, { purposes: { personalization: true } });
      await visit(v.page, `${site.url}/hiking.html`);
      assert.match(JSON.stringify((await openStoredRecords(v.page)).profile), /hiking/);
      await v.page.evaluate(() => window.tactful.consent.set({ categories: { interests: false } }));
      assert.doesNotMatch(JSON.stringify((await openStoredRecords(v.page)).profile), /hiking/);
    } finally {
      await v.close();
    }
  });

  test('turning interests off leaves no trace of them, not even which content they chose', async () => {
    const v = await newVisitor();
    try {
      await visit(v.page, `${site.url}/index.html`);
      await grantConsent(v.page, { purposes: { personalization: true } });
      await visit(v.page, `${site.url}/hiking.html`);
      await visit(v.page, `${site.url}/hiking.html`);
      await visit(v.page, `${site.url}/index.html`);  // shows the (capped) hiking picks
      assert.equal(await v.page.locator('[data-tactful-slot="picks"]').getAttribute('data-tactful-variant'), 'hiking');
      await v.page.evaluate(() => window.tactful.consent.set({ categories: { interests: false } }));
      assert.doesNotMatch(JSON.stringify((await openStoredRecords(v.page)).profile), /hiking/);
    } finally {
      await v.close();
    }
  });
});

describe('what a page signals', () => {
  test('an element with data-tactful-track records what it names when clicked, in every documented form', async () => {
    const v = await newVisitor();
    try {
      await v.context.route('**/signals.html', (route) => route.fulfill({ contentType: 'text/html', body: `<!doctype html>
        <script src="/tactful/tactful.js" data-config="/tactful.config.json" async></script>
        <button data-tactful-track="view:hiking">a</button>
        <button data-tactful-track="trail-running, outdoor">b</button>
        <button data-tactful-track="purchase:shoes">c</button>
        <button data-tactful-track='{"type": "purchase", "category": "boots"}'>d</button>` }));
      await visit(v.page, `${site.url}/index.html`);
      await grantConsent(v.page, { purposes: { personalization: true }, categories: { purchases: true } });
      await visit(v.page, `${site.url}/signals.html`);
      for (const name of ['a', 'b', 'c', 'd']) await v.page.getByRole('button', { name, exact: true }).click();
      const view = await v.page.evaluate(() => window.tactful.profile.view());
      const interests = inferredInterests(view);
      assert.deepEqual(interests.sort(), ['hiking', 'outdoor', 'trail-running']);
      assert.deepEqual(view.purchases.map((p) => p.value.category).sort(), ['boots', 'shoes']);
      assert.deepEqual(v.tactfulMessages(), []);
    } finally {
      await v.close();
    }
  });

  test('track() never throws into the page: a bad event is dropped with a tactful:error, the events beside it count', async () => {
    const v = await newVisitor();
    try {
      await visit(v.page, `${site.url}/index.html`);
      await grantConsent(v.page, { purposes: { personalization: true } });
      const pageErrors = [];
      v.page.on('pageerror', (e) => pageErrors.push(e.message));
      const errors = await v.page.evaluate(async () => {
        const seen = [];
        document.addEventListener('tactful:error', (e) => seen.push(e.detail.reason));
        // One batch: the events of one task are applied together.
        window.tactful.track({ type: 'view', interests: ['hiking'] });
        window.tactful.track({ type: 'view', interests: ['outdoor', 10n] });
        window.tactful.track({ type: 'teleport' });
        // Not an event object at all: dropped the same way, not only said on the console.
        window.tactful.track('view');
        window.tactful.track(null);
        window.tactful.track({ interests: ['hiking'] });
        window.tactful.track({ type: 'view', interests: ['trail-running'] });
        await window.tactful.profile.view();
        return seen;
      });
      assert.deepEqual(errors, ['bad-event', 'bad-event', 'bad-event', 'bad-event', 'bad-event']);
      const view = await v.page.evaluate(() => window.tactful.profile.view());
      const interests = inferredInterests(view);
      assert.deepEqual(interests.sort(), ['hiking', 'trail-running']);
      assert.deepEqual(pageErrors, []);
    } finally {
      await v.close();
    }
  });

  test('an element whose data-tactful-track is a bare interest list signals the page, as the meta does, with no click', async () => {
    const v = await newVisitor();
    try {
      await v.context.route('**/card.html', (route) => route.fulfill({ contentType: 'text/html', body: `<!doctype html>
        <script src="/tactful/tactful.js" data-config="/tactful.config.json" async></script>
        <article data-tactful-track="hiking">Summit Hiker</article>
        <a href="#" data-tactful-track="view:city-walking">only when clicked</a>` }));
      await visit(v.page, `${site.url}/index.html`);
      await grantConsent(v.page, { purposes: { personalization: true } });
      await visit(v.page, `${site.url}/card.html`);
      const view = await v.page.evaluate(() => window.tactful.profile.view());
      const interests = inferredInterests(view);
      assert.deepEqual(interests, ['hiking']);
      assert.deepEqual(v.tactfulMessages(), []);
    } finally {
      await v.close();
    }
  });

  test('a page whose markup names only interests the taxonomy lacks says so once, with the id clipped', async () => {
    const v = await newVisitor();
    try {
      const long = 'h'.repeat(100000);
      await v.context.route('**/typo.html', (route) => route.fulfill({ contentType: 'text/html', body: `<!doctype html>
        <meta name="tactful:interests" content="hikng,${long}">
        <script src="/tactful/tactful.js" data-config="/tactful.config.json" async></script>
        <article data-tactful-track="hikng">Summit Hiker</article>` }));
      await v.page.addInitScript(() => {
        window.__errors = [];
        document.addEventListener('tactful:error', (e) => window.__errors.push(e.detail));
      });
      assert.deepEqual(await visit(v.page, `${site.url}/typo.html`), { ok: true });
      const said = v.tactfulMessages();
      assert.deepEqual(said.map((m) => m.text), [
        "tactful: page: interests: 'hikng' is not in the config's taxonomy (named by the tactful:interests meta or a bare data-tactful-track list)",
      ]);
      const errors = await v.page.evaluate(() => window.__errors);
      assert.deepEqual(errors.map((e) => e.reason), ['bad-event']);
      assert.deepEqual(errors[0].event.interests, ['hikng', long]);
      // Nothing stored: the visitor chose nothing.
      assert.deepEqual(await leftBehind(v.page), NOTHING);
    } finally {
      await v.close();
    }
  });
});

describe('bad input from page scripts', () => {
  test('a string where an object belongs is refused as such, not read as JSON text', async () => {
    const v = await newVisitor();
    try {
      await visit(v.page, `${site.url}/index.html`);
      const refused = await v.page.evaluate(() => Promise.all([
        window.tactful.consent.set('{"purposes": {"aggregate": false}}'),
        window.tactful.profile.declare('hiking'),
      ].map((p) => p.then(() => 'resolved', (e) => e.message))));
      assert.match(refused[0], /^tactful: consent\.set: .*must be an object/);
      assert.match(refused[1], /^tactful: profile\.declare: .*must be an object/);
    } finally {
      await v.close();
    }
  });
});

describe('nothing without a choice', () => {
  test('a visitor who chooses nothing leaves nothing in storage, not even an id', async () => {
    const v = await newVisitor();
    try {
      for (const path of ['/index.html', '/trail-running.html', '/product-ridge-runner.html']) {
        await visit(v.page, site.url + path);
      }
      await v.page.getByRole('button', { name: /add to cart/i }).click();
      await v.page.evaluate(() => window.tactful.profile.view());
      assert.deepEqual(await tactfulStorage(v.page), {});
      assert.deepEqual(await leftBehind(v.page), NOTHING, 'not even an empty database or a session entry');
    } finally {
      await v.close();
    }
  });
});

describe('nothing readable in storage', () => {
  test("what the visitor likes, browsed and declared is in no storage area in clear, though it is stored", async () => {
    const v = await newVisitor();
    try {
      await visit(v.page, `${site.url}/index.html`);
      await grantConsent(v.page, { purposes: { personalization: true }, categories: { location: true, occasions: true } });
      await v.page.evaluate(() => window.tactful.profile.declare({ likes: ['hiking'], location: { country: 'PT', region: 'PT-08' } }));
      await visit(v.page, `${site.url}/trail-running.html`);
      await v.page.evaluate(() => window.tactful.profile.view());
      // The control: all of it is stored, sealed.
      const exported = JSON.stringify((await openStoredRecords(v.page)).profile);
      for (const word of ['trail-running', 'hiking', 'PT-08', '"PT"']) assert.ok(exported.includes(word), word);
      const session = await v.page.evaluate(() => Object.fromEntries(Object.keys(sessionStorage).map((k) => [k, sessionStorage.getItem(k)])));
      const stored = JSON.stringify({ ...(await tactfulStorage(v.page)), ...session });
      for (const word of ['trail-running', 'hiking', 'PT-08', '"PT"']) assert.ok(!stored.includes(word), `storage holds ${word} in clear`);
    } finally {
      await v.close();
    }
  });
});

describe('events tracked over time', () => {
  // A page that tracks every scroll or impression once wrote the whole
  // profile once per call: 20 calls, one per task, made 15 writes.
  test('calls made one per task are stored together, not one write each', async () => {
    const v = await newVisitor();
    try {
      await visit(v.page, `${site.url}/index.html`);
      await grantConsent(v.page, { purposes: { personalization: true } });
      const before = await interestEvidence(v.page, 'city-walking');
      const { writes, elapsed } = await v.page.evaluate(async () => {
        let count = 0;
        const transaction = IDBDatabase.prototype.transaction;
        IDBDatabase.prototype.transaction = function (stores, mode) {
          if (mode === 'readwrite') count += 1;
          return transaction.call(this, stores, mode);
        };
        const start = performance.now();
        for (let i = 0; i < 20; i++) {
          window.tactful.track({ type: 'view', interests: ['city-walking'] });
          await new Promise((resolve) => setTimeout(resolve)); // a new task each time
        }
        await window.tactful.profile.view(); // applies what is still waiting
        IDBDatabase.prototype.transaction = transaction;
        return { writes: count, elapsed: performance.now() - start };
      });
      assert.equal(await interestEvidence(v.page, 'city-walking'), before + 20, 'every call counted');
      // Events are gathered for 50 ms (js/runtime.js): a slow machine's
      // longer run may take more writes, never one per call.
      assert.ok(writes <= Math.max(5, Math.ceil(elapsed / 50) + 1), `20 calls over ${Math.round(elapsed)} ms made ${writes} writes`);
    } finally {
      await v.close();
    }
  });

  // Events wait up to 50 ms to be stored, and the visitor may choose in
  // another tab meanwhile: what this page tracked before that choice is not
  // counted under it (opting in never sends or stores the past).
  test('an event still waiting when the visitor allows personalization in another tab is not counted under it', async () => {
    const v = await newVisitor();
    try {
      await visit(v.page, `${site.url}/index.html`);
      const other = await v.context.newPage();
      await visit(other, `${site.url}/index.html`);
      await v.page.evaluate(() => {
        // This page's timers are held (a busy or throttled page): its 50 ms have not run out.
        window.setTimeout = () => 0;
        window.__granted = new Promise((resolve) => document.addEventListener('tactful:consent', resolve, { once: true }));
        window.tactful.track({ type: 'view', interests: ['city-walking'] });
      });
      await grantConsent(other, { purposes: { personalization: true } });
      await v.page.evaluate(() => window.__granted);
      assert.equal(await interestEvidence(v.page, 'city-walking'), 0, 'tracked before the visitor allowed it');
      await v.page.evaluate(() => window.tactful.track({ type: 'view', interests: ['city-walking'] }));
      assert.equal(await interestEvidence(v.page, 'city-walking'), 1, 'tracked after');
    } finally {
      await v.close();
    }
  });

  test('an event still waiting when the visitor chooses "Forget me" in another tab is not stored after it', async () => {
    // Personalization on by default: a visitor's views are stored without a choice.
    const optOutSite = await startSite({ config: configVariant((c) => { c.consent.personalizationDefault = true; }) });
    const v = await newVisitor();
    try {
      await visit(v.page, `${optOutSite.url}/index.html`);
      const other = await v.context.newPage();
      await visit(other, `${optOutSite.url}/index.html`);
      await v.page.evaluate(() => {
        window.setTimeout = () => 0; // this page's 50 ms have not run out
        window.tactful.track({ type: 'view', interests: ['city-walking'] });
      });
      await other.evaluate(() => window.tactful.profile.forget());
      const view = await v.page.evaluate(() => window.tactful.profile.view());
      assert.deepEqual(inferredInterests(view), []);
      assert.deepEqual(await leftBehind(v.page), NOTHING);
    } finally {
      await v.close();
      optOutSite.stop();
    }
  });

  // A hidden page's timers may wait a second, or a minute, and the browser
  // may end a hidden page without another event (a phone reclaiming memory):
  // an event tracked then (an analytics "page hidden" event) is stored at
  // once, not after 50 ms that may never come.
  // Headless Chromium never hides a page: the page says it is hidden, and its
  // timers wait (the 50 ms batch timer never fires). An event tracked then is
  // stored at once; one still waiting as the page is hidden is stored then.
  for (const [name, trackFirst] of [
    ['an event tracked while the page is hidden is stored without waiting for a timer', false],
    ['an event still waiting when the page is hidden is stored then, without waiting for a timer', true],
  ]) {
    test(name, async () => {
      const v = await newVisitor();
      try {
        await visit(v.page, `${site.url}/index.html`);
        await grantConsent(v.page, { purposes: { personalization: true } });
        const before = await interestEvidence(v.page, 'city-walking');
        await v.page.evaluate(async (first) => {
          window.setTimeout = () => 0;
          const track = () => window.tactful.track({ type: 'view', interests: ['city-walking'] });
          if (first) track();
          Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
          document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
          if (!first) track();
          // Web Locks are granted in the order asked: once this one is, a write asked for before it is done.
          await navigator.locks.request('tactful:v1', () => {});
        }, trackFirst);
        const stored = (await openStoredRecords(v.page)).profile;
        const item = stored.profile.interests.find((i) => i.id === 'city-walking');
        assert.equal(item ? item.e : 0, before + 1, JSON.stringify(stored.profile));
      } finally {
        await v.close();
      }
    });
  }

  // A page that reuses one object for each call (a scroll tracker setting
  // the section it reached) tracks what the object held at each call.
  test('an event object the page changes after tracking it is stored as it was when tracked', async () => {
    const v = await newVisitor();
    try {
      await visit(v.page, `${site.url}/index.html`);
      await grantConsent(v.page, { purposes: { personalization: true } });
      const before = { city: await interestEvidence(v.page, 'city-walking'), trail: await interestEvidence(v.page, 'trail-running') };
      await v.page.evaluate(async () => {
        const event = { type: 'view', interests: ['city-walking'] };
        window.tactful.track(event);
        await new Promise((resolve) => setTimeout(resolve)); // a later task
        event.interests = ['trail-running'];
        window.tactful.track(event);
        await window.tactful.profile.view();
      });
      assert.equal(await interestEvidence(v.page, 'city-walking'), before.city + 1);
      assert.equal(await interestEvidence(v.page, 'trail-running'), before.trail + 1);
    } finally {
      await v.close();
    }
  });

  test('an event tracked just before following a link is kept, and the next page has it', async () => {
    const v = await newVisitor();
    try {
      await visit(v.page, `${site.url}/index.html`);
      await grantConsent(v.page, { purposes: { personalization: true } });
      const before = await interestEvidence(v.page, 'city-walking');
      await trackThenLeave(v.page, `${site.url}/privacy.html`, 'city-walking');
      await ready(v.page);
      assert.equal(await interestEvidence(v.page, 'city-walking'), before + 1);
    } finally {
      await v.close();
    }
  });

  // The page stored a change of its own first (the view below), so what it
  // keeps for the next page is based on the records it wrote, not on those
  // it read before. The lock answers late (slowLocks): the page is surely
  // left before the waiting event's own transaction reads storage again.
  test('an event tracked just before following a link is kept also after the page stored other events', async () => {
    const v = await newVisitor();
    try {
      await slowLocks(v.context);
      await visit(v.page, `${site.url}/index.html`);
      await grantConsent(v.page, { purposes: { personalization: true } });
      assert.equal(await interestEvidence(v.page, 'city-walking'), 0);
      await v.page.evaluate(async () => {
        window.tactful.track({ type: 'view', interests: ['city-walking'] });
        await window.tactful.profile.view();
        window.__slowLocks = true;
      });
      await trackThenLeave(v.page, `${site.url}/privacy.html`, 'city-walking');
      await ready(v.page);
      assert.equal(await interestEvidence(v.page, 'city-walking'), 2);
    } finally {
      await v.close();
    }
  });

  // Closing a tab ends its page at once: the lock asked for as it was hidden
  // is never granted (slowLocks makes sure of it here), and the tab has no
  // next page to take up what it kept. The next page of the site does.
  test('an event tracked just before the visitor closes the tab is stored by the next page they open', async () => {
    const v = await newVisitor();
    try {
      await slowLocks(v.context);
      await visit(v.page, `${site.url}/index.html`);
      await grantConsent(v.page, { purposes: { personalization: true } });
      const tab = await v.context.newPage();
      await visit(tab, `${site.url}/privacy.html`);
      await tab.evaluate(() => {
        window.__slowLocks = true;
        window.tactful.track({ type: 'view', interests: ['city-walking'] });
      });
      await tab.close();
      // Kept in localStorage, which may wait weeks for the next visit: never with the key that opens it.
      const kept = await v.page.evaluate(() => localStorage.getItem('tactful:v1:left'));
      const key = (await tactfulStorage(v.page))['tactful:v1:key'];
      assert.ok(kept && key, 'the change is kept, under a stored key');
      assert.ok(!kept.includes(key), 'the key is not in it');
      const next = await v.context.newPage();
      await visit(next, `${site.url}/privacy.html`);
      assert.equal(await interestEvidence(next, 'city-walking'), 1);
      assert.equal(await interestEvidence(v.page, 'city-walking'), 1, 'the open tab hears of it');
      assert.deepEqual(await next.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('tactful:v1'))), [], 'taken up once');
    } finally {
      await v.close();
    }
  });

  test('an event tracked right after a grant, in the same task, is counted under it', async () => {
    const v = await newVisitor();
    try {
      await visit(v.page, `${site.url}/index.html`);
      await v.page.evaluate(async () => {
        const granted = window.tactful.consent.set({ purposes: { personalization: true } });
        window.tactful.track({ type: 'view', interests: ['city-walking'] });
        await granted;
      });
      assert.equal(await interestEvidence(v.page, 'city-walking'), 1);
    } finally {
      await v.close();
    }
  });

  test('an event tracked just before a grant is not counted under it; one tracked just before "Forget me" is forgotten', async () => {
    const v = await newVisitor();
    try {
      await visit(v.page, `${site.url}/index.html`);
      await v.page.evaluate(async () => {
        window.tactful.track({ type: 'view', interests: ['city-walking'] });
        await window.tactful.consent.set({ purposes: { personalization: true } });
      });
      assert.equal(await interestEvidence(v.page, 'city-walking'), 0, 'made before the visitor allowed it');
      await v.page.evaluate(async () => {
        window.tactful.track({ type: 'view', interests: ['city-walking'] });
        await window.tactful.profile.forget();
      });
      await v.page.waitForTimeout(200); // any write still waiting would be done by now
      assert.deepEqual(await leftBehind(v.page), NOTHING);
    } finally {
      await v.close();
    }
  });
});

describe('a choice made just before leaving the page', () => {
  // Every change waits for the cross-tab lock, a read and a write, each an
  // answer from the browser; a visitor (or a test) who chooses and at once
  // goes on can leave the page first. Here the lock answers late on purpose
  // (slowLocks), so the page is surely left before the change ran.

  test('is kept when the visitor follows a link at once, and the next pages use it', async () => {
    const v = await newVisitor();
    try {
      await slowLocks(v.context);
      await visit(v.page, `${site.url}/index.html`);
      await v.page.evaluate(() => { window.__slowLocks = true; });
      await v.page.getByRole('button', { name: 'Yes, personalize' }).click();
      await visit(v.page, `${site.url}/trail-running.html`);
      await visit(v.page, `${site.url}/trail-running.html`);
      await visit(v.page, `${site.url}/index.html`);
      const consent = await v.page.evaluate(() => window.tactful.consent.get());
      assert.equal(consent.purposes.personalization, true);
      const hero = v.page.locator('[data-tactful-slot="hero"]');
      assert.equal(await hero.getAttribute('data-tactful-variant'), 'trail-running');
      const { consent: stored } = await openStoredRecords(v.page);
      assert.equal(stored.personalization, true, 'stored, not only remembered by the tab');
      assert.deepEqual((await leftBehind(v.page)).session.filter((k) => k.includes('unsaved')), []);
    } finally {
      await v.close();
    }
  });

  test('a real visitor\'s pace: choosing on the invitation, then going straight to another page', async () => {
    for (let i = 0; i < 3; i++) {
      const v = await newVisitor();
      try {
        await visit(v.page, `${site.url}/index.html`);
        await v.page.getByRole('button', { name: 'Yes, personalize' }).click();
        await visit(v.page, `${site.url}/trail-running.html`);
        assert.equal((await v.page.evaluate(() => window.tactful.consent.get())).purposes.personalization, true, `visitor ${i + 1}`);
      } finally {
        await v.close();
      }
    }
  });

  // A page of the same origin that is not Tactful's: the tab's storage as the
  // visitor left it, with no module to tidy it up at start.
  const elsewhere = (page) => page.goto(`${site.url}/tactful/tactful.css`);

  test('"Forget me" just before leaving keeps nothing, not even the visit\'s copy of the profile', async () => {
    const v = await newVisitor();
    try {
      await slowLocks(v.context);
      await visit(v.page, `${site.url}/index.html`);
      await grantConsent(v.page, { purposes: { personalization: true } });
      await visit(v.page, `${site.url}/hiking.html`);
      assert.deepEqual((await leftBehind(v.page)).session, ['tactful:visit']);
      await v.page.evaluate(() => {
        window.__slowLocks = true;
        void window.tactful.profile.forget();
      });
      await elsewhere(v.page);
      assert.deepEqual(await leftBehind(v.page), NOTHING);
    } finally {
      await v.close();
    }
  });

  test('a withdrawal kept as the page was left is stored though another tab wrote the profile meanwhile', async () => {
    const v = await newVisitor();
    try {
      await slowLocks(v.context);
      await visit(v.page, `${site.url}/index.html`);
      await grantConsent(v.page, { purposes: { personalization: true }, categories: { location: true } });
      await v.page.evaluate(() => window.tactful.profile.declare({ location: { country: 'ES' } }));
      const other = await v.context.newPage();
      await visit(other, `${site.url}/hiking.html`);
      await other.evaluate(() => {
        window.__slowLocks = true;
        void window.tactful.consent.set({ categories: { location: false } });
      });
      await elsewhere(other);
      const profile = (await tactfulStorage(v.page))['tactful:v1:profile'];
      await v.page.evaluate(() => window.tactful.track({ type: 'view', interests: ['hiking'] }));
      await v.page.waitForFunction(async (before) => {
        const db = await new Promise((r) => { const q = indexedDB.open('tactful'); q.onsuccess = () => r(q.result); });
        const now = await new Promise((r) => { const q = db.transaction('records').objectStore('records').get('tactful:v1:profile'); q.onsuccess = () => r(q.result); });
        db.close();
        return now !== before;
      }, profile);
      await visit(other, `${site.url}/index.html`);
      const stored = await openStoredRecords(other);
      assert.equal(stored.consent.location, false, 'the withdrawal is stored');
      assert.doesNotMatch(JSON.stringify(stored.profile), /"ES"/);
    } finally {
      await v.close();
    }
  });

  test('a choice kept by a tab that went elsewhere is not taken up when it comes back: "Forget me" may have come since', async () => {
    const v = await newVisitor();
    try {
      await slowLocks(v.context);
      await visit(v.page, `${site.url}/index.html`);
      const other = await v.context.newPage();
      await visit(other, `${site.url}/hiking.html`);
      // Nothing stored yet: the kept grant is based on empty storage, as is
      // storage after the other tab's "Forget me".
      await other.evaluate(() => {
        window.__slowLocks = true;
        void window.tactful.consent.set({ purposes: { personalization: true } });
      });
      await elsewhere(other);
      assert.deepEqual((await leftBehind(other)).session, ['tactful:v1:unsaved']);
      await new Promise((r) => setTimeout(r, 1500)); // a visitor's pace, not a link's
      await v.page.evaluate(() => window.tactful.profile.forget());
      await visit(other, `${site.url}/index.html`);
      assert.equal((await other.evaluate(() => window.tactful.consent.get())).purposes.personalization, false);
      assert.deepEqual(await leftBehind(other), NOTHING);
    } finally {
      await v.close();
    }
  });
});

describe('forget', () => {
  test('forget() leaves no Tactful data in any browser storage', async () => {
    const v = await newVisitor();
    try {
      await visit(v.page, `${site.url}/index.html`);
      await grantConsent(v.page, { purposes: { personalization: true } });
      await visit(v.page, `${site.url}/trail-running.html`);
      assert.ok(Object.keys(await tactfulStorage(v.page)).length > 0);
      await v.page.evaluate(() => window.tactful.profile.forget());
      assert.deepEqual(await leftBehind(v.page), NOTHING);
      const consent = await v.page.evaluate(() => window.tactful.consent.get());
      assert.equal(consent.purposes.personalization, false);
      // Browsing on after forgetting stores nothing until the visitor chooses again.
      await visit(v.page, `${site.url}/hiking.html`);
      await v.page.reload();
      assert.deepEqual(await ready(v.page), { ok: true });
      await v.page.evaluate(() => window.tactful.profile.view());
      assert.deepEqual(await leftBehind(v.page), NOTHING, 'no database or session entry comes back');
      assert.deepEqual(await tactfulStorage(v.page), {});
    } finally {
      await v.close();
    }
  });

  test('forget() also erases what Tactful keeps in localStorage: the "No thanks" to the invitation', async () => {
    const v = await newVisitor();
    try {
      await visit(v.page, `${site.url}/index.html`);
      const invitation = v.page.getByRole('region', { name: 'Personalize this site?' });
      await invitation.getByRole('button', { name: 'No thanks' }).click();
      await invitation.waitFor({ state: 'detached' });
      await grantConsent(v.page, { purposes: { personalization: true } });
      await visit(v.page, `${site.url}/trail-running.html`);
      assert.deepEqual((await leftBehind(v.page)).local, ['tactful:invitation']);
      await v.page.evaluate(() => window.tactful.profile.forget());
      assert.deepEqual(await leftBehind(v.page), NOTHING);
    } finally {
      await v.close();
    }
  });

  test('forget() in one tab leaves nothing in another open tab either, not even its session copy', async () => {
    const v = await newVisitor();
    try {
      await visit(v.page, `${site.url}/index.html`);
      await grantConsent(v.page, { purposes: { personalization: true } });
      await visit(v.page, `${site.url}/hiking.html`);
      const other = await v.context.newPage();
      await visit(other, `${site.url}/hiking.html`);
      await other.evaluate(() => {
        window.__consentSeen = new Promise((r) => document.addEventListener('tactful:consent', r, { once: true }));
      });
      await v.page.evaluate(() => window.tactful.profile.forget());
      await other.evaluate(() => window.__consentSeen);  // the other tab took the change up
      assert.deepEqual(await leftBehind(other), NOTHING);
      assert.deepEqual(await leftBehind(v.page), NOTHING);
    } finally {
      await v.close();
    }
  });
});

// A visitor who opted in and browsed, then one stored record changed behind
// Tactful's back; the next page records its tactful:error events in
// window.__errors. Returns how many console lines there were before it.
async function tamperAfterOptIn(v, record, change) {
  await visit(v.page, `${site.url}/index.html`);
  await grantConsent(v.page, { purposes: { personalization: true } });
  await visit(v.page, `${site.url}/hiking.html`);
  await overwriteRecord(v.page, record, change);
  await v.page.addInitScript(() => {
    window.__errors = [];
    document.addEventListener('tactful:error', (e) => window.__errors.push(e.detail));
  });
  return v.tactfulMessages().length;
}

describe('storage integrity', () => {
  test('a tampered profile resets cleanly, keeps consent, and says why', async () => {
    const v = await newVisitor();
    try {
      const before = await tamperAfterOptIn(v, 'tactful:v1:profile', (rec) => {
        const i = Math.floor(rec.length / 2);
        return rec.slice(0, i) + (rec[i] === 'A' ? 'B' : 'A') + rec.slice(i + 1);
      });
      assert.deepEqual(await visit(v.page, `${site.url}/index.html`), { ok: true });
      const errors = await v.page.evaluate(() => window.__errors);
      assert.equal(errors.length, 1);
      assert.equal(errors[0].reason, 'profile-reset');
      assert.match(errors[0].message, /integrity|tamper|corrupt/i);
      const said = v.tactfulMessages().slice(before);
      assert.equal(said.length, 1, JSON.stringify(said));
      assert.match(said[0].text, /^tactful: stored profile was reset: .*(integrity|tamper|corrupt)/i);
      const consent = await v.page.evaluate(() => window.tactful.consent.get());
      assert.equal(consent.purposes.personalization, true);
      const exported = await exportOf(v.page);
      assert.ok(!exported.profile.interests.some((i) => i.id === 'interest:hiking'));
    } finally {
      await v.close();
    }
  });

  // Both once left the module refusing storage on every later page
  // (storage-unavailable), so the visitor could never choose again.
  test('a database a newer build left at a higher version keeps the visitor\'s choices', async () => {
    const v = await newVisitor();
    try {
      await visit(v.page, `${site.url}/index.html`);
      await grantConsent(v.page, { purposes: { personalization: true } });
      await v.page.evaluate(() => new Promise((done) => {
        const req = indexedDB.open('tactful', 7);
        req.onsuccess = () => { req.result.close(); done(); };
      }));
      assert.deepEqual(await visit(v.page, `${site.url}/index.html`), { ok: true });
      assert.equal((await v.page.evaluate(() => window.tactful.consent.get())).purposes.personalization, true);
      assert.deepEqual(v.tactfulMessages(), []);
    } finally {
      await v.close();
    }
  });

  test('a "tactful" database without our store reads as empty, says so once, and takes the next choice', async () => {
    const v = await newVisitor();
    try {
      await v.page.goto(`${site.url}/img/logo.svg`);  // same origin, no module
      await v.page.evaluate(() => new Promise((done) => {
        const req = indexedDB.open('tactful', 3);
        req.onupgradeneeded = () => req.result.createObjectStore('theirs').put('kept', 'x');
        req.onsuccess = () => { req.result.close(); done(); };
      }));
      assert.deepEqual(await visit(v.page, `${site.url}/index.html`), { ok: true });
      const said = v.tactfulMessages();
      assert.equal(said.length, 1, JSON.stringify(said));
      assert.match(said[0].text, /^tactful: the IndexedDB database "tactful" has no "records" store/);
      await grantConsent(v.page, { purposes: { personalization: true } });
      assert.deepEqual(await visit(v.page, `${site.url}/index.html`), { ok: true });
      assert.equal((await v.page.evaluate(() => window.tactful.consent.get())).purposes.personalization, true);
      assert.equal(v.tactfulMessages().length, 1, 'the store is there now: nothing more to say');
      // The other script's store is left as it was.
      assert.equal(await v.page.evaluate(() => new Promise((done) => {
        const req = indexedDB.open('tactful');
        req.onsuccess = () => {
          const get = req.result.transaction('theirs').objectStore('theirs').get('x');
          get.onsuccess = () => { req.result.close(); done(get.result); };
        };
      })), 'kept');
    } finally {
      await v.close();
    }
  });

  test('a record that is not even a string resets like a corrupted one, and is replaced', async () => {
    const v = await newVisitor();
    try {
      const before = await tamperAfterOptIn(v, 'tactful:v1:profile', () => ({ evil: 1 }));
      assert.deepEqual(await visit(v.page, `${site.url}/index.html`), { ok: true });
      await v.page.evaluate(() => window.tactful.profile.view());
      const errors = await v.page.evaluate(() => window.__errors);
      assert.deepEqual(errors.map((e) => e.reason), ['profile-reset']);
      assert.match(errors[0].message, /profile record: not a sealed record/);
      const said = v.tactfulMessages().slice(before);
      assert.equal(said.length, 1, JSON.stringify(said));
      assert.match(said[0].text, /^tactful: stored profile was reset/);
      // The choice is kept; the foreign value is gone from storage.
      assert.equal((await v.page.evaluate(() => window.tactful.consent.get())).purposes.personalization, true);
      const stored = await tactfulStorage(v.page);
      assert.ok(['string', 'undefined'].includes(typeof stored['tactful:v1:profile']), JSON.stringify(stored));
    } finally {
      await v.close();
    }
  });

  // A key of the right shape opens nothing it did not seal; one that is not
  // 32 bytes of base64 at all once left the module unable to start on every
  // later page (ready {ok: false, reason: "internal"}).
  const damagedKeys = [
    ['another key', `${'A'.repeat(43)}=`, /integrity/],
    ['44 characters that are not 32 bytes', 'A'.repeat(44), /storage key .*damaged/],
    ['a number', 42, /storage key .*damaged/],
  ];
  for (const [what, damaged, why] of damagedKeys) {
    test(`a stored key that is ${what} resets both records with one console line, and the visitor can choose again`, async () => {
      const v = await newVisitor();
      try {
        const before = await tamperAfterOptIn(v, 'tactful:v1:key', () => damaged);
        assert.deepEqual(await visit(v.page, `${site.url}/index.html`), { ok: true });
        const errors = await v.page.evaluate(() => window.__errors);
        assert.deepEqual(errors.map((e) => e.reason).sort(), ['consent-reset', 'profile-reset']);
        const said = v.tactfulMessages().slice(before);
        assert.equal(said.length, 1, JSON.stringify(said));
        assert.match(said[0].text, /^tactful: stored profile was reset: .*; stored consent was reset: /);
        assert.match(said[0].text, why);
        // A new choice is stored under a sound key, and holds on the next page.
        await grantConsent(v.page, { purposes: { personalization: true } });
        assert.match((await tactfulStorage(v.page))['tactful:v1:key'], /^[A-Za-z0-9+/]{43}=$/);
        assert.deepEqual(await visit(v.page, `${site.url}/index.html`), { ok: true });
        assert.equal((await v.page.evaluate(() => window.tactful.consent.get())).purposes.personalization, true);
      } finally {
        await v.close();
      }
    });
  }
});

// Holds Tactful's cross-tab lock from `page`, as another tab in the middle of
// a write does, until the returned function is called. `page` shows a
// same-origin document without Tactful, so that only the tabs under test
// react to what is written.
async function holdLock(page) {
  await page.goto(`${site.url}/img/logo.svg`);
  await page.evaluate(() => new Promise((granted) => {
    navigator.locks.request('tactful:v1', () => new Promise((release) => {
      window.__releaseLock = release;
      granted();
    }));
  }));
  return () => page.evaluate(() => window.__releaseLock());
}

// Opens `url` in a new tab of the visitor and waits until its slots are final
// (not for tactful.ready, which also waits for the write).
async function openDecided(v, url) {
  const tab = await v.context.newPage();
  await tab.goto(url);
  await tab.waitForFunction(() => performance.getEntriesByName('tactful:slots-final').length > 0, null, { timeout: 5000 });
  return tab;
}

const stillWriting = (tab) => tab.evaluate(() => Promise.race([
  window.tactful.ready.then(() => false),
  new Promise((r) => setTimeout(() => r(true), 100)),
]));

// A visitor who opted in to personalization, with the home page open in two
// tabs; returns the second.
async function twoTabsPersonalized(v) {
  await visit(v.page, `${site.url}/index.html`);
  await grantConsent(v.page, { purposes: { personalization: true } });
  const other = await v.context.newPage();
  await visit(other, `${site.url}/index.html`);
  return other;
}

describe('two tabs', () => {
  test('pages decide without waiting for another tab\'s lock, and their writes lose no update', async () => {
    const v = await newVisitor();
    try {
      await visit(v.page, `${site.url}/index.html`);
      await grantConsent(v.page, { purposes: { personalization: true } });
      await visit(v.page, `${site.url}/trail-running.html`);
      const evidence = (page) => interestEvidence(page, 'trail-running');
      const start = await evidence(v.page);
      const release = await holdLock(v.page);
      // Both read the same records and decide at once; their writes wait.
      const tabs = [await openDecided(v, `${site.url}/trail-running.html`), await openDecided(v, `${site.url}/trail-running.html`)];
      for (const tab of tabs) assert.equal(await stillWriting(tab), true);
      await release();
      for (const tab of tabs) assert.deepEqual(await tab.evaluate(() => window.tactful.ready), { ok: true });
      // The second to write read the records before the first wrote: its page
      // view is applied again to what the first wrote, not written over it.
      assert.equal(await evidence(tabs[0]), start + 2);
    } finally {
      await v.close();
    }
  });

  test('a consent change another tab writes while a page loads is the one that page keeps', async () => {
    const v = await newVisitor();
    try {
      await visit(v.page, `${site.url}/index.html`);
      // A consent record with personalization off, as another tab would write it.
      await grantConsent(v.page, { purposes: { aggregate: true } });
      const off = (await tactfulStorage(v.page))['tactful:v1:consent'];
      await grantConsent(v.page, { purposes: { personalization: true } });
      await visit(v.page, `${site.url}/trail-running.html`);
      await visit(v.page, `${site.url}/trail-running.html`);
      const release = await holdLock(v.page);
      const tab = await openDecided(v, `${site.url}/index.html`);
      const hero = tab.locator('[data-tactful-slot="hero"]');
      assert.equal(await hero.getAttribute('data-tactful-decided'), 'personalized');
      await overwriteRecord(v.page, 'tactful:v1:consent', () => off);
      await release();
      assert.deepEqual(await tab.evaluate(() => window.tactful.ready), { ok: true });
      // Decided again on what the other tab wrote before this page's write.
      assert.equal(await hero.getAttribute('data-tactful-variant'), null);
      assert.equal(await hero.getAttribute('data-tactful-decided'), 'default');
      assert.equal((await tab.evaluate(() => window.tactful.consent.get())).purposes.personalization, false);
    } finally {
      await v.close();
    }
  });

  test("two tabs tracking at once lose no update", async () => {
    const v = await newVisitor();
    try {
      const other = await twoTabsPersonalized(v);
      const N = 15;
      const burst = (page) => page.evaluate(async (n) => {
        for (let i = 0; i < n; i++) {
          window.tactful.track({ type: 'view', interests: ['city-walking'] });
          await new Promise((r) => setTimeout(r, Math.random() * 10));
        }
        await window.tactful.profile.view();
      }, N);
      await Promise.all([burst(v.page), burst(other)]);
      const exported = await exportOf(v.page);
      const city = exported.profile.interests.find((i) => i.id === 'interest:city-walking');
      assert.equal(city.value.evidence, 2 * N);
    } finally {
      await v.close();
    }
  });

  test('after a write, open tabs settle: neither writes again in answer to the other', async () => {
    const v = await newVisitor();
    try {
      const other = await twoTabsPersonalized(v);
      // Every commit is announced on the channel: a page without Tactful counts them.
      const listener = await v.context.newPage();
      await listener.goto(`${site.url}/img/logo.svg`);
      await listener.evaluate(() => {
        window.__writes = 0;
        new BroadcastChannel('tactful:v1').onmessage = () => { window.__writes += 1; };
      });
      const writes = () => listener.evaluate(() => window.__writes);
      await v.page.evaluate(() => {
        window.tactful.track({ type: 'view', interests: ['city-walking'] });
        return window.tactful.profile.view();
      });
      // The other tab takes the change up (and may write what is new to it, once).
      await other.waitForFunction(() => window.tactful.profile.view()
        .then((p) => p.interests.some((i) => i.id === 'interest:city-walking')));
      await v.page.waitForTimeout(500);
      const settled = await writes();
      assert.ok(settled >= 1 && settled <= 4, `${settled} writes for one event`);
      await v.page.waitForTimeout(1000);
      assert.equal(await writes(), settled, 'the tabs kept writing in answer to each other');
    } finally {
      await v.close();
    }
  });

  test('consent.set() tells the page: one tactful:consent event with the state it resolves to', async () => {
    const v = await newVisitor();
    try {
      await visit(v.page, `${site.url}/index.html`);
      await v.page.evaluate(() => {
        window.__consentEvents = [];
        document.addEventListener('tactful:consent', (e) => window.__consentEvents.push(e.detail));
      });
      const state = await grantConsent(v.page, { purposes: { personalization: true } });
      assert.equal(state.purposes.personalization, true);
      assert.deepEqual(await v.page.evaluate(() => window.__consentEvents), [state]);
    } finally {
      await v.close();
    }
  });

  test('a consent change in one tab takes effect in the other without reload', async () => {
    const v = await newVisitor();
    try {
      await visit(v.page, `${site.url}/index.html`);
      const other = await v.context.newPage();
      await visit(other, `${site.url}/index.html`);
      const changed = other.evaluate(() => new Promise((r) =>
        document.addEventListener('tactful:consent', (e) => r(e.detail), { once: true })));
      await grantConsent(v.page, { purposes: { personalization: true } });
      const detail = await changed;
      assert.equal(detail.purposes.personalization, true);
      assert.equal((await other.evaluate(() => window.tactful.consent.get())).purposes.personalization, true);
    } finally {
      await v.close();
    }
  });
});

describe('Global Privacy Control', () => {
  test('GPC keeps aggregate off and is shown, until the visitor switches it on', async () => {
    const v = await newVisitor();
    try {
      await v.context.addInitScript(() => {
        Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true });
      });
      await attemptGrantFromScript(v.page, { purposes: { aggregate: true } });
      await visit(v.page, `${site.url}/index.html`);
      const before = await v.page.evaluate(() => window.tactful.consent.get());
      assert.equal(before.signals.gpc, true);
      assert.equal(before.purposes.aggregate, false);
      assert.match(await scriptAttempt(v.page), /gesture/);
      const after = await grantConsent(v.page, { purposes: { aggregate: true } });
      assert.equal(after.purposes.aggregate, true);
      const receipts = (await exportOf(v.page)).receipts;
      assert.ok(receipts.some((r) => JSON.stringify(r).includes('gpc')));
    } finally {
      await v.close();
    }
  });
});

describe('consent from scripts', () => {
  test('a site script cannot grant consent without a user gesture', async () => {
    const v = await newVisitor();
    try {
      await attemptGrantFromScript(v.page, { purposes: { personalization: true } });
      await visit(v.page, `${site.url}/index.html`);
      assert.match(await scriptAttempt(v.page), /gesture/);
      assert.equal((await v.page.evaluate(() => window.tactful.consent.get())).purposes.personalization, false);
    } finally {
      await v.close();
    }
  });

  test('a script\'s change that withdraws and grants: the grant is refused, the withdrawal applies and is kept', async () => {
    const v = await newVisitor();
    try {
      await visit(v.page, `${site.url}/index.html`);
      await grantConsent(v.page, { purposes: { personalization: true } });
      await attemptGrantFromScript(v.page, { purposes: { personalization: false, aggregate: true } });
      await v.page.addInitScript(() => {
        window.__consentEvents = [];
        document.addEventListener('tactful:consent', (e) => window.__consentEvents.push(e.detail.purposes));
      });
      await visit(v.page, `${site.url}/index.html`);
      const message = await scriptAttempt(v.page);
      assert.match(message, /gesture/);
      assert.match(message, /withdrawals in this change were applied \(-personalization\)/);
      assert.deepEqual(await v.page.evaluate(() => window.__consentEvents), [{ aggregate: false, personalization: false }]);
      await visit(v.page, `${site.url}/index.html`);
      const after = await v.page.evaluate(() => window.tactful.consent.get());
      assert.equal(after.purposes.personalization, false, 'the withdrawal was saved');
      assert.equal(after.purposes.aggregate, false);
      const receipts = (await exportOf(v.page)).receipts;
      assert.equal(receipts[receipts.length - 1].source, 'site');
    } finally {
      await v.close();
    }
  });
});

// A site script's grant queued before tactful.js loaded (the early queue).
function queueBeforeLoad(page, ...calls) {
  return page.addInitScript((entries) => {
    window.__pageErrors = [];
    window.addEventListener('unhandledrejection', (e) => window.__pageErrors.push(String((e.reason && e.reason.message) || e.reason)));
    window.tactful = window.tactful || [];
    for (const entry of entries) window.tactful.push(entry);
  }, calls);
}

/** A visitor who turned personalization on, on the home page. */
async function optedIn() {
  const v = await newVisitor();
  try {
    await visit(v.page, `${site.url}/index.html`);
    await grantConsent(v.page, { purposes: { personalization: true } });
    return v;
  } catch (e) {
    await v.close();
    throw e;
  }
}

/**
 * Opens the home page with its config held: the module exists (window.tactful
 * is no longer the queue) but has not started. Returns what lets the config go.
 */
async function createdNotStarted(page) {
  let release;
  const held = new Promise((r) => { release = r; });
  await page.route('**/tactful.config.json', async (r) => {
    await held;
    await r.continue();
  });
  await page.goto(`${site.url}/index.html`, { waitUntil: 'domcontentloaded' });
  await page.waitForFunction(() => window.tactful && !Array.isArray(window.tactful));
  return release;
}

describe('consent queued before the module loads', () => {
  for (const [what, change, gpc] of [
    ['personalization and aggregate', { purposes: { personalization: true, aggregate: true } }, false],
    ['aggregate with Global Privacy Control on', { purposes: { aggregate: true } }, true],
  ]) {
    test(`a queued grant of ${what} is refused, even when the visitor clicks the page while it loads`, async () => {
      const v = await newVisitor();
      try {
        if (gpc) await v.context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }));
        await queueBeforeLoad(v.page, ['consent.set', change]);
        // The module is still loading when the visitor clicks plain page text.
        await delayConfig(v.context, 400);
        await v.page.goto(`${site.url}/index.html`, { waitUntil: 'domcontentloaded' });
        await v.page.mouse.click(640, 880);
        await v.page.waitForFunction(() => window.tactful && !Array.isArray(window.tactful));
        assert.deepEqual(await ready(v.page), { ok: true });
        await v.page.waitForTimeout(100);
        const consent = await v.page.evaluate(() => window.tactful.consent.get());
        assert.deepEqual(consent.purposes, { personalization: false, aggregate: false });
        const receipts = (await exportOf(v.page)).receipts;
        assert.ok(!receipts.some((r) => r.source === 'visitor'), JSON.stringify(receipts));
        assert.deepEqual(await tactfulStorage(v.page), {}, 'nothing stored: nobody chose anything');
        // Refused without an unhandled rejection, and said once on the console.
        assert.deepEqual(await v.page.evaluate(() => window.__pageErrors), []);
        const said = v.tactfulMessages().filter((m) => m.text.includes('queued call "consent.set"'));
        assert.equal(said.length, 1, JSON.stringify(v.tactfulMessages()));
        assert.match(said[0].text, /^tactful: queued call "consent.set" was refused: .*gesture/);
      } finally {
        await v.close();
      }
    });
  }

  test('a queued name the API only inherits is not a method: it reaches no Function, and the calls after it run', async () => {
    const v = await newVisitor();
    try {
      await v.page.addInitScript(() => {
        window.__violations = [];
        document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective));
      });
      await visit(v.page, `${site.url}/index.html`);
      await grantConsent(v.page, { purposes: { personalization: true } });
      await queueBeforeLoad(v.page,
        ['constructor.constructor', 'window.__ran = true'],
        ['ready.then', () => {}],
        ['track', { type: 'view', interests: ['hiking'] }],
        ['track', { type: 'view', interests: ['hiking'] }]);
      assert.deepEqual(await visit(v.page, `${site.url}/index.html`), { ok: true });
      await v.page.waitForTimeout(100);
      // The demo's CSP refuses eval: nothing even tried it.
      assert.deepEqual(await v.page.evaluate(() => window.__violations), []);
      const view = await v.page.evaluate(() => window.tactful.profile.view());
      assert.deepEqual(inferredInterests(view), ['hiking']);
      const said = v.tactfulMessages().map((m) => m.text);
      assert.deepEqual(said, [
        'tactful: queued call "constructor.constructor" is not a tactful method (try "track", "consent.set", "profile.declare")',
        'tactful: queued call "ready.then" is not a tactful method (try "track", "consent.set", "profile.declare")',
      ]);
    } finally {
      await v.close();
    }
  });

  test('queued calls run before the calls the page makes while the module starts: a queued pause stops a later declaration', async () => {
    const v = await optedIn();
    try {
      await queueBeforeLoad(v.page, ['consent.set', { purposes: { personalization: false } }]);
      // The config is held until the page has made its own call, after the queued one.
      const release = await createdNotStarted(v.page);
      await v.page.evaluate(() => {
        window.__declared = window.tactful.profile.declare({ likes: ['hiking'] }).then(() => 'stored', (e) => e.message);
      });
      release();
      assert.deepEqual(await ready(v.page), { ok: true });
      assert.match(await v.page.evaluate(() => window.__declared), /personalization is off/);
      const view = await v.page.evaluate(() => window.tactful.profile.view());
      assert.deepEqual(view.interests.filter((i) => i.kind === 'like'), []);
    } finally {
      await v.close();
    }
  });

  test('queued calls run in the order they were queued: a pause queued before a declaration stops it', async () => {
    const v = await optedIn();
    try {
      await queueBeforeLoad(v.page, ['consent.set', { purposes: { personalization: false } }], ['profile.declare', { likes: ['hiking'] }]);
      await visit(v.page, `${site.url}/index.html`);
      const view = await v.page.evaluate(() => window.tactful.profile.view());
      assert.deepEqual(view.interests.filter((i) => i.kind === 'like'), []);
      assert.ok(v.tactfulMessages().some((m) => /^tactful: queued call "profile\.declare" was refused: .*personalization is off/.test(m.text)));
    } finally {
      await v.close();
    }
  });

  test('a snippet object with a ready of its own is still a queue: the module starts and replays it', async () => {
    const v = await optedIn();
    try {
      await v.page.addInitScript(() => {
        window.tactful = { q: [['track', { type: 'view', interests: ['hiking'] }]], ready: new Promise(() => {}) };
      });
      await v.page.goto(`${site.url}/index.html`);
      await v.page.waitForFunction(() => window.tactful.version);
      assert.deepEqual(await v.page.evaluate(() => window.tactful.ready), { ok: true });
      assert.deepEqual(inferredInterests(await v.page.evaluate(() => window.tactful.profile.view())), ['hiking']);
      assert.deepEqual(v.tactfulMessages(), []);
    } finally {
      await v.close();
    }
  });

  test('a queued entry that throws when read is said and skipped: the module starts and the calls after it run', async () => {
    const v = await optedIn();
    try {
      await v.page.addInitScript(() => {
        window.tactful = [{ get type() { throw new Error('boom'); } }, ['track', { type: 'view', interests: ['hiking'] }]];
      });
      assert.deepEqual(await visit(v.page, `${site.url}/index.html`), { ok: true });
      assert.deepEqual(inferredInterests(await v.page.evaluate(() => window.tactful.profile.view())), ['hiking']);
      assert.ok(v.tactfulMessages().some((m) => m.text === 'tactful: a queued entry could not be read (boom); it was ignored'),
        JSON.stringify(v.tactfulMessages()));
    } finally {
      await v.close();
    }
  });

  test('a queued entry that is no event is reported once ready, to a listener the page added as it loaded', async () => {
    const v = await newVisitor();
    try {
      await queueBeforeLoad(v.page, ['track', 'view'], ['track', { type: 'view', interests: ['hiking'] }]);
      // The page's listener comes after the module was created, before it is ready.
      const release = await createdNotStarted(v.page);
      await v.page.evaluate(() => {
        window.__errors = [];
        document.addEventListener('tactful:error', (e) => window.__errors.push(e.detail.reason));
      });
      release();
      assert.deepEqual(await ready(v.page), { ok: true });
      await v.page.evaluate(() => window.tactful.profile.view());
      assert.deepEqual(await v.page.evaluate(() => window.__errors), ['bad-event']);
    } finally {
      await v.close();
    }
  });

  test('the queue the page made and kept still reaches the module after it runs, as dataLayer does', async () => {
    const v = await optedIn();
    try {
      // A site bundle that holds its queue (const q = window.tactful = window.tactful || []) and pushes to it later.
      await v.page.addInitScript(() => { window.__queue = window.tactful = window.tactful || []; });
      assert.deepEqual(await visit(v.page, `${site.url}/index.html`), { ok: true });
      await v.page.evaluate(() => {
        window.__queue.push(['track', { type: 'view', interests: ['hiking'] }]);
        window.__queue.push(['profile.declar', {}]);
      });
      const view = await v.page.evaluate(() => window.tactful.profile.view());
      assert.deepEqual(inferredInterests(view), ['hiking']);
      assert.ok(v.tactfulMessages().some((m) => m.text.startsWith('tactful: queued call "profile.declar" is not a tactful method')),
        JSON.stringify(v.tactfulMessages()));
    } finally {
      await v.close();
    }
  });

  test('a queued withdrawal applies, and a refused queued declaration is reported, not thrown', async () => {
    const v = await newVisitor();
    try {
      await visit(v.page, `${site.url}/index.html`);
      await grantConsent(v.page, { purposes: { personalization: true } });
      await queueBeforeLoad(v.page,
        ['profile.declare', { location: { country: 'ES' } }],
        ['consent.set', { purposes: { personalization: false } }]);
      assert.deepEqual(await visit(v.page, `${site.url}/index.html`), { ok: true });
      await v.page.waitForTimeout(100);
      assert.equal((await v.page.evaluate(() => window.tactful.consent.get())).purposes.personalization, false);
      assert.deepEqual(await v.page.evaluate(() => window.__pageErrors), []);
      assert.ok(v.tactfulMessages().some((m) => /^tactful: queued call "profile.declare" was refused: .*location/.test(m.text)),
        JSON.stringify(v.tactfulMessages()));
    } finally {
      await v.close();
    }
  });
});

describe('a full storage quota', () => {
  test('compacts, reports it, and never throws into the page', async () => {
    const v = await newVisitor();
    try {
      await visit(v.page, `${site.url}/index.html`);
      await grantConsent(v.page, { purposes: { personalization: true } });
      await visit(v.page, `${site.url}/hiking.html`);
      await v.context.addInitScript(() => {
        window.__errors = [];
        window.__pageErrors = [];
        window.addEventListener('error', (e) => window.__pageErrors.push(String(e.message)));
        window.addEventListener('unhandledrejection', (e) => window.__pageErrors.push(String(e.reason)));
        document.addEventListener('tactful:error', (e) => window.__errors.push(e.detail));
        const put = IDBObjectStore.prototype.put;
        IDBObjectStore.prototype.put = function (value, key) {
          if (String(key).endsWith('profile')) throw new DOMException('the quota is full', 'QuotaExceededError');
          return put.call(this, value, key);
        };
      });
      const before = v.tactfulMessages().length;
      assert.deepEqual(await visit(v.page, `${site.url}/hiking.html`), { ok: true });
      await v.page.evaluate(() => window.tactful.profile.view());
      const errors = await v.page.evaluate(() => window.__errors);
      assert.ok(errors.length >= 1 && errors.every((e) => e.reason === 'quota'), JSON.stringify(errors));
      // However many writes hit the full quota, the console says it once.
      const said = v.tactfulMessages().slice(before);
      assert.equal(said.length, 1, JSON.stringify(said));
      assert.match(said[0].text, /^tactful: storage (is|was) full/);
      assert.deepEqual(await v.page.evaluate(() => window.__pageErrors), []);
      // Consent, kept in its own record, is intact; the page keeps working.
      assert.equal((await v.page.evaluate(() => window.tactful.consent.get())).purposes.personalization, true);
      const { consent } = await openStoredRecords(v.page);
      assert.ok(consent);
    } finally {
      await v.close();
    }
  });
});

describe('a write the browser refuses', () => {
  // A disk error once failed the module after the slots were personalized
  // (ready {ok: false, reason: "internal"}); a bare abort left ready pending for good.
  for (const [what, refuse] of [
    ['a disk error', () => {
      IDBObjectStore.prototype.put = function () { throw new DOMException('disk error', 'UnknownError'); };
    }],
    ['a transaction another script aborts', () => {
      const transaction = IDBDatabase.prototype.transaction;
      IDBDatabase.prototype.transaction = function (stores, mode) {
        const tx = transaction.call(this, stores, mode);
        if (mode === 'readwrite') setTimeout(() => tx.abort());
        return tx;
      };
    }],
  ]) {
    test(`${what} keeps the page working, said once, with what was stored intact`, async () => {
      const v = await newVisitor();
      try {
        await visit(v.page, `${site.url}/index.html`);
        await grantConsent(v.page, { purposes: { personalization: true } });
        const stored = await tactfulStorage(v.page);
        await v.context.addInitScript(refuse);
        const before = v.tactfulMessages().length;
        assert.deepEqual(await visit(v.page, `${site.url}/hiking.html`), { ok: true });
        await v.page.evaluate(() => window.tactful.profile.declare({ likes: ['hiking'] }));
        const said = v.tactfulMessages().slice(before);
        assert.equal(said.length, 1, JSON.stringify(said));
        assert.match(said[0].text, /^tactful: storage could not be written \(.+\): changes are kept for this page only$/);
        assert.equal(said[0].type, 'warning');
        assert.deepEqual(await tactfulStorage(v.page), stored);
      } finally {
        await v.close();
      }
    });
  }
});

// Once, the next transaction's read of storage brought back the stored
// records: a withdrawal the browser could not store was undone by the very
// next call (consent.get() said personalization was on again).
describe('a change the browser cannot store', () => {
  for (const [what, name] of [['a full quota', 'QuotaExceededError'], ['a disk error', 'UnknownError']]) {
    test(`${what}: a withdrawal holds for the rest of the page, through later calls and events`, async () => {
      const v = await newVisitor();
      try {
        await visit(v.page, `${site.url}/index.html`);
        await grantConsent(v.page, { purposes: { personalization: true } });
        await v.context.addInitScript((name) => {
          IDBObjectStore.prototype.put = function () { throw new DOMException('refused', name); };
        }, name);
        const stored = await tactfulStorage(v.page);
        await visit(v.page, `${site.url}/hiking.html`);
        const withdrawn = await v.page.evaluate(() => window.tactful.consent.set({ purposes: { personalization: false } }));
        assert.equal(withdrawn.purposes.personalization, false);
        await v.page.evaluate(() => window.tactful.track({ type: 'view', interests: ['trail-running'] }));
        assert.deepEqual(inferredInterests(await v.page.evaluate(() => window.tactful.profile.view())).sort(), ['hiking', 'outdoor']);
        assert.equal((await v.page.evaluate(() => window.tactful.consent.get())).purposes.personalization, false);
        // What was stored is intact; the withdrawal is spilled beside it, for the other tabs.
        const { 'tactful:v1:withdrawals': spilled, ...rest } = await tactfulStorage(v.page);
        assert.deepEqual(rest, stored);
        assert.deepEqual(JSON.parse(spilled).purposes, { personalization: false });
      } finally {
        await v.close();
      }
    });

    // Once it held in this tab only: a tab open beside it, and every new
    // tab, read the stored consent and went on personalizing.
    test(`${what}: a withdrawal reaches the visitor's other tabs, open and new`, async () => {
      const v = await trailRunner(site);
      try {
        await v.page.evaluate(() => localStorage.setItem('test:refuse', '1'));
        await v.context.addInitScript((name) => {
          const put = IDBObjectStore.prototype.put;
          IDBObjectStore.prototype.put = function (...args) {
            if (localStorage.getItem('test:refuse')) throw new DOMException('refused', name);
            return put.apply(this, args);
          };
        }, name);
        const hero = (page) => page.locator('[data-tactful-slot="hero"]').getAttribute('data-tactful-variant');
        await visit(v.page, `${site.url}/index.html`);
        const open = await v.context.newPage();
        await visit(open, `${site.url}/index.html`);
        assert.equal(await hero(open), 'trail-running');
        await open.evaluate(() => {
          window.__withdrawn = new Promise((resolve) => document.addEventListener('tactful:consent', (e) => {
            if (!e.detail.purposes.personalization) resolve();
          }));
        });
        await grantConsent(v.page, { purposes: { personalization: false } }); // with a gesture: the visitor's
        // Waits as long as a loaded machine may take (20 s at most: a page that never hears it fails below).
        await open.evaluate(() => Promise.race([window.__withdrawn, new Promise((resolve) => setTimeout(resolve, 20000))]));
        const personalizes = (page) => page.evaluate(() => window.tactful.consent.get().then((c) => c.purposes.personalization));
        assert.equal(await personalizes(open), false);
        assert.equal(await hero(open), null);
        const next = await v.context.newPage();
        await visit(next, `${site.url}/index.html`);
        assert.equal(await personalizes(next), false);
        assert.equal(await hero(next), null);
        // Said as the visitor's own choice, once, in the new tab's receipts too.
        const receipts = (await exportOf(next)).receipts.filter((r) => r.reason === '-personalization');
        assert.deepEqual(receipts.map((r) => r.source), ['visitor']);
        // Once a page can store it, the consent record holds it and the spill goes.
        await next.evaluate(() => localStorage.removeItem('test:refuse'));
        await visit(next, `${site.url}/index.html`);
        assert.equal((await tactfulStorage(next))['tactful:v1:withdrawals'], undefined);
        const fresh = await v.context.newPage();
        await visit(fresh, `${site.url}/index.html`);
        assert.equal(await personalizes(fresh), false);
      } finally {
        await v.close();
      }
    });
  }
});

describe('site-level consent settings', () => {
  test('a site directed at children profiles nobody, even after an opt-in', async () => {
    const kidsSite = await startSite({ config: configVariant((c) => { c.site.directedAtChildren = true; }) });
    const v = await newVisitor();
    try {
      await visit(v.page, `${kidsSite.url}/index.html`);
      await grantConsent(v.page, { purposes: { personalization: true } });
      await visit(v.page, `${kidsSite.url}/trail-running.html`);
      await visit(v.page, `${kidsSite.url}/trail-running.html`);
      const exported = await exportOf(v.page);
      assert.deepEqual(exported.profile.interests, []);
      await visit(v.page, `${kidsSite.url}/index.html`);
      assert.equal(await v.page.locator('[data-tactful-slot="hero"]').getAttribute('data-tactful-variant'), null);
    } finally {
      await v.close();
      kidsSite.stop();
    }
  });

  test('a site that turns personalization on by default personalizes without asking', async () => {
    const optOutSite = await startSite({ config: configVariant((c) => { c.consent.personalizationDefault = true; }) });
    const v = await newVisitor();
    try {
      await visit(v.page, `${optOutSite.url}/trail-running.html`);
      const consent = await v.page.evaluate(() => window.tactful.consent.get());
      assert.equal(consent.purposes.personalization, true);
      assert.equal(consent.purposes.aggregate, false);
      await visit(v.page, `${optOutSite.url}/product-ridge-runner.html`);
      await visit(v.page, `${optOutSite.url}/index.html`);
      assert.equal(await v.page.locator('[data-tactful-slot="hero"]').getAttribute('data-tactful-variant'), 'trail-running');
    } finally {
      await v.close();
      optOutSite.stop();
    }
  });
});

describe('retention', () => {
  test('items past their retention are purged while the page stays open', async () => {
    const v = await newVisitor();
    try {
      await v.page.clock.install();
      await visit(v.page, `${site.url}/index.html`);
      await grantConsent(v.page, { purposes: { personalization: true } });
      await visit(v.page, `${site.url}/hiking.html`);
      assert.ok((await exportOf(v.page)).profile.interests.some((i) => i.id === 'interest:hiking'));
      // The demo keeps interests 180 days; the page stays open past that.
      await v.page.clock.fastForward(181 * 24 * 3600 * 1000);
      await v.page.clock.runFor(11 * 60 * 1000);
      await v.page.waitForTimeout(200);
      assert.doesNotMatch(JSON.stringify((await openStoredRecords(v.page)).profile), /hiking/);
    } finally {
      await v.close();
    }
  });
});
