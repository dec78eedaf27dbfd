// Decisions on the page (issue 4): text-only fills, guardrails at load,
// frequency caps across reloads, explanations, no layout shift, the deadline.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decisions, useConfig } from '../../package/testing.mjs';
import { configVariant, delayConfig, grantConsent, newVisitor, ready, startSite, trailRunner, visit } from './harness.mjs';

const hero = (page) => page.locator('[data-tactful-slot="hero"]');

/**
 * Serves the home page with `html` inserted before its first template (or
 * `at` its start, inside: `at: 'inside'`), and records every tactful:error
 * in window.__errors.
 */
async function homeWith(v, html, { at = 'before' } = {}) {
  const template = '<template id="hero-trail-running">';
  await v.context.route('**/index.html', async (route) => {
    const page = await (await route.fetch()).text();
    await route.fulfill({
      contentType: 'text/html',
      body: page.replace(template, at === 'inside' ? `${template}${html}` : `${html}${template}`),
    });
  });
  await v.page.addInitScript(() => {
    window.__errors = [];
    document.addEventListener('tactful:error', (e) => window.__errors.push(e.detail));
  });
}

// Adds up the page's layout shifts (not after input) in window.__shift.
function watchShift(page) {
  return page.addInitScript(() => {
    window.__shift = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shift += e.value;
    }).observe({ type: 'layout-shift', buffered: true });
  });
}

describe('with the demo config', () => {
  let site;
  before(async () => { site = await startSite(); });
  after(() => site.stop());

  test('explain() matches what was shown, with the items behind it', async () => {
    const v = await trailRunner(site);
    try {
      await visit(v.page, `${site.url}/index.html`);
      // Every slot as the page shows it, with its explanation (tactful/testing).
      const slots = await decisions(v.page);
      assert.deepEqual(slots.map((s) => s.id), ['banner', 'hero', 'picks']);
      for (const s of slots) assert.equal(s.explanation.variant, s.variant, JSON.stringify(s));
      const why = slots.find((s) => s.id === 'hero');
      assert.equal(why.variant, 'trail-running');
      assert.match(why.explanation.sentence, /trail running/i);
      const items = why.explanation.used.flatMap((u) => u.items || []);
      assert.ok(items.some((i) => i.id === 'interest:trail-running' && i.provenance && i.provenance.at), JSON.stringify(why));
      const plain = slots.find((s) => s.id === 'banner');
      assert.equal(plain.variant, null);
      assert.equal(typeof plain.explanation.sentence, 'string');
    } finally {
      await v.close();
    }
  });

  test("explain() answers in the visitor's language", async () => {
    const v = await trailRunner(site, { locale: 'es-ES' });
    try {
      await visit(v.page, `${site.url}/index.html`);
      const why = await v.page.evaluate(() => window.tactful.explain('hero'));
      assert.equal(why.variant, 'trail-running');
      assert.equal(why.sentence, why.sentences.es);
      assert.equal(why.sentence, 'Elegido por tu interés en el trail running.');
    } finally {
      await v.close();
    }
  });

  test("a placeholder is filled with the interest's label in the visitor's language", async () => {
    const v = await newVisitor({ locale: 'es-ES' });
    try {
      await visit(v.page, `${site.url}/index.html`);
      await grantConsent(v.page, { purposes: { personalization: true } });
      for (let i = 0; i < 2; i++) await visit(v.page, `${site.url}/hiking.html`);
      await visit(v.page, `${site.url}/index.html`);
      assert.equal(await hero(v.page).getAttribute('data-tactful-variant'), 'hiking');
      assert.equal(await hero(v.page).locator('.hero-eyebrow').textContent(), 'Because you like senderismo');
    } finally {
      await v.close();
    }
  });

  test('the script tag twice on a page runs one module, and says so', async () => {
    const v = await trailRunner(site);
    try {
      await v.context.route('**/index.html', async (route) => {
        const html = await (await route.fetch()).text();
        const tag = html.match(/<script src="\/tactful\/tactful\.js"[^>]*><\/script>/)[0];
        await route.fulfill({ contentType: 'text/html', body: html.replace(tag, `${tag}\n${tag}`) });
      });
      await visit(v.page, `${site.url}/index.html`);
      assert.equal(await v.page.locator('script[src="/tactful/tactful.js"]').count(), 2);
      assert.equal(await v.page.evaluate(() => performance.getEntriesByName('tactful:start').length), 1);
      assert.equal(await hero(v.page).getAttribute('data-tactful-variant'), 'trail-running');
      assert.deepEqual(v.tactfulMessages().map((m) => m.text),
        ['tactful: the script is on this page more than once; the copy that ran first is the one in use']);
    } finally {
      await v.close();
    }
  });

  test('personalizing the page shifts no layout', async () => {
    const v = await trailRunner(site);
    try {
      await watchShift(v.page);
      await visit(v.page, `${site.url}/index.html`);
      assert.equal(await hero(v.page).getAttribute('data-tactful-decided'), 'personalized');
      await v.page.waitForTimeout(300);
      assert.equal(await v.page.evaluate(() => window.__shift), 0);
    } finally {
      await v.close();
    }
  });

  // The invitation is first in <body>: shown in the page's flow for a moment
  // (between its two stylesheets), it pushed the whole page down and back.
  test('the first-visit invitation shifts no layout, however slowly its stylesheets come', async () => {
    const v = await newVisitor();
    try {
      await v.context.route('**/tactful-panel.css', async (route) => {
        await new Promise((r) => setTimeout(r, 300));
        await route.continue();
      });
      await watchShift(v.page);
      await visit(v.page, `${site.url}/index.html`);
      await v.page.getByRole('region', { name: 'Personalize this site?' }).waitFor();
      await v.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      assert.equal(await v.page.evaluate(() => window.__shift), 0);
    } finally {
      await v.close();
    }
  });

  test('a slot shows the page\'s own default again each time the visitor turns personalization off', async () => {
    const v = await trailRunner(site);
    try {
      // The hero as the page has it, before the script could change it.
      await v.page.addInitScript(() => document.addEventListener('DOMContentLoaded', () => {
        window.__heroDefault = document.querySelector('[data-tactful-slot="hero"]').innerHTML;
      }));
      await visit(v.page, `${site.url}/index.html`);
      const original = await v.page.evaluate(() => window.__heroDefault);
      assert.equal(await hero(v.page).getAttribute('data-tactful-variant'), 'trail-running');
      for (let round = 0; round < 2; round++) {
        await grantConsent(v.page, { purposes: { personalization: false } });
        assert.equal(await hero(v.page).getAttribute('data-tactful-variant'), null);
        assert.equal(await hero(v.page).innerHTML(), original);
        // What is shown is a copy: the page changing it does not change the default.
        await hero(v.page).evaluate((el) => { el.querySelector('h1').textContent = 'changed by the page'; });
        await grantConsent(v.page, { purposes: { personalization: true } });
        assert.equal(await hero(v.page).getAttribute('data-tactful-variant'), 'trail-running');
      }
    } finally {
      await v.close();
    }
  });

  test('slot markup that cannot be a slot shows its default at once, said in one line', async () => {
    // The visitor's deadline is 10 s: without the check, such elements stayed hidden that long.
    const v = await trailRunner(site);
    try {
      await homeWith(v, '<section id="again" data-tactful-slot="hero"><p>second hero</p></section>' +
        '<section id="noid" data-tactful-slot=""><p>no id</p></section>' +
        '<section data-tactful-slot="outer"><div id="inner" data-tactful-slot="inner"><p>nested</p></div></section>');
      const before = v.tactfulMessages().length;
      await visit(v.page, `${site.url}/index.html`);
      for (const id of ['again', 'noid', 'inner']) {
        const el = v.page.locator(`#${id}`);
        assert.equal(await el.getAttribute('data-tactful-decided'), 'default', id);
        assert.equal(await el.evaluate((e) => getComputedStyle(e).visibility), 'visible', id);
      }
      // The hero slot is the first one of that id, personalized as ever.
      assert.equal(await v.page.locator('section.hero').getAttribute('data-tactful-variant'), 'trail-running');
      const said = v.tactfulMessages().slice(before);
      assert.equal(said.length, 1, JSON.stringify(said));
      assert.match(said[0].text, /^tactful: slot "hero" appears more than once.*without an id.*slot "inner" is inside slot "outer"/);
      assert.deepEqual((await v.page.evaluate(() => window.__errors)).map((e) => e.reason), ['slot-markup']);
    } finally {
      await v.close();
    }
  });

  // The slot observer starts after the first decision: a slot that decision
  // brought stayed hidden (10 s here) and unreported, where a later one is refused.
  test('a slot inside a variant\'s template shows its own content at once, said in one line', async () => {
    const v = await trailRunner(site);
    try {
      await homeWith(v, '<p id="inner" data-tactful-slot="inner">nested</p>', { at: 'inside' });
      const before = v.tactfulMessages().length;
      await visit(v.page, `${site.url}/index.html`);
      assert.equal(await hero(v.page).getAttribute('data-tactful-variant'), 'trail-running');
      const inner = v.page.locator('#inner');
      assert.equal(await inner.getAttribute('data-tactful-decided'), 'default');
      assert.equal(await inner.evaluate((e) => getComputedStyle(e).visibility), 'visible');
      assert.equal(await inner.textContent(), 'nested');
      const said = v.tactfulMessages().slice(before).map((m) => m.text);
      assert.deepEqual(said, ['tactful: slot "inner" is inside slot "hero", which a decision would replace: such elements show their default content']);
      assert.deepEqual((await v.page.evaluate(() => window.__errors)).map((e) => e.reason), ['slot-markup']);
      // Shown again (personalization off, then on), the copy is refused as
      // the first was, and not said again: once per page view.
      await grantConsent(v.page, { purposes: { personalization: false } });
      await grantConsent(v.page, { purposes: { personalization: true } });
      assert.equal(await hero(v.page).getAttribute('data-tactful-variant'), 'trail-running');
      assert.equal(await inner.getAttribute('data-tactful-decided'), 'default');
      assert.deepEqual((await v.page.evaluate(() => window.__errors)).map((e) => e.reason), ['slot-markup']);
    } finally {
      await v.close();
    }
  });

  // A textarea once took the variant as its value (a profile word in a
  // field the form submits); a slot on <body> replaced the whole page.
  test('a slot on a form field or on the page itself keeps its default, said in one line', async () => {
    const v = await trailRunner(site);
    try {
      const serve = (change) => v.context.route('**/index.html', async (route) => {
        const html = await (await route.fetch()).text();
        await route.fulfill({ contentType: 'text/html', body: change(html) });
      });
      // The hero slot on a textarea, its variant a bare line of text; on a
      // select, its variant an option (the value the form would submit).
      const fields = [
        ['textarea', '<textarea id="field" data-tactful-slot="hero">Your note</textarea>', 'Because you like {{interest}}', 'Your note'],
        ['select', '<select id="field" data-tactful-slot="hero"><option>42</option></select>', '<option>Because you like trail running</option>', '42'],
      ];
      let before;
      let said;
      for (const [tag, markup, variant, value] of fields) {
        await v.context.unrouteAll();
        await serve((html) => html.replace('data-tactful-slot="hero"', '').replace('<template id="hero-trail-running">',
          `${markup}<template id="hero-trail-running">${variant}</template><template id="unused">`));
        before = v.tactfulMessages().length;
        await visit(v.page, `${site.url}/index.html`);
        const field = v.page.locator('#field');
        assert.equal(await field.inputValue(), value, tag);
        assert.equal(await field.getAttribute('data-tactful-decided'), 'default', tag);
        said = v.tactfulMessages().slice(before);
        assert.equal(said.length, 1, JSON.stringify(said));
        assert.match(said[0].text, new RegExp(`^tactful: slot "hero" is on <${tag}>, which cannot show a variant`));
      }

      // The hero id on <body> too: the body is refused, the slots in it are not.
      await v.context.unrouteAll();
      await serve((html) => html.replace('<body', '<body data-tactful-slot="hero"'));
      before = v.tactfulMessages().length;
      await visit(v.page, `${site.url}/index.html`);
      assert.equal(await v.page.locator('body').getAttribute('data-tactful-decided'), 'default');
      assert.equal(await v.page.locator('section.hero').getAttribute('data-tactful-variant'), 'trail-running');
      // Waited for: the launcher shows once its own stylesheet has arrived, after the slots.
      await v.page.getByRole('button', { name: 'Privacy settings' }).waitFor({ state: 'visible' });
      said = v.tactfulMessages().slice(before);
      assert.equal(said.length, 1, JSON.stringify(said));
      assert.match(said[0].text, /^tactful: slot "hero" is on <body>, which cannot show a variant/);

      // Nor does the stylesheet hide the page while no script has decided.
      await v.context.route('**/tactful/tactful.js', (route) => route.abort());
      await v.page.goto(`${site.url}/index.html`);
      assert.equal(await v.page.evaluate(() => getComputedStyle(document.body).visibility), 'visible');
      assert.equal(await v.page.locator('section.hero').evaluate((e) => getComputedStyle(e).visibility), 'hidden');
    } finally {
      await v.close();
    }
  });

  test('of two templates with one id, the one shown is the one checked', async () => {
    const v = await trailRunner(site);
    try {
      // The page shows the first (getElementById); it puts a profile value in an attribute.
      await homeWith(v, '<template id="hero-trail-running"><p class="first" title="{{interest}}">Because you like {{interest}}</p></template>');
      await visit(v.page, `${site.url}/index.html`);
      assert.equal(await hero(v.page).getAttribute('data-tactful-variant'), null);
      assert.equal(await v.page.locator('[data-tactful-slot="hero"] .first').count(), 0);
      const errors = await v.page.evaluate(() => window.__errors);
      assert.deepEqual(errors.map((e) => e.reason), ['template-rejected']);
      assert.match(errors[0].message, /^template#hero-trail-running: .*attributes/);
    } finally {
      await v.close();
    }
  });

  test('the page\'s own templates that no variant names are left alone', async () => {
    const v = await trailRunner(site);
    try {
      // A cart row and a search hint in the site's own template syntax: Tactful never shows them.
      await homeWith(v, '<template id="cart-row"><td>{{price}}</td><td><input value="{{qty}}"></td></template>'
        + '<template id="search-hint"><p>Search {{query}}</p></template>');
      await visit(v.page, `${site.url}/index.html`);
      assert.equal(await hero(v.page).getAttribute('data-tactful-variant'), 'trail-running');
      assert.deepEqual(await v.page.evaluate(() => window.__errors), []);
      assert.deepEqual(v.tactfulMessages(), []);
    } finally {
      await v.close();
    }
  });

  test('a late decision keeps the default the visitor already sees', async () => {
    const v = await trailRunner(site, { deadline: null });
    try {
      await delayConfig(v.context, 700);
      await v.page.goto(`${site.url}/index.html`);
      await v.page.waitForTimeout(350);
      // The stylesheet alone revealed the default by the deadline.
      const early = await hero(v.page).evaluate((el) => ({
        visible: getComputedStyle(el).visibility, decided: el.getAttribute('data-tactful-decided'),
      }));
      assert.deepEqual(early, { visible: 'visible', decided: null });
      assert.deepEqual(await ready(v.page), { ok: true });
      assert.equal(await hero(v.page).getAttribute('data-tactful-decided'), 'late');
      assert.equal(await hero(v.page).getAttribute('data-tactful-variant'), null);
      assert.doesNotMatch(await hero(v.page).innerText(), /next trail run/i);
      // explain() tells what the visitor sees: the page's own content.
      const why = await v.page.evaluate(() => window.tactful.explain('hero'));
      assert.equal(why.variant, null);
      assert.equal(why.reason, 'late');
      assert.match(why.sentence, /not ready in time/);
    } finally {
      await v.close();
    }
  });

  test('a decision made before tactful.css arrived is not late: nothing was painted yet', async () => {
    const v = await trailRunner(site);
    try {
      // The stylesheet (in the head, so nothing paints without it) comes after the decision.
      await v.context.route('**/tactful/tactful.css', async (route) => {
        await new Promise((r) => setTimeout(r, 1500));
        await route.fallback();
      });
      await v.page.goto(`${site.url}/index.html`, { waitUntil: 'commit' });
      await v.page.waitForFunction(() => performance.getEntriesByName('tactful:slots-final').length > 0);
      assert.equal(await hero(v.page).getAttribute('data-tactful-decided'), 'personalized');
      assert.equal(await hero(v.page).getAttribute('data-tactful-variant'), 'trail-running');
    } finally {
      await v.close();
    }
  });

  // Widely copied stylesheet rules that rewrite every animation on the page:
  // reduced-motion resets, and a site's own entrance animation on the slot.
  const siteCss = (extra) => async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, body: `${await response.text()}\n${extra}` });
  };
  const resets = {
    'animation: none': '@media (prefers-reduced-motion: reduce) { *, ::before, ::after { animation: none !important; } }',
    'a negative animation-delay': '@media (prefers-reduced-motion: reduce) { *, ::before, ::after ' +
      '{ animation-delay: -1ms !important; animation-duration: 1ms !important; animation-iteration-count: 1 !important; } }',
    "the site's own animation on the slot": '@keyframes site-fade { from { opacity: 0 } } section[data-tactful-slot].hero { animation: site-fade 0.3s; }',
  };

  for (const [name, css] of [["the site's usual CSS", ''], ...Object.entries(resets)]) {
    test(`slots show their defaults on time even when the script never runs, under ${name}`, async () => {
      const v = await newVisitor({ deadline: null, reducedMotion: css ? 'reduce' : 'no-preference' });
      try {
        if (css) await v.context.route('**/css/site.css', siteCss(css));
        await v.context.route('**/tactful/tactful.js', (r) => r.abort());
        await v.page.goto(`${site.url}/index.html`);
        await v.page.waitForTimeout(600);
        assert.equal(await hero(v.page).evaluate((el) => getComputedStyle(el).visibility), 'visible');
      } finally {
        await v.close();
      }
    });
    if (!css) continue;

    test(`a decision in time is shown under the site's CSS with ${name}`, async () => {
      // The visitor's deadline is 10 s: the site's CSS must not cut it short.
      const v = await trailRunner(site, { reducedMotion: 'reduce' });
      try {
        await v.context.route('**/css/site.css', siteCss(css));
        await visit(v.page, `${site.url}/index.html`);
        assert.equal(await hero(v.page).getAttribute('data-tactful-decided'), 'personalized');
        assert.equal(await hero(v.page).getAttribute('data-tactful-variant'), 'trail-running');
      } finally {
        await v.close();
      }
    });
  }
});

// Records, from page start, each change of the hero's visibility (per frame)
// and every CSP violation.
function watchHero(page) {
  return page.addInitScript(() => {
    window.__heroSeen = [];
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective));
    const look = () => {
      const el = document.querySelector('[data-tactful-slot="hero"]');
      const seen = el ? getComputedStyle(el).visibility : 'absent';
      if (window.__heroSeen[window.__heroSeen.length - 1] !== seen) window.__heroSeen.push(seen);
      if (performance.now() < 5000) requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
  });
}

describe("the config's deadlineMs", () => {
  let site;
  before(async () => { site = await startSite({ config: configVariant((c) => { c.deadlineMs = 3000; }) }); });
  after(() => site.stop());

  test('lengthens the stylesheet deadline when the config arrives before it passed', async () => {
    const v = await trailRunner(site, { deadline: null });
    try {
      await watchHero(v.page);
      // The stylesheet's own deadline made 400 ms, so that a loaded machine
      // still gets the config before it; the core comes 1000 ms late.
      await v.context.route('**/tactful/tactful.css', async (route) => {
        const response = await route.fetch();
        const css = (await response.text()).replace('var(--tactful-deadline, 150ms)', 'var(--tactful-deadline, 400ms)');
        await route.fulfill({ response, body: css });
      });
      await v.context.route('**/tactful.wasm', async (route) => {
        await new Promise((r) => setTimeout(r, 1000));
        await route.continue();
      });
      await v.page.goto(`${site.url}/index.html`);
      await v.page.waitForTimeout(650);
      assert.equal(await hero(v.page).evaluate((el) => getComputedStyle(el).visibility), 'hidden');
      assert.deepEqual(await ready(v.page), { ok: true });
      assert.equal(await hero(v.page).getAttribute('data-tactful-decided'), 'personalized');
      assert.equal(await hero(v.page).getAttribute('data-tactful-variant'), 'trail-running');
      assert.deepEqual(await v.page.evaluate(() => window.__heroSeen.filter((x) => x !== 'absent')), ['hidden', 'visible']);
      // Set through the CSSOM, which the demo's style-src 'self' policy allows.
      assert.equal(await v.page.evaluate(() => document.documentElement.style.getPropertyValue('--tactful-deadline')), '3000ms');
      assert.deepEqual(await v.page.evaluate(() => window.__violations), []);
    } finally {
      await v.close();
    }
  });

  test('a deadlineMs shorter than the stylesheet\'s changes nothing', async () => {
    const short = await startSite({ config: configVariant((c) => { c.deadlineMs = 50; }) });
    const v = await trailRunner(short, { deadline: null });
    try {
      // The stylesheet's own deadline made 10 s: the config surely arrives while every slot is hidden.
      await v.context.route('**/tactful/tactful.css', async (route) => {
        const response = await route.fetch();
        await route.fulfill({ response, body: (await response.text()).replace('var(--tactful-deadline, 150ms)', 'var(--tactful-deadline, 10s)') });
      });
      await v.page.goto(`${short.url}/index.html`);
      assert.deepEqual(await ready(v.page), { ok: true });
      assert.equal(await hero(v.page).getAttribute('data-tactful-variant'), 'trail-running');
      assert.equal(await v.page.evaluate(() => document.documentElement.style.getPropertyValue('--tactful-deadline')), '');
    } finally {
      await v.close();
      short.stop();
    }
  });

  test('cannot hide again a default the stylesheet already revealed', async () => {
    const v = await trailRunner(site, { deadline: null });
    try {
      await watchHero(v.page);
      await delayConfig(v.context, 700);
      await v.page.goto(`${site.url}/index.html`);
      assert.deepEqual(await ready(v.page), { ok: true });
      assert.equal(await hero(v.page).getAttribute('data-tactful-decided'), 'late');
      assert.equal(await hero(v.page).getAttribute('data-tactful-variant'), null);
      await v.page.waitForTimeout(200);
      assert.deepEqual(await v.page.evaluate(() => window.__heroSeen.filter((x) => x !== 'absent')), ['hidden', 'visible']);
      assert.equal(await v.page.evaluate(() => document.documentElement.style.getPropertyValue('--tactful-deadline')), '');
    } finally {
      await v.close();
    }
  });
});

describe('with configs that test the rules', () => {
  test('a profile value containing markup renders as text', async () => {
    const config = configVariant((c) => {
      c.taxonomy.find((t) => t.id === 'trail-running').label = { en: 'trail <img src=x id=injected> running' };
    });
    const site = await startSite({ config });
    const v = await trailRunner(site);
    try {
      await visit(v.page, `${site.url}/index.html`);
      assert.equal(await hero(v.page).getAttribute('data-tactful-variant'), 'trail-running');
      assert.match(await hero(v.page).textContent(), /<img src=x id=injected>/);
      assert.equal(await v.page.locator('#injected').count(), 0);
    } finally {
      await v.close();
      site.stop();
    }
  });

  test("a profile value containing markup renders as text in a config's content variant (title, text, button)", async () => {
    const config = configVariant((c) => {
      c.taxonomy.find((t) => t.id === 'trail-running').label = { en: 'trail <img src=x id=injected> running' };
      const variant = c.slots[0].variants[0];
      delete variant.template;
      variant.content = { title: 'For {{interest}}', text: 'Because you like {{interest}}', cta: 'Shop {{interest}}', href: '/trail-running.html' };
    });
    const site = await startSite({ config });
    const v = await trailRunner(site);
    try {
      await visit(v.page, `${site.url}/index.html`);
      assert.equal(await hero(v.page).getAttribute('data-tactful-variant'), 'trail-running');
      for (const part of ['.tactful-title', '.tactful-text', '.tactful-cta']) {
        assert.match(await hero(v.page).locator(part).textContent(), /trail <img src=x id=injected> running/, part);
      }
      assert.equal(await v.page.locator('#injected').count(), 0);
    } finally {
      await v.close();
      site.stop();
    }
  });

  test('a page template named like a built-in ("constructor", "__proto__") is used as any other', async () => {
    for (const name of ['constructor', '__proto__']) {
      const site = await startSite({ config: configVariant((c) => { c.slots[0].variants[0].template = name; }) });
      const v = await trailRunner(site);
      try {
        await v.context.route('**/index.html', async (route) => {
          const page = await (await route.fetch()).text();
          await route.fulfill({ contentType: 'text/html', body: page.replace('<template id="hero-trail-running">', `<template id="${name}">`) });
        });
        await visit(v.page, `${site.url}/index.html`);
        assert.equal(await hero(v.page).getAttribute('data-tactful-variant'), 'trail-running', name);
      } finally {
        await v.close();
        site.stop();
      }
    }
  });

  test('a content address the browser would read as another origin ("/\\host") is rejected with its path', async () => {
    // "/\\host" is //host to the URL parser (so is "/<tab>/host": the native
    // guardrails test has both): an image on another origin, which the page
    // would load for every visitor shown the variant.
    const site = await startSite();
    const v = await newVisitor();
    await useConfig(v.context, '**/tactful.config.json', (c) => {
      c.slots[0].variants.unshift({ id: 'elsewhere', content: { title: 'Hi', image: '/\\evil.example/pixel.png' } });
    });
    try {
      const status = await visit(v.page, `${site.url}/index.html`);
      assert.equal(status.ok, false);
      assert.equal(status.reason, 'config-invalid');
      assert.match(status.message, /slots\[0\]\.variants\[0\]\.content\.image: must be a web address/);
      assert.equal(await hero(v.page).getAttribute('data-tactful-decided'), 'default');
    } finally {
      await v.close();
      site.stop();
    }
  });

  test('explain() of an $or rule names the branch that decided, as the slot shows it, not an interest that fell short', async () => {
    // The trail runner's interest is under 0.9: the visit count decided the banner.
    const config = configVariant((c) => {
      c.page.maxPersonalizedSlots = 3;
      c.slots.find((s) => s.id === 'banner').variants.find((v) => v.id === 'returning').condition =
        { $or: [{ 'interests.trail-running': { $gte: 0.9 } }, { 'visits.count': { $gte: 1 } }] };
    });
    const site = await startSite({ config });
    const v = await trailRunner(site);
    try {
      await visit(v.page, `${site.url}/index.html`);
      const banner = (await decisions(v.page)).find((s) => s.id === 'banner');
      assert.equal(banner.variant, 'returning');
      assert.equal(await v.page.locator('[data-tactful-slot="banner"]').getAttribute('data-tactful-variant'), 'returning');
      assert.equal(banner.explanation.variant, 'returning');
      assert.deepEqual(banner.explanation.used.map((u) => u.path), ['visits.count']);
      assert.doesNotMatch(banner.explanation.sentence, /trail/i);
      assert.equal(banner.explanation.sentence, "You're seeing this because this is one of your first visits.");
    } finally {
      await v.close();
      site.stop();
    }
  });

  test("a config's site.language speaks to an English browser in Spanish: the launcher and explain()", async () => {
    const site = await startSite({ config: configVariant((c) => { c.site.language = 'es'; }) });
    const v = await trailRunner(site, { locale: 'en-US' });
    try {
      await visit(v.page, `${site.url}/index.html`);
      await v.page.getByRole('button', { name: 'Ajustes de privacidad' }).waitFor();
      assert.equal((await v.page.evaluate(() => window.tactful.explain('hero'))).sentence, 'Elegido por tu interés en el trail running.');
    } finally {
      await v.close();
      site.stop();
    }
  });

  test('a rule on the viewport sees "small" on a phone-sized window and "large" on a desktop one', async () => {
    const config = configVariant((c) => {
      c.page.maxPersonalizedSlots = 3;
      c.slots.find((s) => s.id === 'banner').variants.unshift(
        { id: 'compact', condition: { viewport: 'small' }, content: { text: 'Free returns, also on your phone' } },
        { id: 'wide', condition: { viewport: 'large' }, content: { text: 'Free returns on every order' } });
    });
    const site = await startSite({ config });
    try {
      for (const [width, expected] of [[360, 'compact'], [1280, 'wide']]) {
        const v = await trailRunner(site, { viewport: { width, height: 800 } });
        try {
          await visit(v.page, `${site.url}/index.html`);
          assert.equal(await v.page.locator('[data-tactful-slot="banner"]').getAttribute('data-tactful-variant'), expected, `${width} px`);
        } finally {
          await v.close();
        }
      }
    } finally {
      site.stop();
    }
  });

  test('a config with a rule on a sensitive interest is rejected with its path', async () => {
    // `tactful serve` refuses to serve a config lint rejects, so the bad
    // config reaches the page the way a misconfigured server would send it:
    // in place of the served one, with the collector's key kept.
    const site = await startSite();
    const v = await newVisitor();
    await useConfig(v.context, '**/tactful.config.json', (c) => {
      c.taxonomy.push({ id: 'diabetes-care', label: 'diabetes care', sensitive: 'health' });
      c.slots[0].variants.push({ id: 'care', condition: { 'interests.diabetes-care': { $gt: 0 } }, template: 'hero-hiking' });
    });
    try {
      const status = await visit(v.page, `${site.url}/index.html`);
      assert.equal(status.ok, false);
      assert.equal(status.reason, 'config-invalid');
      assert.match(status.message, /slots\[0\]\.variants\[3\]\.condition/);
      assert.match(status.message, /sensitive/);
      assert.equal(await hero(v.page).getAttribute('data-tactful-decided'), 'default');
    } finally {
      await v.close();
      site.stop();
    }
  });

  test('caps count what the visitor saw: not a decision too late to show, not the same content decided again', async () => {
    const config = configVariant((c) => { c.slots[0].variants[0].caps = { perDay: 2 }; });
    const site = await startSite({ config });
    const v = await trailRunner(site, { deadline: null });
    try {
      // 1. The config comes too late: the visitor sees the default (no impression).
      // Only this load has a short deadline: on a loaded machine the site's own
      // 150 ms could make the later loads late too.
      let slow = true;
      await v.context.route('**/tactful/tactful.css', async (route) => {
        const response = await route.fetch();
        const css = (await response.text()).replace(/var\(--tactful-deadline, [^)]*\)/g, slow ? '100ms' : '10s');
        await route.fulfill({ response, body: css });
      });
      await v.context.route('**/tactful.config.json', async (route) => {
        if (slow) await new Promise((r) => setTimeout(r, 700));
        await route.continue();
      });
      await v.page.goto(`${site.url}/index.html`);
      assert.deepEqual(await ready(v.page), { ok: true });
      assert.equal(await hero(v.page).getAttribute('data-tactful-decided'), 'late');
      slow = false;
      // 2. Shown (1 of 2), then decided twice more with the same content on screen.
      await visit(v.page, `${site.url}/index.html`);
      assert.equal(await hero(v.page).getAttribute('data-tactful-variant'), 'trail-running');
      for (let i = 0; i < 2; i++) {
        await v.page.evaluate(() => window.tactful.consent.set({ purposes: { personalization: true } }));
      }
      assert.equal(await hero(v.page).getAttribute('data-tactful-variant'), 'trail-running');
      // 3. So one showing is left today, then none.
      const shown = [];
      for (let i = 0; i < 2; i++) {
        await visit(v.page, `${site.url}/index.html`);
        shown.push(await hero(v.page).getAttribute('data-tactful-variant'));
      }
      assert.deepEqual(shown, ['trail-running', null]);
    } finally {
      await v.close();
      site.stop();
    }
  });

  test('frequency caps hold across reloads', async () => {
    const config = configVariant((c) => { c.slots[0].variants[0].caps = { perDay: 2 }; });
    const site = await startSite({ config });
    const v = await trailRunner(site);
    try {
      const shown = [];
      for (let i = 0; i < 3; i++) {
        await visit(v.page, `${site.url}/index.html`);
        shown.push(await hero(v.page).getAttribute('data-tactful-variant'));
      }
      assert.deepEqual(shown, ['trail-running', 'trail-running', null]);
    } finally {
      await v.close();
      site.stop();
    }
  });
});
