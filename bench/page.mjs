// Time to personalized slots in headless Chromium, side by side with the same
// page personalized by GrowthBook's script-tag build (its default anti-flicker:
// the whole page at opacity 0 until its payload is applied, or 3.5 s).
// Tactful: bench/page-timing.mjs on the demo site served by `tactful serve`.
// GrowthBook: the same index.html (Tactful's script and stylesheet swapped for
// GrowthBook's script tag), the same three hero rules as auto experiments with
// DOM mutations, the features payload from a local stub endpoint, served on
// loopback by a small static server below with its own CSP allowing it. Same
// browser, same visitors (one who read trail-running pages, warm cache; fresh
// profiles, cold), same measuring script.
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { newVisitor } from '../tests/browser/harness.mjs';
import { loadSettled, pageTiming, stats, watchPages } from './page-timing.mjs';

export const title = 'Time to personalized slots (headless Chromium, loopback)';
export const target = { warmScriptToSlotsMedianMaxMs: 30 };

const TYPES = { '.wasm': 'application/wasm', '.mjs': 'text/javascript', '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json' };
// The CSP a site adds for GrowthBook's script tag: its anti-flicker <style> and
// visual changes are inline styles; the payload is fetched from the API host.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; object-src 'none'";

/** A static server for DIR with the headers `tactful serve` sends (no-cache + validators), plus CSP. */
export function serveStatic(dir, { csp = CSP } = {}) {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = join(dir, path.endsWith('/') ? `${path}index.html` : path);
    let st;
    try {
      st = statSync(file);
    } catch {
      res.writeHead(404).end();
      return;
    }
    const etag = `"${st.size}-${st.mtimeMs}"`;
    const headers = { 'Cache-Control': 'no-cache', ETag: etag, 'Content-Type': TYPES[extname(file)] || 'application/json', ...(csp ? { 'Content-Security-Policy': csp } : {}) };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers).end();
      return;
    }
    const body = readFileSync(file);
    res.writeHead(200, { ...headers, 'Content-Length': body.length }).end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}`,
    stop: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  })));
}

/** The demo site with index.html personalized by GrowthBook instead; returns the directory. */
export function growthbookSite(root, dir, origin) {
  cpSync(join(root, 'demo-site/public'), dir, { recursive: true });
  const html = readFileSync(join(root, 'demo-site/public/index.html'), 'utf8');
  // The hero variants' markup, from the page's own templates (as the visual editor would store it).
  const template = (id) => html.match(new RegExp(`<template id="${id}">([\\s\\S]*?)</template>`))[1]
    .replace('{{interest}}', id.replace('hero-', '').replace('-', ' '));
  const rules = [['trail-running', 'hero-trail-running'], ['hiking', 'hero-hiking'], ['city-walking', 'hero-city']];
  const payload = {
    features: {},
    experiments: rules.map(([interest, tpl], i) => ({
      key: `hero-${interest}`, changeId: `c${i}`, hashAttribute: 'id', coverage: 1, weights: [0, 1],
      condition: { [`interests.${interest}`]: { $gt: 0 } },
      urlPatterns: [{ type: 'simple', include: true, pattern: '/gb.html' }],
      variations: [{}, { domMutations: [{ selector: '[data-tactful-slot="hero"]', action: 'set', attribute: 'html', value: template(tpl) }] }],
    })),
  };
  mkdirSync(join(dir, 'api/features'), { recursive: true });
  writeFileSync(join(dir, 'api/features/bench-key'), JSON.stringify(payload));
  mkdirSync(join(dir, 'gb'));
  // One statement before GrowthBook's own code: the same "script start" mark tactful.js makes.
  writeFileSync(join(dir, 'gb/auto.min.js'), 'performance.mark("gb:start");\n' +
    readFileSync(join(root, 'node_modules/@growthbook/growthbook/dist/bundles/auto.min.js'), 'utf8'));
  // The site's own attributes (what GrowthBook cannot learn itself): interests kept by the site.
  writeFileSync(join(dir, 'gb/attributes.js'),
    'window.growthbook_config = { attributes: { interests: JSON.parse(localStorage.getItem("site:interests") || "{}") } };\n');
  const gbHtml = html
    .replace('<link rel="stylesheet" href="/tactful/tactful.css">\n', '')
    .replace(/<script src="\/tactful\/tactful\.js"[^>]*><\/script>/,
      `<script src="/gb/attributes.js"></script>\n<script async src="/gb/auto.min.js" data-api-host="${origin}" data-client-key="bench-key" data-anti-flicker="true" data-no-streaming="true" data-tracking="none"></script>`);
  if (gbHtml === html) throw new Error('demo index.html changed shape: could not swap in GrowthBook');
  writeFileSync(join(dir, 'gb.html'), gbHtml);
  return dir;
}

async function measureGrowthbook(page) {
  await page.waitForFunction(() => window.__bench && window.__bench.pageShown !== null, null, { timeout: 10000 });
  return page.evaluate(async () => {
    const b = window.__bench;
    const start = performance.getEntriesByName('gb:start')[0];
    const paint = performance.getEntriesByName('first-paint')[0];
    const shift = await new Promise((resolve) => {
      let total = 0;
      new PerformanceObserver((list) => { for (const e of list.getEntries()) total += e.value; })
        .observe({ type: 'layout-shift', buffered: true });
      setTimeout(() => resolve(total), 50);
    });
    const personalized = /Ready for your next trail run/.test(document.querySelector('[data-tactful-slot="hero"]').innerHTML);
    // Content final: the hero's change applied (if any) and the page shown again.
    const final = Math.max(b.pageShown, personalized && b.heroChanged !== null ? b.heroChanged : 0);
    return {
      nav: final, script: start ? final - start.startTime : null, shift, personalized,
      pageHidden: b.pageShown - b.pageHidden, firstPaint: paint ? paint.startTime : null,
      flashBeforeHide: paint ? paint.startTime < b.pageHidden : false,
    };
  });
}

async function growthbookTiming(root, loads) {
  const dir = mkdtempSync(join(tmpdir(), 'tactful-bench-gb-'));
  const site = await serveStatic(dir);
  growthbookSite(root, dir, site.url);
  const out = {};
  try {
    const warm = [];
    const v = await newVisitor({ deadline: null });
    await watchPages(v.context);
    await v.page.goto(`${site.url}/gb.html`);
    await v.page.evaluate(() => localStorage.setItem('site:interests', JSON.stringify({ 'trail-running': 1 })));
    await v.page.goto(`${site.url}/gb.html`);
    await measureGrowthbook(v.page);
    for (let i = 0; i < loads; i++) {
      await loadSettled(v.page, `${site.url}/gb.html`);
      warm.push(await measureGrowthbook(v.page));
    }
    await v.close();
    const cold = [];
    for (let i = 0; i < loads; i++) {
      const c = await newVisitor({ deadline: null });
      await watchPages(c.context);
      await loadSettled(c.page, `${site.url}/gb.html`);
      cold.push(await measureGrowthbook(c.page));
      await c.close();
    }
    for (const [name, runs] of [['warm', warm], ['cold', cold]]) {
      out[name] = {
        navigationToContentMs: stats(runs.map((r) => r.nav)),
        scriptToContentMs: stats(runs.map((r) => r.script)),
        pageHiddenMs: stats(runs.map((r) => r.pageHidden)),
        layoutShiftMax: Math.max(...runs.map((r) => r.shift)),
        flashBeforeHide: runs.filter((r) => r.flashBeforeHide).length,
        personalized: runs.filter((r) => r.personalized).length,
      };
    }
  } finally {
    await site.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

export async function run({ root, quick }) {
  const loads = quick ? 5 : 20;
  const tactful = await pageTiming(loads);
  const growthbook = await growthbookTiming(root, loads);
  const f = (s) => (s && s.n ? `${s.median.toFixed(1)} / ${s.p95.toFixed(1)}` : '–');
  const range = (s) => (s && s.n ? `${s.min.toFixed(1)}–${s.max.toFixed(1)}` : '');
  const rows = [];
  for (const c of ['warm', 'cold']) {
    const t = tactful[c], g = growthbook[c];
    rows.push([`${c}: navigation → slots final, Tactful`, f(t.navigationToSlotsMs), range(t.navigationToSlotsMs)]);
    rows.push([`${c}: navigation → content final, GrowthBook`, f(g.navigationToContentMs), range(g.navigationToContentMs)]);
    rows.push([`${c}: script start → slots final, Tactful`, f(t.scriptToSlotsMs), range(t.scriptToSlotsMs)]);
    rows.push([`${c}: script start → content final, GrowthBook`, f(g.scriptToContentMs), range(g.scriptToContentMs)]);
    rows.push([`${c}: hero hidden (first paint → shown), Tactful`, f(t.heroHiddenMs), range(t.heroHiddenMs)]);
    rows.push([`${c}: whole page hidden (anti-flicker), GrowthBook`, f(g.pageHiddenMs), range(g.pageHiddenMs)]);
  }
  const w = tactful.warm.scriptToSlotsMs.median;
  const met = w < target.warmScriptToSlotsMedianMaxMs;
  return {
    header: [`ms, ${loads} loads each`, 'median / p95', 'range'],
    rows,
    notes: [
      `target: warm median from script start < 30 ms: ${met ? 'met' : `missed by ${(w - 30).toFixed(1)} ms`} (${w.toFixed(1)} ms)`,
      `personalized hero: Tactful warm ${tactful.warm.personalized}/${loads}, cold ${tactful.cold.personalized}/${loads} (fresh profiles see the default); GrowthBook warm ${growthbook.warm.personalized}/${loads}, cold ${growthbook.cold.personalized}/${loads}`,
      `Tactful hero shown by the CSS deadline before its decision: warm ${tactful.warm.revealedByDeadline}, cold ${tactful.cold.revealedByDeadline}; late decisions: warm ${tactful.warm.lateDecisions}, cold ${tactful.cold.lateDecisions}; layout shift max: Tactful ${Math.max(tactful.warm.layoutShiftMax, tactful.cold.layoutShiftMax).toFixed(4)}, GrowthBook ${Math.max(growthbook.warm.layoutShiftMax, growthbook.cold.layoutShiftMax).toFixed(4)}`,
      `GrowthBook painted the page before hiding it in ${growthbook.warm.flashBeforeHide + growthbook.cold.flashBeforeHide} of ${2 * loads} loads (async script tag, as Tactful's)`,
      'cold = a fresh browser profile per load (includes wasm compile); warm = repeat loads by one visitor (HTTP cache, stored profile)',
    ],
    results: { loads, tactful, growthbook, target, met },
  };
}
