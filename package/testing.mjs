// tactful/testing: helpers for a site owner's Playwright tests. They take the
// `page` or `context` the test already has (playwright-core or
// @playwright/test) and import nothing from Playwright, so they work with
// either. Everything goes through what a visitor or a page script can do: the
// public window.tactful API, real clicks, and the network as it is. The one
// test-only hook (pinBucket) is read by the module at boot from a property that
// only an init script set before the page ran can provide.
import { generateKeyPairSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';

const COLLECTOR = '/collect';
const PIN_PROPERTY = '__tactfulTestBucketId';

/** Waits for window.tactful.ready; resolves to its status ({ ok, reason? }). */
export async function ready(page) {
  try {
    await page.waitForFunction(() => window.tactful && !Array.isArray(window.tactful) && window.tactful.ready);
  } catch (e) {
    // Said in the test's terms: the usual cause is a page without the module.
    if (e && e.name === 'TimeoutError') {
      const started = await page.evaluate(() => !!(window.tactful && !Array.isArray(window.tactful))).catch(() => false);
      const why = started
        ? `tactful.ready did not resolve on ${page.url()}: is a request it waits for (the config, the wasm) held by a route?`
        : `window.tactful never started on ${page.url()}: is the Tactful script tag (or init()) on this page?`;
      throw new Error(`tactful: ${why} (${e.message.split('\n')[0]})`);
    }
    throw e;
  }
  return page.evaluate(() => window.tactful.ready);
}

/**
 * Changes consent the way a visitor does: inside a real click. A button is
 * placed over the page's top-left corner for the moment of the click; its
 * handler calls tactful.consent.set(change) during the click's transient user
 * activation, exactly as a site's own "Personalize" button would.
 * Resolves to the new consent state; rejects with the module's error.
 */
export async function grantConsent(page, change = { purposes: { personalization: true } }) {
  await ready(page);
  const marker = `grant-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  await page.evaluate(({ change, marker }) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Grant (test)';
    button.setAttribute('data-tactful-testing', marker);
    button.style.cssText = 'position:fixed;left:0;top:0;width:48px;height:32px;z-index:2147483647;margin:0;opacity:0.01';
    const result = new Promise((resolve) => {
      button.addEventListener('click', () => {
        const pending = window.tactful.consent.set(change);
        button.remove();
        pending.then((state) => resolve({ state }), (e) => resolve({ error: String((e && e.message) || e) }));
      }, { once: true });
    });
    (window.__tactfulTestingGrants ||= {})[marker] = result;
    document.body.append(button);
    // A click needs the button on top: a modal dialog (the privacy panel is
    // one) makes the rest of the page inert, and the click would never land.
    const onTop = document.elementFromPoint(24, 16);
    if (onTop === button && !button.closest('[inert]')) return null;
    button.remove();
    delete window.__tactfulTestingGrants[marker];
    const host = onTop && onTop.getRootNode && onTop.getRootNode().host;
    const what = (el) => (el ? `<${el.localName}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : ''}>` : 'nothing');
    return what(host || onTop);
  }, { change, marker }).then((covered) => {
    if (covered) {
      throw new Error(`tactful: grantConsent: the page cannot be clicked where its button is, ${covered} is over it (a modal dialog such as the privacy panel?): close it first, or use the dialog's own switches`);
    }
  });
  await page.locator(`[data-tactful-testing="${marker}"]`).click();
  const out = await page.evaluate((marker) => {
    const result = window.__tactfulTestingGrants[marker];
    delete window.__tactfulTestingGrants[marker];
    return result;
  }, marker);
  if (out.error) throw new Error(out.error);
  return out.state;
}

// The parts a seed may have; anything else is a typo the test should hear about.
const SEED_PARTS = ['interests', 'likes', 'dislikes', 'purchases', 'occasions', 'location'];

// A seed that would quietly store nothing is refused before the page is touched.
function checkSeed(seed, views) {
  const bad = (message) => new TypeError(`tactful: seedProfile: ${message}`);
  if (!seed || typeof seed !== 'object' || Array.isArray(seed)) {
    throw bad(`the seed must be an object such as { interests: ['hiking'] }, got ${JSON.stringify(seed)}`);
  }
  const unknown = Object.keys(seed).filter((k) => !SEED_PARTS.includes(k));
  if (unknown.length) throw bad(`unknown part(s) ${unknown.map((k) => `'${k}'`).join(', ')} (expected ${SEED_PARTS.join(', ')})`);
  if (!Number.isInteger(views) || views < 1) throw bad(`views must be a whole number of at least 1, got ${JSON.stringify(views)}`);
  const { interests, purchases } = seed;
  const isId = (v) => typeof v === 'string' && v.length > 0;
  if (interests !== undefined) {
    const ok = Array.isArray(interests) ? interests.every(isId)
      : interests && typeof interests === 'object' && Object.values(interests).every((n) => Number.isInteger(n) && n >= 1);
    if (!ok) throw bad('interests must be a list of interest ids, or { id: number of views (1 or more) }');
  }
  if (purchases !== undefined && !(Array.isArray(purchases)
      && purchases.every((p) => isId(p) || (p && typeof p === 'object' && isId(p.category))))) {
    throw bad("purchases must be a list of categories, or of { category, value?, item? }");
  }
}

/**
 * Builds a profile through the public API: `interests` as views (ids, each
 * viewed `views` times, or { id: views }), `purchases` as purchase events,
 * `likes`/`dislikes`/`occasions`/`location` as what the visitor declares.
 * Consent applies as for a visitor: a part whose category is off (or all of
 * them, with personalization off) is not stored, and the rest is. Resolves to
 * tactful.profile.view() plus `skipped`: the seed's keys that were not stored
 * for that reason (e.g. ['location']). Rejects when consent allowed a part
 * but the module did not store it (an interest the site's taxonomy does not
 * declare, or a sensitive one; a bad purchase category), naming it. Reload the
 * page to see the decisions the new profile makes on load.
 */
export async function seedProfile(page, seed = {}, { views = 4 } = {}) {
  checkSeed(seed, views);
  await ready(page);
  const out = await page.evaluate(async ({ seed, views }) => {
    const t = window.tactful;
    // The category each part of a seed is stored under.
    const category = { interests: 'interests', purchases: 'purchases', likes: 'interests', dislikes: 'interests', occasions: 'occasions', location: 'location' };
    const consent = await t.consent.get();
    const allowed = (key) => consent.purposes.personalization === true && consent.categories[category[key]] === true;
    const skipped = Object.keys(category).filter((k) => seed[k] !== undefined && !allowed(k));
    const use = (key) => seed[key] !== undefined && allowed(key);
    const interests = !use('interests') ? []
      : Array.isArray(seed.interests) ? seed.interests.map((id) => [id, views]) : Object.entries(seed.interests);
    const purchases = (use('purchases') ? seed.purchases : []).map((p) => (typeof p === 'string' ? { category: p } : p));
    // What the module says about events it drops (unknown ids, bad categories).
    const refused = [];
    const onError = (e) => { if (e.detail && e.detail.reason === 'bad-event') refused.push(e.detail.message); };
    document.addEventListener('tactful:error', onError);
    let view;
    try {
      for (const [id, n] of interests) for (let i = 0; i < n; i += 1) t.track({ type: 'view', interests: [id] });
      for (const p of purchases) t.track({ type: 'purchase', ...p });
      const declaration = {};
      for (const k of ['likes', 'dislikes', 'occasions', 'location']) if (use(k)) declaration[k] = seed[k];
      // Its message goes back as it is: thrown from here, Playwright would wrap it in its own words and a page stack.
      if (Object.keys(declaration).length) {
        try {
          await t.profile.declare(declaration);
        } catch (e) {
          return { declareError: String((e && e.message) || e) };
        }
      }
      view = await t.profile.view();
    } finally {
      document.removeEventListener('tactful:error', onError);
    }
    const has = (group, id) => view[group].some((item) => item.id === id);
    const missing = [
      ...interests.filter(([id]) => !has('interests', `interest:${id}`)).map(([id]) => `interests: '${id}'`),
      ...purchases.filter((p) => !has('purchases', `purchases:${p.category}`)).map((p) => `purchases: '${p.category}'`),
    ];
    return { view: { ...view, skipped }, missing, refused: [...new Set(refused)] };
  }, { seed, views });
  if (out.declareError) throw new Error(out.declareError);
  if (out.missing.length) {
    throw new Error(`tactful: seedProfile: not stored although consent allows it: ${out.missing.join(', ')}` +
      (out.refused.length ? ` (${out.refused.join('; ')})` : ' (an id the site\'s taxonomy does not declare, or a sensitive interest, which is never stored)'));
  }
  return out.view;
}

/**
 * The page's slots as the module left them: { id, variant (null: default
 * content), decided ('personalized' | 'default' | 'late' | null), explanation
 * (tactful.explain(id), or { error } when there is none) } in document order.
 */
export async function decisions(page) {
  await ready(page);
  return page.evaluate(async () => {
    const out = [];
    for (const el of document.querySelectorAll('[data-tactful-slot]')) {
      const id = el.getAttribute('data-tactful-slot');
      let explanation;
      try {
        explanation = await window.tactful.explain(id);
      } catch (e) {
        explanation = { error: String((e && e.message) || e) };
      }
      out.push({
        id,
        variant: el.getAttribute('data-tactful-variant') || null,
        decided: el.getAttribute('data-tactful-decided'),
        explanation,
      });
    }
    return out;
  });
}

function collectorMatcher(collector) {
  const path = new URL(collector || COLLECTOR, 'http://x').pathname;
  const absolute = /^https?:/.test(collector || '') ? new URL(collector).origin : null;
  return (url) => {
    const u = new URL(url);
    return u.pathname === path && (!absolute || u.origin === absolute);
  };
}

const pageOf = (request) => {
  try {
    return request.frame().page();
  } catch {
    return null; // a service worker's request has no frame
  }
};

async function consentOf(page) {
  if (!page || page.isClosed()) return null;
  try {
    return await page.evaluate(() => (window.tactful && window.tactful.consent
      ? window.tactful.consent.get().catch(() => null)
      : null));
  } catch {
    return null; // navigating or closed
  }
}

// Strings only Tactful holds: stored item ids, which have forms like
// "interest:hiking" or "purchases:shoes" that pages do not produce by chance.
async function profileMarks(page) {
  if (!page || page.isClosed()) return [];
  try {
    return await page.evaluate(async () => {
      if (!window.tactful || !window.tactful.profile) return [];
      const view = await window.tactful.profile.view().catch(() => null);
      const marks = [];
      for (const [category, group] of Object.entries(view || {})) {
        if (!Array.isArray(group)) continue;
        for (const item of group) {
          if (!item) continue;
          if (typeof item.id === 'string' && item.id.includes(':')) marks.push(item.id);
          // Location and occasions are single items ("location"): what would
          // leak is their value, watched when it is distinctive (4+ characters;
          // a country code or a month number is too common to tell apart).
          if (category === 'location' || category === 'occasions') {
            for (const v of Object.values(item.value || {})) if (typeof v === 'string' && v.length >= 4) marks.push(v);
          }
        }
      }
      return marks;
    });
  } catch {
    return [];
  }
}

// Percent-escapes decoded one run at a time, so one malformed escape cannot
// hide the rest; `+` is a space in form bodies and query strings.
function decodeLoosely(text) {
  return text.replace(/\+/g, ' ').replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

function requestText(request) {
  let body = '';
  try {
    const buf = request.postDataBuffer();
    body = buf ? buf.toString('utf8') : '';
  } catch {
    body = '';
  }
  return rawAndDecoded(request.url(), Object.values(request.headers()).join('\n'), body);
}

// Each part raw and decoded: a mark is found however the page encoded it.
function rawAndDecoded(...parts) {
  return parts.flatMap((part) => [part, decodeLoosely(part)]).join('\n');
}

/**
 * Fails the test when anything would carry data out without `aggregate`
 * consent. `target` is a BrowserContext (every page) or a Page. Installs:
 *  - a route on the collector path: a request is let through only while the
 *    sending page's tactful.consent.get() says purposes.aggregate is true
 *    (read at the moment of sending); otherwise it is aborted (nothing leaves)
 *    and recorded;
 *  - a watch on every request: any whose URL, headers or body contains a
 *    stored profile item id (e.g. "interest:hiking") or one of `canaries` is
 *    recorded.
 * Returns { violations, requests, refresh(), assertClean() }. Call it before
 * the first navigation.
 */
export async function guardNetwork(target, { collector = COLLECTOR, canaries = [] } = {}) {
  if (!Array.isArray(canaries)) throw new TypeError('tactful: guardNetwork: canaries must be a list of strings');
  const isCollector = collectorMatcher(collector);
  const violations = [];
  const requests = [];
  const marks = new Set(canaries.filter((c) => typeof c === 'string' && c.length >= 4));
  const pages = new Set();
  const lastConsent = new WeakMap();

  const watchPage = (page) => {
    if (pages.has(page)) return;
    pages.add(page);
    page.on('close', () => pages.delete(page));
    // WebSockets are not requests to Playwright: their URL and every frame
    // the page sends are watched the same way.
    page.on('websocket', (ws) => {
      const url = ws.url();
      requests.push({ url, method: 'WEBSOCKET', text: rawAndDecoded(url) });
      ws.on('framesent', ({ payload }) => {
        const text = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
        requests.push({ url, method: 'WEBSOCKET frame', text: rawAndDecoded(text) });
      });
    });
  };
  if (typeof target.pages === 'function') {
    target.pages().forEach(watchPage);
    target.on('page', watchPage);
  } else {
    watchPage(target);
  }

  async function refresh() {
    for (const page of pages) for (const m of await profileMarks(page)) marks.add(m);
  }

  await target.route((url) => isCollector(url.href), async (route) => {
    const request = route.request();
    const page = pageOf(request);
    await refresh();
    let consent = await consentOf(page);
    if (consent && page) lastConsent.set(page, consent);
    else if (page) consent = lastConsent.get(page) || null;
    if (!consent || !consent.purposes || consent.purposes.aggregate !== true) {
      violations.push({
        kind: 'collector-without-consent',
        url: request.url(),
        method: request.method(),
        message: consent
          ? `${request.method()} ${request.url()} while purposes.aggregate is off`
          : `${request.method()} ${request.url()} while the page's consent could not be read`,
      });
      await route.abort('blockedbyclient');
      return;
    }
    await route.fallback();
  });

  const onRequest = (request) => {
    if (pageOf(request)) watchPage(pageOf(request));
    requests.push({ url: request.url(), method: request.method(), text: requestText(request) });
  };
  target.on('request', onRequest);

  function scan() {
    const found = [];
    for (const r of requests) {
      const hit = [...marks].find((m) => r.text.includes(m));
      if (hit) found.push({ kind: 'profile-data', url: r.url, method: r.method, message: `${r.method} ${r.url} carries profile data ("${hit}")` });
    }
    return found;
  }

  return {
    /**
     * Everything caught so far: collector sends without consent, and requests
     * carrying profile data as last read from the pages (at each collector
     * request, refresh() and assertClean()): `await guard.refresh()` first
     * after seeding a profile, or use assertClean(), which does.
     */
    get violations() {
      return [...violations, ...scan()];
    },
    /** Every request seen: { url, method }. */
    get requests() {
      return requests.map(({ url, method }) => ({ url, method }));
    },
    /** Reads the pages' stored item ids now (they are also read at each collector request and by assertClean). */
    refresh,
    /** Throws an Error listing every violation; resolves when there is none. */
    async assertClean() {
      await refresh();
      const all = [...violations, ...scan()];
      if (all.length) {
        throw new Error(`tactful: ${all.length} request(s) would carry data out without consent:\n` +
          all.map((v) => `  - ${v.message}`).join('\n'));
      }
    },
  };
}

/**
 * Captures the sealed reports pages send to the collector. By default they
 * are answered 204 by the test itself and never reach a real collector
 * (`forward: true` lets them through). Returns { reports: Buffer[],
 * waitForReport({ timeout }) }.
 */
export async function captureReports(target, { collector = COLLECTOR, forward = false } = {}) {
  const isCollector = collectorMatcher(collector);
  const reports = [];
  const waiting = [];
  await target.route((url) => isCollector(url.href), async (route) => {
    const request = route.request();
    if (request.method() === 'POST') {
      const body = request.postDataBuffer() || Buffer.alloc(0);
      reports.push(body);
      const next = waiting.shift();
      if (next) next();
    }
    if (forward) await route.fallback();
    else await route.fulfill({ status: 204, body: '' });
  });
  let taken = 0;
  return {
    reports,
    /** Resolves with the next report not yet taken by an earlier call (waiting for it if needed). */
    waitForReport({ timeout = 30000 } = {}) {
      if (reports.length > taken) return Promise.resolve(reports[taken++]);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`tactful: no report reached ${collector} within ${timeout} ms`)), timeout);
        waiting.push(() => {
          clearTimeout(timer);
          resolve(reports[taken++]);
        });
      });
    },
  };
}

let toolsPromise = null;
// The collector's side of the core, compiled to wasm for Node (dist/tools.mjs):
// the same code and checks as the collector, kept out of the page's module.
async function nodeTools() {
  toolsPromise ||= (async () => {
    const { startTools } = await import(new URL('./dist/tools.mjs', import.meta.url).href);
    const bytes = await readFile(new URL('./dist/tactful-tools.wasm', import.meta.url));
    // libsodium's start-up looks for crypto on `self`, as in a browser; lend it
    // for the start only, so the test process keeps its own globals.
    const lent = !('self' in globalThis);
    if (lent) globalThis.self = globalThis;
    try {
      return await startTools(bytes);
    } finally {
      if (lent) delete globalThis.self;
    }
  })();
  return toolsPromise;
}

/**
 * Opens one sealed report with the collector's secret key, using the same
 * wasm core the browser runs (and the collector's checks): resolves to
 * { ok: true, size, version, keyId, schema, window, windowStart,
 *   metrics: [{ id, kind, mechanism, epsilon, value?, supports }] }.
 * Values are still randomized (local differential privacy): a single report
 * says little; the collector estimates over many. `config` is the site config
 * the page ran with (object or JSON text; its reporting.publicKey must be the
 * pair of `secretKey`). Rejects with the reason a report does not open.
 */
export async function openReport(bytes, { config, secretKey } = {}) {
  if (!config || typeof secretKey !== 'string') {
    throw new TypeError('tactful: openReport needs (bytes, { config, secretKey }): the config the page ran with and the collector\'s secret key');
  }
  const tools = await nodeTools();
  const report = Buffer.isBuffer(bytes) ? bytes.toString('base64')
    : bytes instanceof Uint8Array ? Buffer.from(bytes).toString('base64') : String(bytes);
  const out = tools.call('report.open', { config: typeof config === 'string' ? config : JSON.stringify(config), report, secretKey });
  if (out.error) throw new Error(`tactful: openReport: ${out.error}${out.path ? ` (at ${out.path})` : ''}`);
  return out;
}

/**
 * An X25519 key pair for a test collector: { publicKey, secretKey } as
 * base64 of 32 bytes each (reporting.publicKey takes `publicKey`; `tactful
 * keygen`'s key file holds a `secretKey` line).
 */
export function testKeyPair() {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const b64 = (s) => Buffer.from(s, 'base64url').toString('base64');
  return { publicKey: b64(publicKey.export({ format: 'jwk' }).x), secretKey: b64(privateKey.export({ format: 'jwk' }).d) };
}

/**
 * Serves a changed site config to every page of `context`: `change(config)`
 * returns (or edits) the config fetched from `url` (a glob or URL the config
 * is loaded from, e.g. '** /tactful.config.json' without the space).
 * Typical use: point reporting at a test key and send without delay.
 */
export async function useConfig(target, url, change) {
  await target.route(url, async (route) => {
    const response = await route.fetch();
    let body;
    try {
      const config = JSON.parse(await response.text());
      body = JSON.stringify((await change(config)) || config);
    } catch (e) {
      // The page must not wait for a config that will never come: it fails
      // to default at once, and the test hears why.
      await route.abort().catch(() => {});
      throw new Error(`tactful: useConfig: ${route.request().url()}: ${e.message}`);
    }
    await route.fulfill({ response, body, headers: { ...response.headers(), 'content-type': 'application/json' } });
  });
}

/** A copy of `config` reporting to `keys.publicKey` with sends after at most `maxDelayMs`. */
export function withTestKey(config, keys, { maxDelayMs = 50 } = {}) {
  if (!keys || typeof keys.publicKey !== 'string') throw new TypeError('tactful: withTestKey needs (config, testKeyPair())');
  const copy = JSON.parse(JSON.stringify(config));
  copy.reporting = { ...(copy.reporting || {}), publicKey: keys.publicKey, sendDelayMs: { min: 0, max: maxDelayMs } };
  return copy;
}

/**
 * Fixes the local random id that experiment bucketing and the holdout use,
 * for every page the context opens from now on, so a test can pin a variant.
 * Works through an init script that defines a property before any page
 * script runs; the module reads it once at boot. A page script cannot set it
 * for a later load, and nothing is changed in what the module ships.
 */
export async function pinBucket(target, bucketId) {
  if (typeof bucketId !== 'string' || !/^[0-9a-zA-Z_-]{1,64}$/.test(bucketId)) {
    throw new TypeError('tactful: pinBucket needs an id of 1-64 letters, digits, "-" or "_"');
  }
  await target.addInitScript(({ name, id }) => {
    Object.defineProperty(window, name, { value: id, configurable: false, enumerable: false, writable: false });
  }, { name: PIN_PROPERTY, id: bucketId });
}

/**
 * Lengthens the slot deadline (CSS --tactful-deadline) for every page the
 * context opens, so a loaded CI machine cannot turn a decision into a late
 * one (a late decision keeps the default content, by design). Set from
 * script on the root element, which a Content-Security-Policy allows.
 */
export async function slotDeadline(target, ms = 10000) {
  await target.addInitScript((value) => {
    const apply = () => {
      if (!document.documentElement) return false;
      document.documentElement.style.setProperty('--tactful-deadline', value);
      return true;
    };
    if (!apply()) new MutationObserver((_, o) => apply() && o.disconnect()).observe(document, { childList: true });
  }, `${Math.max(0, Number(ms) || 0)}ms`);
}
