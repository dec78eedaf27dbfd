// `./run bench`: runs every benchmark section, prints one table and writes
// bench/results.json. Each section is a module under bench/ exporting
// `title` and `run({ root, quick })` -> { header, rows, notes, results };
// add a section by adding its module to SECTIONS. Targets are reported, never
// asserted: a benchmark is not a test.
//   node bench/run.mjs [--quick] [section ...]
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const SECTIONS = ['sizes', 'decide', 'track'];

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

const results = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, platform: `${os.platform()} ${os.release()}` },
  quick,
  sections: {},
};
let failed = 0;
const out = [];
for (const name of chosen) {
  const mod = await import(join(here, `${name}.mjs`));
  const t0 = Date.now();
  try {
    const r = await mod.run({ root, quick });
    results.sections[name] = { title: mod.title, seconds: (Date.now() - t0) / 1000, ...r.results };
    out.push(`## ${mod.title}\n${table(r.header, r.rows)}${(r.notes || []).map((n) => `\n  ${n}`).join('')}`);
  } catch (e) {
    failed++;
    results.sections[name] = { title: mod.title, error: e.message };
    out.push(`## ${mod.title}\n  FAILED: ${e.message}`);
  }
  process.stderr.write(`bench: ${name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}
console.log(out.join('\n\n'));
writeFileSync(join(here, 'results.json'), JSON.stringify(results, null, 2) + '\n');
console.log(`\nwrote bench/results.json${failed ? ` (${failed} section(s) failed)` : ''}`);
process.exitCode = failed ? 1 : 0;
