// The browser's side of the core's wasm ABI (wasm/bindings/bindings.cpp):
// operation name and JSON in, JSON out, through tactful_call (js/abi.js), and
// the binary decision call.
import createTactfulCore from 'tactful-core-glue';
import { callJson } from './abi.js';

/**
 * Starts the core. `wasm` is a URL (fetched and compiled while streaming) or
 * the module's bytes (Node, tests). Rejects with a specific message when the
 * module cannot be fetched or instantiated.
 */
export async function startCore(wasm) {
  const instantiateWasm = (imports, done) => {
    const compile = typeof wasm === 'string' || wasm instanceof URL
      ? instantiateFromUrl(String(wasm), imports)
      : WebAssembly.instantiate(wasm, imports);
    compile.then((r) => done(r.instance), (e) => failed(e));
    return {};
  };
  let failed;
  const failure = new Promise((_, reject) => { failed = reject; });
  // locateFile: the glue must not resolve a path of its own; instantiateWasm fetches.
  const mod = await Promise.race([createTactfulCore({ instantiateWasm, locateFile: (p) => p }), failure]);
  if (mod._tactful_start() !== 0) throw new Error('the core could not start its random source');
  return new Core(mod);
}

// A request that never answers (a stalled proxy, a captive portal) would
// leave `ready` pending for good; the CSS deadline shows the defaults long
// before this, so it only bounds how long the page's code waits to hear why.
export const LOAD_TIMEOUT_MS = 20000;

/**
 * Runs load(signal) (a fetch and the reading of its body), rejecting with
 * "WHAT did not arrive within 20 s" and aborting it if it has not settled by then.
 */
export function loadWithin(what, load) {
  const controller = new AbortController();
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what} did not arrive within ${LOAD_TIMEOUT_MS / 1000} s`));
      controller.abort();
    }, LOAD_TIMEOUT_MS);
  });
  const loading = load(controller.signal);
  loading.catch(() => {}); // after the timeout, its abort is nobody's error
  return Promise.race([loading, late]).finally(() => clearTimeout(timer));
}

/**
 * What to check when a fetch of `url` failed and it is not on the page's own
 * origin: the browser refuses it unless its server allows the page's origin
 * (CORS), and a sandboxed page's origin is "null", which no server allows.
 */
export function corsHint(url) {
  // self.origin is the document's origin ("null" when sandboxed); location's is its URL's.
  const page = globalThis.location && globalThis.origin;
  if (!page || new URL(url, globalThis.location.href).origin === page) return '';
  return page === 'null'
    ? '; the page is sandboxed (opaque origin): every request is cross-origin, and there is no storage'
    : '; another origin: its server must send Access-Control-Allow-Origin';
}

function instantiateFromUrl(url, imports) {
  return loadWithin(`wasm ${url}`, (signal) => fetchAndInstantiate(url, imports, signal));
}

async function fetchAndInstantiate(url, imports, signal) {
  let response;
  try {
    response = await fetch(url, { credentials: 'same-origin', signal });
  } catch (e) {
    throw new Error(`wasm ${url} could not be fetched (${e.message})${corsHint(url)}`);
  }
  if (!response.ok) throw new Error(`wasm ${url} answered HTTP ${response.status}`);
  // A page that wraps fetch may hand back its own response object, which
  // only the non-streaming path accepts.
  const streaming = WebAssembly.instantiateStreaming && response instanceof Response &&
    (response.headers.get('content-type') || '').startsWith('application/wasm');
  try {
    return streaming
      ? await WebAssembly.instantiateStreaming(response, imports)
      : await WebAssembly.instantiate(await response.arrayBuffer(), imports);
  } catch (e) {
    // The browser's refusal names 'unsafe-eval', which would let eval run
    // too: say what the module needs, and only that.
    const csp = /content security policy/i.test(e.message)
      ? `; the page's Content-Security-Policy needs 'wasm-unsafe-eval' in script-src ('unsafe-eval' is not needed)` : '';
    throw new Error(`wasm ${url} could not be instantiated (${e.message})${csp}`);
  }
}

class Core {
  constructor(mod) {
    this.mod = mod;
  }

  /**
   * Decides the page set by the `page` operation, with no JSON: an Int16Array
   * of 4 per slot (variant position or -1, reason, {{interest}} and {{like}}
   * taxonomy positions or -1), or null before init.
   */
  decide(now = Date.now()) {
    const m = this.mod;
    const at = m._tactful_decide(now);
    if (!at) return null;
    const count = m.HEAP32[at >> 2];
    return m.HEAP16.slice((at >> 1) + 2, (at >> 1) + 2 + count * 4);
  }

  /** Runs one core operation; returns the parsed reply (which may hold `error`). */
  call(op, input, { now = Date.now(), gesture = false } = {}) {
    return callJson(this.mod, this.mod._tactful_call, op, input, now, gesture ? 1 : 0);
  }
}
