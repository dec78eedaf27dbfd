// Loads the wasm core in Node exactly as the browser bundle does (dist/core.mjs
// + dist/tactful.wasm), with the module's bytes passed in.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { startCore } = await import(join(root, 'dist', 'core.mjs'));
const wasmBytes = readFileSync(join(root, 'dist', 'tactful.wasm'));

export function newCore() {
  return startCore(wasmBytes);
}

export const demoConfig = readFileSync(join(root, 'demo-site', 'tactful.config.json'), 'utf8');
export const KEY = Buffer.alloc(32, 7).toString('base64');

/** A core with the demo config loaded and an empty visitor. */
export async function demoVisitor({ signals = {}, config = demoConfig } = {}) {
  const core = await newCore();
  const init = core.call('init', config);
  if (init.error) throw new Error(init.error);
  const load = core.call('load', { key: KEY, signals });
  if (load.error) throw new Error(load.error);
  return core;
}
