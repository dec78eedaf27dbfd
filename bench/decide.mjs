// Decision throughput: 200 slots x 3 rules ($in on country, interests.sports
// > x, visits >= n; bench/decide-rules.mjs), decided by the wasm core as the
// page calls it, against GrowthBook's and Optimizely's JS SDKs evaluating the
// same rules on the same attributes: in this Node process, then all three in
// one headless Chromium page (bench/decide-page.mjs).
import { GrowthBook } from '@growthbook/growthbook';
import * as optimizely from '@optimizely/optimizely-sdk';
import { benchConfig as rulesConfig, benchVisitorOn, growthbookPage, optimizelyPage, peerAttributes, sameChoices, SLOTS, tactfulPage } from './decide-rules.mjs';
import { runInBenchPage } from './browser-page.mjs';
import { loadCore, KEY, PUBLIC_KEY } from './wasm-core.mjs';
import { summarize, time, ms } from './stats.mjs';

export const title = 'Decision throughput';

export const benchConfig = ({ distinct = false } = {}) => rulesConfig({ distinct, publicKey: PUBLIC_KEY });

/** A core with the bench config and a visitor who opted in and has a profile. */
export async function benchVisitor(newCore, options) {
  return benchVisitorOn(await newCore(), { config: benchConfig(options), key: KEY });
}

// One page of decisions by each engine, timed in this Node process: Tactful
// as the page calls it, GrowthBook and Optimizely on the same attributes.
async function measure(newCore, { distinct, runs }) {
  const core = await benchVisitor(newCore, { distinct });
  const config = benchConfig({ distinct });
  const page = { path: '/', interests: [], viewport: 'large', slots: config.slots.map((s) => s.id) };
  const first = core.call('decide', page);
  if (first.error) throw new Error(`bench decide: ${first.error}`);
  const ours = first.slots.map((s) => s.variant);
  const attributes = peerAttributes(core);
  const gbPage = growthbookPage(GrowthBook, distinct, attributes.growthbook);
  const optPage = await optimizelyPage(optimizely, distinct, attributes.optimizely);
  const agree = attributes.complete ? sameChoices(ours, gbPage()) : null;
  const optimizelyAgrees = attributes.complete ? sameChoices(ours, optPage()) : null;
  const decidePage = tactfulPage(core, config);
  const binaryAgrees = sameChoices(decidePage(), ours);
  const tactful = time(decidePage, { runs, warmup: 30 });
  const growthbook = time(gbPage, { runs, warmup: 30 });
  const optimizelyTimes = time(optPage, { runs, warmup: 30 });
  return {
    core, page, attributes: attributes.growthbook, agree, optimizelyAgrees, binaryAgrees, tactful, growthbook,
    optimizely: optimizelyTimes, ratio: growthbook.median / tactful.median, optimizelyRatio: optimizelyTimes.median / tactful.median,
  };
}

// The same engines and pages in one headless Chromium page (bench/decide-page.mjs).
async function inChromium(root, quick) {
  const r = await runInBenchPage(root, {
    entry: 'bench/decide-page.mjs', fn: 'runDecideBench',
    input: { configs: { shared: benchConfig(), distinct: benchConfig({ distinct: true }) }, key: KEY, rounds: quick ? 10 : 40 },
  });
  const shape = (x) => {
    const t = Object.fromEntries(['tactful', 'growthbook', 'optimizely'].map((e) => [e, { ...summarize(x[e].samples), pagesPerSample: x[e].batch }]));
    return { ...t, agree: x.agree, ratio: t.growthbook.median / t.tactful.median, optimizelyRatio: t.optimizely.median / t.tactful.median };
  };
  return { crossOriginIsolated: r.crossOriginIsolated, ...shape(r.shared), distinct: shape(r.distinct) };
}

export async function run({ root, quick }) {
  const newCore = await loadCore(root);
  const runs = quick ? 50 : 300;
  const shared = await measure(newCore, { distinct: false, runs });
  const distinct = await measure(newCore, { distinct: true, runs });
  const { core, page, tactful, growthbook, ratio, agree, binaryAgrees, attributes } = shared;
  const tactfulJson = time(() => core.call('decide', page), { runs, warmup: 30 });
  // Where the JSON operation's time goes: the wasm call alone (input already
  // in memory, reply not decoded), then decoding + JSON.parse of the reply.
  const m = core.mod;
  const enc = new TextEncoder();
  const opBytes = enc.encode('decide'), inBytes = enc.encode(JSON.stringify(page));
  const opPtr = m._malloc(opBytes.length), inPtr = m._malloc(inBytes.length);
  m.HEAPU8.set(opBytes, opPtr);
  m.HEAPU8.set(inBytes, inPtr);
  const wasmOnly = time(() => m._tactful_call(opPtr, opBytes.length, inPtr, inBytes.length, Date.now(), 0), { runs, warmup: 30 });
  m._free(opPtr);
  m._free(inPtr);
  const chromium = await inChromium(root, quick);
  const row = (label, t) => [label, ms(t.median), ms(t.p95), `${ms(t.min)}–${ms(t.max)}`];
  const c = chromium;
  const agreeAll = [agree, distinct.agree, shared.optimizelyAgrees, distinct.optimizelyAgrees, c.agree, c.distinct.agree];
  return {
    header: ['200 slots x 3 rules, per page', 'median', 'p95', 'range'],
    rows: [
      row('Tactful (wasm, as the page calls it)', tactful),
      row('GrowthBook JS SDK', growthbook),
      row('Optimizely JS SDK (decide, no events)', shared.optimizely),
      row('Tactful, all 600 conditions distinct', distinct.tactful),
      row('GrowthBook, all 600 conditions distinct', distinct.growthbook),
      row('Optimizely, all 600 conditions distinct', distinct.optimizely),
      row('in Chromium: Tactful', c.tactful),
      row('in Chromium: GrowthBook', c.growthbook),
      row('in Chromium: Optimizely', c.optimizely),
      row('in Chromium, all 600 distinct: Tactful', c.distinct.tactful),
      row('in Chromium, all 600 distinct: GrowthBook', c.distinct.growthbook),
      row('in Chromium, all 600 distinct: Optimizely', c.distinct.optimizely),
      row('Tactful (wasm, JSON operation, as tests call it)', tactfulJson),
      row('  of which the wasm call alone', wasmOnly),
    ],
    notes: [
      `GrowthBook / Tactful median: ${ratio.toFixed(2)}x in Node, ${c.ratio.toFixed(2)}x in Chromium (target ≥ 10x); with all 600 conditions distinct: ${distinct.ratio.toFixed(2)}x, ${c.distinct.ratio.toFixed(2)}x`,
      `Optimizely / Tactful median: ${shared.optimizelyRatio.toFixed(1)}x in Node, ${c.optimizelyRatio.toFixed(1)}x in Chromium; with all 600 conditions distinct: ${distinct.optimizelyRatio.toFixed(1)}x, ${c.distinct.optimizelyRatio.toFixed(1)}x`,
      'slots that target the same audience share one compiled condition, evaluated once per page (8 distinct conditions in the first page, 600 in the second)',
      `Node: each page timed alone (${runs} pages per engine); Chromium: one page for all three engines, alternating rounds, each sample a batch of pages (~5 ms) over the browser's coarse clock`,
      `same choices on all ${SLOTS} slots by all three engines, in Node and in Chromium: ${agreeAll.includes(null) ? 'not checked (profile view lacks the score or visits)' : agreeAll.every(Boolean)}; binary path agrees with the JSON operation: ${binaryAgrees && distinct.binaryAgrees}`,
    ],
    results: {
      slots: SLOTS, rules: 3, runs, tactful, tactfulJson, wasmOnly, growthbook, optimizely: shared.optimizely, ratio, optimizelyRatio: shared.optimizelyRatio,
      target: 10, agree, optimizelyAgrees: shared.optimizelyAgrees, binaryAgrees, attributes,
      distinct: { tactful: distinct.tactful, growthbook: distinct.growthbook, optimizely: distinct.optimizely, ratio: distinct.ratio, optimizelyRatio: distinct.optimizelyRatio, agree: distinct.agree, optimizelyAgrees: distinct.optimizelyAgrees },
      chromium,
    },
  };
}
