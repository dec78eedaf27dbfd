// The browser's side of the core's wasm ABI (wasm/bindings/bindings.cpp):
// operation name and JSON in, JSON out, through tactful_call (js/abi.js), and
// the binary decision call.
import createTactfulCore from 'tactful-core-glue';
import { callJson } from './abi.js';
import { corsHint, loadWithin } from './load.js';

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
