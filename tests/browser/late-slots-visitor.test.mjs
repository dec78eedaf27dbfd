// The visitor's own choices reach slots added after the first decision and
// slots carried through a client-side navigation as they reach the first
// slots: a withdrawal, "Not now", and the holdout.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { configVariant, grantConsent, startSite, trailRunner, visit } from './harness.mjs';
import { decided, pageScript, slot, spa } from './late-slots-helpers.mjs';

// What each slot on the page shows: its variant's id, or null for its own content.
const variants = (page) => page.evaluate(() => Object.fromEntries([...document.querySelectorAll('[data-tactful-slot]')]
  .map((el) => [el.getAttribute('data-tactful-slot'), el.getAttribute('data-tactful-variant')])));

// The SPA home, its picks rendered by page script after the first decision.
async function latePicks(v, site) {
  await spa(v, site, { remove: ['picks'] });
  await pageScript(v);
  await visit(v.page, `${site.url}/spa/`);
  await v.page.evaluate(() => window.__render('picks'));
  await decided(v.page, 'picks');
}

// The page's timers stop, and the URL changes as a router changes it: the
// new page view starts, and the slots on screen all wait for the route.
async function navigateHeld(page) {
  await page.clock.pauseAt(Date.now() + 60_000);
  await page.evaluate(() => history.pushState({}, '', '/spa/shop'));
  await page.clock.runFor(1);
}

describe('the visitor\'s choices on slots added later', () => {
  let site;
  before(async () => { site = await startSite(); });
  after(() => site.stop());

  test('withdrawing personalization shows every default at once, also of a slot added later and of slots carried through a navigation; granting brings the variants back', async () => {
    const v = await trailRunner(site);
    try {
      await v.page.clock.install();
      await latePicks(v, site);
      assert.deepEqual(await variants(v.page), { picks: 'trail-running', banner: null, hero: 'trail-running' });
      await navigateHeld(v.page);
      await v.page.evaluate(() => window.tactful.consent.set({ purposes: { personalization: false } }));
      assert.deepEqual(await variants(v.page), { picks: null, banner: null, hero: null });
      assert.equal(await v.page.locator('.tactful-content').count(), 0);
      await grantConsent(v.page, { purposes: { personalization: true } });
      assert.deepEqual(await variants(v.page), { picks: 'trail-running', banner: null, hero: 'trail-running' });
      await v.page.clock.runFor(1000); // the wait ends: nothing changes
      assert.deepEqual(await variants(v.page), { picks: 'trail-running', banner: null, hero: 'trail-running' });
    } finally {
      await v.close();
    }
  });

  test('a withdrawal in another tab during the wait shows every default at once in this one, carried slots too', async () => {
    const v = await trailRunner(site);
    try {
      await v.page.clock.install();
      await latePicks(v, site);
      await navigateHeld(v.page);
      const other = await v.context.newPage();
      await visit(other, `${site.url}/index.html`);
      await other.evaluate(() => window.tactful.consent.set({ purposes: { personalization: false } }));
      // This tab hears of it with its timers still held: polled from here, not by a page timer.
      let shown;
      for (let i = 0; i < 100; i++) {
        shown = await variants(v.page);
        if (Object.values(shown).every((x) => x === null)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual(shown, { picks: null, banner: null, hero: null });
    } finally {
      await v.close();
    }
  });

  test('"Not now" on a slot added later shows its default at once, is kept, and holds when the component renders the slot again', async () => {
    const v = await trailRunner(site);
    try {
      await latePicks(v, site);
      assert.equal(await slot(v.page, 'picks').getAttribute('data-tactful-variant'), 'trail-running');
      await v.page.evaluate(() => window.tactful.notNow('picks'));
      assert.equal(await slot(v.page, 'picks').getAttribute('data-tactful-decided'), 'default');
      assert.equal(await slot(v.page, 'picks').textContent(), 'Our own content');
      assert.equal((await v.page.evaluate(() => window.tactful.explain('picks'))).reason, 'not-now');
      const kept = await v.page.evaluate(() => window.tactful.profile.export());
      assert.deepEqual(kept.decisions.notNow.map((n) => n.slot), ['picks']);
      // The component renders again: a new element, the same "not now".
      await v.page.evaluate(() => { document.querySelector('[data-tactful-slot="picks"]').remove(); window.__render('picks'); });
      await decided(v.page, 'picks');
      assert.equal(await slot(v.page, 'picks').getAttribute('data-tactful-decided'), 'default');
      assert.equal(await slot(v.page, 'picks').textContent(), 'Our own content');
    } finally {
      await v.close();
    }
  });
});

describe('a visitor in the holdout', () => {
  test('gets the defaults of slots added later and of a route\'s slots, for the holdout\'s reason', async () => {
    const site = await startSite({ config: configVariant((c) => { c.holdout = 1; }) });
    const v = await trailRunner(site);
    try {
      await latePicks(v, site);
      // The route renders its own hero in the task of the URL change.
      await v.page.evaluate(() => {
        history.pushState({}, '', '/spa/trail');
        document.querySelector('[data-tactful-slot="hero"]').remove();
        window.__render('hero');
      });
      await decided(v.page, 'hero');
      assert.deepEqual(await variants(v.page), { hero: null, picks: null, banner: null });
      for (const id of ['hero', 'picks']) {
        assert.equal(await slot(v.page, id).textContent(), 'Our own content');
        assert.equal((await v.page.evaluate((s) => window.tactful.explain(s), id)).reason, 'holdout');
      }
    } finally {
      await v.close();
      site.stop();
    }
  });
});
