// Time to personalized slots in headless Chromium, served from loopback by the
// real native server: navigation start -> all slots final, and script start ->
// all slots final (User Timing marks tactful:start / tactful:slots-final), cold
// (a fresh browser profile per load) and warm (repeat loads, HTTP cache), with
// the layout shift the page had, and how long the hero was hidden (from first
// paint until it was shown). Usage: node bench/page-timing.mjs [loads=20]
import { newVisitor, startSite, trailRunner, visit } from '../tests/browser/harness.mjs';
import { summarize } from './stats.mjs';

const LOADS = Number(process.argv[2] || 20);

/**
 * Added to every page before its own scripts (both Tactful's and the peer's
 * page in bench/page.mjs): records when the hero was shown (Tactful marks it
 * data-tactful-decided; a peer replaces its content or unhides the page) and
 * when the page as a whole was hidden and shown again (GrowthBook's anti-flicker
 * class on <html>). performance.now() times, from navigation start.
 */
function watchScript() {
  const w = (window.__bench = { heroShown: null, heroChanged: null, heroRevealed: null, pageHidden: null, pageShown: null });
  // Tells the bench the content is final (a binding: see loadSettled), so
  // that no script of the bench's runs in the page while it is measured.
  const settled = () => typeof window.__benchSettled === 'function' && window.__benchSettled();
  new PerformanceObserver((list) => {
    if (list.getEntries().some((e) => e.name === 'tactful:slots-final')) settled();
  }).observe({ type: 'mark' });
  // tactful.css reveals an undecided slot by itself at its deadline (an animation).
  document.addEventListener('animationend', (e) => {
    if (e.animationName === 'tactful-reveal' && e.target.matches('[data-tactful-slot="hero"]') && w.heroRevealed === null) w.heroRevealed = performance.now();
  }, true);
  new MutationObserver((list) => {
    for (const m of list) {
      const t = m.target;
      if (t === document.documentElement && m.attributeName === 'class') {
        const hidden = t.classList.contains('gb-anti-flicker');
        if (hidden && w.pageHidden === null) w.pageHidden = performance.now();
        if (!hidden && w.pageHidden !== null && w.pageShown === null) {
          w.pageShown = performance.now();
          settled();
        }
      } else if (t.nodeType === 1 && t.matches('[data-tactful-slot="hero"]')) {
        if (m.type === 'attributes' && m.attributeName === 'data-tactful-decided' && w.heroShown === null) w.heroShown = performance.now();
        if (m.type === 'childList') w.heroChanged = performance.now(); // the last change (the parser's come first)
      }
    }
  }).observe(document, { attributes: true, attributeFilter: ['class', 'data-tactful-decided'], childList: true, subtree: true });
}

const waiting = new WeakMap(); // page -> resolves its loadSettled()

/** Makes a visitor's pages measurable: watchScript, and the binding it calls when the content is final. */
export async function watchPages(context) {
  await context.exposeBinding('__benchSettled', ({ page }) => {
    const resolve = waiting.get(page);
    waiting.delete(page);
    if (resolve) resolve();
  });
  await context.addInitScript(watchScript);
}

/**
 * Loads `url` and resolves when its content is final. Nothing of the bench's
 * runs in the page before then: reading the marks with page.evaluate() as
 * soon as goto() returned put Playwright's script (~2-3 ms of main thread)
 * in the middle of the load it was measuring.
 */
export async function loadSettled(page, url, timeoutMs = 10000) {
  let timer;
  const settled = new Promise((resolve, reject) => {
    waiting.set(page, resolve);
    timer = setTimeout(() => reject(new Error(`${url}: its content was not final within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await page.goto(url);
    await settled;
  } finally {
    clearTimeout(timer);
    waiting.delete(page);
  }
}

// The shared median/p95 (bench/stats.mjs), rounded to 0.1 ms for the tables.
export function stats(values) {
  const s = summarize(values);
  return { n: s.n, median: round(s.median), p95: round(s.p95), min: round(s.min), max: round(s.max) };
}
const round = (x) => Math.round(x * 10) / 10;

async function measure(page) {
  return page.evaluate(async () => {
    await window.tactful.ready;
    const start = performance.getEntriesByName('tactful:start')[0];
    const final = performance.getEntriesByName('tactful:slots-final')[0];
    const shift = await new Promise((resolve) => {
      let total = 0;
      new PerformanceObserver((list) => { for (const e of list.getEntries()) total += e.value; })
        .observe({ type: 'layout-shift', buffered: true });
      setTimeout(() => resolve(total), 50);
    });
    const hero = document.querySelector('[data-tactful-slot="hero"]');
    const paint = performance.getEntriesByName('first-paint')[0];
    const b = window.__bench || {};
    const shown = b.heroRevealed !== null && (b.heroShown === null || b.heroRevealed < b.heroShown) ? b.heroRevealed : b.heroShown;
    return {
      nav: final.startTime, script: final.startTime - start.startTime, shift, state: hero.getAttribute('data-tactful-decided'),
      // The hero is hidden by tactful.css from its first render until decided; the page never is.
      firstPaint: paint ? paint.startTime : null, heroShown: shown, revealedByDeadline: shown !== null && shown === b.heroRevealed,
      heroHidden: shown !== null && paint ? Math.max(0, shown - paint.startTime) : null,
    };
  });
}

export async function pageTiming(loads = LOADS) {
  const site = await startSite();
  const out = {};
  try {
    const warm = [];
    // A visitor who opted in and read two trail-running pages, so the hero personalizes.
    const v = await trailRunner(site, { deadline: null });
    await watchPages(v.context);
    await visit(v.page, `${site.url}/index.html`);
    for (let i = 0; i < loads; i++) {
      await loadSettled(v.page, `${site.url}/index.html`);
      warm.push(await measure(v.page));
    }
    await v.close();
    const cold = [];
    for (let i = 0; i < loads; i++) {
      const c = await newVisitor({ deadline: null });
      await watchPages(c.context);
      await loadSettled(c.page, `${site.url}/index.html`);
      cold.push(await measure(c.page));
      await c.close();
    }
    for (const [name, runs] of [['warm', warm], ['cold', cold]]) {
      out[name] = {
        navigationToSlotsMs: stats(runs.map((r) => r.nav)),
        scriptToSlotsMs: stats(runs.map((r) => r.script)),
        layoutShiftMax: Math.max(...runs.map((r) => r.shift)),
        heroHiddenMs: stats(runs.map((r) => r.heroHidden ?? NaN).filter((x) => !Number.isNaN(x))),
        heroShownMs: stats(runs.map((r) => r.heroShown ?? NaN).filter((x) => !Number.isNaN(x))),
        lateDecisions: runs.filter((r) => r.state === 'late').length,
        revealedByDeadline: runs.filter((r) => r.revealedByDeadline).length,
        personalized: runs.filter((r) => r.state === 'personalized').length,
      };
    }
  } finally {
    site.stop();
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await pageTiming(), null, 2));
}
