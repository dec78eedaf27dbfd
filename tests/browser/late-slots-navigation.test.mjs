// Client-side navigation (js/navigation.js, Runtime.checkView): each page
// view is decided for its own path and counted as a load counts one, and
// the slots on screen at the URL change keep what they show while the
// route renders, then are decided for the new page view, once. The page's
// timers are held by Playwright's clock where a test acts during that wait.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { grantConsent, newVisitor, openStoredRecords, startSite, trailRunner, visit } from './harness.mjs';
import { pageScript, saleRoutes, showings, slot, spa } from './late-slots-helpers.mjs';

// The decisions the page was told of since `n` of them, as "id:variant".
const decisionsSince = (page, n) => page.evaluate((from) => window.__decisions.slice(from).map((s) => `${s.id}:${s.variant}`), n);
const decisionCount = (page) => page.evaluate(() => window.__decisions.length);

/**
 * A trail runner on the SPA home (hero and picks personalized) whose page
 * timers stand still from now on: `go(path)` changes the URL as a router
 * does and lets the new page view start; its slots then wait until `settle()`.
 */
async function heldNavigation(site) {
  const v = await trailRunner(site);
  await spa(v, site);
  await pageScript(v);
  await v.page.clock.install();
  await visit(v.page, `${site.url}/spa/`);
  assert.equal(await slot(v.page, 'picks').getAttribute('data-tactful-variant'), 'trail-running');
  await v.page.clock.pauseAt(Date.now() + 60_000);
  const errors = [];
  v.page.on('pageerror', (e) => errors.push(e.message));
  return {
    v,
    errors,
    go: async (path) => {
      await v.page.evaluate((p) => history.pushState({}, '', p), path);
      await v.page.clock.runFor(1);
    },
    settle: () => v.page.clock.runFor(1000),
  };
}

describe('slots on screen at a client-side navigation', () => {
  let site;
  before(async () => { site = await startSite(); });
  after(() => site.stop());

  test('two navigations within the wait: the slots are decided once, for the page view they stay in, and count one showing', async () => {
    const { v, errors, go, settle } = await heldNavigation(site);
    try {
      const shown = await showings(v.page, 'picks');
      const n = await decisionCount(v.page);
      await go('/spa/a');
      await go('/spa/b');
      await settle();
      assert.deepEqual((await decisionsSince(v.page, n)).sort(), ['banner:null', 'hero:trail-running', 'picks:trail-running']);
      assert.equal(await showings(v.page, 'picks'), shown + 1);
      assert.equal((await v.page.evaluate(() => window.tactful.explain('picks'))).variant, 'trail-running');
      assert.deepEqual(errors, []);
    } finally {
      await v.close();
    }
  });

  test('a slot the router moves during the wait keeps its element and is decided once for the new page view', async () => {
    const { v, errors, go, settle } = await heldNavigation(site);
    try {
      const n = await decisionCount(v.page);
      await go('/spa/shop');
      await v.page.evaluate(() => {
        const picks = document.querySelector('[data-tactful-slot="picks"]');
        picks.__ours = true;
        document.body.append(picks);
      });
      await settle();
      assert.equal(await slot(v.page, 'picks').count(), 1);
      assert.equal(await v.page.evaluate(() => document.querySelector('[data-tactful-slot="picks"]').__ours), true);
      assert.equal(await slot(v.page, 'picks').getAttribute('data-tactful-variant'), 'trail-running');
      assert.deepEqual((await decisionsSince(v.page, n)).filter((d) => d.startsWith('picks:')), ['picks:trail-running']);
      assert.deepEqual(errors, []);
    } finally {
      await v.close();
    }
  });

  test('the old route\'s copy of a slot the new route renders again shows its own content once the wait ends, the new one its variant', async () => {
    const { v, errors, settle } = await heldNavigation(site);
    try {
      // The new route renders its picks in the task of the URL change; the
      // old picks stays on the page (an exit transition longer than the wait).
      await v.page.evaluate(() => {
        document.querySelector('[data-tactful-slot="picks"]').id = 'leaving';
        history.pushState({}, '', '/spa/shop');
        window.__render('picks');
      });
      await v.page.waitForSelector('main > [data-tactful-slot="picks"]:not(#leaving)[data-tactful-decided]');
      await settle();
      const fresh = v.page.locator('[data-tactful-slot="picks"]:not(#leaving)');
      assert.equal(await fresh.getAttribute('data-tactful-variant'), 'trail-running');
      assert.equal(await v.page.locator('#leaving').getAttribute('data-tactful-variant'), null);
      assert.equal(await v.page.locator('#leaving .tactful-content').count(), 0);
      assert.equal((await v.page.evaluate(() => window.tactful.explain('picks'))).variant, 'trail-running');
      assert.deepEqual(errors, []);
    } finally {
      await v.close();
    }
  });

  test('during the wait, explain(), "Why this?" and "Not now" on a carried slot answer for the new page view', async () => {
    const { v, errors, go } = await heldNavigation(site);
    try {
      await go('/spa/shop');
      assert.equal((await v.page.evaluate(() => window.tactful.explain('picks'))).variant, 'trail-running');
      await v.page.locator('[data-tactful-slot="hero"] tactful-why button').click();
      const pop = v.page.locator('tactful-popover .pop');
      await pop.waitFor();
      assert.match(await pop.textContent(), /trail running/i);
      await v.page.keyboard.press('Escape');
      await v.page.evaluate(() => window.tactful.notNow('hero'));
      assert.equal(await slot(v.page, 'hero').getAttribute('data-tactful-decided'), 'default');
      assert.equal((await v.page.evaluate(() => window.tactful.explain('hero'))).reason, 'not-now');
      assert.deepEqual(errors, []);
    } finally {
      await v.close();
    }
  });
});

describe('back and forward across routes', () => {
  test('each page view is decided for its own path, never first for the path it leaves', async () => {
    const { site, v } = await saleRoutes('/spa/b');
    try {
      await visit(v.page, `${site.url}/spa/a`);
      await grantConsent(v.page, { purposes: { personalization: true } });
      // One step: the banner decisions it brings, once the route's banner is decided.
      const step = async (move, path) => {
        const n = await decisionCount(v.page);
        await move();
        await v.page.waitForFunction((from) => window.__decisions.slice(from).some((s) => s.id === 'banner'), n);
        assert.equal(await v.page.evaluate(() => location.pathname), path);
        return (await decisionsSince(v.page, n)).filter((d) => d.startsWith('banner:'));
      };
      const push = (path) => () => v.page.evaluate((p) => { history.pushState({}, '', p); window.__route(); }, path);
      assert.deepEqual(await step(push('/spa/b'), '/spa/b'), ['banner:sale']);
      assert.deepEqual(await step(push('/spa/c'), '/spa/c'), ['banner:null']);
      assert.deepEqual(await step(() => v.page.goBack(), '/spa/b'), ['banner:sale']);
      assert.deepEqual(await step(() => v.page.goBack(), '/spa/a'), ['banner:null']);
      assert.deepEqual(await step(() => v.page.goForward(), '/spa/b'), ['banner:sale']);
      assert.equal(await slot(v.page, 'banner').textContent(), 'Trail sale this week');
    } finally {
      await v.close();
      site.stop();
    }
  });
});

describe('a client-side navigation is a page view', () => {
  // Where the browser has no Navigation API, history's methods are wrapped and popstate heard instead.
  for (const [name, withoutNavigationApi] of [
    ['each new path counts one page view in the stored reporting window, as a load does; a change of the query or hash alone counts none', false],
    ['without the Navigation API too, each new path counts one page view, a change of the query or hash alone none', true],
  ]) test(name, async () => {
    const site = await startSite();
    const v = await newVisitor();
    try {
      if (withoutNavigationApi) await v.page.addInitScript(() => { delete Window.prototype.navigation; delete window.navigation; });
      await spa(v, site);
      await visit(v.page, `${site.url}/spa/`);
      assert.equal(await v.page.evaluate(() => 'navigation' in window), !withoutNavigationApi);
      await grantConsent(v.page, { purposes: { personalization: true, aggregate: true } });
      // The page views the visitor's stored window holds (its sealed profile
      // record, opened with the native CLI), once they reach `expected`.
      const stored = async () => (await openStoredRecords(v.page)).profile?.window?.pageViews ?? 0;
      const reaches = async (expected) => {
        let n;
        for (let i = 0; i < 100 && (n = await stored()) < expected; i++) await new Promise((r) => setTimeout(r, 50));
        assert.equal(n, expected);
      };
      const push = (url) => v.page.evaluate((u) => history.pushState({}, '', u), url);
      await visit(v.page, `${site.url}/spa/`); // a load, counted now that aggregate is on
      const base = await stored();
      assert.ok(base >= 1, `a load with aggregate on counts a page view (stored ${base})`);
      await push('/spa/shop');
      await reaches(base + 1);
      // The same page view: only the query, then only the hash, changes.
      await push('/spa/shop?color=red');
      await v.page.evaluate(() => { location.hash = '#reviews'; });
      await push('/spa/trail');
      await reaches(base + 2); // not base + 4
      await v.page.goBack(); // popstate to /spa/shop#reviews: a new path again
      await v.page.waitForFunction(() => location.pathname === '/spa/shop');
      await reaches(base + 3);
      // Without aggregate no page is counted, a load or a navigation.
      await v.page.evaluate(() => window.tactful.consent.set({ purposes: { aggregate: false } }));
      await push('/spa/hiking');
      await visit(v.page, `${site.url}/spa/city`);
      await v.page.evaluate(() => window.tactful.profile.view()); // after the load's own first transaction
      assert.equal(await stored(), 0, 'withdrawing aggregate drops the window, and nothing is counted after');
    } finally {
      await v.close();
      site.stop();
    }
  });
});
