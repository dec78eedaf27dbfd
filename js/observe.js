// Slots that appear after the first decision: a framework rendering a
// component later, a client-side router rendering a route, a component's
// shadow root handed to tactful.observe(). One burst of DOM changes is one
// MutationObserver callback, and so one call into the core.
const SLOT = '[data-tactful-slot]';
const OPTIONS = { childList: true, subtree: true, attributes: true, attributeFilter: ['data-tactful-slot'] };

/** Watches the document for new slots; returns observe(root) for shadow roots. */
export function watchSlots(rt) {
  const observer = new MutationObserver((records) => {
    // The path changed (a router): these slots belong to a new page view.
    if (rt.checkView()) return;
    added(slotsAdded(records));
  });
  // Slots decided already (a component moved, not rendered again) keep what they show.
  const added = (elements) => {
    const fresh = [...elements].filter((el) => el.isConnected && !el.hasAttribute('data-tactful-decided'));
    if (fresh.length) rt.addSlots(fresh);
  };
  observer.observe(rt.doc, OPTIONS);
  return (root) => {
    if (!(root instanceof rt.win.ShadowRoot)) {
      throw new Error('tactful: observe: expects a shadow root (what attachShadow() returned, or element.shadowRoot)');
    }
    if (rt.liveRoots().includes(root)) return;
    rt.shadowRoots.push(new rt.win.WeakRef(root));
    observer.observe(root, OPTIONS);
    added(root.querySelectorAll(SLOT));
  };
}

// The slot elements a burst of DOM changes added, or made slots.
function slotsAdded(records) {
  const found = new Set();
  for (const r of records) {
    for (const node of r.type === 'attributes' ? [r.target] : r.addedNodes) {
      if (node.nodeType !== 1) continue;
      if (node.matches(SLOT)) found.add(node);
      for (const el of node.querySelectorAll(SLOT)) found.add(el);
    }
  }
  return found;
}

/**
 * After a failed start: `reveal(elements)` for the slots a script adds
 * later (a router, a component), so they show their default at once, as
 * the page's first slots did, not after the stylesheet's deadline each time.
 */
export function revealLaterSlots(doc, reveal) {
  new MutationObserver((records) => reveal(slotsAdded(records))).observe(doc, OPTIONS);
}

/**
 * Whether a slot was added, removed or renamed in the document from now
 * until the returned function is first called (later calls: false). A
 * framework may render while the module reads the visitor's records, after
 * the page's slots were found and before the slot observer runs.
 */
export function noticeSlotChanges(doc) {
  let changed = false;
  let done = false;
  const touchesSlot = (records) => records.some((r) => r.type === 'attributes' ||
    [...r.addedNodes, ...r.removedNodes].some((n) => n.nodeType === 1 && (n.matches(SLOT) || !!n.querySelector(SLOT))));
  const observer = new MutationObserver((records) => { changed ||= touchesSlot(records); });
  observer.observe(doc, OPTIONS);
  return () => {
    if (done) return false;
    done = true;
    changed ||= touchesSlot(observer.takeRecords());
    observer.disconnect();
    return changed;
  };
}
