// Crypto and reports in headless Chromium: the time the wasm core takes to
// build and seal one aggregate report (the core's `report` operation with
// force, after the visitor opted in to aggregate), and sealed-box operations
// per second, ours (each a whole report: values, randomized response, padding,
// X25519 + XSalsa20-Poly1305 sealed box) beside libsodium-wrappers'
// crypto_box_seal of a 200-byte message, in the same page, alternating rounds.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInBenchPage } from './browser-page.mjs';
import { summarize } from './stats.mjs';
import { KEY, PUBLIC_KEY } from './wasm-core.mjs';

export const title = 'Crypto and reports (headless Chromium, one page)';

export async function run({ root, quick }) {
  const config = JSON.parse(readFileSync(join(root, 'demo-site/tactful.config.json'), 'utf8'));
  config.reporting.publicKey = PUBLIC_KEY;
  const r = await runInBenchPage(root, {
    entry: 'bench/crypto-page.mjs', fn: 'runCryptoBench',
    input: { config, key: KEY, rounds: quick ? 3 : 9, ours: quick ? 100 : 300, theirs: quick ? 300 : 1000, messageBytes: 200 },
  });
  const ours = summarize(r.ours.rates), theirs = summarize(r.theirs.rates);
  const oursEach = summarize(r.ours.each), theirsEach = summarize(r.theirs.each);
  const fmt = (x) => Math.round(x).toLocaleString('en-US');
  const ms = (x) => `${x.toFixed(3)} ms`;
  const ratio = ours.median / theirs.median;
  return {
    header: ['in one Chromium page', 'median', 'p95', 'range'],
    rows: [
      ['report build + seal (core `report`, force), per report', ms(1000 / ours.median), ms(oursEach.p95), `${ms(1000 / ours.max)}–${ms(1000 / ours.min)}`],
      ['  first report after opt-in', ms(r.firstReportMs), '', ''],
      ['libsodium-wrappers crypto_box_seal, 200 B, per op', ms(1000 / theirs.median), ms(theirsEach.p95), `${ms(1000 / theirs.max)}–${ms(1000 / theirs.min)}`],
      ['reports built + sealed per second (Tactful wasm)', fmt(ours.median), '', `${fmt(ours.min)}–${fmt(ours.max)}`],
      ['crypto_box_seal per second (libsodium-wrappers)', fmt(theirs.median), '', `${fmt(theirs.min)}–${fmt(theirs.max)}`],
      ['ratio Tactful / libsodium-wrappers', `${ratio.toFixed(2)}x`, '', ''],
    ],
    notes: [
      `${r.ours.rates.length} rounds each, alternating; report ${Math.round(r.reportBase64Bytes * 3 / 4)} bytes sealed (${r.reportBase64Bytes} base64); core start (fetch + compile + instantiate) ${r.startMs.toFixed(1)} ms`,
      `per-op median and range: round time / ops (median of rounds); p95: single ops timed with performance.now() (coarsened by the browser to ${r.crossOriginIsolated ? '5 µs' : '100 µs'})`,
      'ours is a whole report per op (X25519 keypair + shared key without the Ed25519 table, XSalsa20-Poly1305); libsodium-wrappers is its own wasm build of crypto_box_seal',
    ],
    results: { reportMs: 1000 / ours.median, reportSingleOpMs: oursEach, firstReportMs: r.firstReportMs, libsodiumSealMs: 1000 / theirs.median, libsodiumSingleOpMs: theirsEach, reportsPerSecond: ours, libsodiumSealsPerSecond: theirs, ratio, reportBytes: Math.round(r.reportBase64Bytes * 3 / 4), coreStartMs: r.startMs },
  };
}
