// Bytes shipped: what a page downloads before its slots can be decided (the
// critical path: loader JS + wasm), and apart from it the lazily loaded panel.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

export function measure(bytes) {
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    }).length,
  };
}

function group(dist, files) {
  const present = files.filter((f) => existsSync(join(dist, f)));
  if (!present.length) return null;
  const each = present.map((f) => ({ file: f, ...measure(readFileSync(join(dist, f))) }));
  const sum = (k) => each.reduce((n, e) => n + e[k], 0);
  return { files: each, raw: sum('raw'), gzip: sum('gzip'), brotli: sum('brotli') };
}

export const title = 'Bytes shipped';
export const target = { criticalPathBrotliMax: 60 * 1024 };

export async function run({ root }) {
  const dist = join(root, 'dist');
  const critical = group(dist, ['tactful.js', 'tactful.wasm']);
  const panel = group(dist, ['tactful-panel.js', 'tactful-panel.css']);
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  const rows = [];
  for (const f of critical.files) rows.push([`  ${f.file}`, f.raw, f.gzip, f.brotli]);
  rows.push(['critical path (loader + wasm)', critical.raw, critical.gzip, critical.brotli]);
  if (panel) {
    for (const f of panel.files) rows.push([`  ${f.file}`, f.raw, f.gzip, f.brotli]);
    rows.push(['lazy panel (JS + CSS)', panel.raw, panel.gzip, panel.brotli]);
  }
  const met = critical.brotli <= target.criticalPathBrotliMax;
  return {
    header: ['bytes', 'raw', 'gzip -9', 'brotli -q11'],
    rows,
    notes: [`critical path ${kb(critical.brotli)} brotli; target ≤ 60 KB: ${met ? 'met' : `missed by ${kb(critical.brotli - target.criticalPathBrotliMax)}`}`],
    results: { critical, panel, target, met },
  };
}
