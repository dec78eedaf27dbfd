// Client-side navigations: a router that changes the URL's path without
// loading a document (history.pushState/replaceState, the back button)
// starts a new page view, as a page load does.

/**
 * Calls `check` in the task after each same-document URL change. The new
 * route's slots usually come first: the router renders them in the same
 * task (or in its popstate listener, after ours), and the slot observer
 * starts the page view then (observe.js); this call starts the page view of
 * a route that renders later, or changes nothing in the DOM (the slots
 * already on screen then wait for it: Runtime.checkView).
 */
export function watchNavigation(win, check) {
  const later = () => win.setTimeout(check, 0);
  // The Navigation API sees every same-document URL change, also a router's
  // pushState bound before this async script ran (a wrapper would miss
  // those), and changes nothing of the page's.
  if (win.navigation) {
    win.navigation.addEventListener('currententrychange', later);
    return;
  }
  // Elsewhere: wrap the history methods, the original called with the same
  // `this` and arguments and its result returned, and listen for popstate.
  for (const name of ['pushState', 'replaceState']) {
    const original = win.history[name];
    win.history[name] = function (...args) {
      const out = original.apply(this, args);
      later();
      return out;
    };
  }
  win.addEventListener('popstate', later);
}
