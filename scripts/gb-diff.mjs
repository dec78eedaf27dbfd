#!/usr/bin/env node
// Differential fuzzer: random conditions and attribute documents evaluated by
// Tactful (the wasm core, and with --native the `tactful eval` CLI too) and by
// GrowthBook's SDK (@growthbook/growthbook, a dev dependency); then GrowthBook's
// hash and bucketing against the decisions the core makes for experiments.
//
//   node scripts/gb-diff.mjs [--seed N] [--cases N] [--native] [--unicode] [--show N]
//
// --unicode lets $regexi patterns name characters outside ASCII (Tactful
// refuses them, documented). Conditions Tactful refuses to
// compile are not divergences (docs/conditions.md: it tells the owner where
// GrowthBook quietly answers) but are counted by reason, and a refused regex
// that JavaScript accepts is reported. Every divergence is shrunk to a small
// case before it is printed. Exit status 1 when anything diverged.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { newCore, root } from '../tests/node/core.mjs';
import { makeGenerator, patternsOf, sortedKeys } from '../tests/node/growthbook-cases.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const seed = option('--seed', Date.now() % 1e9);
const cases = option('--cases', 20000);
const show = option('--show', 10);
const native = args.includes('--native');
const unicode = args.includes('--unicode');

const load = createRequire(join(root, 'package.json'));
const gb = load('@growthbook/growthbook');
// hash, getBucketRanges and chooseVariation are not in the package's exports
// map; its CommonJS build has them in util.js.
const gbUtil = load(join(root, 'node_modules/@growthbook/growthbook/dist/cjs/util.js'));
const core = await newCore();

const theirs = (c) => gb.evalCondition(sortedKeys(c.attributes), sortedKeys(c.condition), c.savedGroups);
const ours = (c) => core.call('eval', c);
const diverges = (c) => {
  const o = ours(c);
  return !o.problems && o.result !== theirs(c);
};

// Greedy shrinking: drop keys and elements, or replace a part by one of its
// children, while the case still diverges.
function shrink(c) {
  const candidates = function* (v) {
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) yield v.filter((_, j) => j !== i);
      for (let i = 0; i < v.length; i++) for (const s of candidates(v[i])) yield v.map((x, j) => (j === i ? s : x));
    } else if (v && typeof v === 'object') {
      const keys = Object.keys(v);
      for (const k of keys) {
        const o = { ...v };
        delete o[k];
        yield o;
      }
      for (const k of keys) {
        if (v[k] && typeof v[k] === 'object' && !Array.isArray(v[k]) && !k.startsWith('$')) {
          for (const inner of Object.values(v[k])) yield { ...v, [k]: inner };
        }
        for (const s of candidates(v[k])) yield { ...v, [k]: s };
      }
    }
  };
  let best = c;
  for (let improved = true, rounds = 0; improved && rounds < 200; rounds++) {
    improved = false;
    for (const part of ['condition', 'attributes', 'savedGroups']) {
      for (const s of candidates(best[part])) {
        const next = { ...best, [part]: s };
        if (JSON.stringify(next).length < JSON.stringify(best).length && diverges(next)) {
          best = next;
          improved = true;
          break;
        }
      }
    }
  }
  return best;
}

const generate = makeGenerator(seed, { asciiRegexi: !unicode });
const all = [];
const divergent = [];
const rejected = new Map();
const rejectedRegexJsAccepts = [];
const examples = new Map();
// Constructs docs/conditions.md lists as refused although JavaScript has them.
const DOCUMENTED_REGEX_REFUSALS =
  /backreference|lookahead|lookbehind|named group|property|\\u\{|octal|may only name ASCII|\\c must be followed|hex digits|only as the letter|POSIX classes/;
const started = performance.now();
for (let i = 0; i < cases; i++) {
  const c = JSON.parse(JSON.stringify(generate()));
  all.push(c);
  const o = ours(c);
  if (o.error) throw new Error(`case ${i}: ${o.error}`);
  if (o.problems) {
    for (const p of o.problems) {
      const reason = p.replace(/^condition[^:]*: /, '').replace(/, in .*$/, '').replace(/'[^']*'|"[^"]*"/g, '…');
      rejected.set(reason, (rejected.get(reason) || 0) + 1);
      if (!examples.has(reason)) examples.set(reason, c.condition);
    }
    for (const [op, pattern] of patternsOf(c.condition)) {
      const flags = op === '$regexi' ? 'i' : undefined;
      const alone = ours({ condition: { x: { [op]: pattern } } });
      if (!alone.problems || DOCUMENTED_REGEX_REFUSALS.test(alone.problems[0])) continue;
      try {
        new RegExp(pattern, flags);
        rejectedRegexJsAccepts.push({ pattern, flags, problem: alone.problems[0] });
      } catch { /* JavaScript refuses it too: documented */ }
    }
    continue;
  }
  let gbResult;
  try {
    gbResult = theirs(c);
  } catch (e) {
    divergent.push({ index: i, case: c, note: `GrowthBook threw ${e.message}` });
    continue;
  }
  if (gbResult !== o.result) divergent.push({ index: i, case: c, growthbook: gbResult, tactful: o.result });
}
const elapsed = performance.now() - started;

let nativeMismatches = [];
if (native) {
  const input = all.map((c) => JSON.stringify(c)).join('\n') + '\n';
  const run = spawnSync(join(root, 'build/native/tactful'), ['eval'], { input, maxBuffer: 1 << 28 });
  const lines = run.stdout.toString().trim().split('\n');
  all.forEach((c, i) => {
    const w = ours(c).result;
    if (String(w) !== lines[i]) nativeMismatches.push({ index: i, case: c, wasm: w, native: lines[i] });
  });
}

// Hash and bucketing: GrowthBook's hash, and its getBucketRanges +
// chooseVariation, against the variant the core decides for an experiment.
const hashDivergences = [];
const bucketDivergences = [];
let hashes = 0;
let buckets = 0;
{
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const pieces = ['a', 'id', 'user-', 'é', '😀', '中', '0', '123', ' ', '__', 'ﬀ', '\u0000'];
  const str = () => Array.from({ length: Math.floor(rand() * 5) }, () => pieces[Math.floor(rand() * pieces.length)]).join('');
  for (let i = 0; i < Math.min(cases, 5000); i++) {
    const seedText = str();
    const value = str();
    const version = [1, 2, 3][Math.floor(rand() * 3)];
    const mine = core.call('hash', { seed: seedText, value, version }).result;
    hashes++;
    const want = gbUtil.hash(seedText, value, version);
    if (mine !== want) hashDivergences.push({ seed: seedText, value, version, growthbook: want, tactful: mine });
  }
  const configFor = (key, weights, hashVersion) => JSON.stringify({
    version: 1,
    page: { maxPersonalizedSlots: 10 },
    slots: [{ id: 's', experiment: { key, hashVersion }, variants: weights.map((w, i) => ({ id: `v${i}`, weight: w, content: { text: `v${i}` } })) }],
  });
  for (let i = 0; i < Math.min(cases / 20, 500); i++) {
    const n = 2 + Math.floor(rand() * 4);
    let weights = Array.from({ length: n }, () => Math.floor(rand() * 10) / 10);
    if (rand() < 0.5) {
      const total = weights.reduce((a, b) => a + b, 0) || 1;
      weights = weights.map((w) => w / total);
    }
    if (rand() < 0.3) weights = weights.map((w, j) => (j === 0 ? w + (rand() - 0.5) * 0.02 : w));
    const total = weights.reduce((a, b) => a + b, 0);
    // Outside 0.99..1.01 Tactful scales the weights and GrowthBook splits
    // equally (documented, and lint warns): nothing to compare.
    if (weights.some((w) => w < 0) || total < 0.99 || total > 1.01) continue;
    const key = `exp-${str()}${i}`;
    const hashVersion = 1 + Math.floor(rand() * 2);
    const engine = await newCore();
    const init = engine.call('init', configFor(key, weights, hashVersion));
    if (init.error) { bucketDivergences.push({ key, weights, note: `init: ${init.error}` }); continue; }
    for (let k = 0; k < 20; k++) {
      const id = `${str()}${k}`;
      engine.call('load', { key: Buffer.alloc(32, 7).toString('base64'), signals: {}, bucketId: id });
      engine.call('consent.set', { purposes: { personalization: true } }, { gesture: true });
      const got = engine.call('decide', { path: '/', interests: [], viewport: 'large', slots: ['s'], templates: {} }).slots[0].variant;
      const h = gbUtil.hash(key, id, hashVersion);
      buckets++;
      let want = gbUtil.chooseVariation(h, gbUtil.getBucketRanges(n, 1, weights));
      // Not in the experiment (a hash past the last share) shows GrowthBook's variation 0.
      if (want < 0) want = 0;
      if (got !== `v${want}`) bucketDivergences.push({ key, id, hashVersion, weights, hash: h, growthbook: `v${want}`, tactful: got });
    }
  }
}

// Non-ASCII escaped, so a no-break space does not pass for a space.
const json = (v) => JSON.stringify(v).replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
console.log(`seed ${seed}: ${cases} cases in ${elapsed.toFixed(0)} ms; ${divergent.length} divergent, ` +
  `${[...rejected.values()].reduce((a, b) => a + b, 0)} problems in refused conditions` +
  (native ? `, ${nativeMismatches.length} native/wasm mismatches` : ''));
for (const [reason, n] of [...rejected].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  refused ${n}x: ${reason}\n      e.g. ${json(examples.get(reason)).slice(0, 200)}`);
for (const x of rejectedRegexJsAccepts.slice(0, show)) console.log(`REFUSED REGEX THAT JS ACCEPTS: ${json(x)}`);
const seen = new Set();
for (const d of divergent) {
  if (seen.size >= show) break;
  const small = d.case && !d.note ? shrink(d.case) : d.case;
  const key = json(small);
  if (seen.has(key)) continue;
  seen.add(key);
  console.log(`DIVERGENT case ${d.index}: ${key}\n  GrowthBook ${theirs(small)}, Tactful ${ours(small).result}${d.note ? ` (${d.note})` : ''}`);
}
for (const m of nativeMismatches.slice(0, show)) console.log(`NATIVE/WASM: ${json(m)}`);
for (const h of hashDivergences.slice(0, show)) console.log(`HASH: ${json(h)}`);
for (const b of bucketDivergences.slice(0, show)) console.log(`BUCKET: ${json(b)}`);
console.log(`hash: ${hashDivergences.length} of ${hashes} divergent; bucketing: ${bucketDivergences.length} of ${buckets} decisions divergent`);
process.exitCode = divergent.length || nativeMismatches.length || hashDivergences.length || bucketDivergences.length || rejectedRegexJsAccepts.length ? 1 : 0;
