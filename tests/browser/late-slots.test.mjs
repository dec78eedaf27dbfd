// Slots that appear after the first decision: rendered later by page script
// or a framework, by a client-side router, or inside a component's shadow
// root. They are decided with the page's current state, within what the
// earlier slots left of the page's budget, and nothing already shown changes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { configVariant, grantConsent, newVisitor, startSite, trailRunner, visit } from './harness.mjs';
import { budgetOfOne, decided, pageScript, saleRoutes, showings, slot, spa } from './late-slots-helpers.mjs';

describe('slots added after the first decision, with the demo config', () => {
  let site;
  before(async () => { site = await startSite(); });
  after(() => site.stop());

  test('a slot page script inserts 300 ms after load is personalized for a visitor it matches, default for one it does not', async () => {
    for (const matching of [true, false]) {
      const v = matching ? await trailRunner(site) : await newVisitor();
      try {
        await spa(v, site, { remove: ['picks'] });
        await pageScript(v);
        // The page's timers wait for the test's clock: the slot comes when it runs 300 ms.
        const start = Date.now();
        await v.page.clock.install({ time: start });
        await v.page.clock.pauseAt(start + 1000);
        await v.page.addInitScript(() => {
          window.addEventListener('load', () => setTimeout(() => window.__render('picks'), 300));
        });
        await visit(v.page, `${site.url}/spa/`);
        assert.equal(await slot(v.page, 'picks').count(), 0);
        await v.page.clock.runFor(300);
        await decided(v.page, 'picks');
        const variant = await slot(v.page, 'picks').getAttribute('data-tactful-variant');
        assert.equal(variant, matching ? 'trail-running' : null);
        assert.equal(await slot(v.page, 'picks').getAttribute('data-tactful-decided'), matching ? 'personalized' : 'default');
        if (!matching) assert.equal(await slot(v.page, 'picks').textContent(), 'Our own content');
        // As the first slots are: the decision event, explain(), clicks.
        const events = await v.page.evaluate(() => window.__decisions.filter((s) => s.id === 'picks'));
        assert.deepEqual(events, [{ id: 'picks', variant, late: false }]);
        const why = await v.page.evaluate(() => window.tactful.explain('picks'));
        assert.equal(why.variant, variant);
        if (matching) {
          assert.equal(await showings(v.page, 'picks'), 1);
          assert.equal(await v.page.locator('[data-tactful-slot="picks"] tactful-why').count(), 1);
        }
      } finally {
        await v.close();
      }
    }
  });

  test('slots a framework renders or replaces while the module reads the visitor\'s records are decided with the first ones', async () => {
    const v = await trailRunner(site);
    try {
      // Markup the module refuses, found by both its looks at the page: said once.
      await spa(v, site, { remove: ['picks'], replace: { '</main>': '<div data-tactful-slot></div></main>' } });
      await pageScript(v);
      await v.page.addInitScript(() => {
        window.__markupErrors = [];
        document.addEventListener('tactful:error', (e) => e.detail.reason === 'slot-markup' && window.__markupErrors.push(e.detail.message));
        // The records are read only once the framework has rendered: after the
        // module found the page's slots (its "dom" mark), before it decides them.
        let release;
        const held = new Promise((r) => { release = r; });
        const open = IDBFactory.prototype.open;
        IDBFactory.prototype.open = function (...args) {
          const request = open.apply(this, args);
          for (const name of ['onsuccess', 'onerror']) {
            const own = Object.getOwnPropertyDescriptor(IDBRequest.prototype, name);
            Object.defineProperty(request, name, { get: () => own.get.call(request), set: (fn) => own.set.call(request, (e) => held.then(() => fn(e))) });
          }
          return request;
        };
        new PerformanceObserver((list) => {
          if (!list.getEntries().some((e) => e.name === 'tactful:dom')) return;
          const hero = document.querySelector('[data-tactful-slot="hero"]');
          hero.replaceWith(hero.cloneNode(true));
          window.__render('picks');
          release();
        }).observe({ type: 'mark' });
      });
      await visit(v.page, `${site.url}/spa/`);
      for (const id of ['hero', 'picks']) {
        assert.equal(await slot(v.page, id).getAttribute('data-tactful-decided'), 'personalized', id);
        assert.equal(await slot(v.page, id).getAttribute('data-tactful-variant'), 'trail-running', id);
      }
      const events = await v.page.evaluate(() => window.__decisions.map((s) => s.id).sort());
      assert.deepEqual(events, ['banner', 'hero', 'picks']);
      assert.equal((await v.page.evaluate(() => window.tactful.explain('picks'))).variant, 'trail-running');
      const said = v.tactfulMessages().filter((m) => m.text.includes('data-tactful-slot without an id'));
      assert.equal(said.length, 1, JSON.stringify(said));
      assert.deepEqual(await v.page.evaluate(() => window.__markupErrors), [said[0].text.replace(/^tactful: /, '')]);
    } finally {
      await v.close();
    }
  });

  test('a slot inside a component added later, and an element a script makes a slot, are decided', async () => {
    const v = await trailRunner(site);
    try {
      await spa(v, site, { remove: ['picks', 'hero'] });
      await visit(v.page, `${site.url}/spa/`);
      // A component whose root is not the slot: the slot is one of its descendants.
      await v.page.evaluate(() => {
        const component = document.createElement('div');
        component.innerHTML = '<div class="card"><section data-tactful-slot="picks">Our own content</section></div>';
        document.querySelector('main').prepend(component);
      });
      await decided(v.page, 'picks');
      assert.equal(await slot(v.page, 'picks').getAttribute('data-tactful-variant'), 'trail-running');
      // An element already on the page that a script marks as a slot.
      await v.page.evaluate(() => {
        const el = document.createElement('section');
        el.textContent = 'Our own content';
        document.querySelector('main').prepend(el);
        return new Promise((r) => setTimeout(r)).then(() => el.setAttribute('data-tactful-slot', 'hero'));
      });
      await decided(v.page, 'hero');
      assert.equal(await slot(v.page, 'hero').getAttribute('data-tactful-variant'), 'trail-running');
    } finally {
      await v.close();
    }
  });

  test('a slot removed and added again shows the same variant, and counts one showing', async () => {
    const v = await trailRunner(site);
    try {
      await pageScript(v);
      await visit(v.page, `${site.url}/index.html`);
      assert.equal(await slot(v.page, 'picks').getAttribute('data-tactful-variant'), 'trail-running');
      const before = await showings(v.page, 'picks');
      // A router rendering the component again: a new element, in one task, then in two.
      await v.page.evaluate(() => {
        const old = document.querySelector('[data-tactful-slot="picks"]');
        const copy = document.createElement('section');
        copy.setAttribute('data-tactful-slot', 'picks');
        copy.textContent = 'Our own content';
        old.replaceWith(copy);
      });
      await decided(v.page, 'picks');
      await v.page.evaluate(() => document.querySelector('[data-tactful-slot="picks"]').remove());
      await v.page.evaluate(() => window.__render('picks'));
      await decided(v.page, 'picks');
      assert.equal(await slot(v.page, 'picks').getAttribute('data-tactful-variant'), 'trail-running');
      assert.equal(await slot(v.page, 'picks').count(), 1);
      const events = await v.page.evaluate(() => window.__decisions.filter((s) => s.id === 'picks').map((s) => s.variant));
      assert.deepEqual(events, ['trail-running', 'trail-running', 'trail-running']);
      assert.equal(await showings(v.page, 'picks'), before);
      assert.equal(before >= 1, true);
    } finally {
      await v.close();
    }
  });

  test('a client-side navigation to a path too long for conditions keeps its slots on their defaults, and says so', async () => {
    const v = await trailRunner(site);
    try {
      await spa(v, site, { remove: ['picks', 'hero'] });
      await pageScript(v);
      await v.page.addInitScript(() => {
        window.__errors = [];
        document.addEventListener('tactful:error', (e) => window.__errors.push(e.detail.reason));
      });
      await visit(v.page, `${site.url}/spa/`);
      await v.page.evaluate(() => { history.pushState({}, '', `/spa/${'a'.repeat(2048)}`); window.__render('picks'); });
      await decided(v.page, 'picks');
      assert.equal(await slot(v.page, 'picks').getAttribute('data-tactful-decided'), 'default');
      await v.page.evaluate(() => window.__render('hero'));  // later in that page view
      await decided(v.page, 'hero');
      assert.equal(await slot(v.page, 'hero').getAttribute('data-tactful-decided'), 'default');
      assert.deepEqual(await v.page.evaluate(() => window.__errors), ['page-unsupported']);
    } finally {
      await v.close();
    }
  });

  test('a navigation to a path too long for conditions takes a variant the page showed back to its default', async () => {
    const v = await trailRunner(site);
    try {
      await spa(v, site);
      await visit(v.page, `${site.url}/spa/`);
      assert.equal(await slot(v.page, 'picks').getAttribute('data-tactful-variant'), 'trail-running');
      assert.equal(await v.page.locator('[data-tactful-slot="picks"] tactful-why').count(), 1);
      await v.page.evaluate(() => history.pushState({}, '', `/spa/${'a'.repeat(2048)}`));
      await v.page.waitForSelector('[data-tactful-slot="picks"][data-tactful-decided="default"]');
      assert.equal(await slot(v.page, 'picks').getAttribute('data-tactful-variant'), null);
      assert.equal(await v.page.locator('[data-tactful-slot="picks"] tactful-why').count(), 0);
      assert.equal(await slot(v.page, 'hero').getAttribute('data-tactful-variant'), null);
      assert.equal(await slot(v.page, 'hero').textContent().then((t) => /Ready for your next trail run/.test(t)), false);
    } finally {
      await v.close();
    }
  });

  test('a slot inside a shadow root handed to tactful.observe() is personalized', async () => {
    const v = await trailRunner(site);
    try {
      await spa(v, site, { remove: ['picks'], replace: { '<main id="main">': '<main id="main"><trail-picks></trail-picks>' } });
      await v.page.addInitScript(() => {
        // A component with its own shadow root, handed to Tactful as it
        // connects: before the module has loaded, so the call is queued.
        customElements.define('trail-picks', class extends HTMLElement {
          connectedCallback() {
            const root = this.attachShadow({ mode: 'open' });
            root.innerHTML = '<link rel="stylesheet" href="/tactful/tactful.css"><section data-tactful-slot="picks">Our own content</section>';
            (window.tactful = window.tactful || []).push(['observe', root]);
          }
        });
      });
      await visit(v.page, `${site.url}/spa/`);
      const inShadow = v.page.locator('trail-picks [data-tactful-slot="picks"]');
      await inShadow.and(v.page.locator('[data-tactful-decided]')).waitFor();
      assert.equal(await inShadow.getAttribute('data-tactful-variant'), 'trail-running');
      assert.equal((await v.page.evaluate(() => window.tactful.explain('picks'))).variant, 'trail-running');
      const observeAgain = await v.page.evaluate(() => window.tactful.observe(document.body).catch((e) => e.message));
      assert.match(observeAgain, /^tactful: observe: expects a shadow root/);
    } finally {
      await v.close();
    }
  });
});

describe('slots added after the first decision, with configs that test the rules', () => {
  test('a router that renders the new route a task later: the old route\'s slots take none of its budget and count no showing', async () => {
    const { site, v } = await budgetOfOne();
    try {
      const before = await showings(v.page, 'picks');
      const seen = await v.page.evaluate(() => window.__decisions.length);
      // The URL first; the route (hero in place of picks) after its data came.
      await v.page.evaluate(() => {
        history.pushState({}, '', '/spa/shop');
        setTimeout(() => {
          document.querySelector('[data-tactful-slot="picks"]').remove();
          window.__render('hero');
        }, 100);
      });
      await decided(v.page, 'hero');
      assert.equal(await slot(v.page, 'hero').getAttribute('data-tactful-variant'), 'trail-running');
      assert.equal(await showings(v.page, 'picks'), before);
      // The banner stayed through the navigation: decided for the new page
      // view once the route had rendered, with what the hero left (nothing).
      await v.page.waitForFunction((n) => window.__decisions.slice(n).some((s) => s.id === 'banner'), seen);
      assert.equal((await v.page.evaluate(() => window.tactful.explain('banner'))).reason, 'budget');
      const decisions = await v.page.evaluate((n) => window.__decisions.slice(n).map((s) => s.id), seen);
      assert.deepEqual(decisions, ['hero', 'banner']);
    } finally {
      await v.close();
      site.stop();
    }
  });

  test('the budget is shared: a later slot gets only what the first decision left, and the earlier slots never change', async () => {
    const { site, v } = await budgetOfOne();
    try {
      await v.page.evaluate(() => {
        // Every change to the slots already shown, from here on (the
        // "Why this?" button's own placement aside).
        window.__changed = [];
        const ours = (n) => n.nodeType === 1 && n.localName === 'tactful-why';
        new MutationObserver((records) => {
          for (const r of records) {
            const target = r.target.nodeType === 1 ? r.target : r.target.parentElement;
            if (target.closest('tactful-why')) continue;
            if (r.type === 'childList' && [...r.addedNodes, ...r.removedNodes].every(ours)) continue;
            // An attribute set again to the value it had changes nothing on screen.
            if (r.type === 'attributes' && r.oldValue === target.getAttribute(r.attributeName)) continue;
            window.__changed.push(`${r.type} ${r.attributeName || ''} on ${target.localName}`);
          }
        }).observe(document.querySelector('[data-tactful-slot="picks"]'), { subtree: true, childList: true, attributes: true, attributeOldValue: true, characterData: true });
      });
      // hero comes first in the config, and matches; picks is on screen already.
      await v.page.evaluate(() => window.__render('hero'));
      await decided(v.page, 'hero');
      assert.equal(await slot(v.page, 'hero').getAttribute('data-tactful-decided'), 'default');
      assert.equal(await slot(v.page, 'hero').textContent(), 'Our own content');
      assert.equal((await v.page.evaluate(() => window.tactful.explain('hero'))).reason, 'budget');
      // The visitor changes something: the page is decided again, in the same order.
      await grantConsent(v.page, { purposes: { personalization: true } });
      assert.equal(await slot(v.page, 'hero').getAttribute('data-tactful-decided'), 'default');
      assert.equal(await slot(v.page, 'picks').getAttribute('data-tactful-variant'), 'trail-running');
      assert.deepEqual(await v.page.evaluate(() => window.__changed), []);
    } finally {
      await v.close();
      site.stop();
    }
  });

  test('a client-side navigation is a new page view: a rule on the new path applies, and back works', async () => {
    const { site, v } = await saleRoutes('/spa/sale');
    try {
      await visit(v.page, `${site.url}/spa/`);
      await grantConsent(v.page, { purposes: { personalization: true } });
      const go = (path) => v.page.evaluate((p) => { history.pushState({}, '', p); window.__route(); }, path);

      await go('/spa/sale');
      await decided(v.page, 'banner');
      assert.equal(await slot(v.page, 'banner').getAttribute('data-tactful-variant'), 'sale');
      assert.equal(await slot(v.page, 'banner').textContent(), 'Trail sale this week');
      assert.deepEqual((await v.page.evaluate(() => window.tactful.explain('banner'))).used.map((u) => u.path), ['page.path']);

      await go('/spa/other');
      await decided(v.page, 'banner');
      assert.equal(await slot(v.page, 'banner').getAttribute('data-tactful-decided'), 'default');

      const seen = await v.page.evaluate(() => window.__decisions.length);
      await v.page.goBack();  // popstate: the router renders /spa/sale again
      await v.page.waitForURL('**/spa/sale');
      await decided(v.page, 'banner');
      assert.equal(await slot(v.page, 'banner').getAttribute('data-tactful-variant'), 'sale');
      // Decided once, for the new path: never first for the path it left.
      const banner = await v.page.evaluate((n) => window.__decisions.slice(n).filter((s) => s.id === 'banner'), seen);
      assert.deepEqual(banner, [{ id: 'banner', variant: 'sale', late: false }]);
      // replaceState of the same path with a new query is the same page view.
      const before = await v.page.evaluate(() => window.__decisions.length);
      await v.page.evaluate(() => history.replaceState({}, '', '/spa/sale?tab=2'));
      await v.page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
      assert.equal(await v.page.evaluate(() => window.__decisions.length), before);
    } finally {
      await v.close();
      site.stop();
    }
  });

  test('a profile value containing markup renders as text in a slot added later', async () => {
    const config = configVariant((c) => {
      c.taxonomy.find((t) => t.id === 'trail-running').label = { en: 'trail <img src=x id=injected> running' };
    });
    const site = await startSite({ config });
    const v = await trailRunner(site);
    try {
      await spa(v, site, { remove: ['hero'] });
      await pageScript(v);
      await visit(v.page, `${site.url}/spa/`);
      await v.page.evaluate(() => window.__render('hero'));
      await decided(v.page, 'hero');
      assert.equal(await slot(v.page, 'hero').getAttribute('data-tactful-variant'), 'trail-running');
      assert.match(await slot(v.page, 'hero').textContent(), /<img src=x id=injected>/);
      assert.equal(await v.page.locator('#injected').count(), 0);
    } finally {
      await v.close();
      site.stop();
    }
  });
});
