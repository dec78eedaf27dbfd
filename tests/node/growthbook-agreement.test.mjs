// Beyond the conformance rows: the wasm core and GrowthBook's own SDK (the
// bench's dev dependency @growthbook/growthbook) evaluate the same edge cases
// and must agree, so a rule carried over targets the same visitors. A
// condition Tactful refuses to compile (documented in docs/conditions.md: it
// tells the owner where GrowthBook quietly answers false) is not compared;
// the case-insensitive operators fold ASCII only (documented), so this corpus
// uses ASCII text for them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { newCore, root } from './core.mjs';

const { evalCondition } = createRequire(join(root, 'package.json'))('@growthbook/growthbook');
const core = await newCore();

const attributes = [
  {}, { a: null }, { a: 0 }, { a: 1 }, { a: 2.5 }, { a: '' }, { a: '0' }, { a: '1' }, { a: ' 2.5 ' }, { a: 'abc' },
  { a: 'ABC' }, { a: true }, { a: false }, { a: [] }, { a: [0] }, { a: [1, 2, 3] }, { a: ['a', 'B'] },
  { a: [null, 0, '', false] }, { a: [[1, 2], [3]] }, { a: [{ b: 1 }, { b: 0 }, {}] }, { a: { b: 1 } },
  { a: { b: [1, 2] } }, { a: { b: null } }, { a: '1.2.3' }, { a: '1.2.3-beta.2' }, { a: '1.2.3-rc.10' },
  { a: 'v1.2.3+build.5' }, { a: '1.2' }, { a: 10 },
];

const conditions = [
  // $elemMatch on scalars and objects, falsy and null elements
  { a: { $elemMatch: { $eq: 0 } } }, { a: { $elemMatch: { $eq: '' } } }, { a: { $elemMatch: { $eq: false } } },
  { a: { $elemMatch: { $lt: 1 } } }, { a: { $elemMatch: {} } }, { a: { $elemMatch: { $exists: false } } },
  { a: { $elemMatch: { $not: { $eq: 1 } } } }, { a: { $elemMatch: { b: 0 } } }, { a: { $elemMatch: { b: { $exists: false } } } },
  { a: { $elemMatch: { $elemMatch: { $gt: 2 } } } }, { a: { $elemMatch: { $size: 2 } } }, { a: { $elemMatch: { $regex: '^a' } } },
  // $exists, $type
  { a: { $exists: false } }, { a: { $exists: true } }, { a: { $exists: 0 } }, { 'a.b': { $exists: false } },
  { a: { $type: 'null' } }, { a: { $type: 'array' } }, { a: { $type: 'object' } }, { a: { $type: 'number' } },
  { a: { $type: 'undefined' } }, { 'a.b': { $type: 'null' } },
  // $in / $nin / $all with arrays on both sides, and their case-insensitive forms
  { a: { $in: [1, 'a'] } }, { a: { $in: [null] } }, { a: { $in: [0, ''] } }, { a: { $nin: [1, 'a'] } }, { a: { $nin: [] } },
  { a: { $ini: ['A', 'abc'] } }, { a: { $nini: ['b'] } }, { a: { $all: [] } }, { a: { $all: [1, { $gt: 2 }] } },
  { a: { $all: [[1, 2]] } }, { a: { $all: [{ b: 1 }] } }, { a: { $alli: ['A', 'b'] } }, { a: { $in: ['1'] } },
  // $size with operators, $not with a regex
  { a: { $size: 0 } }, { a: { $size: { $gte: 2 } } }, { a: { $size: { $in: [1, 3] } } }, { a: { $size: '3' } },
  { a: { $not: { $regex: '^a' } } }, { a: { $not: { $regexi: 'B' } } }, { a: { $not: { $size: 0 } } },
  // dot paths into arrays
  { 'a.0': 1 }, { 'a.1': 'B' }, { 'a.length': 3 }, { 'a.0.b': 1 }, { 'a.b.1': 2 }, { 'a.b.length': { $gt: 1 } }, { 'a.01': null },
  // version operators with prerelease and build tags
  { a: { $vgt: '1.2.3-beta.10' } }, { a: { $vlt: '1.2.3' } }, { a: { $veq: '1.2.3' } }, { a: { $vgte: '1.2.3-rc.2' } },
  { a: { $vlte: '1.2' } }, { a: { $vne: 10 } }, { a: { $vgt: '9' } },
  // $regex against non-strings, numbers against numeric strings
  { a: { $regex: '^null$' } }, { a: { $regex: '^1,2' } }, { a: { $regex: 'true' } }, { a: { $regex: 'object' } },
  { a: { $regexi: '^abc$' } }, { a: 1 }, { a: '1' }, { a: 2.5 }, { a: '2.5' }, { a: { $gt: 1 } }, { a: { $lte: '1' } },
  { a: { $gt: '10' } }, { a: { $eq: 1 } }, { a: { $ne: '1' } }, { a: true }, { a: null }, { a: [1, 2, 3] }, { a: '1,2,3' },
  // logic
  { $or: [] }, { $nor: [] }, { $and: [] }, { $not: { a: { $exists: true } } }, { $or: [{ a: 0 }, { a: '' }] },
];

test('the wasm core answers edge-case conditions as GrowthBook\'s SDK does', () => {
  const disagreements = [];
  let compared = 0;
  for (const condition of conditions) {
    for (const attrs of attributes) {
      const ours = core.call('eval', { condition, attributes: attrs, savedGroups: {} });
      assert.equal(ours.error, undefined, ours.error);
      assert.equal(ours.problems, undefined, `${JSON.stringify(condition)}: ${ours.problems}`);
      compared++;
      const theirs = evalCondition(attrs, condition, {});
      if (ours.result !== theirs) disagreements.push(`${JSON.stringify(condition)} on ${JSON.stringify(attrs)}: GrowthBook ${theirs}, Tactful ${ours.result}`);
    }
  }
  assert.deepEqual(disagreements, []);
  assert.equal(compared, conditions.length * attributes.length);
});
