// For bundler users: the same module as the script tag, started by init().
//   import { init } from 'tactful';
//   const tactful = init({ config: '/tactful.config.json', assets: '/tactful/' });
// `assets` is where tactful.wasm, tactful.css and the panel files are served
// (copy them from the package's dist/ folder). Sets window.tactful too, so that
// page scripts and the Playwright helpers find it.
import { createTactful, queuedCalls, startedModule } from './module.js';

export function init({ config, assets = '/tactful/' } = {}) {
  // Importing is fine anywhere (tests, server rendering); starting needs a page.
  if (typeof window === 'undefined') throw new Error('tactful: init() runs in a browser page (there is no window here)');
  if (typeof config !== 'string' || !config) throw new TypeError('tactful: init() needs { config: URL of the site config }');
  if (startedModule(window)) return window.tactful;
  window.tactful = createTactful({
    configUrl: config,
    base: new URL(assets.endsWith('/') ? assets : assets + '/', window.location.href),
    earlyQueue: queuedCalls(window.tactful),
  });
  return window.tactful;
}
