// Timing helpers shared by the benchmark sections: medians and p95 of repeated runs.
export function summarize(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))];
  return { n: s.length, median: at(0.5), p95: at(0.95), min: s[0], max: s[s.length - 1] };
}

/** Runs `fn` `warmup` times, then times `runs` calls (ms each, high resolution). */
export function time(fn, { warmup = 20, runs = 200 } = {}) {
  for (let i = 0; i < warmup; i++) fn();
  const out = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    out.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return summarize(out);
}

export const ms = (x) => (x >= 1 ? x.toFixed(2) : x.toFixed(3)) + ' ms';
