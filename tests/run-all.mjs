// Runs every suite and prints one summary line: "N passed, N failed, N skipped".
//   native   doctest binary (C++ core, CLI, collector, conformance natively)
//   node     the wasm core in Node (node --test tests/node)
//   browser  Playwright + headless Chromium against the demo site (tests/browser)
// Usage: node tests/run-all.mjs [native|node|browser ...] [--filter TEXT]
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const filterAt = args.indexOf('--filter');
const filter = filterAt >= 0 ? args.splice(filterAt, 2)[1] : null;
const wanted = args.length ? args : ['native', 'node', 'browser'];

function run(cmd, argv, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; process.stdout.write(d); });
    child.stderr.on('data', (d) => { process.stderr.write(d); });
    child.on('close', (code) => resolve({ code, out }));
  });
}

function tapCounts(out) {
  const num = (name) => {
    const m = out.match(new RegExp(`^# ${name} (\\d+)$`, 'm'));
    return m ? Number(m[1]) : null;
  };
  const pass = num('pass');
  const fail = num('fail');
  if (pass === null || fail === null) return null;
  return { passed: pass, failed: fail + (num('cancelled') || 0), skipped: (num('skipped') || 0) + (num('todo') || 0) };
}

function testFiles(dir) {
  return readdirSync(join(root, dir)).filter((f) => f.endsWith('.test.mjs')).sort().map((f) => join(dir, f));
}

const suites = {
  async native() {
    const argv = filter ? [`--test-case=*${filter}*`] : [];
    const { code, out } = await run(join(root, 'build/native/tactful_tests'), ['--no-version', ...argv]);
    const m = out.match(/test cases:\s*(\d+)\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed\s*\|\s*(\d+) skipped/);
    if (!m) return { passed: 0, failed: 1, skipped: 0, note: `doctest exited ${code} without a summary` };
    return { passed: Number(m[2]), failed: Number(m[3]) + (code !== 0 && Number(m[3]) === 0 ? 1 : 0), skipped: Number(m[4]) };
  },
  async node() {
    const argv = ['--test', '--test-reporter=tap', ...(filter ? ['--test-name-pattern', filter] : []), ...testFiles('tests/node')];
    const { code, out } = await run(process.execPath, argv, { NODE_OPTIONS: '--no-experimental-fetch' });
    return tapCounts(out) || { passed: 0, failed: 1, skipped: 0, note: `node --test exited ${code} without a summary` };
  },
  async browser() {
    const argv = ['--test', '--test-reporter=tap', '--test-concurrency=1', ...(filter ? ['--test-name-pattern', filter] : []), ...testFiles('tests/browser')];
    const { code, out } = await run(process.execPath, argv);
    return tapCounts(out) || { passed: 0, failed: 1, skipped: 0, note: `browser suite exited ${code} without a summary` };
  },
};

const total = { passed: 0, failed: 0, skipped: 0 };
const lines = [];
for (const name of wanted) {
  if (!suites[name]) {
    console.error(`unknown suite ${name}`);
    process.exit(2);
  }
  const started = Date.now();
  const r = await suites[name]();
  for (const k of Object.keys(total)) total[k] += r[k];
  lines.push(`  ${name.padEnd(8)} ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped (${((Date.now() - started) / 1000).toFixed(1)} s)${r.note ? ' - ' + r.note : ''}`);
}
console.log('\nsuites:\n' + lines.join('\n'));
const shots = join(root, 'test-results', 'screenshots');
if (existsSync(shots)) console.log(`screenshots: ${shots} (${readdirSync(shots).length} files)`);
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed > 0 ? 1 : 0);
