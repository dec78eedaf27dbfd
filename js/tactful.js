// Entry point of the script tag:
//   <script src="/tactful/tactful.js" data-config="/tactful.config.json" async></script>
// Sets window.tactful at once; calls made before the core is ready wait for it,
// and calls queued before this script ran (window.tactful = [['track', {...}]])
// are replayed. Anything that fails leaves the page's default content.
import { createTactful } from './module.js';

const script = document.currentScript;
const early = window.tactful;
window.tactful = createTactful({
  configUrl: script && script.getAttribute('data-config'),
  base: new URL('.', (script && script.src) || new URL('/tactful/', window.location.href)),
  earlyQueue: Array.isArray(early) ? early : early && Array.isArray(early.q) ? early.q : [],
});
