// Shared by the browser suites: the demo site served by the real native
// server on a free loopback port, and fresh Chromium visitors driven by
// playwright-core.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const screenshotDir = join(root, 'test-results', 'screenshots');

export const tactfulBin = join(root, 'build/native/tactful');
export const OWNER_TOKEN = 'test-owner-token';

/**
 * Starts `tactful serve` for the demo site with its collector (a fresh key
 * and database in a temporary state directory); resolves to { url, state, stop }.
 */
export async function startSite({
  config = join(root, 'demo-site/tactful.config.json'),
  dist = join(root, 'dist'),  // what /tactful/ serves: our build, or an installed package's dist/
  mounts = {},                // more URL prefix -> directory mounts
  port = 0,                   // 0: any free port
} = {}) {
  const state = mkdtempSync(join(tmpdir(), 'tactful-site-'));
  const key = join(state, 'collector.key');
  execFileSync(tactfulBin, ['keygen', '--out', key]);
  const child = spawn(tactfulBin, [
    'serve', '--site', join(root, 'demo-site/public'), '--mount', `/tactful/=${dist}`,
    ...Object.entries(mounts).flatMap(([prefix, dir]) => ['--mount', `${prefix}=${dir}`]),
    '--port', String(port), '--config', config, '--key', key, '--db', join(state, 'aggregates.db'),
    '--token', OWNER_TOKEN, '--chart-js', join(root, 'node_modules/chart.js/dist/chart.umd.js'),
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) resolve(m[1].replace(/\/$/, ''));
    });
    child.on('exit', (code) => reject(new Error(`tactful serve exited ${code}: ${stderr}`)));
  });
  return {
    url,
    state,
    key,
    stop() {
      child.kill('SIGTERM');
      rmSync(state, { recursive: true, force: true });
    },
  };
}

const launchArgs = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * A new visitor: a fresh browser profile. Options go to launchPersistentContext,
 * except `deadline`: the slot deadline in ms for this visitor (the package's slotDeadline).
 * Tests about what is decided use a long one so a loaded CI machine cannot turn
 * a decision into a late one; tests about the deadline pass `deadline: null`
 * to keep the site's own. `blockSiteData`: the browser's own setting that
 * blocks every site's cookies and storage, as a visitor can choose.
 * `doNotTrack`: the browser's own "Send a Do Not Track request" setting.
 */
export async function newVisitor({ deadline = 10000, blockSiteData = false, doNotTrack = false, ...options } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tactful-visitor-'));
  if (blockSiteData || doNotTrack) {
    const preferences = {};
    if (blockSiteData) preferences.profile = { default_content_setting_values: { cookies: 2 } };
    if (doNotTrack) preferences.enable_do_not_track = true;
    mkdirSync(join(dir, 'Default'));
    writeFileSync(join(dir, 'Default', 'Preferences'), JSON.stringify(preferences));
  }
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: launchArgs,
    viewport: { width: 1280, height: 900 },
    ...options,
  });
  if (deadline) await slotDeadline(context, deadline);
  const page = context.pages()[0] || (await context.newPage());
  const messages = [];
  const watch = (p) => p.on('console', (m) => messages.push({ type: m.type(), text: m.text() }));
  watch(page);
  context.on('page', watch);
  return {
    context,
    page,
    messages,
    /** Console lines from Tactful ("tactful: ..."). */
    tactfulMessages: () => messages.filter((m) => m.text.startsWith('tactful:')),
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Waiting for the module and changing consent inside a real click: the
// package's own helpers (tactful/testing), which site owners use too.
import { grantConsent, ready, slotDeadline } from '../../package/testing.mjs';

export { grantConsent, ready };

/**
 * Everything Tactful keeps in the page's storage, read directly from the
 * browser's stores (IndexedDB "tactful" and any tactful: key in localStorage).
 */
export function tactfulStorage(page) {
  return page.evaluate(async () => {
    const out = {};
    for (const k of Object.keys(localStorage)) if (k.startsWith('tactful:')) out[k] = localStorage.getItem(k);
    const names = (await indexedDB.databases()).map((d) => d.name);
    if (!names.includes('tactful')) return out;
    const db = await new Promise((resolve, reject) => {
      const req = indexedDB.open('tactful');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    if (db.objectStoreNames.contains('records')) {
      await new Promise((resolve) => {
        const tx = db.transaction('records', 'readonly');
        const store = tx.objectStore('records');
        const keys = store.getAllKeys();
        const values = store.getAll();
        tx.oncomplete = () => {
          keys.result.forEach((k, i) => { out[k] = values.result[i]; });
          resolve();
        };
      });
    }
    db.close();
    return out;
  });
}

/** Replaces one stored record, as a damaged disk or a meddling script would. */
export async function overwriteRecord(page, name, change) {
  const value = change((await tactfulStorage(page))[name]);
  await page.evaluate(async ({ name, value }) => {
    const db = await new Promise((resolve) => { const r = indexedDB.open('tactful'); r.onsuccess = () => resolve(r.result); });
    const tx = db.transaction('records', 'readwrite');
    tx.objectStore('records').put(value, name);
    await new Promise((r) => { tx.oncomplete = r; });
    db.close();
  }, { name, value });
}

export async function screenshot(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}

/**
 * Opens the sealed records a page stored, from outside the page, with the
 * native CLI: { profile, consent } as JSON (null where absent).
 */
export async function openStoredRecords(page) {
  const stored = await tactfulStorage(page);
  const key = stored['tactful:v1:key'];
  const open = (record) => (record && key
    ? JSON.parse(execFileSync(tactfulBin, ['inspect', '--key', key, record], { encoding: 'utf8' }))
    : null);
  return { profile: open(stored['tactful:v1:profile']), consent: open(stored['tactful:v1:consent']) };
}

/** Writes a variant of the demo config to a temporary file; returns its path. */
export function configVariant(change) {
  const config = JSON.parse(readFileSync(join(root, 'demo-site/tactful.config.json'), 'utf8'));
  change(config);
  const dir = mkdtempSync(join(tmpdir(), 'tactful-config-'));
  const path = join(dir, 'tactful.config.json');
  writeFileSync(path, JSON.stringify(config, null, 1));
  return path;
}

/** Holds every config request of `context` for `ms` before it goes on: a slow network, a decision that comes late. */
export function delayConfig(context, ms) {
  return context.route('**/tactful.config.json', async (route) => {
    await new Promise((r) => setTimeout(r, ms));
    await route.continue();
  });
}

/**
 * From when a page sets `window.__slowLocks`, its cross-tab lock requests
 * wait 5 s before they are made: a change the visitor makes then surely has
 * not run when the page is left at once (every change waits for the lock).
 */
export function slowLocks(context) {
  return context.addInitScript(() => {
    const request = LockManager.prototype.request;
    LockManager.prototype.request = function (...args) {
      if (!window.__slowLocks) return request.apply(this, args);
      return new Promise((resolve) => setTimeout(resolve, 5000)).then(() => request.apply(this, args));
    };
  });
}

/** Tracks a view of `interest` and, in the same task, follows a link to `url`; resolves on the next page's URL. */
export function trackThenLeave(page, url, interest) {
  return Promise.all([
    page.waitForURL(url),
    page.evaluate(([to, id]) => {
      window.tactful.track({ type: 'view', interests: [id] });
      window.location.href = to;
    }, [url, interest]),
  ]);
}

/** The evidence the visitor's profile holds for interest `id`, from profile.export() (0 when it holds none). */
export async function interestEvidence(page, id) {
  const item = (await page.evaluate(() => window.tactful.profile.export())).profile.interests.find((i) => i.id === `interest:${id}`);
  return item ? item.value.evidence : 0;
}

/** Resolves when the page has applied its slots (tactful.ready), then waits a tick for events. */
export async function visit(page, url) {
  await page.goto(url);
  return ready(page);
}

/** A visitor who opted in and read two trail-running pages. */
export async function trailRunner(site, options) {
  const v = await newVisitor(options);
  await visit(v.page, `${site.url}/index.html`);
  await grantConsent(v.page, { purposes: { personalization: true } });
  await visit(v.page, `${site.url}/trail-running.html`);
  await visit(v.page, `${site.url}/product-ridge-runner.html`);
  return v;
}
