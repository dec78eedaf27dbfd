// The back-forward cache: Back and Forward restore the page the visitor
// left, as it was, when the browser kept it. Every page of an opted-in visit
// writes the visitor's records, and the browser evicts a cached page that
// hears of it (a BroadcastChannel message): the module must not make Back a
// reload, and a restored page must show what the visitor's records say now.
// Playwright turns the cache off by default; these visitors have it on.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OWNER_TOKEN, grantConsent, interestEvidence, newVisitor, openStoredRecords, ready, slowLocks, startSite, trackThenLeave, visit } from './harness.mjs';
import { showings } from './late-slots-helpers.mjs';

const cityWalking = (page) => interestEvidence(page, 'city-walking');
const slotVariant = (page, id) => page.evaluate((s) => document.querySelector(`[data-tactful-slot="${s}"]`).getAttribute('data-tactful-variant'), id);

/** A new visitor whose browser keeps pages in the back-forward cache. */
async function cachingVisitor() {
  const v = await newVisitor({ ignoreDefaultArgs: ['--disable-back-forward-cache'] });
  // Each document's own mark, and whether each showing of it was a restore.
  await v.context.addInitScript(() => {
    window.__document = Math.random();
    window.__restored = [];
    addEventListener('pageshow', (e) => window.__restored.push(e.persisted));
  });
  return v;
}

/** A trail runner on the home page (hero and picks personalized), in a browser that keeps pages in the back-forward cache. */
async function cachingTrailRunner(site) {
  const v = await cachingVisitor();
  await slowLocks(v.context); // inert until a test sets window.__slowLocks
  await visit(v.page, `${site.url}/index.html`);
  await grantConsent(v.page);
  await visit(v.page, `${site.url}/trail-running.html`);
  await visit(v.page, `${site.url}/product-ridge-runner.html`);
  await visit(v.page, `${site.url}/index.html`);
  assert.equal(await slotVariant(v.page, 'picks'), 'trail-running');
  return v;
}

/** Back (a restore fires no load event), then the module's answer on the page shown. */
async function back(page) {
  await page.goBack({ waitUntil: 'commit' });
  await page.waitForFunction(() => window.__restored && window.__restored.length > 0 && document.readyState === 'complete');
  await ready(page);
}

describe('the back-forward cache', () => {
  let site;
  before(async () => { site = await startSite(); });
  after(() => site.stop());

  test('Back restores the page from the cache after the next page stored a view, and counts no second showing', async () => {
    const v = await cachingTrailRunner(site);
    try {
      const home = await v.page.evaluate(() => window.__document);
      const shown = await showings(v.page, 'picks');
      await visit(v.page, `${site.url}/trail-running.html`); // a page view that writes the profile
      await back(v.page);
      assert.deepEqual(await v.page.evaluate(() => [window.__document, window.__restored]), [home, [false, true]]);
      assert.equal(await slotVariant(v.page, 'picks'), 'trail-running');
      assert.equal(await showings(v.page, 'picks'), shown, 'the restored picks were already counted');
    } finally {
      await v.close();
    }
  });

  test('a withdrawal made on the next page applies to the page Back restores', async () => {
    const v = await cachingTrailRunner(site);
    try {
      const home = await v.page.evaluate(() => window.__document);
      await visit(v.page, `${site.url}/city.html`);
      await v.page.evaluate(() => window.tactful.consent.set({ purposes: { personalization: false } }));
      await back(v.page);
      assert.equal(await v.page.evaluate(() => window.__document), home, 'restored, not loaded again');
      await v.page.waitForFunction(() => !document.querySelector('[data-tactful-slot="hero"]').hasAttribute('data-tactful-variant'));
      assert.equal(await slotVariant(v.page, 'picks'), null);
      assert.equal((await v.page.evaluate(() => window.tactful.consent.get())).purposes.personalization, false);
    } finally {
      await v.close();
    }
  });

  // The lock answers late on purpose (slowLocks), so the page is surely left
  // before the change ran; the browser keeps that page in its cache, where
  // nothing of it runs unless the visitor comes back.
  test('a choice made just before following a link is kept, though the page it was made on stays in the cache', async () => {
    const v = await cachingVisitor();
    try {
      await slowLocks(v.context);
      await visit(v.page, `${site.url}/index.html`);
      const home = await v.page.evaluate(() => window.__document);
      await v.page.evaluate(() => { window.__slowLocks = true; });
      await v.page.getByRole('button', { name: 'Yes, personalize' }).click();
      await visit(v.page, `${site.url}/trail-running.html`);
      assert.equal((await v.page.evaluate(() => window.tactful.consent.get())).purposes.personalization, true);
      assert.equal((await openStoredRecords(v.page)).consent.personalization, true);
      await back(v.page);
      assert.equal(await v.page.evaluate(() => window.__document), home, 'restored, not loaded again');
      assert.equal((await v.page.evaluate(() => window.tactful.consent.get())).purposes.personalization, true);
      assert.deepEqual(await v.page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.includes('unsaved'))), []);
    } finally {
      await v.close();
    }
  });

  // Events wait up to 50 ms to be stored together; those still waiting as
  // the page is left are kept for the next page like a choice, with no lock
  // asked for on the way out (a page waiting for one is not cached).
  test('an event tracked just before following a link is counted once, and the page stays in the cache', async () => {
    const v = await cachingVisitor();
    try {
      await visit(v.page, `${site.url}/index.html`);
      await grantConsent(v.page, { purposes: { personalization: true } });
      const home = await v.page.evaluate(() => window.__document);
      const before = await cityWalking(v.page);
      await trackThenLeave(v.page, `${site.url}/privacy.html`, 'city-walking');
      await ready(v.page);
      assert.equal(await cityWalking(v.page), before + 1, 'the next page stored it');
      await back(v.page);
      assert.equal(await v.page.evaluate(() => window.__document), home, 'restored, not loaded again');
      assert.equal(await cityWalking(v.page), before + 1, 'not stored again by the restored page');
    } finally {
      await v.close();
    }
  });

  // A site's analytics often track as the page is hidden; when a link is
  // followed, that comes after pagehide, once the page's state was kept.
  test('an event tracked as the page is hidden by a link leaves the page in the cache, and is stored when Back restores it', async () => {
    const v = await cachingVisitor();
    try {
      await visit(v.page, `${site.url}/index.html`);
      await grantConsent(v.page, { purposes: { personalization: true } });
      const home = await v.page.evaluate(() => window.__document);
      const before = await cityWalking(v.page);
      await Promise.all([
        v.page.waitForURL(`${site.url}/privacy.html`),
        v.page.evaluate(() => {
          document.addEventListener('visibilitychange', () => {
            if (document.visibilityState === 'hidden') window.tactful.track({ type: 'view', interests: ['city-walking'] });
          });
          window.location.href = '/privacy.html';
        }),
      ]);
      await ready(v.page);
      await back(v.page);
      assert.equal(await v.page.evaluate(() => window.__document), home, 'restored, not loaded again');
      assert.equal(await cityWalking(v.page), before + 1);
    } finally {
      await v.close();
    }
  });

  // As above, for a withdrawal: the page's own leaving step must apply it
  // before the waiting report's step sends the report with the page.
  test('withdrawn just before leaving a page the cache keeps, the waiting report does not leave with it', async () => {
    const v = await cachingVisitor();
    const reportsStored = async () => (await (await fetch(`${site.url}/api/insights`, { headers: { Authorization: `Bearer ${OWNER_TOKEN}` } })).json()).total.reports;
    try {
      await slowLocks(v.context);
      await v.context.route('**/tactful.config.json', async (route) => {
        const response = await route.fetch();
        const config = JSON.parse(await response.text());
        config.reporting.sendDelayMs = { min: 20000, max: 20000 };
        await route.fulfill({ response, body: JSON.stringify(config) });
      });
      await visit(v.page, `${site.url}/index.html`);
      const before = await reportsStored();
      await grantConsent(v.page, { purposes: { aggregate: true } });
      assert.equal((await v.page.evaluate(() => window.tactful.flush())).report, true);
      await v.page.evaluate(() => {
        window.__slowLocks = true;
        void window.tactful.consent.set({ purposes: { aggregate: false } });
      });
      await visit(v.page, `${site.url}/trail-running.html`);
      assert.equal((await v.page.evaluate(() => window.tactful.consent.get())).purposes.aggregate, false);
      // The wait in which reports.test.mjs sees a report sent as its page goes stored.
      await new Promise((r) => setTimeout(r, 3000));
      assert.equal(await reportsStored(), before);
    } finally {
      await v.close();
    }
  });

  test('a withdrawal made just before leaving for a page without Tactful is stored by the page Back restores', async () => {
    const v = await cachingTrailRunner(site);
    try {
      const home = await v.page.evaluate(() => window.__document);
      await v.page.evaluate(() => {
        window.__slowLocks = true;
        void window.tactful.consent.set({ purposes: { personalization: false } });
      });
      await v.page.goto(`${site.url}/tactful/tactful.css`); // the same origin, no module to take the change up
      await back(v.page);
      assert.equal(await v.page.evaluate(() => window.__document), home, 'restored, not loaded again');
      assert.equal((await v.page.evaluate(() => window.tactful.consent.get())).purposes.personalization, false);
      assert.equal((await openStoredRecords(v.page)).consent.personalization, false);
      assert.deepEqual(await v.page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.includes('unsaved'))), []);
    } finally {
      await v.close();
    }
  });

  // A new visitor's first choice, kept for a next page that never came: a
  // "Forget me" made meanwhile leaves nothing the restored page could tell
  // it by, so what is stored wins, as for a tab that went elsewhere first.
  test("a first choice left unstored does not come back after a \"Forget me\" made while its page was cached", async () => {
    const v = await cachingVisitor();
    try {
      await slowLocks(v.context);
      await visit(v.page, `${site.url}/index.html`);
      await v.page.evaluate(() => { window.__slowLocks = true; });
      await v.page.getByRole('button', { name: 'Yes, personalize' }).click();
      await v.page.goto(`${site.url}/tactful/tactful.css`);
      const other = await v.context.newPage();
      await visit(other, `${site.url}/index.html`);
      await other.evaluate(() => window.tactful.profile.forget());
      await other.close();
      await back(v.page);
      assert.equal((await v.page.evaluate(() => window.tactful.consent.get())).purposes.personalization, false);
      assert.deepEqual(await openStoredRecords(v.page), { profile: null, consent: null });
    } finally {
      await v.close();
    }
  });
});
