// Core work: track() events per second inside the core (batched, as the page
// sends them) and through the JS API in Chromium (tactful.track on the demo
// page, timed until applied: until tactful.profile.view() resolves with them);
// the sealed snapshot's size and the wasm heap (its high-water mark: memory
// only grows) after 10,000 events.
import { grantConsent, newVisitor, startSite, visit } from '../tests/browser/harness.mjs';
import { loadCore } from './wasm-core.mjs';
import { benchVisitor } from './decide.mjs';
import { summarize } from './stats.mjs';

export const title = 'Core work';
const EVENTS = 10000;
const BATCH = 50;
const INTERESTS = ['sports', 'hiking'];

function batch(start) {
  const events = [];
  for (let i = 0; i < BATCH; i++) {
    const n = start + i;
    events.push(n % 10 === 9
      ? { type: 'purchase', category: INTERESTS[n % 2], value: 10 + (n % 7), item: `sku-${n % 500}` }
      : { type: 'view', interests: [INTERESTS[n % 2]], source: 'page' });
  }
  return events;
}

export async function run({ root, quick }) {
  const newCore = await loadCore(root);
  const repeats = quick ? 2 : 5;
  const rates = [];
  let snapshotBytes = 0, stored = 0, heapBefore = 0, heapAfter = 0;
  for (let r = 0; r < repeats; r++) {
    const core = await benchVisitor(newCore);
    core.call('consent.set', { categories: { purchases: true } }, { gesture: true });
    heapBefore = core.mod.HEAPU8.length;
    const batches = [];
    for (let n = 0; n < EVENTS; n += BATCH) batches.push(JSON.stringify(batch(n)));
    stored = 0;
    const t0 = process.hrtime.bigint();
    for (const b of batches) {
      const out = core.call('track', b);
      if (out.error) throw new Error(`bench track: ${out.error}`);
      stored += out.stored;
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    rates.push(EVENTS / seconds);
    heapAfter = core.mod.HEAPU8.length;
    const saved = core.call('save');
    if (saved.error) throw new Error(`bench save: ${saved.error}`);
    // The snapshot is what goes to storage: base64 text of the sealed state.
    snapshotBytes = (saved.profile || '').length;
  }
  const s = summarize(rates);
  const api = await jsApiRates(quick ? 2 : 5);
  const a = summarize(api.rates);
  const fmt = (x) => Math.round(x).toLocaleString('en-US');
  return {
    header: [`track(), ${EVENTS.toLocaleString('en-US')} events in batches of ${BATCH}`, 'median', 'p95 (slowest)', 'range'],
    rows: [
      ['events/s inside the core (JSON API)', fmt(s.median), fmt(s.min), `${fmt(s.min)}–${fmt(s.max)}`],
      ['events/s through the JS API in Chromium (tactful.track)', fmt(a.median), fmt(a.min), `${fmt(a.min)}–${fmt(a.max)}`],
      ['profile snapshot after 10,000 events (bytes, base64)', snapshotBytes, '', ''],
      ['wasm heap after 10,000 events (bytes; memory only grows)', heapAfter, '', heapAfter === heapBefore ? 'no growth from start' : `${heapBefore} before`],
    ],
    notes: [
      `${stored} of ${EVENTS} events stored in the last run; ${repeats} runs in Node; ${api.rates.length} in Chromium (evidence applied: ${api.applied})`,
      'JS API: 10,000 tactful.track calls in one task (queued, applied in one transaction, then saved), until profile.view() resolves',
    ],
    results: { events: EVENTS, batch: BATCH, runs: repeats, eventsPerSecond: s, jsApiEventsPerSecond: a, snapshotBytes, stored, heapBytesBefore: heapBefore, heapBytes: heapAfter },
  };
}

/** tactful.track through the page's API on the demo site: events per second until applied. */
async function jsApiRates(repeats) {
  const site = await startSite();
  const v = await newVisitor();
  const rates = [];
  let applied = '';
  try {
    await visit(v.page, `${site.url}/index.html`);
    await grantConsent(v.page, { purposes: { personalization: true }, categories: { interests: true, purchases: true } });
    for (let r = 0; r < repeats; r++) {
      await visit(v.page, `${site.url}/index.html`);
      const out = await v.page.evaluate(async (n) => {
        await window.tactful.profile.view();
        const t0 = performance.now();
        for (let i = 0; i < n; i++) {
          window.tactful.track(i % 10 === 9
            ? { type: 'purchase', category: 'hiking', value: 10 + (i % 7), item: `sku-${i % 500}` }
            : { type: 'view', interests: [i % 2 ? 'hiking' : 'trail-running'], source: 'page' });
        }
        const view = await window.tactful.profile.view();
        const ms = performance.now() - t0;
        const purchases = (view.purchases || []).reduce((k, p) => k + ((p.value && p.value.count) || 0), 0);
        return { ms, purchases };
      }, EVENTS);
      rates.push(EVENTS / (out.ms / 1000));
      applied = `${out.purchases} purchases counted after ${r + 1} runs`;
    }
  } finally {
    await v.close();
    site.stop();
  }
  return { rates, applied };
}
