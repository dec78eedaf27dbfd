// Every row of the shared GrowthBook conformance vectors, evaluated by the
// wasm build (the native build runs them in tests/native/conformance_test.cpp).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { newCore, root } from './core.mjs';

const vectors = JSON.parse(readFileSync(join(root, '..', 'shared', 'conformance', 'growthbook-conditions.json'), 'utf8'));
const core = await newCore();

for (const [name, condition, attributes, expected, savedGroups] of vectors.evalCondition) {
  test(`evalCondition: ${name}`, () => {
    const out = core.call('eval', { condition, attributes, savedGroups: savedGroups || {} });
    assert.equal(out.error, undefined, out.error);
    assert.equal(out.result, expected);
  });
}

for (const [seed, value, version, expected] of vectors.hash) {
  test(`hash: ${JSON.stringify([seed, value, version])}`, () => {
    const out = core.call('hash', { seed, value, version });
    if (expected === null) assert.equal(out.result, null);
    else assert.ok(Math.abs(out.result - expected) < 1e-9, `${out.result} vs ${expected}`);
  });
}
