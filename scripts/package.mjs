// `./run package`: the npm package site owners install, as a tarball
// (build/package/tactful-<version>.tgz) made by `npm pack` from a staging
// folder: package/ (package.json, README, types, testing helpers), index.mjs
// (js/index.js bundled as an ES module) and dist/ (the script-tag files and
// the wasm core, as `./run build` made them). Prints the tarball's path.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wasmDir = process.env.TACTFUL_WASM_DIR || join(root, 'build', 'wasm');
const out = join(root, 'build', 'package');
const stage = join(out, 'stage');
const template = join(root, 'package');
const manifest = JSON.parse(readFileSync(join(template, 'package.json'), 'utf8'));

rmSync(stage, { recursive: true, force: true });
mkdirSync(join(stage, 'dist'), { recursive: true });

// Everything `files` lists must exist: a missing one fails here, not on a user's machine.
const fromTemplate = ['package.json', 'README.md', 'index.d.ts', 'testing.mjs', 'testing.d.ts'];
for (const f of fromTemplate) copyFileSync(join(template, f), join(stage, f));
for (const f of manifest.files.filter((f) => f.startsWith('dist/'))) {
  const src = join(root, f);
  if (!existsSync(src)) throw new Error(`tactful package: ${f} is missing (run ./run build first)`);
  copyFileSync(src, join(stage, f));
}

// init() for bundlers: an ES module; the wasm, CSS and panel are fetched at run
// time from the `assets` URL, so they stay separate files the site serves.
await build({
  entryPoints: [join(root, 'js', 'index.js')],
  outfile: join(stage, 'index.mjs'),
  bundle: true,
  format: 'esm',
  minify: true,
  target: ['chrome100', 'firefox100', 'safari15'],
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [{
    name: 'tactful-core-glue',
    setup(b) {
      b.onResolve({ filter: /^tactful-core-glue$/ }, () => ({ path: join(wasmDir, 'tactful-core.mjs') }));
    },
  }],
  // The emscripten glue mentions import.meta.url; the module instantiates the wasm itself.
  define: { 'import.meta.url': '""' },
});

for (const f of manifest.files) {
  if (!existsSync(join(stage, f))) throw new Error(`tactful package: ${f} was not staged`);
}

const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', out], {
  cwd: stage, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'],
}))[0];
const tarball = join(out, packed.filename);
console.error(`tactful: ${packed.filename}: ${packed.size} bytes packed, ${packed.unpackedSize} unpacked, ${packed.entryCount} files`);
for (const f of packed.files) console.error(`  ${String(f.size).padStart(8)}  ${f.path}`);
console.log(tarball);
