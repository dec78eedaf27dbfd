// For bundler users: the same module as the script tag, started by init().
//   import { init } from 'tactful';
//   const tactful = init({ config: '/tactful.config.json', assets: '/tactful/' });
// `assets` is where tactful.wasm, tactful-launcher.css and the panel files are served
// (copy them from the package's dist/ folder); `nonce`, the page's CSP nonce,
// is given to the panel script and stylesheets the module adds. Sets window.tactful too, so that
// page scripts and the Playwright helpers find it.
import { createTactful, queuedCalls, startedModule } from './module.js';

export function init({ config, assets = '/tactful/', nonce } = {}) {
  // Importing is fine anywhere (tests, server rendering); starting needs a page.
  if (typeof window === 'undefined') throw new Error('tactful: init() runs in a browser page (there is no window here)');
  if (typeof config !== 'string' || !config) throw new TypeError('tactful: init() needs { config: URL of the site config }');
  if (startedModule(window)) return window.tactful;
  window.tactful = createTactful({
    configUrl: config,
    // Relative to the document's base URL, as fetch() and the page's own URLs are.
    base: new URL(assets.endsWith('/') ? assets : assets + '/', document.baseURI),
    nonce,
    earlyQueue: queuedCalls(window.tactful),
  });
  return window.tactful;
}
