// Time to personalized slots in headless Chromium, served from loopback by the
// real native server: navigation start -> all slots final, and script start ->
// all slots final (User Timing marks tactful:start / tactful:slots-final), cold
// (a fresh browser profile per load) and warm (repeat loads, HTTP cache), with
// the layout shift the page had. Usage: node bench/page-timing.mjs [loads=20]
import { grantConsent, newVisitor, startSite, visit } from '../tests/browser/harness.mjs';

const LOADS = Number(process.argv[2] || 20);

function stats(values) {
  const v = [...values].sort((a, b) => a - b);
  const at = (q) => v[Math.min(v.length - 1, Math.floor(q * v.length))];
  return { n: v.length, median: round(at(0.5)), p95: round(at(0.95)), min: round(v[0]), max: round(v[v.length - 1]) };
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
    return { nav: final.startTime, script: final.startTime - start.startTime, shift, state: hero.getAttribute('data-tactful-decided') };
  });
}

// A visitor who opted in and read two trail-running pages, so the hero personalizes.
async function trailRunner(site) {
  const v = await newVisitor({ deadline: null });
  await visit(v.page, `${site.url}/index.html`);
  await grantConsent(v.page, { purposes: { personalization: true } });
  await visit(v.page, `${site.url}/trail-running.html`);
  await visit(v.page, `${site.url}/product-ridge-runner.html`);
  return v;
}

export async function pageTiming(loads = LOADS) {
  const site = await startSite();
  const out = {};
  try {
    const warm = [];
    const v = await trailRunner(site);
    await visit(v.page, `${site.url}/index.html`);
    for (let i = 0; i < loads; i++) {
      await v.page.goto(`${site.url}/index.html`);
      warm.push(await measure(v.page));
    }
    await v.close();
    const cold = [];
    for (let i = 0; i < loads; i++) {
      const c = await newVisitor({ deadline: null });
      await c.page.goto(`${site.url}/index.html`);
      cold.push(await measure(c.page));
      await c.close();
    }
    for (const [name, runs] of [['warm', warm], ['cold', cold]]) {
      out[name] = {
        navigationToSlotsMs: stats(runs.map((r) => r.nav)),
        scriptToSlotsMs: stats(runs.map((r) => r.script)),
        layoutShiftMax: Math.max(...runs.map((r) => r.shift)),
        lateDecisions: runs.filter((r) => r.state === 'late').length,
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
