// Loads the wasm core in Node exactly as the browser bundle does (dist/core.mjs
// + dist/tactful.wasm), with the module's bytes passed in.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// libsodium's wasm start-up looks for crypto on `self`, as in a browser or worker.
globalThis.self ??= globalThis;

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { startCore } = await import(join(root, 'dist', 'core.mjs'));
const wasmBytes = readFileSync(join(root, 'dist', 'tactful.wasm'));

export function newCore() {
  return startCore(wasmBytes);
}

// The demo config is a template: the collector fills in its public key when it
// serves it. Any 32 bytes are a valid X25519 public key for tests that only
// seal (tests that open reports use a real key pair).
const template = JSON.parse(readFileSync(join(root, 'demo-site', 'tactful.config.json'), 'utf8'));
template.reporting.publicKey = Buffer.alloc(32, 9).toString('base64');
export const demoConfigObject = template;
export const demoConfig = JSON.stringify(template);
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
