// Loads the wasm core in Node the way the tests do: dist/core.mjs with the
// module's bytes passed in (no fetch of a file path; see TOOLCHAIN.md).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

globalThis.self ??= globalThis; // libsodium looks for crypto on `self`

export async function loadCore(root) {
  const { startCore } = await import(join(root, 'dist', 'core.mjs'));
  const bytes = readFileSync(join(root, 'dist', 'tactful.wasm'));
  return () => startCore(bytes);
}

export const KEY = Buffer.alloc(32, 7).toString('base64');
export const PUBLIC_KEY = Buffer.alloc(32, 9).toString('base64');
