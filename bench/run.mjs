// `./run bench`: runs every benchmark section, prints each section's table
// and then one summary table (bench/summary.mjs: each headline beside its
// peer and target), and writes bench/results.json. Each section is a module under bench/ exporting
// `title` and `run({ root, quick })` -> { header, rows, notes, results };
// add a section by adding its module to MODULES. Targets are reported, never
// asserted: a benchmark is not a test.
// Also draws bench/chart.svg and, after a full run, updates the results in
// docs/performance.md (bench/markdown.mjs --write).
//   node bench/run.mjs [--quick] [section ...]
// sections: sizes page decide track crypto collector
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { SUMMARY_HEADER, summaryRows } from './summary.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
// section name -> module (collector.mjs and page-timing.mjs are also standalone scripts).
const MODULES = {
  sizes: 'sizes.mjs', page: 'page.mjs', decide: 'decide.mjs', track: 'track.mjs',
  crypto: 'crypto.mjs', collector: 'collector-section.mjs',
};
const SECTIONS = Object.keys(MODULES);

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.filter((a) => !a.startsWith('--'));
const chosen = only.length ? SECTIONS.filter((s) => only.includes(s)) : SECTIONS;

function table(header, rows) {
  const all = [header, ...rows].map((r) => r.map((c) => String(c)));
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] || '').length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(all[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

// Running only some sections keeps the others' latest results in results.json.
const resultsPath = join(here, 'results.json');
let previous = {};
try {
  if (only.length && existsSync(resultsPath)) previous = JSON.parse(readFileSync(resultsPath, 'utf8')).sections || {};
} catch { /* unreadable: start afresh */ }
const started = Date.now();
const results = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, platform: `${os.platform()} ${os.release()}`, loadAverageAtStart: os.loadavg() },
  quick,
  sections: previous,
};
let failed = 0;
const out = [];
for (const name of chosen) {
  const mod = await import(join(here, MODULES[name]));
  const t0 = Date.now();
  try {
    const r = await mod.run({ root, quick });
    results.sections[name] = { title: mod.title, date: results.date, quick, seconds: (Date.now() - t0) / 1000, table: { header: r.header, rows: r.rows, notes: r.notes || [] }, ...r.results };
    out.push(`## ${mod.title}\n${table(r.header, r.rows)}${(r.notes || []).map((n) => `\n  ${n}`).join('')}`);
  } catch (e) {
    failed++;
    results.sections[name] = { title: mod.title, error: e.message };
    out.push(`## ${mod.title}\n  FAILED: ${e.message}`);
  }
  process.stderr.write(`bench: ${name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}
results.seconds = (Date.now() - started) / 1000;
results.machine.loadAverageAtEnd = os.loadavg();
results.summary = { header: SUMMARY_HEADER, rows: summaryRows(results.sections) };
out.push(`## Summary: headlines and targets\n${table(SUMMARY_HEADER, results.summary.rows)}`);
console.log(out.join('\n\n'));
writeFileSync(resultsPath, JSON.stringify(results, null, 2) + '\n');
console.log(`\nall sections in ${results.seconds.toFixed(0)} s; load average ${results.machine.loadAverageAtStart.map((x) => x.toFixed(1)).join(' ')} at start, ${results.machine.loadAverageAtEnd.map((x) => x.toFixed(1)).join(' ')} at end (${results.machine.cpus} cores)`);
await import('./chart.mjs'); // bench/chart.svg from the results just written
// A full run (every section, not --quick, none failed) is what docs/performance.md shows.
if (!quick && !only.length && !failed) {
  const { execFileSync } = await import('node:child_process');
  execFileSync(process.execPath, [join(here, 'markdown.mjs'), '--write'], { stdio: 'inherit' });
}
console.log(`\nwrote bench/results.json${failed ? ` (${failed} section(s) failed)` : ''}`);
process.exitCode = failed ? 1 : 0;
