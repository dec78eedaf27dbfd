// Issue 8's decision throughput, as `./run bench` measures it: Tactful in wasm
// beside GrowthBook and Optimizely, in the same Node process and in Chromium.
// What is checked is that each is measured on the same choices, never how
// fast anything is (targets are reported by the bench, not asserted here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { root } from './harness.mjs';
import { run } from '../../bench/decide.mjs';

test('the decision bench times Tactful, GrowthBook and Optimizely in Node and in Chromium, on the same choices', async () => {
  const { rows, results } = await run({ root, quick: true });
  const labels = rows.map((r) => r[0]);
  for (const engine of ['Tactful', 'GrowthBook', 'Optimizely']) {
    assert.ok(labels.some((l) => l.startsWith(engine)), `${engine} in Node: ${labels.join(' | ')}`);
    assert.ok(labels.some((l) => l.startsWith(`in Chromium: ${engine}`)), `${engine} in Chromium`);
  }
  for (const r of [results, results.distinct]) {
    for (const engine of ['tactful', 'growthbook', 'optimizely']) assert.ok(r[engine].median > 0, engine);
    assert.equal(r.agree, true);
    assert.equal(r.optimizelyAgrees, true);
  }
  for (const r of [results.chromium, results.chromium.distinct]) {
    for (const engine of ['tactful', 'growthbook', 'optimizely']) assert.ok(r[engine].median > 0, `${engine} in Chromium`);
    assert.equal(r.agree, true);
  }
});
