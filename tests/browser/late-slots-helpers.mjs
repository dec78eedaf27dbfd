// Shared by the late-slot suites (late-slots*.test.mjs): a single-page app
// built from the demo home, page script that renders slots later, and the
// visitors and checks those tests use.
import assert from 'node:assert/strict';
import { configVariant, newVisitor, startSite, trailRunner, visit } from './harness.mjs';

export const slot = (page, id) => page.locator(`[data-tactful-slot="${id}"]`);

// The demo home without the markup of `remove` (slot ids), served as a
// single-page app: every path under /spa/ is that one document.
export async function spa(v, site, { remove = [], replace = {} } = {}) {
  await v.context.route((url) => url.pathname.startsWith('/spa/'), async (route) => {
    let html = await (await route.fetch({ url: `${site.url}/index.html` })).text();
    for (const id of remove) html = html.replace(new RegExp(`<(section|aside) class="\\w+" data-tactful-slot="${id}"[\\s\\S]*?</\\1>`), '');
    for (const [from, to] of Object.entries(replace)) html = html.replace(from, to);
    await route.fulfill({ contentType: 'text/html', body: html });
  });
}

// Page script (an init script: it runs in the page as the site's own would):
// window.__render(id, html) puts a slot at the top of <main>, as a component
// rendering later does, and every tactful:decision is kept in window.__decisions.
export function pageScript(v) {
  return v.page.addInitScript(() => {
    window.__decisions = [];
    document.addEventListener('tactful:decision', (e) => window.__decisions.push(...e.detail.slots));
    window.__render = (id, text = 'Our own content') => {
      const el = document.createElement('section');
      el.setAttribute('data-tactful-slot', id);
      el.textContent = text;
      document.querySelector('main').prepend(el);
      return el;
    };
  });
}

export const decided = (page, id) => page.waitForSelector(`[data-tactful-slot="${id}"][data-tactful-decided]`);

// What the visitor's export says was shown of `id` (capped variants only), in all.
export async function showings(page, id) {
  const out = await page.evaluate(() => window.tactful.profile.export());
  return out.decisions.shown.filter((s) => s.slot === id).reduce((n, s) => n + s.count, 0);
}

// A site whose pages personalize one slot, and a trail runner on its SPA
// home without the hero: picks shows its variant.
export async function budgetOfOne() {
  const site = await startSite({ config: configVariant((c) => { c.page.maxPersonalizedSlots = 1; }) });
  const v = await trailRunner(site);
  try {
    await spa(v, site, { remove: ['hero'] });
    await pageScript(v);
    await visit(v.page, `${site.url}/spa/`);
    assert.equal(await slot(v.page, 'picks').getAttribute('data-tactful-variant'), 'trail-running');
    return { site, v };
  } catch (e) {
    await v.close();
    site.stop();
    throw e;
  }
}

/**
 * A site whose banner has the variant "sale" on `path` only, and a new
 * visitor on its SPA with page script and a router: window.__route()
 * renders the current path's banner (none on /spa/), at load and on back
 * and forward too.
 */
export async function saleRoutes(path) {
  const site = await startSite({
    config: configVariant((c) => {
      c.slots.find((s) => s.id === 'banner').variants.unshift({
        id: 'sale', condition: { 'page.path': path }, content: { text: 'Trail sale this week' },
      });
    }),
  });
  const v = await newVisitor();
  try {
    await spa(v, site, { remove: ['banner'] });
    await pageScript(v);
    await v.page.addInitScript(() => {
      window.__route = () => {
        const old = document.querySelector('[data-tactful-slot="banner"]');
        if (old) old.remove();
        if (location.pathname !== '/spa/') window.__render('banner');
      };
      window.addEventListener('popstate', window.__route);
      window.addEventListener('DOMContentLoaded', window.__route);
    });
    return { site, v };
  } catch (e) {
    await v.close();
    site.stop();
    throw e;
  }
}
