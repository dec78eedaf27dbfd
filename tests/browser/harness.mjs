// Shared by the browser suites: the demo site served by the real native
// server on a free loopback port, and fresh Chromium visitors driven by
// playwright-core.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
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
export async function startSite({ config = join(root, 'demo-site/tactful.config.json') } = {}) {
  const state = mkdtempSync(join(tmpdir(), 'tactful-site-'));
  const key = join(state, 'collector.key');
  execFileSync(tactfulBin, ['keygen', '--out', key]);
  const child = spawn(tactfulBin, [
    'serve', '--site', join(root, 'demo-site/public'), '--mount', `/tactful/=${join(root, 'dist')}`,
    '--port', '0', '--config', config, '--key', key, '--db', join(state, 'aggregates.db'),
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

/** A new visitor: a fresh browser profile. Options go to launchPersistentContext. */
export async function newVisitor(options = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tactful-visitor-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: launchArgs,
    viewport: { width: 1280, height: 900 },
    ...options,
  });
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

/** Waits for tactful.ready and returns its status. */
export function ready(page) {
  return page.evaluate(() => window.tactful.ready);
}

/**
 * Grants consent the way a visitor does: inside a real click (transient user
 * activation), then calls the public API.
 */
export async function grantConsent(page, change) {
  await page.mouse.click(2, 2);
  return page.evaluate((c) => window.tactful.consent.set(c), change);
}

/** Everything Tactful keeps in the page's storage, as the browser holds it. */
export function tactfulStorage(page) {
  return page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('tactful:'))
    .reduce((o, k) => ({ ...o, [k]: localStorage.getItem(k) }), {}));
}

export async function screenshot(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}
