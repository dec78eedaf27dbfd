// `./run help`, a mistyped verb and a mistyped PORT: the newcomer's first
// look at the entry point lists every verb (and only the usage text, no shell
// code), and the demo prints no URL it will not serve.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const run = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'run');
const VERBS = ['demo', 'test', 'bench', 'tactful', 'package', 'build'];

test('./run help lists every verb and nothing but the usage', () => {
  const r = spawnSync(run, ['help'], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  for (const verb of VERBS) assert.match(r.stdout, new RegExp(`^  \\./run ${verb}\\b`, 'm'), verb);
  assert.doesNotMatch(r.stdout, /set -|ROOT=|^#/m);
});

test('an unknown verb exits 2 naming every verb', () => {
  const r = spawnSync(run, ['nope'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown verb 'nope'/);
  for (const verb of VERBS) assert.ok(r.stderr.includes(verb), verb);
});

test('the demo refuses a PORT that is not a port number before printing any URL', () => {
  const state = mkdtempSync(join(tmpdir(), 'tactful-demo-state-'));
  try {
    for (const port of ['abc', '99999', '80a']) {
      const demo = join(dirname(run), 'scripts', 'demo.sh');
      const r = spawnSync(demo, { encoding: 'utf8', env: { ...process.env, PORT: port, TACTFUL_STATE: state }, timeout: 10000 });
      assert.equal(r.status, 2, port);
      assert.equal(r.stdout, '', port);
      assert.match(r.stderr, new RegExp(`PORT: expected a whole number from 0 to 65535, got '${port}'`));
    }
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
});

// The demo on PORT=0 in a fresh state directory; resolves to { demo, out, state } once it listens.
async function startDemo() {
  const state = mkdtempSync(join(tmpdir(), 'tactful-demo-state-'));
  const demo = spawn(join(dirname(run), 'scripts', 'demo.sh'), { env: { ...process.env, PORT: '0', TACTFUL_STATE: state } });
  let out = '';
  try {
    await new Promise((resolve, reject) => {
      demo.stdout.on('data', (chunk) => {
        out += chunk;
        if (/listening on /.test(out)) resolve();
      });
      demo.on('exit', (code) => reject(new Error(`the demo exited (${code}) before listening: ${out}`)));
    });
  } catch (e) {
    rmSync(state, { recursive: true, force: true });
    throw e;
  }
  return {
    demo, out, state,
    stop() {
      demo.kill();
      rmSync(state, { recursive: true, force: true });
    },
  };
}

test('the demo on PORT=0 prints no URL with port 0: it points at the port the server took', async () => {
  const { out, stop } = await startDemo();
  try {
    assert.doesNotMatch(out, /127\.0\.0\.1:0\//);
    assert.match(out, /listening on http:\/\/127\.0\.0\.1:[1-9]\d*\//);
    assert.match(out, /Owner's insights: .*insights\?token=/);
  } finally {
    stop();
  }
});

// A command line is readable by every user of the machine (ps, /proc).
test("the demo's owner token is not on the server's command line, and its state is its owner's only", async () => {
  const { demo, out, state, stop } = await startDemo();
  try {
    const token = out.match(/Owner token: +(\S+)/)[1];
    const cmdline = readFileSync(`/proc/${demo.pid}/cmdline`, 'utf8');
    assert.match(cmdline, /\bserve\b/);  // exec: the demo's pid is the server's
    assert.ok(!cmdline.includes(token), 'the token is on the command line');
    for (const file of ['owner.token', 'collector.key', 'aggregates.db']) {
      assert.equal(statSync(join(state, file)).mode & 0o077, 0, file);
    }
  } finally {
    stop();
  }
});

test('./run tactful reads file arguments from the caller\'s directory, not the repository\'s', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tactful-run-cwd-'));
  try {
    writeFileSync(join(dir, 'site.json'), JSON.stringify({ version: 1, policyVersion: 'x', slots: [
      { id: 'a', variants: [{ id: 'v', condition: { 'visits.count': { $regx: 'x' } }, content: { title: 'x' } }] }] }));
    const r = spawnSync(run, ['tactful', 'lint', 'site.json'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /^slots\[0\]\.variants\[0\]\.condition: unknown operator \$regx/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
