// Draws bench/chart.svg from bench/results.json: bytes shipped (brotli) beside
// the peers, and the time comparisons (page, decisions). Plain SVG, by hand.
//   node bench/chart.mjs (run.mjs also runs it after each run)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const results = JSON.parse(readFileSync(join(here, 'results.json'), 'utf8'));
const S = results.sections;
const esc = (t) => String(t).replace(/&/g, '&amp;').replace(/</g, '&lt;');

const W = 900, LABEL = 330, BAR = 18, GAP = 6, RIGHT = 90;
let y = 0;
const parts = [];
function panel(heading, unit, bars, mark) {
  const shown = bars.filter((b) => Number.isFinite(b.value));
  if (!shown.length) return;
  y += 34;
  parts.push(`<text x="10" y="${y}" class="h">${esc(heading)}</text>`);
  y += 12;
  const max = Math.max(...shown.map((b) => b.value), mark ? mark.value : 0);
  const top = y;
  for (const b of shown) {
    const w = Math.max(1, (b.value / max) * (W - LABEL - RIGHT));
    parts.push(`<text x="${LABEL - 8}" y="${y + BAR - 5}" class="l" text-anchor="end">${esc(b.label)}</text>`);
    parts.push(`<rect x="${LABEL}" y="${y}" width="${w.toFixed(1)}" height="${BAR}" fill="${b.ours ? '#1f6f5c' : '#9aa5b1'}"/>`);
    parts.push(`<text x="${LABEL + w + 6}" y="${y + BAR - 5}" class="v">${esc(b.text ?? `${b.value.toFixed(1)} ${unit}`)}</text>`);
    y += BAR + GAP;
  }
  if (mark) {
    const x = LABEL + (mark.value / max) * (W - LABEL - RIGHT);
    parts.push(`<line x1="${x.toFixed(1)}" y1="${top - 4}" x2="${x.toFixed(1)}" y2="${y - GAP + 4}" stroke="#c0392b" stroke-dasharray="4 3"/>`);
    parts.push(`<text x="${(x + 4).toFixed(1)}" y="${y + 8}" class="n" fill="#c0392b">${esc(mark.label)}</text>`);
    y += 10;
  }
}

if (S.sizes && S.sizes.critical) {
  const kb = (n) => n / 1024;
  const p = S.sizes.peers || {};
  const bars = [
    { label: 'Tactful critical path (JS + wasm)', value: kb(S.sizes.critical.brotli), ours: true },
    S.sizes.panel && { label: 'Tactful panel, lazy (JS + CSS)', value: kb(S.sizes.panel.brotli), ours: true },
  ].filter(Boolean);
  for (const [id, label] of [['stack', 'GrowthBook + cookieconsent + PostHog slim'], ['growthbook', 'GrowthBook'], ['optimizely', 'Optimizely'],
    ['ninetailed', 'Ninetailed'], ['croct', 'Croct'], ['posthog', 'PostHog (default)'], ['posthogSlim', 'PostHog slim'],
    ['klaro', 'Klaro'], ['cookieconsent', 'vanilla-cookieconsent (JS + CSS)']]) {
    if (p[id] && !p[id].error) bars.push({ label, value: kb(p[id].brotli) });
  }
  panel('Bytes shipped, brotli -q11 (KB)', 'KB', bars, { value: 60, label: 'target for Tactful: 60 KB' });
}
if (S.page && S.page.tactful) {
  const t = S.page.tactful, g = S.page.growthbook;
  const bars = [];
  for (const c of ['warm', 'cold']) {
    bars.push({ label: `${c}: navigation → final, Tactful`, value: t[c].navigationToSlotsMs.median, ours: true });
    bars.push({ label: `${c}: navigation → final, GrowthBook`, value: g[c].navigationToContentMs.median });
    bars.push({ label: `${c}: script start → final, Tactful`, value: t[c].scriptToSlotsMs.median, ours: true });
    bars.push({ label: `${c}: script start → final, GrowthBook`, value: g[c].scriptToContentMs.median });
  }
  panel(`Time to personalized content, Chromium, median of ${S.page.loads} loads (ms)`, 'ms', bars);
}
if (S.decide && S.decide.tactful) {
  panel('200 slots × 3 rules per page, median (ms; target: GrowthBook / Tactful ≥ 10×)', 'ms', [
    { label: 'Tactful (wasm, as the page calls it)', value: S.decide.tactful.median, ours: true, text: `${S.decide.tactful.median.toFixed(3)} ms` },
    { label: 'GrowthBook JS SDK', value: S.decide.growthbook.median, text: `${S.decide.growthbook.median.toFixed(3)} ms` },
    ...(S.decide.optimizely ? [{ label: 'Optimizely JS SDK', value: S.decide.optimizely.median, text: `${S.decide.optimizely.median.toFixed(3)} ms` }] : []),
  ]);
}
if (S.crypto && typeof S.crypto.reportMs === 'number') {
  panel('Sealing in Chromium, per operation (ms)', 'ms', [
    { label: 'Tactful report: build + seal', value: S.crypto.reportMs, ours: true, text: `${S.crypto.reportMs.toFixed(3)} ms` },
    { label: 'libsodium-wrappers crypto_box_seal (200 B)', value: S.crypto.libsodiumSealMs, text: `${S.crypto.libsodiumSealMs.toFixed(3)} ms` },
  ]);
}
if (S.collector && S.collector.reportsPerSecond) {
  const c = S.collector;
  panel('Collector, reports per second on 2 cores (target: ≥ 0.5 × the crypto ceiling)', '/s', [
    { label: 'tactful serve: HTTP + open + check + store', value: c.reportsPerSecond.median, ours: true, text: `${Math.round(c.reportsPerSecond.median).toLocaleString('en-US')} /s` },
    { label: 'ceiling: crypto_box_seal_open, 2 threads', value: c.ceiling2Threads.median, text: `${Math.round(c.ceiling2Threads.median).toLocaleString('en-US')} /s` },
  ]);
}
y += 30;
parts.push(`<text x="10" y="${y}" class="n">${esc(`${results.machine.cpus} cores, ${results.machine.cpu || ''}, Node ${results.machine.node}; ${results.date.slice(0, 10)}. Green: Tactful; grey: peers and references. Medians; ranges in docs/performance.md.`)}</text>`);
y += 12;
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" viewBox="0 0 ${W} ${y}" font-family="system-ui, sans-serif">
<style>.h{font-size:15px;font-weight:600;fill:#111}.l{font-size:12px;fill:#333}.v{font-size:12px;fill:#111}.n{font-size:11px;fill:#555}</style>
<rect width="100%" height="100%" fill="#fff"/>
${parts.join('\n')}
</svg>
`;
writeFileSync(join(here, 'chart.svg'), svg);
process.stderr.write(`bench: wrote bench/chart.svg (${svg.length} bytes)\n`);
