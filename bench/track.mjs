// Core work: track() events per second inside the core (batched, as the page
// sends them) and the sealed snapshot's size after 10,000 events.
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
  let snapshotBytes = 0, stored = 0;
  for (let r = 0; r < repeats; r++) {
    const core = await benchVisitor(newCore);
    core.call('consent.set', { categories: { purchases: true } }, { gesture: true });
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
    const saved = core.call('save');
    if (saved.error) throw new Error(`bench save: ${saved.error}`);
    // The snapshot is what goes to storage: base64 text of the sealed state.
    snapshotBytes = (saved.profile || '').length;
  }
  const s = summarize(rates);
  const fmt = (x) => Math.round(x).toLocaleString('en-US');
  return {
    header: [`track(), ${EVENTS.toLocaleString('en-US')} events in batches of ${BATCH}`, 'median', 'p95 (slowest)', 'range'],
    rows: [
      ['events/s inside the core (JSON API)', fmt(s.median), fmt(s.min), `${fmt(s.min)}–${fmt(s.max)}`],
      ['profile snapshot after 10,000 events (bytes, base64)', snapshotBytes, '', ''],
    ],
    notes: [`${stored} of ${EVENTS} events stored in the last run; ${repeats} runs`],
    results: { events: EVENTS, batch: BATCH, runs: repeats, eventsPerSecond: s, snapshotBytes, stored },
  };
}
