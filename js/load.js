// Loading what the module needs over the network (the config, the wasm, the
// panel): bounded in time, and failures said in terms a site owner can act on.

// A request that never answers (a stalled proxy, a captive portal) would
// leave `ready` pending for good; the CSS deadline shows the defaults long
// before this, so it only bounds how long the page's code waits to hear why.
const LOAD_TIMEOUT_MS = 20000;

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
