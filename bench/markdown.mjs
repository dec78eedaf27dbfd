// Prints bench/results.json as Markdown (headline ratios, then each section's
// table); with --write, puts it into docs/performance.md between the markers
// <!-- results:begin --> and <!-- results:end -->.
//   node bench/markdown.mjs [--write]
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const results = JSON.parse(readFileSync(join(here, 'results.json'), 'utf8'));
const S = results.sections;
const cell = (c) => String(c).replace(/\|/g, '\\|');
const num = (c) => (typeof c === 'number' ? c.toLocaleString('en-US') : cell(c));
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const out = [];

// Headline: each target, met or missed and by how much.
const head = [];
if (S.sizes && S.sizes.critical) {
  const c = S.sizes.critical.brotli, stack = S.sizes.peers && S.sizes.peers.stack;
  head.push(`- **Bytes**: critical path ${kb(c)} brotli — target ≤ 60 KB ${c <= 61440 ? '**met**' : `**missed by ${kb(c - 61440)}**`}` +
    (stack && !stack.error ? `; GrowthBook + vanilla-cookieconsent + PostHog slim: ${kb(stack.brotli)} (Tactful is ${(c / stack.brotli).toFixed(2)}× that stack)` : '') +
    (S.sizes.panel ? `; the panel (${kb(S.sizes.panel.brotli)}) loads only when opened.` : '.'));
}
if (S.page && S.page.tactful) {
  const t = S.page.tactful, g = S.page.growthbook, w = t.warm.scriptToSlotsMs.median;
  head.push(`- **Time to personalized slots** (warm, median): ${w.toFixed(1)} ms from script start — target < 30 ms ${w < 30 ? '**met**' : `**missed by ${(w - 30).toFixed(1)} ms**`}; ` +
    `navigation → final ${t.warm.navigationToSlotsMs.median.toFixed(1)} ms vs GrowthBook ${g.warm.navigationToContentMs.median.toFixed(1)} ms; ` +
    `Tactful hides only the slot (hero hidden ${t.warm.heroHiddenMs.median.toFixed(1)} ms), GrowthBook hides the whole page (${g.warm.pageHiddenMs.median.toFixed(1)} ms warm, ${g.cold.pageHiddenMs.median.toFixed(1)} ms cold); layout shift ${Math.max(t.warm.layoutShiftMax, t.cold.layoutShiftMax)}.`);
}
if (S.decide && S.decide.ratio) {
  head.push(`- **Decisions** (200 slots × 3 rules): Tactful ${S.decide.tactful.median.toFixed(3)} ms vs GrowthBook ${S.decide.growthbook.median.toFixed(3)} ms — ${S.decide.ratio.toFixed(1)}× GrowthBook; target ≥ 10× ${S.decide.ratio >= 10 ? '**met**' : `**missed** (${(10 / S.decide.ratio).toFixed(1)}× short)`}${S.decide.distinct ? `; with all 600 conditions distinct ${S.decide.distinct.ratio.toFixed(1)}×` : ''}` +
    (S.decide.optimizely ? `; Optimizely ${S.decide.optimizely.median.toFixed(3)} ms (${S.decide.optimizelyRatio.toFixed(1)}×)` : '') +
    (S.decide.chromium ? `; in Chromium ${S.decide.chromium.ratio.toFixed(1)}× GrowthBook, ${S.decide.chromium.optimizelyRatio.toFixed(1)}× Optimizely` : '') + '.');
}
if (S.track && S.track.eventsPerSecond) {
  head.push(`- **Core work**: ${Math.round(S.track.eventsPerSecond.median).toLocaleString('en-US')} track() events/s in the core, ${S.track.jsApiEventsPerSecond ? Math.round(S.track.jsApiEventsPerSecond.median).toLocaleString('en-US') : '–'} through the JS API in Chromium; ${S.track.snapshotBytes.toLocaleString('en-US')}-byte snapshot and ${(S.track.heapBytes / 1048576).toFixed(0)} MiB of wasm memory at 10,000 events.`);
}
if (S.crypto && typeof S.crypto.reportMs === 'number') {
  head.push(`- **Reports**: build + seal ${S.crypto.reportMs.toFixed(3)} ms per report in Chromium; ${Math.round(S.crypto.reportsPerSecond.median).toLocaleString('en-US')} reports/s vs libsodium-wrappers' ${Math.round(S.crypto.libsodiumSealsPerSecond.median).toLocaleString('en-US')} bare seals/s (${S.crypto.ratio.toFixed(2)}×).`);
}
if (S.collector && S.collector.reportsPerSecond) {
  const c = S.collector;
  head.push(`- **Collector**: ${Math.round(c.reportsPerSecond.median).toLocaleString('en-US')} reports/s stored on 2 cores (client included) vs a ${Math.round(c.ceiling2Threads.median).toLocaleString('en-US')}/s crypto ceiling: ${c.ratio.toFixed(3)} — target ≥ 0.5 ${c.ratio >= 0.5 ? '**met**' : `**missed** (${(0.5 / c.ratio).toFixed(1)}× short)`}; per collector core, client excluded: ${c.ratioPerCore ? c.ratioPerCore.median.toFixed(2) : '–'}.`);
}
const m = results.machine;
out.push(`Run of ${results.date.slice(0, 16).replace('T', ' ')} UTC${results.quick ? ' (--quick)' : ''}: ${m.cpus} cores (${m.cpu}), Node ${m.node}, Chromium headless; ` +
  `all sections in ${results.seconds ? results.seconds.toFixed(0) : '?'} s; load average ${m.loadAverageAtStart ? m.loadAverageAtStart[0].toFixed(1) : '?'} at start (the machine is shared; see the ranges).\n`);
out.push(head.join('\n') + '\n');
out.push('![Sizes and times, Tactful beside its peers](../bench/chart.svg)\n');

for (const [name, s] of Object.entries(S)) {
  if (!s.table) continue;
  const { header, rows, notes } = s.table;
  out.push(`### ${s.title}${s.quick ? ' (quick run)' : ''}\n`);
  out.push(`| ${header.map(cell).join(' | ')} |`);
  out.push(`|${header.map((_, i) => (i ? '---:' : '---')).join('|')}|`);
  for (const r of rows) out.push(`| ${r.map((c, i) => (i === 0 ? cell(c).replace(/^ {2}/, '· ') : num(c))).join(' | ')} |`);
  if (notes.length) out.push(`\n${notes.map((n) => `- ${n}`).join('\n')}`);
  out.push(`\n<sub>section \`${name}\`: ${s.seconds.toFixed(0)} s</sub>\n`);
}
const text = out.join('\n');
if (process.argv.includes('--write')) {
  const path = join(here, '..', 'docs', 'performance.md');
  const doc = readFileSync(path, 'utf8');
  const re = /<!-- results:begin -->[\s\S]*<!-- results:end -->/;
  if (!re.test(doc)) throw new Error('docs/performance.md has no <!-- results:begin --> … <!-- results:end --> markers');
  writeFileSync(path, doc.replace(re, `<!-- results:begin -->\n${text}\n<!-- results:end -->`));
  process.stderr.write('bench: updated the results in docs/performance.md\n');
} else {
  console.log(text);
}
