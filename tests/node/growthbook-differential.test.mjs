// A fixed sample of the differential fuzzer (scripts/gb-diff.mjs): thousands of
// random conditions and attribute documents, evaluated by the wasm core and by
// GrowthBook's own SDK (@growthbook/growthbook, a dev dependency), must agree;
// and so must the hash and the variant an experiment picks. A condition the
// core refuses to compile is skipped only when its reason is one
// docs/conditions.md documents (GrowthBook quietly answers false there).
// On failure the message carries the seed and the first divergent case:
// `node scripts/gb-diff.mjs --seed SEED` replays and shrinks it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { newCore, root, KEY } from './core.mjs';
import { makeGenerator, patternsOf, sortedKeys } from './growthbook-cases.mjs';

const SEED = 20261123;
const CASES = 6000;
const load = createRequire(join(root, 'package.json'));
const { evalCondition } = load('@growthbook/growthbook');
// hash, getBucketRanges and chooseVariation are not in the package's exports map.
const gbUtil = load(join(root, 'node_modules/@growthbook/growthbook/dist/cjs/util.js'));
const core = await newCore();

// Why a generated condition may be refused: logical operators where a value is
// tested, operators mixed with plain keys, and regexes, when JavaScript refuses
// the pattern too or it is one of the constructs the docs list as refused.
const DOCUMENTED_REFUSAL = /combines conditions|mixed with plain keys|unsupported or invalid regex/;
const DOCUMENTED_REGEX_REFUSAL = /octal|may only name ASCII|only as the letter|POSIX classes/;

function refusedRegexJavaScriptAccepts(condition) {
  for (const [op, pattern] of patternsOf(condition)) {
    const alone = core.call('eval', { condition: { x: { [op]: pattern } } });
    if (!alone.problems || DOCUMENTED_REGEX_REFUSAL.test(alone.problems[0])) continue;
    try {
      new RegExp(pattern, op === '$regexi' ? 'i' : undefined);
      return `${JSON.stringify(pattern)}: ${alone.problems[0]}`;
    } catch { /* JavaScript refuses it too */ }
  }
  return null;
}

test(`the wasm core and GrowthBook's evalCondition agree on ${CASES} random cases (seed ${SEED})`, () => {
  const generate = makeGenerator(SEED);
  let compared = 0;
  let matched = 0;
  for (let i = 0; i < CASES; i++) {
    const c = JSON.parse(JSON.stringify(generate()));
    const ours = core.call('eval', c);
    assert.equal(ours.error, undefined, ours.error);
    if (ours.problems) {
      for (const p of ours.problems) {
        assert.match(p, DOCUMENTED_REFUSAL, `seed ${SEED}, case ${i}: refused for an undocumented reason: ${JSON.stringify(c)}`);
      }
      const regex = refusedRegexJavaScriptAccepts(c.condition);
      assert.equal(regex, null, `seed ${SEED}, case ${i}: a regex JavaScript accepts is refused: ${regex}`);
      continue;
    }
    const theirs = evalCondition(sortedKeys(c.attributes), sortedKeys(c.condition), c.savedGroups);
    assert.equal(ours.result, theirs,
      `seed ${SEED}, case ${i} diverges (GrowthBook ${theirs}, Tactful ${ours.result}): ${JSON.stringify(c)}`);
    compared++;
    matched += theirs;
  }
  // The sample must keep exercising both answers, not just agree on false.
  assert.ok(compared > CASES * 0.95, `only ${compared} of ${CASES} compared`);
  assert.ok(matched > compared * 0.1, `only ${matched} of ${compared} cases hold`);
});

test(`GrowthBook's hash and bucketing pick the same variant as the core's experiments (seed ${SEED})`, async () => {
  let s = SEED;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const pieces = ['a', 'id', 'user-', 'é', '😀', '中', '0', '123', ' ', '__'];
  const str = () => Array.from({ length: Math.floor(rand() * 5) }, () => pieces[Math.floor(rand() * pieces.length)]).join('');
  for (let i = 0; i < 500; i++) {
    const [seed, value, version] = [str(), str(), 1 + Math.floor(rand() * 3)];
    assert.equal(core.call('hash', { seed, value, version }).result, gbUtil.hash(seed, value, version),
      `seed ${SEED}: hash(${JSON.stringify(seed)}, ${JSON.stringify(value)}, ${version})`);
  }
  for (let i = 0; i < 12; i++) {
    const n = 2 + Math.floor(rand() * 3);
    let weights = Array.from({ length: n }, () => 0.05 + Math.floor(rand() * 10) / 10);
    const total = weights.reduce((a, b) => a + b, 0);
    weights = weights.map((w) => w / total);
    // Weights adding up to a little under 1 leave some hashes past every share.
    if (i % 3 === 0) weights[n - 1] -= 0.008;
    const key = `exp-${str()}${i}`;
    const hashVersion = 1 + (i % 2);
    const engine = await newCore();
    const config = { version: 1, page: { maxPersonalizedSlots: 10 }, slots: [{ id: 's', experiment: { key, hashVersion },
      variants: weights.map((weight, k) => ({ id: `v${k}`, weight, content: { text: `v${k}` } })) }] };
    assert.equal(engine.call('init', JSON.stringify(config)).error, undefined);
    // Random ids, and ids whose hash falls past the last share, when there is room.
    const ids = Array.from({ length: 25 }, (_, k) => `${str()}${k}`);
    const sum = weights.reduce((a, b) => a + b, 0);
    for (let k = 0; sum < 1 && ids.length < 30 && k < 5000; k++) {
      if (gbUtil.hash(key, `past${k}`, hashVersion) >= sum) ids.push(`past${k}`);
    }
    if (i % 3 === 0) assert.equal(ids.length, 30, 'found ids past every share');
    for (const id of ids) {
      engine.call('load', { key: KEY, signals: {}, bucketId: id });
      engine.call('consent.set', { purposes: { personalization: true } }, { gesture: true });
      const got = engine.call('decide', { path: '/', interests: [], viewport: 'large', slots: ['s'], templates: {} }).slots[0].variant;
      const chosen = gbUtil.chooseVariation(gbUtil.hash(key, id, hashVersion), gbUtil.getBucketRanges(n, 1, weights));
      // Out of the experiment (-1), GrowthBook shows variation 0.
      assert.equal(got, `v${Math.max(chosen, 0)}`, `seed ${SEED}: ${JSON.stringify({ key, id, hashVersion, weights })}`);
    }
  }
});

test("$ini folds every letter as JavaScript's toLowerCase does, and the Greek final sigma by its place in the word", () => {
  const holds = (value, listed) => core.call('eval', { condition: { s: { $ini: [listed] } }, attributes: { s: value } }).result;
  const letters = [];
  for (let c = 0x80; c <= 0x1ffff; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    const s = String.fromCodePoint(c);
    if (s.toLowerCase() !== s) letters.push(s);
  }
  assert.ok(letters.length > 1400, `${letters.length} letters change case`);
  for (const s of letters) assert.equal(holds(s, s.toLowerCase()), true, `U+${s.codePointAt(0).toString(16)} ${s}`);
  // The sigma: σ inside a word, ς at its end; marks and apostrophes do not end a word.
  const words = ['Σ', 'ΑΣ', 'ΣΑ', 'ΑΣΑ', 'ΑΣ Β', 'Α Σ', 'ΑΣ.', 'Α.Σ', "ΑΣ'Β", 'ΑΣ\u0301', 'Α\u0301Σ', '1Σ', 'aΣ', 'ΑΣ1', 'ΟΔΟΣ', 'ΣΟΦΙΑ'];
  for (const w of words) {
    assert.equal(holds(w, w.toLowerCase()), true, `${w} as ${w.toLowerCase()}`);
    const other = w.toLowerCase().replace(/[σς]/g, (c) => (c === 'σ' ? 'ς' : 'σ'));
    if (other !== w.toLowerCase()) assert.equal(holds(w, other), false, `${w} is not ${other}`);
  }
});
