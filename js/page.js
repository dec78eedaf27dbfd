// What the page itself says about the visit: interests it declares, goals it
// marks, elements that track, the viewport. Read from markup, never inferred.
export function readPageSignals(doc, win) {
  return {
    path: win.location.pathname,
    interests: [...new Set([...metaList(doc, 'tactful:interests'), ...trackedLists(doc)])],
    conversion: metaList(doc, 'tactful:conversion')[0] || null,
    viewport: win.matchMedia && win.matchMedia('(max-width: 640px)').matches ? 'small' : 'large',
    // Minutes the visitor's local time is ahead of UTC: "is it the birthday
    // month now" is the visitor's own month, not UTC's.
    tzOffsetMinutes: -new win.Date().getTimezoneOffset(),
  };
}

function metaList(doc, name) {
  const meta = doc.querySelector(`meta[name="${name}"]`);
  return meta ? list(meta.getAttribute('content') || '') : [];
}

const list = (text) => text.split(',').map((s) => s.trim()).filter(Boolean);

// Elements whose data-tactful-track is a bare interest list signal what the
// page is about, as the meta does: counted with the page's view at load (a
// click on one counts again, as the visitor's own interest).
function trackedLists(doc) {
  return [...doc.querySelectorAll('[data-tactful-track]')].flatMap((el) => bareList(el.getAttribute('data-tactful-track')) || []);
}

// A value with no verb and no JSON, such as `trail-running,outdoor`: interest ids.
function bareList(value) {
  const text = (value || '').trim();
  if (!text || text.startsWith('{') || text.includes(':') || ['view', 'purchase', 'conversion'].includes(text)) return null;
  return list(text);
}

/**
 * Parses a `data-tactful-track` value into an event: `view:trail-running,outdoor`,
 * `purchase:shoes`, `conversion:newsletter`, or a JSON event object. A bare
 * list, `trail-running,outdoor`, names interests as the interests meta does
 * (such elements are also read with the page: trackedLists).
 * Returns null for a value it cannot read.
 */
export function parseTrackAttribute(value) {
  const text = (value || '').trim();
  if (text.startsWith('{')) {
    try {
      const event = JSON.parse(text);
      return event && typeof event === 'object' && typeof event.type === 'string' ? event : null;
    } catch {
      return null;
    }
  }
  const colon = text.indexOf(':');
  const type = colon < 0 ? text : text.slice(0, colon);
  const rest = colon < 0 ? '' : text.slice(colon + 1);
  const values = list(rest);
  if (type === 'view' && values.length) return { type, interests: values };
  if (type === 'purchase' && values.length) return { type, category: values[0] };
  if (type === 'conversion') return values.length ? { type, goal: values[0] } : { type };
  const bare = bareList(text);
  return bare ? { type: 'view', interests: bare } : null;
}

/** Tracks clicks on `[data-tactful-track]` elements, and clicks inside decided slots. */
export function watchTracking(doc, track, reportProblem) {
  doc.addEventListener('click', (e) => {
    // The element clicked, also inside a shadow root (e.target is its host here).
    const target = e.composedPath()[0];
    if (!(target instanceof Element)) return;
    const tracked = target.closest('[data-tactful-track]');
    if (tracked) {
      const event = parseTrackAttribute(tracked.getAttribute('data-tactful-track'));
      if (event) track(event);
      else reportProblem(`data-tactful-track="${tracked.getAttribute('data-tactful-track')}" is not an event (try view:INTEREST, purchase:CATEGORY or conversion:GOAL)`);
    }
    const slot = target.closest('[data-tactful-slot][data-tactful-variant]');
    if (slot) track({ type: 'click', slot: slot.getAttribute('data-tactful-slot') });
  }, true);
}
