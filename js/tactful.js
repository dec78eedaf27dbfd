// Entry point of the script tag:
//   <script src="/tactful/tactful.js" data-config="/tactful.config.json" async></script>
// Sets window.tactful at once; calls made before the core is ready wait for it,
// and calls queued before this script ran (window.tactful = [['track', {...}]])
// are replayed. Anything that fails leaves the page's default content.
import { createTactful, queuedCalls, startedModule } from './module.js';

const script = document.currentScript;
if (startedModule(window)) {
  // A second copy of the tag (a template and a tag manager both adding it):
  // two modules would count every view twice and race for the slots.
  console.warn('tactful: the script is on this page more than once; the copy that ran first is the one in use');
} else {
  window.tactful = createTactful({
    configUrl: script && script.getAttribute('data-config'),
    base: new URL('.', (script && script.src) || new URL('/tactful/', window.location.href)),
    // A page whose CSP allows scripts by nonce allows ours by the same nonce:
    // the panel script and our stylesheets carry it too.
    nonce: script && script.nonce,
    earlyQueue: queuedCalls(window.tactful),
  });
}
