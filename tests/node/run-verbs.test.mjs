// `./run help` and a mistyped verb: the newcomer's first look at the entry
// point lists every verb (and only the usage text, no shell code).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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
