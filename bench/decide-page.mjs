// Runs inside the decision bench page (bundled by bench/decide.mjs with
// esbuild, the SDKs' browser builds): the same page of 200 slots x 3 rules
// decided by Tactful's wasm core, GrowthBook and Optimizely in one Chromium
// page, in alternating rounds. The browser coarsens performance.now() (100 µs
// unless cross-origin isolated), so each sample times a batch of pages.
import { startCore } from '../dist/core.mjs';
import { GrowthBook } from '@growthbook/growthbook';
import * as optimizely from '@optimizely/optimizely-sdk';
import { benchVisitorOn, growthbookPage, optimizelyPage, peerAttributes, sameChoices, tactfulPage } from './decide-rules.mjs';

const BATCH_MS = 5; // each sample: enough pages to take about this long
const WARM_MS = 50; // first, each engine runs this long (JIT, caches) before it is counted

function pagesIn(ms, decidePage) {
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < ms) {
    decidePage();
    n++;
  }
  return n;
}

function batchOf(decidePage) {
  pagesIn(WARM_MS, decidePage);
  return Math.max(1, pagesIn(BATCH_MS, decidePage));
}

// Per-page ms for each engine: `rounds` samples each, engines alternating.
function timeAll(engines, rounds) {
  const batches = engines.map(([, fn]) => batchOf(fn));
  const samples = engines.map(() => []);
  for (let r = 0; r < rounds; r++) {
    engines.forEach(([, fn], e) => {
      const t0 = performance.now();
      for (let i = 0; i < batches[e]; i++) fn();
      samples[e].push((performance.now() - t0) / batches[e]);
    });
  }
  return Object.fromEntries(engines.map(([name], e) => [name, { samples: samples[e], batch: batches[e] }]));
}

window.runDecideBench = async ({ configs, key, rounds }) => {
  const out = {};
  for (const [shape, config] of Object.entries(configs)) {
    const distinct = shape === 'distinct';
    const core = benchVisitorOn(await startCore('/tactful.wasm'), { config, key });
    const attributes = peerAttributes(core);
    const engines = [
      ['tactful', tactfulPage(core, config)],
      ['growthbook', growthbookPage(GrowthBook, distinct, attributes.growthbook)],
      ['optimizely', await optimizelyPage(optimizely, distinct, attributes.optimizely)],
    ];
    const [ours, ...peers] = engines.map(([, fn]) => fn());
    const agree = attributes.complete ? peers.every((theirs) => sameChoices(ours, theirs)) : null;
    out[shape] = { agree, ...timeAll(engines, rounds) };
  }
  return { crossOriginIsolated: self.crossOriginIsolated, ...out };
};
