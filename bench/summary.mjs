// The one table `./run bench` ends with: each headline measurement of issue 8
// beside its peer and its target, said met or missed (and by how much). Built
// from the sections' results; a section not run (or failed) has no row.
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const ms = (x) => `${x < 1 ? x.toFixed(3) : x.toFixed(1)} ms`;
const perSecond = (x) => `${Math.round(x).toLocaleString('en-US')}/s`;
const times = (x) => `${x.toFixed(1)}x`;
const ok = (s) => s && !s.error;

export const SUMMARY_HEADER = ['headline', 'Tactful', 'beside it', 'target', 'result'];

export function summaryRows(S) {
  const rows = [];
  if (ok(S.sizes) && S.sizes.critical) {
    const c = S.sizes.critical.brotli, stack = S.sizes.peers && S.sizes.peers.stack;
    rows.push(['critical path, brotli (loader + wasm)', kb(c),
      stack && !stack.error ? `${kb(stack.brotli)} GrowthBook + cookie consent + PostHog slim` : '',
      '≤ 60.0 KB', c <= 61440 ? 'met' : `missed by ${kb(c - 61440)}`]);
  }
  if (ok(S.page) && S.page.tactful) {
    const t = S.page.tactful.warm, g = S.page.growthbook.warm, w = t.scriptToSlotsMs.median;
    rows.push(['warm script start → slots final, median', ms(w),
      `navigation → final: ${ms(t.navigationToSlotsMs.median)}, GrowthBook ${ms(g.navigationToContentMs.median)}`,
      '< 30 ms', w < 30 ? 'met' : `missed by ${ms(w - 30)}`]);
  }
  if (ok(S.decide) && S.decide.tactful) {
    const d = S.decide;
    const where = [['Node', d], ...(d.chromium ? [['Chromium', d.chromium]] : [])];
    for (const [name, r] of where) {
      rows.push([`200 slots × 3 rules, median (${name})`, ms(r.tactful.median),
        `${ms(r.growthbook.median)} GrowthBook${r.optimizely ? `, ${ms(r.optimizely.median)} Optimizely` : ''}`,
        '≥ 10x GrowthBook', `${times(r.ratio)} GrowthBook: ${r.ratio >= 10 ? 'met' : 'missed'}`]);
    }
  }
  if (ok(S.track) && S.track.eventsPerSecond) {
    rows.push(['track() events in the core / JS API', perSecond(S.track.eventsPerSecond.median),
      S.track.jsApiEventsPerSecond ? `${perSecond(S.track.jsApiEventsPerSecond.median)} through tactful.track` : '', '', 'reported']);
  }
  if (ok(S.crypto) && typeof S.crypto.reportMs === 'number') {
    rows.push(['report build + seal (Chromium)', ms(S.crypto.reportMs),
      `${ms(S.crypto.libsodiumSealMs)} libsodium-wrappers seal`, '', 'reported']);
  }
  if (ok(S.collector) && S.collector.reportsPerSecond) {
    const c = S.collector;
    rows.push(['collector reports stored (2 cores)', perSecond(c.reportsPerSecond.median),
      `${perSecond(c.ceiling2Threads.median)} crypto ceiling`, '≥ 0.5 of the ceiling',
      `${c.ratio.toFixed(3)}: ${c.ratio >= 0.5 ? 'met' : 'missed'}`]);
  }
  return rows;
}
