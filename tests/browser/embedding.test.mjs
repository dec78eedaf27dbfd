// Embedding in demanding sites: strict Content-Security-Policies (Trusted
// Types, nonces), a <base href>, a module script tag, files on another
// origin, sandboxed frames, and pages whose own scripts change built-ins.
// Each page is the site's own HTML with its own headers (a Playwright route);
// Tactful's files, the config and the wasm come from the real demo server.
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { grantConsent, newVisitor, ready, root, startSite } from './harness.mjs';

let site;
before(async () => { site = await startSite(); });
after(() => site.stop());

const NONCE = 'r4nd0m-n0nce';

function html({ head = '', tag = '<script src="/tactful/tactful.js" data-config="/tactful.config.json" async></script>', css = '<link rel="stylesheet" href="/tactful/tactful.css">' } = {}) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="tactful:interests" content="trail-running">${head}${css}${tag}</head>
<body><section data-tactful-slot="hero"><p>Our default hero</p></section></body></html>`;
}

/** A visitor whose page at `url` is `body`, served with `headers`; CSP violations are recorded. */
async function visitor(url, body, headers = {}) {
  const v = await newVisitor();
  await v.context.route(url, (route) => route.fulfill({ status: 200, contentType: 'text/html', headers, body }));
  await v.context.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return v;
}

// Pages from another loopback server: Chromium lets a page reach loopback
// addresses on another origin only if the page came from one itself (a
// routed page counts as public), as a real site and its CDN would both be.
function pageServer(pages) {
  const server = createServer((req, res) => {
    const body = pages[new URL(req.url, 'http://x').pathname];
    res.writeHead(body ? 200 : 404, { 'Content-Type': 'text/html' }).end(body || '');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}`,
    stop: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  })));
}

const violations = (page) => page.evaluate(() => window.__violations);
const openPanel = (page) => page.evaluate(() => window.tactful.panel.open().then(() => 'opened', (e) => e.message));

/** The page at `url` starts, and its panel opens, with no CSP violation. */
async function panelOpensCleanly(url, body, csp) {
  const v = await visitor(url, body, { 'Content-Security-Policy': csp });
  try {
    await v.page.goto(url);
    assert.deepEqual(await ready(v.page), { ok: true });
    assert.equal(await openPanel(v.page), 'opened');
    await v.page.getByRole('dialog').waitFor();
    assert.deepEqual(await violations(v.page), []);
  } finally {
    await v.close();
  }
}

describe('strict Content-Security-Policies', () => {
  test('a page enforcing Trusted Types opens the panel through the policy "tactful"', () => panelOpensCleanly(
    `${site.url}/embed/trusted-types.html`, html(),
    "script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; require-trusted-types-for 'script'; trusted-types tactful"));

  test('a trusted-types directive that does not name "tactful": the page keeps working and panel.open() says what to allow', async () => {
    const url = `${site.url}/embed/other-policy.html`;
    const v = await visitor(url, html(), {
      'Content-Security-Policy': "script-src 'self' 'wasm-unsafe-eval'; require-trusted-types-for 'script'; trusted-types sitepolicy",
    });
    try {
      await v.page.goto(url);
      assert.deepEqual(await ready(v.page), { ok: true });
      assert.match(await openPanel(v.page), /trusted-types directive must allow the policy "tactful"/);
      assert.ok(v.tactfulMessages().some((m) => m.type === 'error' && /policy "tactful"/.test(m.text)));
    } finally {
      await v.close();
    }
  });

  test('a nonce-only policy: the panel script and Tactful\'s stylesheets load by the script tag\'s nonce', () => panelOpensCleanly(
    `${site.url}/embed/nonce.html`,
    html({
      css: `<link nonce="${NONCE}" rel="stylesheet" href="/tactful/tactful.css">`,
      tag: `<script nonce="${NONCE}" src="/tactful/tactful.js" data-config="/tactful.config.json" async></script>`,
    }),
    `script-src 'nonce-${NONCE}' 'wasm-unsafe-eval'; style-src 'nonce-${NONCE}'; object-src 'none'; base-uri 'none'`));
});

describe('where the files are', () => {
  test('a relative data-config is resolved against the page\'s <base href>, as the page\'s own URLs are', async () => {
    const url = `${site.url}/shop/catalog/page.html`;
    const v = await visitor(url, html({
      head: '<base href="/">',
      css: '<link rel="stylesheet" href="tactful/tactful.css">',
      tag: '<script src="tactful/tactful.js" data-config="tactful.config.json" async></script>',
    }));
    try {
      await v.page.goto(url);
      assert.deepEqual(await ready(v.page), { ok: true });
    } finally {
      await v.close();
    }
  });

  test('a type="module" tag fails to default saying the script must be a classic one', async () => {
    const url = `${site.url}/embed/module.html`;
    const v = await visitor(url, html({ tag: '<script type="module" src="/tactful/tactful.js" data-config="/tactful.config.json"></script>' }));
    try {
      await v.page.goto(url);
      const state = await ready(v.page);
      assert.equal(state.reason, 'config-missing');
      assert.match(state.message, /type="module": use a classic one/);
    } finally {
      await v.close();
    }
  });

  test('a wasm on another origin without CORS headers: the message names Access-Control-Allow-Origin', async () => {
    // The page on its own server; Tactful's files on the demo server (another origin).
    const shop = await pageServer({
      '/': html({ tag: `<script src="${site.url}/tactful/tactful.js" data-config="/tactful.config.json" async></script>` }),
      '/tactful.config.json': readFileSync(join(root, 'demo-site/tactful.config.json'), 'utf8'),
    });
    const v = await newVisitor();
    try {
      await v.page.goto(`${shop.url}/`);
      const state = await ready(v.page);
      assert.equal(state.reason, 'wasm-unavailable');
      assert.match(state.message, /another origin: its server must send Access-Control-Allow-Origin/);
    } finally {
      await v.close();
      await shop.stop();
    }
  });

  test('in a sandboxed iframe (an opaque origin) the message says why nothing loads', async () => {
    const shop = await pageServer({
      '/': '<!doctype html><iframe sandbox="allow-scripts" src="/inner.html"></iframe>',
      '/inner.html': html({ tag: `<script src="${site.url}/tactful/tactful.js" data-config="/tactful.config.json" async></script>` }),
    });
    const v = await newVisitor();
    try {
      await v.page.goto(`${shop.url}/`);
      const frame = v.page.frameLocator('iframe');
      await frame.locator('[data-tactful-slot="hero"][data-tactful-decided="default"]').waitFor();
      const line = v.tactfulMessages().find((m) => m.type === 'error');
      assert.match(line.text, /the page is sandboxed \(opaque origin\)/);
    } finally {
      await v.close();
      await shop.stop();
    }
  });
});

describe('pages whose own scripts change built-ins', () => {
  test('Array.prototype.toJSON (Prototype.js 1.6) does not turn the module\'s arrays into strings', async () => {
    const url = `${site.url}/embed/prototype.html`;
    const v = await visitor(url, html({
      head: '<script src="/embed/prototype.js"></script>',
    }), { 'Content-Security-Policy': "script-src 'self' 'wasm-unsafe-eval'" });
    await v.context.route(`${site.url}/embed/prototype.js`, (route) => route.fulfill({
      contentType: 'text/javascript',
      body: 'Array.prototype.toJSON = function () { return "[" + this.map(function (x) { return JSON.stringify(x); }).join(", ") + "]"; };',
    }));
    try {
      await v.page.goto(url);
      assert.deepEqual(await ready(v.page), { ok: true });
      await grantConsent(v.page, { purposes: { personalization: true } });
      await v.page.reload();
      assert.deepEqual(await ready(v.page), { ok: true });
      // The page's view was stored and read back: its interest is in the profile.
      const view = JSON.stringify(await v.page.evaluate(() => window.tactful.profile.view()));
      assert.match(view, /trail-running/);
    } finally {
      await v.close();
    }
  });

  test('a fetch wrapper that returns its own response object still loads the wasm', async () => {
    const url = `${site.url}/embed/fetch-wrapper.html`;
    const v = await visitor(url, html({ head: '<script src="/embed/wrap.js"></script>' }));
    await v.context.route(`${site.url}/embed/wrap.js`, (route) => route.fulfill({
      contentType: 'text/javascript',
      body: `var native = window.fetch;
window.fetch = function (input, init) {
  return native.call(window, input, init).then(function (r) {
    return { ok: r.ok, status: r.status, headers: r.headers,
      text: function () { return r.text(); }, json: function () { return r.json(); },
      arrayBuffer: function () { return r.arrayBuffer(); } };
  });
};`,
    }));
    try {
      await v.page.goto(url);
      assert.deepEqual(await ready(v.page), { ok: true });
    } finally {
      await v.close();
    }
  });
});
