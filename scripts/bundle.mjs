// Bundles the browser files into dist/: the script-tag loader (critical
// path), the wasm core, the slot stylesheet, and the lazily loaded panel.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wasmDir = process.env.TACTFUL_WASM_DIR || join(root, 'build', 'wasm');
const out = process.env.TACTFUL_DIST || join(root, 'dist');
mkdirSync(out, { recursive: true });

const glue = {
  name: 'tactful-core-glue',
  setup(b) {
    b.onResolve({ filter: /^tactful-core-glue$/ }, () => ({ path: join(wasmDir, 'tactful-core.mjs') }));
    b.onResolve({ filter: /^tactful-tools-glue$/ }, () => ({ path: join(wasmDir, 'tactful-tools.mjs') }));
  },
};

const common = {
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['chrome100', 'firefox100', 'safari15'],
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [glue],
  // The emscripten glue mentions import.meta.url; we instantiate the wasm ourselves.
  define: { 'import.meta.url': '""' },
};

await build({ ...common, entryPoints: [join(root, 'js', 'tactful.js')], outfile: join(out, 'tactful.js') });
if (existsSync(join(root, 'js', 'panel', 'panel.js'))) {
  await build({ ...common, entryPoints: [join(root, 'js', 'panel', 'panel.js')], outfile: join(out, 'tactful-panel.js') });
  // The panel's stylesheet, minified: loaded by <link> in its shadow roots (CSP style-src 'self').
  await build({ bundle: false, minify: true, logLevel: 'warning', entryPoints: [join(root, 'js', 'panel', 'panel.css')], outfile: join(out, 'tactful-panel.css') });
}
// ES module of the core for Node and bundler users (tests load it with the wasm bytes).
await build({ ...common, format: 'esm', minify: false, entryPoints: [join(root, 'js', 'core.js')], outfile: join(out, 'core.mjs') });
// Node-side tooling (opening reports in tests), never loaded by a page.
await build({ ...common, format: 'esm', minify: false, entryPoints: [join(root, 'js', 'tools.js')], outfile: join(out, 'tools.mjs') });
copyFileSync(join(wasmDir, 'tactful-tools.wasm'), join(out, 'tactful-tools.wasm'));
copyFileSync(join(wasmDir, 'tactful-core.wasm'), join(out, 'tactful.wasm'));
copyFileSync(join(root, 'js', 'tactful.css'), join(out, 'tactful.css'));
// The launcher's and "Why this?" buttons' look (and what the panel shares), minified.
await build({ bundle: false, minify: true, logLevel: 'warning', entryPoints: [join(root, 'js', 'launcher.css')], outfile: join(out, 'tactful-launcher.css') });
