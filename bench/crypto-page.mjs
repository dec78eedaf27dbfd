// Runs inside the bench page (bundled by bench/crypto.mjs with esbuild): the
// wasm core's report (build + noise + pad + seal) and libsodium-wrappers'
// crypto_box_seal, timed in the same page, in alternating rounds.
import { startCore } from '../dist/core.mjs';
import sodium from 'libsodium-wrappers';

function rounds(n, perRound, op) {
  const rates = [];
  const each = [];
  for (let r = 0; r < n; r++) {
    const t0 = performance.now();
    for (let i = 0; i < perRound; i++) {
      const a = performance.now();
      op();
      each.push(performance.now() - a);
    }
    rates.push(perRound / ((performance.now() - t0) / 1000));
  }
  return { rates, each };
}

window.runCryptoBench = async ({ config, key, rounds: n, ours: oursPerRound, theirs: theirsPerRound, messageBytes }) => {
  const t0 = performance.now();
  const core = await startCore('/tactful.wasm');
  const startMs = performance.now() - t0;
  const check = (what, out) => {
    if (out && out.error) throw new Error(`${what}: ${out.error}`);
    return out;
  };
  check('init', core.call('init', JSON.stringify(config)));
  check('load', core.call('load', { key, signals: {} }));
  check('consent', core.call('consent.set', { purposes: { aggregate: true } }, { gesture: true }));
  // One report per window: each call is a window later, so every call builds and seals one.
  let now = Date.now();
  let size = 0;
  const report = () => {
    now += 86400e3 + 1;
    const out = core.call('report', { force: true }, { now });
    if (!out.report) throw new Error(`report: none built (${JSON.stringify(out).slice(0, 120)})`);
    size = out.report.length;
  };
  const firstT = performance.now();
  report();
  const first = performance.now() - firstT;
  await sodium.ready;
  const { publicKey } = sodium.crypto_box_keypair();
  const msg = sodium.randombytes_buf(messageBytes);
  const seal = () => sodium.crypto_box_seal(msg, publicKey);
  const sealed = seal();
  if (sealed.length !== messageBytes + 48) throw new Error('libsodium seal: unexpected size');
  const ours = { rates: [], each: [] }, theirs = { rates: [], each: [] };
  rounds(1, Math.ceil(oursPerRound / 4), report); // warm-up
  rounds(1, Math.ceil(theirsPerRound / 4), seal);
  for (let r = 0; r < n; r++) {
    const a = rounds(1, oursPerRound, report);
    const b = rounds(1, theirsPerRound, seal);
    ours.rates.push(...a.rates); ours.each.push(...a.each);
    theirs.rates.push(...b.rates); theirs.each.push(...b.each);
  }
  return { startMs, firstReportMs: first, reportBase64Bytes: size, heapBytes: core.mod.HEAPU8.length, ours, theirs, crossOriginIsolated: self.crossOriginIsolated };
};
