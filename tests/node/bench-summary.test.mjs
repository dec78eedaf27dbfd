// `./run bench` ends with one table of the headlines (bench/summary.mjs):
// each measurement beside its peer and target, met or missed by how much.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SUMMARY_HEADER, summaryRows } from '../../bench/summary.mjs';

const stats = (median) => ({ median });

test('each headline is said met or missed, with by how much, from the sections run', () => {
  const rows = summaryRows({
    sizes: { critical: { brotli: 95372 }, peers: { stack: { brotli: 73811 } } },
    page: {
      tactful: { warm: { scriptToSlotsMs: stats(33.5), navigationToSlotsMs: stats(86.2) } },
      growthbook: { warm: { navigationToContentMs: stats(76.4) } },
    },
    decide: {
      tactful: stats(0.027), growthbook: stats(0.461), optimizely: stats(1.24), ratio: 17.07,
      chromium: { tactful: stats(0.05), growthbook: stats(0.4), optimizely: stats(1.3), ratio: 8 },
    },
    collector: { reportsPerSecond: stats(23368), ceiling2Threads: stats(46153), ratio: 0.506 },
  });
  const result = Object.fromEntries(rows.map((r) => [r[0], r]));
  assert.ok(rows.every((r) => r.length === SUMMARY_HEADER.length));
  assert.equal(result['critical path, brotli (loader + wasm)'][4], 'missed by 33.1 KB');
  assert.equal(result['warm script start → slots final, median'][4], 'missed by 3.5 ms');
  assert.equal(result['200 slots × 3 rules, median (Node)'][4], '17.1x GrowthBook: met');
  assert.match(result['200 slots × 3 rules, median (Node)'][2], /1\.2 ms Optimizely/);
  assert.equal(result['200 slots × 3 rules, median (Chromium)'][4], '8.0x GrowthBook: missed');
  assert.equal(result['collector reports stored (2 cores)'][4], '0.506: met');
});

test('a section not run, or failed, has no row', () => {
  assert.deepEqual(summaryRows({}), []);
  assert.deepEqual(summaryRows({ sizes: { error: 'esbuild failed' } }), []);
});
