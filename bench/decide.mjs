// Decision throughput: 200 slots x 3 rules ($in on country, interests.sports
// > x, visits >= n), decided by the wasm core through the JS API (JSON in,
// JSON out, as the page does), against GrowthBook's JS SDK evaluating the same
// 200 features x 3 rules on the same attributes in the same process.
import { GrowthBook } from '@growthbook/growthbook';
import { loadCore, KEY, PUBLIC_KEY } from './wasm-core.mjs';
import { time, ms } from './stats.mjs';

export const title = 'Decision throughput';
const SLOTS = 200;
const COUNTRIES = ['US', 'CA', 'GB'];

// The rules of slot i. Shared: thresholds vary per slot so that different
// slots pick different rules, and slots share audiences as pages do (8
// distinct conditions in 600). Distinct: every one of the 600 conditions is
// different, so nothing is evaluated once for many slots.
function rulesOf(i, distinct) {
  return distinct
    ? { countries: [...COUNTRIES, `X${i}`], sportsAbove: i / 1000, visitsAtLeast: 1 + i / 1000 }
    : { countries: COUNTRIES, sportsAbove: (i % 4) * 0.3, visitsAtLeast: 1 + (i % 3) };
}

export function benchConfig({ distinct = false } = {}) {
  const slots = [];
  for (let i = 0; i < SLOTS; i++) {
    const r = rulesOf(i, distinct);
    slots.push({
      id: `s${i}`,
      variants: [
        { id: 'country', condition: { 'location.country': { $in: r.countries } }, content: { title: `c${i}` } },
        { id: 'sports', condition: { 'interests.sports': { $gt: r.sportsAbove } }, content: { title: `s${i}` } },
        { id: 'visits', condition: { 'visits.count': { $gte: r.visitsAtLeast } }, content: { title: `v${i}` } },
      ],
    });
  }
  return {
    version: 1,
    site: { name: 'bench', directedAtChildren: false },
    policyVersion: '2026-11-01',
    privacyPolicyUrl: '/privacy.html',
    consent: { personalizationDefault: false },
    taxonomy: [{ id: 'sports', label: { en: 'sports' } }, { id: 'hiking', label: { en: 'hiking' } }],
    profile: { halfLifeDays: 30, minEvidence: 2 },
    page: { maxPersonalizedSlots: SLOTS },
    holdout: 0,
    slots,
    reporting: { collector: '/collect', publicKey: PUBLIC_KEY },
  };
}

/** A core with the bench config and a visitor who opted in and has a profile. */
export async function benchVisitor(newCore, options) {
  const core = await newCore();
  const check = (what, out) => {
    if (out && out.error) throw new Error(`bench ${what}: ${out.error}${out.path ? ` (${out.path})` : ''}`);
    return out;
  };
  check('init', core.call('init', JSON.stringify(benchConfig(options))));
  check('load', core.call('load', { key: KEY, signals: {} }));
  check('consent', core.call('consent.set', { purposes: { personalization: true }, categories: { interests: true, location: true } }, { gesture: true }));
  check('declare', core.call('profile.declare', { location: { country: 'DE' } }, { gesture: true }));
  check('track', core.call('track', [{ type: 'visit' }, { type: 'view', interests: ['sports'] },
    { type: 'view', interests: ['sports'] }, { type: 'view', interests: ['sports', 'hiking'] }]));
  return core;
}

function growthbookFeatures(distinct) {
  const features = {};
  for (let i = 0; i < SLOTS; i++) {
    const r = rulesOf(i, distinct);
    features[`s${i}`] = {
      defaultValue: null,
      rules: [
        { condition: { country: { $in: r.countries } }, force: 'country' },
        { condition: { 'interests.sports': { $gt: r.sportsAbove } }, force: 'sports' },
        { condition: { 'visits.count': { $gte: r.visitsAtLeast } }, force: 'visits' },
      ],
    };
  }
  return features;
}

// One page of decisions both ways, timed: Tactful as the page calls it
// (js/runtime.js: the page is set once per load, then each decision is one
// binary call mapped to variant ids from the config) and GrowthBook.
async function measure(newCore, { distinct, runs }) {
  const core = await benchVisitor(newCore, { distinct });
  const page = { path: '/', interests: [], viewport: 'large', slots: Array.from({ length: SLOTS }, (_, i) => `s${i}`) };
  const first = core.call('decide', page);
  if (first.error) throw new Error(`bench decide: ${first.error}`);
  const ours = first.slots.map((s) => s.variant);

  // The same visitor as GrowthBook attributes (its own shape: a flat country).
  // Read back from the visitor's own profile view (scores are shown rounded;
  // the thresholds sit far from the score).
  const view = core.call('profile.view');
  const item = (id) => (view.interests || []).find((x) => x.id === id)?.value;
  const sports = item('interest:sports')?.score;
  const visits = item('visits')?.count;
  const attributes = { id: 'bench', country: 'DE', interests: { sports: sports ?? 0 }, visits: { count: visits ?? 0 } };
  const gb = new GrowthBook({ features: growthbookFeatures(distinct), attributes });
  const gbPage = () => {
    const out = new Array(SLOTS);
    for (let i = 0; i < SLOTS; i++) out[i] = gb.getFeatureValue(`s${i}`, null);
    return out;
  };
  const theirs = gbPage();
  const agree = sports === undefined || visits === undefined ? null : ours.every((v, i) => v === theirs[i]);

  const config = benchConfig({ distinct });
  const positions = core.call('page', page).slots;
  const decidePage = () => {
    const raw = core.decide();
    const out = new Array(SLOTS);
    for (let i = 0; i < SLOTS; i++) {
      const v = raw[4 * i];
      out[i] = v < 0 ? null : config.slots[positions[i]].variants[v].id;
    }
    return out;
  };
  const binaryAgrees = decidePage().every((v, i) => v === ours[i]);
  const tactful = time(decidePage, { runs, warmup: 30 });
  const growthbook = time(gbPage, { runs, warmup: 30 });
  return { core, page, attributes, agree, binaryAgrees, tactful, growthbook, ratio: growthbook.median / tactful.median };
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
  const row = (label, t) => [label, ms(t.median), ms(t.p95), `${ms(t.min)}–${ms(t.max)}`];
  return {
    header: ['200 slots x 3 rules, per page', 'median', 'p95', 'range'],
    rows: [
      row('Tactful (wasm, as the page calls it)', tactful),
      row('GrowthBook JS SDK', growthbook),
      row('Tactful, all 600 conditions distinct', distinct.tactful),
      row('GrowthBook, all 600 conditions distinct', distinct.growthbook),
      row('Tactful (wasm, JSON operation, as tests call it)', tactfulJson),
      row('  of which the wasm call alone', wasmOnly),
    ],
    notes: [
      `GrowthBook / Tactful median: ${ratio.toFixed(2)}x (target ≥ 10x); with all 600 conditions distinct: ${distinct.ratio.toFixed(2)}x`,
      'slots that target the same audience share one compiled condition, evaluated once per page (8 distinct conditions in the first page, 600 in the second)',
      `same choices on all ${SLOTS} slots: ${agree === null ? 'not checked (profile view lacks the score or visits)' : agree && distinct.agree}; binary path agrees with the JSON operation: ${binaryAgrees && distinct.binaryAgrees}`,
    ],
    results: {
      slots: SLOTS, rules: 3, runs, tactful, tactfulJson, wasmOnly, growthbook, ratio, target: 10, agree, binaryAgrees, attributes,
      distinct: { tactful: distinct.tactful, growthbook: distinct.growthbook, ratio: distinct.ratio, agree: distinct.agree },
    },
  };
}
