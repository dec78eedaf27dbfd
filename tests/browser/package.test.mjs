// The npm package as a site owner gets it: `./run package` makes the tarball,
// a fresh project outside the repo installs it with `npm install <tarball>`
// (plus typescript, playwright-core and @playwright/test from npm), and there,
// using only the installed package, imports it in Node, type-checks a usage
// example with tsc, and runs Playwright tests (its own, and docs/testing.md's
// as written) against the demo site served from the package's own dist/ files
// by the repo's native server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { root, startSite, tactfulBin } from './harness.mjs';

const run = promisify(execFile);
const PLAYWRIGHT = JSON.parse(readFileSync(join(root, 'node_modules/playwright-core/package.json'), 'utf8')).version;
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let project;   // the site owner's temporary project
let tarball;
let site;      // { url, stop }
let packFiles; // paths inside the tarball

async function npm(args, cwd) {
  return run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error', '--prefer-offline'], {
    cwd, encoding: 'utf8', maxBuffer: 16 << 20, timeout: 300_000,
  });
}

/** `tactful serve` for the demo site, with /tactful/ served from the installed package's dist/. */
function serveFromPackage() {
  const pkg = join(project, 'node_modules', 'tactful');
  return startSite({ dist: join(pkg, 'dist'), mounts: { '/pkg/': pkg, '/app/': join(project, 'app') } });
}

// Pages of the site owner's own app: one started by init() from the ES
// module, and one that leaks the profile on purpose.
const APP = {
  'index.html': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>App</title>
<meta name="tactful:interests" content="hiking">
<link rel="stylesheet" href="/tactful/tactful.css"><script type="module" src="/app/main.js"></script></head>
<body><main><section data-tactful-slot="hero"><h1>Welcome</h1></section></main></body></html>`,
  'plain.html': '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Plain</title></head><body><p>No module here.</p></body></html>',
  'main.js': `import { init } from '/pkg/index.mjs';
const tactful = init({ config: '/tactful.config.json', assets: '/tactful/' });
tactful.ready.then((s) => { document.body.dataset.ready = String(s.ok); });
`,
  // The same app on a page whose CSP allows scripts and styles only by nonce.
  'nonce.js': `import { init } from '/pkg/index.mjs';
init({ config: '/tactful.config.json', assets: '/tactful/', nonce: document.querySelector('script[nonce]').nonce });
`,
  'leak.html': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Leaky</title>
<script src="/tactful/tactful.js" data-config="/tactful.config.json" async></script><script src="/app/leak.js"></script></head>
<body><section data-tactful-slot="hero"><h1>Welcome</h1></section></body></html>`,
  // What a careless analytics snippet might do: ship the visitor's profile home.
  'leak.js': `window.leak = async () => {
  const profile = JSON.stringify(await window.tactful.profile.export());
  await fetch('/collect', { method: 'POST', body: profile }).catch(() => {});
  await fetch('/analytics?d=' + encodeURIComponent(profile)).catch(() => {});
  // Encoded other ways: a form body, and a URL one malformed escape would hide.
  await fetch('/form', { method: 'POST', body: new URLSearchParams({ d: 'interest:hiking' }) }).catch(() => {});
  await fetch('/pixel?x=%E0%A4%A&i=' + encodeURIComponent('interest:hiking')).catch(() => {});
  // And in a WebSocket's URL, which Playwright does not count as a request.
  await new Promise((resolve) => {
    const ws = new WebSocket(location.origin.replace('http', 'ws') + '/socket?d=' + encodeURIComponent('interest:hiking'));
    ws.onopen = resolve;
    ws.onerror = resolve;
  });
};
`,
};

// The site owner's tests: only playwright-core and the installed package.
const COMMON = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { captureReports, decisions, grantConsent, guardNetwork, openReport, pinBucket, ready, seedProfile,
  slotDeadline, testKeyPair, useConfig, withTestKey } from 'tactful/testing';

const SITE = process.env.SITE_URL;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ${JSON.stringify(CHROMIUM_ARGS)} });
test.after(() => browser.close());
`;

const OWNER_TESTS = {
  'visitor.test.mjs': `${COMMON}
test('a visitor who grants personalization and views hiking sees the hiking hero, explained', async () => {
  const context = await browser.newContext();
  await slotDeadline(context, 10000);
  const guard = await guardNetwork(context);
  const page = await context.newPage();
  await page.goto(SITE + '/');
  const consent = await grantConsent(page, { purposes: { personalization: true } });
  assert.equal(consent.purposes.personalization, true);
  assert.equal(consent.purposes.aggregate, false);
  const profile = await seedProfile(page, { interests: ['hiking'], likes: ['outdoor'] });
  assert.ok(JSON.stringify(profile).includes('interest:hiking'));
  await page.reload();
  const hero = (await decisions(page)).find((d) => d.id === 'hero');
  assert.equal(hero.variant, 'hiking');
  assert.equal(hero.decided, 'personalized');
  assert.match(JSON.stringify(hero.explanation), /hiking/);
  await guard.assertClean();
  await context.close();
});

test('seedProfile stores what consent allows and names what it skipped', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(SITE + '/');
  await grantConsent(page, { purposes: { personalization: true } }); // location stays off
  const seeded = await seedProfile(page, { interests: ['hiking'], likes: ['outdoor'], location: { country: 'ES' } });
  assert.deepEqual(seeded.skipped, ['location']);
  const ids = seeded.interests.map((i) => i.id);
  assert.ok(ids.includes('interest:hiking') && ids.includes('like:outdoor'), ids.join());
  assert.deepEqual(seeded.location, []);
  // A seed that would quietly store nothing is refused, naming the part.
  await assert.rejects(seedProfile(page, { interest: ['hiking'] }), /seedProfile: unknown part[(]s[)] 'interest'/);
  await assert.rejects(seedProfile(page, { interests: 'hiking' }), /seedProfile: interests must be a list/);
  await assert.rejects(seedProfile(page, { interests: ['hikng'] }), /not stored although consent allows it: interests: 'hikng' [(]track: .*taxonomy/);
  // A declaration the module refuses rejects with its error, word for word.
  await assert.rejects(seedProfile(page, { likes: ['hikng'] }), { message: "tactful: profile.declare: likes[0]: unknown interest 'hikng'" });
  await context.close();
});

test('the helpers say when a page has no Tactful on it, or a modal covers it', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(1500);
  await page.goto(SITE + '/app/plain.html');
  await assert.rejects(grantConsent(page), /tactful: window.tactful never started on .*plain.html: is the Tactful script tag/);
  // With the privacy panel open (a modal dialog) no click lands: said at once, not a timeout.
  await page.goto(SITE + '/');
  await page.evaluate(() => window.tactful.panel.open());
  await assert.rejects(grantConsent(page), /grantConsent: the page cannot be clicked .*<tactful-panel> is over it/);
  await context.close();
});

test('a config held by a route, or a useConfig change that throws, is said rather than waited on', async () => {
  const held = await browser.newContext();
  await held.route('**/tactful.config.json', () => {}); // never answered
  const page = await held.newPage();
  page.setDefaultTimeout(1500);
  await page.goto(SITE + '/');
  await assert.rejects(decisions(page), /tactful.ready did not resolve on .*: is a request it waits for .* held by a route/);
  await held.close();

  // The change's error reaches the test (as an unhandled rejection: it happens in a route
  // handler), and the page fails to default at once instead of waiting for its config.
  const runner = process.listeners('unhandledRejection');
  process.removeAllListeners('unhandledRejection');
  const thrown = new Promise((resolve) => process.once('unhandledRejection', resolve));
  const broken = await browser.newContext();
  try {
    await useConfig(broken, '**/tactful.config.json', () => { throw new Error('no such slot'); });
    const brokenPage = await broken.newPage();
    await brokenPage.goto(SITE + '/');
    assert.equal((await ready(brokenPage)).reason, 'config-unavailable');
    assert.match((await thrown).message, /^tactful: useConfig: http.*tactful.config.json: no such slot$/);
  } finally {
    for (const listener of runner) process.on('unhandledRejection', listener);
    await broken.close();
  }
});

test('without consent every slot shows its default content', async () => {
  const context = await browser.newContext();
  const guard = await guardNetwork(context);
  const page = await context.newPage();
  await page.goto(SITE + '/');
  const all = await decisions(page);
  assert.ok(all.length > 0);
  for (const d of all) assert.equal(d.variant, null);
  await guard.assertClean();
  await context.close();
});

test('a page that starts the module with init() from the package decides its slots', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(SITE + '/app/index.html');
  assert.deepEqual(await page.evaluate(() => window.tactful.ready), { ok: true });
  const hero = (await decisions(page)).find((d) => d.id === 'hero');
  assert.equal(hero.decided, 'default');
  await context.close();
});

test("init() given the page's CSP nonce opens the panel under a nonce-only policy", async () => {
  const context = await browser.newContext();
  const csp = "script-src 'nonce-n0nce' 'wasm-unsafe-eval'; style-src 'nonce-n0nce'";
  await context.route(SITE + '/app/nonce.html', (route) => route.fulfill({
    contentType: 'text/html', headers: { 'Content-Security-Policy': csp },
    body: '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Nonce</title>' +
      '<script nonce="n0nce" type="module" src="/app/nonce.js"></script></head><body></body></html>',
  }));
  const page = await context.newPage();
  const blocked = [];
  page.on('console', (m) => { if (/Content Security Policy/.test(m.text())) blocked.push(m.text()); });
  await page.goto(SITE + '/app/nonce.html');
  assert.deepEqual(await ready(page), { ok: true });
  await page.evaluate(() => window.tactful.panel.open());
  await page.getByRole('dialog').waitFor();
  assert.deepEqual(blocked, []);
  await context.close();
});
`,
  'leak.test.mjs': `${COMMON}
test('the network guard catches a page that sends the profile without aggregate consent', async () => {
  const context = await browser.newContext();
  const guard = await guardNetwork(context);
  const page = await context.newPage();
  await page.goto(SITE + '/app/leak.html');
  await grantConsent(page, { purposes: { personalization: true } });
  await seedProfile(page, { interests: ['hiking'] });
  await guard.assertClean(); // nothing has leaked yet
  const failed = [];
  page.on('requestfailed', (r) => failed.push(new URL(r.url()).pathname));
  await page.evaluate(() => window.leak());
  const kinds = guard.violations.map((v) => v.kind).sort();
  assert.deepEqual(kinds, ['collector-without-consent', 'profile-data', 'profile-data', 'profile-data', 'profile-data', 'profile-data']);
  for (const path of ['/analytics', '/form', '/pixel', '/socket']) {
    assert.ok(guard.violations.some((v) => v.kind === 'profile-data' && v.url.includes(path)), path);
  }
  await assert.rejects(guard.assertClean(), /carry data out without consent[\\s\\S]*\\/collect[\\s\\S]*interest:hiking/);
  assert.ok(failed.includes('/collect'), 'the collector request was stopped before it left');
  await context.close();
});
`,
  'reports.test.mjs': `${COMMON}
test('a report captured from the page opens with the test key and holds noised metrics', async () => {
  const keys = testKeyPair();
  const served = await (await fetch(SITE + '/tactful.config.json')).json();
  const config = withTestKey(served, keys);
  const context = await browser.newContext();
  await useConfig(context, '**/tactful.config.json', () => config);
  const capture = await captureReports(context);
  const guard = await guardNetwork(context); // last: it sees each request first
  const page = await context.newPage();
  await page.goto(SITE + '/');
  await grantConsent(page, { purposes: { personalization: true, aggregate: true } });
  await seedProfile(page, { interests: ['trail-running'] });
  const flushed = await page.evaluate(() => window.tactful.flush());
  assert.equal(flushed.report, true);
  const bytes = await capture.waitForReport({ timeout: 10000 });
  const report = await openReport(bytes, { config, secretKey: keys.secretKey });
  assert.equal(report.ok, true);
  assert.equal(report.size, bytes.length);
  assert.deepEqual(report.metrics.map((m) => m.id), config.metrics.map((m) => m.id));
  const top = report.metrics.find((m) => m.kind === 'topInterest');
  assert.ok(top.supports.length >= 1);
  await assert.rejects(openReport(bytes, { config, secretKey: testKeyPair().secretKey }));
  await guard.assertClean();
  await context.close();
});
`,
  'bucket.test.mjs': `${COMMON}
// Which hero variant a bucket id gets, by GrowthBook's published hash (v2:
// FNV-1a 32 of FNV-1a 32), written here as a site owner would.
const fnv1a = (text) => {
  let h = 0x811c9dc5;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h;
};
const VARIANTS = ['trail-running', 'hiking', 'city'];
const expected = (id) => VARIANTS[Math.floor(((fnv1a(String(fnv1a('hero-test' + id))) % 10000) / 10000) * 3)];

async function heroFor(bucketId) {
  const context = await browser.newContext();
  await useConfig(context, '**/tactful.config.json', (c) => {
    c.slots.find((s) => s.id === 'hero').experiment = { key: 'hero-test', hashVersion: 2 };
  });
  await pinBucket(context, bucketId);
  await slotDeadline(context);
  const page = await context.newPage();
  await page.goto(SITE + '/');
  await grantConsent(page);
  await seedProfile(page, { interests: ['trail-running', 'hiking', 'city-walking'] });
  await page.reload();
  const hero = (await decisions(page)).find((d) => d.id === 'hero');
  await context.close();
  return hero.variant;
}

test('a pinned bucket id fixes the variant an experiment shows', async () => {
  const ids = ['a1', 'b2', 'c3', 'd4', 'e5', 'f6'];
  const a = ids[0];
  const b = ids.find((id) => expected(id) !== expected(a));
  assert.equal(await heroFor(a), expected(a));
  assert.equal(await heroFor(b), expected(b));
});
`,
};

const EXAMPLE_TS = `import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { init, type ConsentState, type Tactful, type TactfulError, type TactfulErrorCode } from 'tactful';
import { captureReports, decisions, grantConsent, guardNetwork, openReport, pinBucket, seedProfile,
  testKeyPair, useConfig, withTestKey, type OpenedReport, type PageDecision } from 'tactful/testing';

export function startInBrowser(): Tactful {
  const tactful = init({ config: '/tactful.config.json', assets: '/tactful/' });
  tactful.track({ type: 'view', interests: ['hiking'] });
  tactful.track({ type: 'purchase', category: 'shoes', value: 90 });
  // @ts-expect-error a purchase needs its category
  tactful.track({ type: 'purchase' });
  // @ts-expect-error no such purpose
  void tactful.consent.set({ purposes: { marketing: true } });
  document.addEventListener('tactful:decision', (e) => console.log(e.detail.slots.map((s) => s.variant)));
  void window.tactful.profile.declare({ likes: ['outdoor'], location: { country: 'ES' } });
  // As docs/api.md says: with no argument (or null) they change nothing and resolve to the state.
  void tactful.consent.set().then((s) => s.purposes.personalization);
  void tactful.profile.declare(null).then((v) => v.location.length);
  // A refusal's stable code, for the site's own UI to say it in the visitor's words.
  tactful.consent.set({ purposes: { personalization: true } }).catch((e: TactfulError) => {
    const code: TactfulErrorCode | undefined = e.code;
    if (code === 'gesture-required') console.log(e.message, e.kept?.purposes);
  });
  // @ts-expect-error not one of the documented codes
  const typo: TactfulErrorCode = 'gesture-needed';
  void typo;
  return tactful;
}

// What each call resolves to, typed as the runtime returns it (not as unknown).
export async function answers(tactful: Tactful): Promise<string[]> {
  const view = await tactful.profile.view();
  const exported = await tactful.profile.export();
  const why = await tactful.explain('hero');
  const flushed = await tactful.flush();
  const status = await tactful.ready;
  tactful.push(['track', { type: 'view', interests: ['hiking'] }]);
  document.addEventListener('tactful:decision', (e) => console.log(e.detail.slots.filter((s) => s.late).length));
  return [...view.interests.map((i) => i.id), ...exported.profile.purchases.map((i) => i.category),
    exported.decisions.bucketId, why.sentence, ...why.used.map((u) => u.path), String(flushed.windowEndsAt),
    status.reason ?? '', (await tactful.profile.remove('like:outdoor')).removed];
}

export async function check(page: Page, context: BrowserContext): Promise<OpenedReport> {
  const keys = testKeyPair();
  const config = withTestKey({ reporting: {}, metrics: [] }, keys);
  await useConfig(context, '**/tactful.config.json', () => config);
  await pinBucket(context, 'fixed-bucket');
  const capture = await captureReports(context);
  const guard = await guardNetwork(context, { canaries: ['secret-canary'] });
  await page.goto('http://127.0.0.1:8080/');
  const consent: ConsentState = await grantConsent(page, { purposes: { aggregate: true } });
  if (!consent.purposes.aggregate) throw new Error('not granted');
  await seedProfile(page, { interests: { hiking: 3 }, purchases: [{ category: 'shoes' }], occasions: { birthdayMonth: 3 } });
  const all: PageDecision[] = await decisions(page);
  const variant: string | null = all[0].variant;
  const why = all[0].explanation;
  const sentence: string = why.error === undefined ? why.sentence : why.error;
  const seeded = await seedProfile(page, { likes: ['outdoor'] });
  void [variant, sentence, seeded.skipped, seeded.interests.map((i) => i.kind)];
  // @ts-expect-error seedProfile takes known fields only
  await seedProfile(page, { favouriteColour: 'red' });
  // @ts-expect-error dist/ holds the script-tag files (no exports): init comes from 'tactful'
  void (await import('tactful/dist/tactful.js')).init;
  await guard.assertClean();
  return openReport(await capture.waitForReport(), { config, secretKey: keys.secretKey });
}

export async function main(): Promise<void> {
  const browser = await chromium.launch();
  const context = await browser.newContext();
  await check(await context.newPage(), context);
  await browser.close();
}
`;

/** Runs node ARGS in the owner's project against the site; resolves to its stdout. */
function runInProject(args, what) {
  // A clean environment: NODE_TEST_CONTEXT would make the inner runner report to ours instead of its stdout.
  const env = { ...process.env, SITE_URL: site.url, NODE_OPTIONS: '' };
  delete env.NODE_TEST_CONTEXT;
  return run(process.execPath, args, { cwd: project, encoding: 'utf8', timeout: 240_000, env }).then((r) => r.stdout, (e) => { throw new Error(`${what} failed:\n${e.stdout}\n${e.stderr}`); });
}

const runOwnerTest = (file) => runInProject(['--test', '--test-reporter=spec', file], file);

before(async () => {
  const packed = execFileSync(process.execPath, [join(root, 'scripts/package.mjs')], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  tarball = packed.trim().split('\n').pop();
  packFiles = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).trim().split('\n').map((f) => f.replace(/^package\//, ''));
  project = mkdtempSync(join(tmpdir(), 'tactful-owner-'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'owner-site', private: true, type: 'module' }));
  await npm(['install', tarball, `playwright-core@${PLAYWRIGHT}`, `@playwright/test@${PLAYWRIGHT}`, 'typescript@5', '@types/node@20'], project);
  mkdirSync(join(project, 'app'));
  for (const [name, text] of Object.entries(APP)) writeFileSync(join(project, 'app', name), text);
  for (const [name, text] of Object.entries(OWNER_TESTS)) writeFileSync(join(project, name), text);
  site = await serveFromPackage();
});

after(() => {
  if (site) site.stop();
  if (project && !process.env.TACTFUL_KEEP_PROJECT) rmSync(project, { recursive: true, force: true });
});

test('the tarball ships the module, its types, the helpers and dist/ - nothing else', () => {
  assert.deepEqual([...packFiles].sort(), [
    'README.md', 'dist/tactful-launcher.css', 'dist/tactful-panel.css', 'dist/tactful-panel.js', 'dist/tactful-tools.wasm',
    'dist/tactful.css', 'dist/tactful.js', 'dist/tactful.wasm', 'dist/tools.mjs', 'index.d.ts', 'index.mjs',
    'package.json', 'testing.d.ts', 'testing.mjs',
  ]);
  assert.ok(!project.startsWith(root), 'the project lives outside the repository');
});

test('tactful and tactful/testing import in Node from the installed package', async () => {
  const script = `
    const tactful = await import('tactful');
    const testing = await import('tactful/testing');
    const keys = testing.testKeyPair();
    let outsidePage = '';
    try { tactful.init({ config: '/tactful.config.json' }); } catch (e) { outsidePage = e.message; }
    console.log(JSON.stringify({
      init: typeof tactful.init,
      outsidePage,
      helpers: Object.keys(testing).sort(),
      keyBytes: [Buffer.from(keys.publicKey, 'base64').length, Buffer.from(keys.secretKey, 'base64').length],
      wasm: import.meta.resolve('tactful/dist/tactful.wasm').endsWith('/node_modules/tactful/dist/tactful.wasm'),
      script: import.meta.resolve('tactful/dist/tactful.js').endsWith('/node_modules/tactful/dist/tactful.js'),
    }));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: project, encoding: 'utf8' });
  const out = JSON.parse(stdout);
  assert.equal(out.init, 'function');
  assert.equal(out.outsidePage, 'tactful: init() runs in a browser page (there is no window here)');
  assert.deepEqual(out.helpers, ['captureReports', 'decisions', 'grantConsent', 'guardNetwork', 'openReport',
    'pinBucket', 'ready', 'seedProfile', 'slotDeadline', 'testKeyPair', 'useConfig', 'withTestKey']);
  assert.deepEqual(out.keyBytes, [32, 32]);
  assert.ok(out.wasm && out.script);
  // Node's key pair is the pair the native tools expect: keygen derives the same public key.
  const keys = JSON.parse((await run(process.execPath, ['--input-type=module', '-e',
    "console.log(JSON.stringify((await import('tactful/testing')).testKeyPair()))"], { cwd: project, encoding: 'utf8' })).stdout);
  const keyFile = join(project, 'test.key');
  writeFileSync(keyFile, keys.secretKey + '\n', { mode: 0o600 });
  const shown = JSON.parse(execFileSync(tactfulBin, ['keygen', '--show', keyFile], { encoding: 'utf8' }));
  assert.equal(shown.publicKey, keys.publicKey);
});

test('a usage example type-checks with tsc --noEmit, and wrong usage does not', async () => {
  writeFileSync(join(project, 'example.ts'), EXAMPLE_TS);
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext',
      lib: ['es2022', 'dom'], types: ['node'] },
    files: ['example.ts'],
  }));
  const tsc = join(project, 'node_modules/typescript/bin/tsc');
  await run(process.execPath, [tsc, '-p', '.'], { cwd: project, encoding: 'utf8' }).catch((e) => {
    throw new Error(`tsc failed:\n${e.stdout}${e.stderr}`);
  });
  // Without the @ts-expect-error lines the same example must fail: the types are not `any`.
  writeFileSync(join(project, 'example.ts'), EXAMPLE_TS.replace(/\/\/ @ts-expect-error.*\n/g, ''));
  const failed = await run(process.execPath, [tsc, '-p', '.'], { cwd: project, encoding: 'utf8' }).then(() => '', (e) => e.stdout);
  assert.equal((failed.match(/error TS/g) || []).length, 5, failed);
});

test('a Playwright test written only against the installed package passes', async () => {
  const out = await runOwnerTest('visitor.test.mjs');
  assert.match(out, /pass 7/);
});

test('the network guard catches a deliberately leaking page', async () => {
  const out = await runOwnerTest('leak.test.mjs');
  assert.match(out, /pass 1/);
});

test('captured reports open and decode with the test key', async () => {
  const out = await runOwnerTest('reports.test.mjs');
  assert.match(out, /pass 1/);
});

// What a site owner copies from docs/testing.md, run as written with
// @playwright/test: only the browser is the system's (no browser download here).
test('the complete test in docs/testing.md runs as written with @playwright/test', async () => {
  const doc = readFileSync(join(root, 'docs/testing.md'), 'utf8');
  const spec = doc.split('## A complete test')[1].match(/```js\n([\s\S]*?)```/)[1];
  mkdirSync(join(project, 'docs-tests'), { recursive: true });
  writeFileSync(join(project, 'docs-tests', 'tactful.spec.js'), spec);
  writeFileSync(join(project, 'docs.playwright.config.js'), `import { defineConfig } from '@playwright/test';
export default defineConfig({
  testDir: 'docs-tests',
  workers: 1,
  use: { launchOptions: { executablePath: '/usr/bin/chromium', args: ${JSON.stringify(CHROMIUM_ARGS)} } },
});
`);
  const cli = join(project, 'node_modules/@playwright/test/cli.js');
  const out = await runInProject([cli, 'test', '-c', 'docs.playwright.config.js', '--reporter=line'], "docs/testing.md's test");
  assert.match(out, /3 passed/);
});

// Needs the module to read the pinned id at boot (js/module.js).
test('a pinned bucket fixes the variant of an experiment', async () => {
  const out = await runOwnerTest('bucket.test.mjs');
  assert.match(out, /pass 1/);
});
