// Bytes shipped: what a page downloads before its slots can be decided (the
// critical path: loader JS + wasm), and apart from it the lazily loaded panel.
// Beside them, the peers a site would use instead, bundled in this run by
// esbuild for the browser (minified, one IIFE per entry, from the npm packages
// installed as bench-only dev dependencies), measured the same way.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

// Each peer as a site loads it: the entry imports the SDK's public API and
// hands it to the page (so nothing is tree-shaken away that a site would use).
// `css`: stylesheets the widget needs to show, counted with it (as our panel's CSS is).
const GB = "import { GrowthBook } from '@growthbook/growthbook'; window.GrowthBook = GrowthBook;";
const CC = "import * as CookieConsent from 'vanilla-cookieconsent'; window.CookieConsent = CookieConsent;";
const PH_SLIM = "import posthog from 'posthog-js/dist/module.slim.js'; window.posthog = posthog;";
export const PEERS = [
  { id: 'growthbook', name: 'GrowthBook (@growthbook/growthbook)', pkg: '@growthbook/growthbook', entry: GB },
  { id: 'optimizely', name: 'Optimizely (@optimizely/optimizely-sdk)', pkg: '@optimizely/optimizely-sdk',
    entry: "import * as optimizely from '@optimizely/optimizely-sdk'; window.optimizely = optimizely;" },
  { id: 'ninetailed', name: 'Ninetailed (@ninetailed/experience.js)', pkg: '@ninetailed/experience.js',
    entry: "import { Ninetailed } from '@ninetailed/experience.js'; window.Ninetailed = Ninetailed;" },
  { id: 'croct', name: 'Croct (@croct/plug)', pkg: '@croct/plug', entry: "import croct from '@croct/plug'; window.croct = croct;" },
  { id: 'posthog', name: 'PostHog (posthog-js, default entry)', pkg: 'posthog-js', entry: "import posthog from 'posthog-js'; window.posthog = posthog;" },
  { id: 'posthogSlim', name: 'PostHog slim (posthog-js/dist/module.slim.js)', pkg: 'posthog-js', entry: PH_SLIM },
  { id: 'klaro', name: 'Klaro (klaro, CSS inlined in its JS)', pkg: 'klaro', entry: "import * as klaro from 'klaro'; window.klaro = klaro;" },
  { id: 'cookieconsent', name: 'vanilla-cookieconsent (JS + CSS)', pkg: 'vanilla-cookieconsent', entry: CC,
    css: ['vanilla-cookieconsent/dist/cookieconsent.css'] },
  { id: 'stack', name: 'stack: GrowthBook + vanilla-cookieconsent + PostHog slim', pkg: null,
    entry: [GB, CC, PH_SLIM].join('\n'), css: ['vanilla-cookieconsent/dist/cookieconsent.css'] },
];

const version = (root, pkg) => {
  try {
    return JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
};

/** Bundles one peer entry with esbuild; { raw, gzip, brotli, version } or { error }. */
async function bundlePeer(root, esbuild, peer, work) {
  const entry = join(work, `${peer.id}.mjs`);
  writeFileSync(entry, peer.entry + '\n');
  try {
    const out = await esbuild.build({
      entryPoints: [entry], bundle: true, minify: true, format: 'iife', platform: 'browser',
      target: 'es2020', write: false, logLevel: 'silent', nodePaths: [join(root, 'node_modules')],
      absWorkingDir: root, define: { 'process.env.NODE_ENV': '"production"' },
    });
    const js = Buffer.from(out.outputFiles[0].contents);
    const css = (peer.css || []).map((f) => readFileSync(join(root, 'node_modules', f)));
    const parts = [measure(js), ...css.map(measure)];
    const sum = (k) => parts.reduce((n, p) => n + p[k], 0);
    return { raw: sum('raw'), gzip: sum('gzip'), brotli: sum('brotli'), jsRaw: js.length, version: peer.pkg ? version(root, peer.pkg) : null };
  } catch (e) {
    const reason = (e.errors && e.errors.length ? e.errors.map((x) => x.text).slice(0, 2).join('; ') : e.message).slice(0, 200);
    return { error: reason };
  }
}

export const title = 'Bytes shipped';
export const target = { criticalPathBrotliMax: 60 * 1024 };

export async function run({ root }) {
  const dist = join(root, 'dist');
  const critical = group(dist, ['tactful.js', 'tactful.wasm']);
  const panel = group(dist, ['tactful-panel.js', 'tactful-panel.css']);
  // The launcher's and "Why this?" buttons' stylesheet: fetched after the slots are final.
  const launcher = group(dist, ['tactful-launcher.css']);
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  const rows = [];
  for (const f of critical.files) rows.push([`  ${f.file}`, f.raw, f.gzip, f.brotli]);
  rows.push(['Tactful critical path (loader + wasm)', critical.raw, critical.gzip, critical.brotli]);
  if (panel) {
    for (const f of panel.files) rows.push([`  ${f.file}`, f.raw, f.gzip, f.brotli]);
    rows.push(['Tactful lazy panel (JS + CSS)', panel.raw, panel.gzip, panel.brotli]);
  }
  if (launcher) rows.push(['Tactful launcher stylesheet (after the slots are final)', launcher.raw, launcher.gzip, launcher.brotli]);
  const esbuild = await import('esbuild');
  const work = mkdtempSync(join(tmpdir(), 'tactful-bench-sizes-'));
  const peers = {};
  try {
    for (const peer of PEERS) {
      const r = await bundlePeer(root, esbuild, peer, work);
      peers[peer.id] = { name: peer.name, ...r };
      const label = `${peer.name}${r.version ? ` ${r.version}` : ''}`;
      rows.push(r.error ? [label, `bundle failed: ${r.error}`, '', ''] : [label, r.raw, r.gzip, r.brotli]);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  // GrowthBook's own script-tag build, as shipped (the one the page section loads).
  const auto = join(root, 'node_modules/@growthbook/growthbook/dist/bundles/auto.min.js');
  if (existsSync(auto)) {
    peers.growthbookAuto = { name: 'GrowthBook script-tag build (dist/bundles/auto.min.js, as shipped)', ...measure(readFileSync(auto)) };
    const a = peers.growthbookAuto;
    rows.push([a.name, a.raw, a.gzip, a.brotli]);
  }
  const met = critical.brotli <= target.criticalPathBrotliMax;
  const stack = peers.stack;
  const notes = [
    `critical path ${kb(critical.brotli)} brotli; target ≤ 60 KB: ${met ? `met (${kb(target.criticalPathBrotliMax - critical.brotli)} to spare)` : `missed by ${kb(critical.brotli - target.criticalPathBrotliMax)}`}`,
    'peers: esbuild --bundle --minify, IIFE, platform browser, es2020; brotli -q11 and gzip -9 of the bundle (plus its CSS where noted)',
  ];
  if (stack && !stack.error) notes.push(`Tactful critical path / stack (GrowthBook + cookie consent + PostHog slim): ${(critical.brotli / stack.brotli).toFixed(2)}x the bytes (brotli)`);
  return {
    header: ['bytes', 'raw', 'gzip -9', 'brotli -q11'],
    rows,
    notes,
    results: { critical, panel, launcher, peers, target, met },
  };
}
