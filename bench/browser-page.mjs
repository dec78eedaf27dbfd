// One bench page in headless Chromium: ENTRY (a module under bench/) bundled
// with esbuild for the browser beside dist/tactful.wasm, served from loopback
// with the site's CSP; runs `window[fn](input)` there and returns its answer.
// Used by the sections that time code inside the browser (crypto, decide).
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newVisitor } from '../tests/browser/harness.mjs';
import { serveStatic } from './page.mjs';

export async function runInBenchPage(root, { entry, fn, input }) {
  const dir = mkdtempSync(join(tmpdir(), 'tactful-bench-page-'));
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [join(root, entry)], bundle: true, format: 'esm', platform: 'browser', target: 'es2020',
    minify: true, outfile: join(dir, 'bench.js'), logLevel: 'silent', absWorkingDir: root,
    nodePaths: [join(root, 'node_modules')], external: ['fs', 'path', 'crypto', 'module', 'url', 'worker_threads'],
  });
  copyFileSync(join(root, 'dist/tactful.wasm'), join(dir, 'tactful.wasm'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>bench</title><script type="module" src="/bench.js"></script>\n');
  const site = await serveStatic(dir, { csp: "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'" });
  const v = await newVisitor();
  try {
    await v.page.goto(`${site.url}/index.html`);
    await v.page.waitForFunction((name) => typeof window[name] === 'function', fn);
    return await v.page.evaluate(([name, arg]) => window[name](arg), [fn, input]);
  } finally {
    await v.close();
    await site.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
