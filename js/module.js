// The module on one page: window.tactful's API, the boot sequence, and
// failing to default. Used by the script tag (tactful.js) and by bundler
// users (index.js, init(options)).
import { startCore } from './core.js';
import { corsHint, loadWithin } from './load.js';
import { openStorage } from './storage.js';
import { extendDeadline, findSlots, revealDefaults } from './slots.js';
import { watchTracking } from './page.js';
import { watchNavigation } from './navigation.js';
import { noticeSlotChanges, revealLaterSlots, watchSlots } from './observe.js';
import { Runtime, asTracked } from './runtime.js';
import { startReporting } from './transport.js';
import { dismissal, installLauncher } from './launcher.js';
import { beginVisit, deleteFromStored, dropStaleVisit } from './visit.js';
import { applyKeptWithdrawals, hasSpilled, keepWithdrawals } from './kept.js';

/**
 * Creates the API and starts the module. `configUrl`: the site config's URL;
 * `base`: the URL of the folder holding tactful.wasm (and the panel files);
 * `earlyQueue`: calls made before the module existed ([method, ...args] or events).
 */
const PURGE_EVERY_MS = 10 * 60 * 1000;

// Marks the API this module made: a site's snippet object ({q: [...]}) may
// have a `ready` or a `version` of its own, and is still a queue.
const MODULE = Symbol.for('tactful.module');

/** The module already running on this page (window.tactful once started), or null. */
export function startedModule(win) {
  const t = win.tactful;
  return t && t[MODULE] ? t : null;
}

/** Calls queued before the module existed: `window.tactful = [...]`, or a snippet's `{ q: [...] }`. */
export function queuedCalls(early) {
  return Array.isArray(early) ? early : early && Array.isArray(early.q) ? early.q : [];
}

export function createTactful({ configUrl, base, nonce, earlyQueue = [], win = window }) {
  // Marks for site owners' and our own measurements (User Timing, no cost to speak of).
  win.performance.mark('tactful:start');
  const mark = (name, value) => {
    win.performance.mark(`tactful:${name}`);
    return value;
  };
  const doc = win.document;

  let runtime = null;
  let failure = null;
  let bootStorage = null; // the storage boot() opened, also when the start failed after
  let deadlineExtended = false; // the config lengthened the slot deadline (extendDeadline)
  let resolveReady;
  const ready = new Promise((r) => { resolveReady = r; });

  function emit(name, detail) {
    doc.dispatchEvent(new CustomEvent(`tactful:${name}`, { detail }));
  }

  // One console line per distinct problem: a record re-read at every
  // transaction, or a send retried, does not repeat what was already said.
  const said = new Set();
  function say(message) {
    if (said.has(message)) return;
    said.add(message);
    console.warn(`tactful: ${message}`);
  }

  function fail(reason, message) {
    if (failure) return;
    failure = { ok: false, reason, message };
    console.error(`tactful: ${message} - showing default content`);
    // A start can fail before the document is parsed (a config refused at
    // once while a blocking script holds the parser): the slots after that
    // point are shown and named too, as a decision would wait for them.
    domReady.then(() => {
      const slots = findSlots(doc);
      revealDefaults(slots);
      revealLaterSlots(doc, revealDefaults);
      // The config's longer deadline waits for decisions that will not come.
      if (deadlineExtended) doc.documentElement.style.removeProperty('--tactful-deadline');
      win.performance.mark('tactful:slots-final');
      // As after any decision: the page's code learns what every slot shows.
      emit('decision', { slots: [...slots].map(([id, el]) => ({ id, variant: el.getAttribute('data-tactful-variant') || null, late: false })) });
      emit('error', { reason, message });
      resolveReady(failure);
    });
  }

  // Calls queued before the module existed are replayed with no gesture: a
  // click that happens while the module loads was not made for them.
  let replaying = false;
  function hasGesture() {
    const ua = win.navigator.userActivation;
    return !replaying && !!(ua && ua.isActive);
  }

  const unavailable = () => new Error(`tactful: unavailable (${failure.reason}): ${failure.message}`);

  // A method: fn(runtime, gesture, ...args) once the module runs; when it
  // could not start, `unstarted(gesture, ...args)` answers (by default, the
  // reason it never will run).
  function api(fn, unstarted = () => { throw unavailable(); }) {
    return (...args) => {
      const gesture = hasGesture();
      // The events tracked before this call, not those after it in the same task (Runtime.transaction).
      const eventsUpTo = runtime ? runtime.trackSeq : null;
      return ready.then(() => (runtime ? runtime.asOf(eventsUpTo, () => fn(runtime, gesture, ...args)) : unstarted(gesture, ...args)));
    };
  }

  function track(event) {
    if (!event || typeof event !== 'object' || typeof event.type !== 'string') {
      // Said as the core's refusals are: a page listening for bad-event hears of every dropped event.
      const message = 'track() needs an event object such as {type: "view", interests: ["hiking"]}';
      const report = () => {
        say(message);
        emit('error', { reason: 'bad-event', message, event });
      };
      // Before the start (a queued event, a call while the module loads):
      // once ready, as the core's refusals come, when the page listens.
      if (runtime || failure) report();
      else ready.then(report);
      return;
    }
    // The event as tracked: it is stored up to 50 ms later, and a page may
    // change the object it passed (one reused for each scroll) meanwhile.
    const tracked = asTracked(event);
    if (runtime) runtime.track(tracked);
    else if (!failure) ready.then(() => runtime && runtime.track(tracked));
  }

  function forget(rt) {
    rt.dropEvents(); // tracked before "Forget me": forgotten, never stored after it
    return rt.storage.exclusive(async () => {
      rt.call('profile.forget');
      await rt.storage.eraseAll();
      rt.seen = { consent: null, profile: null };
      redecide(rt);
      rt.call('save'); // the fresh state stays in memory: nothing is written back
      emit('consent', rt.call('consent.get'));
      return { forgotten: true };
    });
  }

  // The storage the start opened, if it did: what "Forget me" and a
  // withdrawal need when the module could not start (no core).
  function storageUnstarted() {
    if (!bootStorage || failure.reason === 'storage-unavailable') throw unavailable();
    return bootStorage;
  }

  // "Forget me" holds whatever stopped the start (a broken config, a blocked
  // wasm): erasing needs no core. Storage that could not be opened cannot be
  // erased, and says so.
  async function forgetUnstarted() {
    const storage = storageUnstarted();
    await storage.exclusive(() => storage.eraseAll());
    return { forgotten: true };
  }

  // Withdrawals always apply: without a core to seal the consent record, they
  // are kept for the next start (js/kept.js). The change as a whole was not
  // applied now, so it rejects, saying what was kept.
  async function setConsentUnstarted(gesture, change) {
    const kept = await keepWithdrawals(storageUnstarted(), change, gesture);
    if (!kept) throw unavailable();
    const names = Object.values(kept).flatMap((group) => Object.keys(group)).join(', ');
    throw Object.assign(new Error(`${unavailable().message}; the withdrawal (${names}) is kept and applies when the module next starts`), { kept });
  }

  // After a change the visitor made, slots show what the core now decides.
  function redecide(rt) {
    rt.decide({ allowSwap: true });
  }

  const tactful = {
    [MODULE]: true,
    version: '0.1.0',
    ready,
    track,
    // The queue's own verb keeps working after the module replaced it.
    push: (...entries) => {
      for (const entry of entries) replay(entry);
    },
    explain: api((rt, _g, slotId) => {
      const id = String(slotId);
      rt.settle(id);
      // What the page shows: a decision that came too late left the slot's own content.
      const late = rt.lastShown.some((s) => s.id === id && s.late);
      return rt.call('explain', { slot: id, lang: rt.lang || 'en', ...(late ? { late } : {}) });
    }),
    flush: api((rt) => rt.reporting.flush()),
    notNow: api((rt, _g, slotId) => rt.transaction(() => {
      rt.settle(String(slotId));
      rt.call('notNow', { slot: String(slotId) });
      redecide(rt);
    })),
    profile: {
      declare: api((rt, _g, declaration) => rt.transaction(() => {
        const out = rt.call('profile.declare', declaration || {});
        redecide(rt);
        return out;
      })),
      view: api((rt) => rt.transaction(() => rt.call('profile.view'))),
      export: api((rt) => rt.transaction(() => rt.call('profile.export', dismissal(rt)))),
      remove: api((rt, _g, id) => rt.transaction(() => {
        const out = deleteFromStored(rt, () => rt.call('profile.remove', { id: String(id) }));
        redecide(rt);
        return out;
      })),
      forget: api(forget, forgetUnstarted),
    },
    consent: {
      get: api((rt) => rt.transaction(() => rt.call('consent.get'))),
      set: api((rt, gesture, change) => rt.transaction(() => {
        let state;
        try {
          state = deleteFromStored(rt, () => rt.call('consent.set', change || {}, { gesture }));
        } catch (e) {
          // Refused grants, applied withdrawals: the page follows what applied, then the error.
          if (e.consent) {
            redecide(rt);
            emit('consent', e.consent);
          }
          throw e;
        }
        redecide(rt);
        emit('consent', state);
        return state;
      }), setConsentUnstarted),
    },
    // A component's shadow root: the slots in it, now and later, are decided as the document's.
    observe: api((rt, _g, root) => rt.observeRoot(root)),
    panel: {
      open: api((rt) => (rt.openPanel ? rt.openPanel() : Promise.reject(new Error('tactful: the panel is not available')))),
    },
  };

  function fetchConfig() {
    if (!configUrl) {
      // A type="module" tag is no document.currentScript: its data-config cannot be read.
      return Promise.reject(Object.assign(new Error('the script tag has no data-config attribute (or is type="module": use a classic one)'), { reason: 'config-missing' }));
    }
    return loadWithin(`config ${configUrl}`, async (signal) => {
      let response;
      let url;
      try {
        // Relative to the document's base URL (a <base href>), as the page's own URLs are.
        url = new URL(configUrl, doc.baseURI).href;
        response = await fetch(url, { credentials: 'same-origin', signal });
      } catch (e) {
        throw new Error(`config ${configUrl} could not be fetched (${e.message})${url ? corsHint(url) : ''}`);
      }
      if (!response.ok) throw new Error(`config ${configUrl} answered HTTP ${response.status}`);
      // The bytes as sent, not text(): that would replace bytes that are not
      // UTF-8 (a file saved as Latin-1) with U+FFFD, which the core cannot
      // tell from the owner's text; it refuses them, as tactful lint does.
      return new Uint8Array(await response.arrayBuffer());
    }).catch((e) => {
      throw Object.assign(e, { reason: e.reason || 'config-unavailable' });
    });
  }

  const domReady = doc.readyState === 'loading'
    ? new Promise((r) => doc.addEventListener('DOMContentLoaded', r, { once: true }))
    : Promise.resolve();

  async function boot() {
    const started = performance.now();
    // Storage first: opening IndexedDB is the slowest step at start.
    const storage = openStorage(win);
    bootStorage = storage;
    const read = storage.opened.then(() => mark('storage'), (e) => {
      throw Object.assign(e, { reason: 'storage-unavailable' });
    });
    read.catch(() => {}); // awaited below, after the config and the core
    let parsed;
    const [configBytes, core] = await Promise.all([
      fetchConfig().then((bytes) => {
        mark('config');
        // Read at once, not after the core: a longer deadline only helps if
        // it is set before the stylesheet's own has revealed any slot.
        parsed = parseJson(new TextDecoder().decode(bytes));
        // Not once the start has failed (the wasm refused first): no decision is coming.
        if (!failure && parsed && Number.isInteger(parsed.deadlineMs)) deadlineExtended = extendDeadline(doc, parsed.deadlineMs);
        return bytes;
      }),
      startCore(new URL('tactful.wasm', base).href).then((c) => mark('core', c), (e) => {
        throw Object.assign(e, { reason: 'wasm-unavailable' });
      }),
    ]);
    const init = core.call('init', configBytes);
    mark('init');
    if (init.error) throw Object.assign(new Error(init.error), { reason: 'config-invalid' });
    for (const w of init.warnings || []) console.warn(`tactful: config warning: ${w}`);
    const config = parsed;
    await domReady;
    mark('dom');

    const rt = new Runtime({ core, storage, config, doc, win, emit, say });
    // Set only by tactful/testing's pinBucket (an init script that runs before
    // the page) so a test can pin its experiment arm. A page script could set
    // it too; that only picks the site's own arm, and nothing leaves the device.
    const pinned = win.__tactfulTestBucketId;
    if (typeof pinned === 'string' && /^[\w-]{1,64}$/.test(pinned)) rt.fixedBucketId = pinned;
    rt.setPage(); // needs no records: done while they may still be on their way
    const slotsChanged = noticeSlotChanges(doc);
    await read.catch((e) => {
      slotsChanged(); // stops watching: nothing will be decided
      throw e;
    });
    if (storage.damage) say(storage.damage);
    let pageSignalsChecked = false;
    const firstDecision = (withSpilled = false) => {
      // Slots a framework rendered, replaced or removed while the records
      // were read: found again, or they would wait for nothing.
      if (slotsChanged()) rt.setPage();
      rt.displayed.clear(); // a redo applies this page's showing to the fresh records too
      rt.load({ save: false });
      // Turned off while the module could not start: before anything is decided or collected.
      if (applyKeptWithdrawals(rt, { spilled: withSpilled })) emit('consent', rt.call('consent.get'));
      const { page } = rt;
      const events = [{ type: 'visit' }];
      if (page.interests.length) events.push({ type: 'view', interests: page.interests, source: 'page' });
      if (page.conversion) events.push({ type: 'conversion', goal: page.conversion });
      const tracked = rt.call('track', events);
      // The page's markup names only ids the taxonomy lacks (a typo, a stale
      // template): said once, as track() says it, though a redo tracks again.
      if (!pageSignalsChecked) {
        pageSignalsChecked = true;
        for (const e of tracked.errors || []) {
          rt.problem('bad-event', `page: ${e.error} (named by the tactful:interests meta or a bare data-tactful-track list)`, { event: events[e.index] });
        }
      }
      rt.decide();
      // After the slots (sessionStorage's first read can take milliseconds),
      // before anything is saved: it decides whether the profile is.
      beginVisit(rt);
      // A withdrawal another page could not store (js/kept.js) is in
      // localStorage, read after the slots for the same reason. The rare page
      // that finds one decides again from the records with it applied, in
      // this task: nothing was painted, saved or sent in between.
      if (!withSpilled && hasSpilled(win)) return firstDecision(true);
      rt.save();
    };
    // Decided from the records read at start, in this task: waiting for the
    // cross-tab lock first would put the slots after the page's first frame.
    // The writes wait for the lock; if another tab wrote in between, this
    // page's visit is applied again to what it wrote (commitSince).
    const before = storage.stored;
    firstDecision();
    // From now on, slots the page adds are decided as they come.
    rt.observeRoot = watchSlots(rt);
    // The previous page was left before it stored a change (a choice made
    // just before following a link): decided again with it, stored with this page's.
    if (storage.adoptUnsaved()) firstDecision();
    await storage.commitSince(before, firstDecision);
    rt.timing = { scriptToSlots: performance.now() - started };
    runtime = rt;

    // Another tab changed the visitor's records: take them up without reload.
    storage.onExternalChange(() => {
      const before = JSON.stringify(rt.call('consent.get'));
      rt.transaction(() => {
        // A tab whose module could not start kept a withdrawal: applied here too.
        applyKeptWithdrawals(rt);
        // Not this visitor's action on this page: a default that stayed
        // because its decision came late is not swapped now.
        rt.decide();
        dropStaleVisit(rt);
        const after = rt.call('consent.get');
        if (JSON.stringify(after) !== before) emit('consent', after);
      });
    });
    watchTracking(doc, track, say);
    watchNavigation(win, () => rt.checkView());
    rt.reporting = startReporting(rt, emit, say);
    // Retention holds while the page stays open, not only at the next load.
    win.setInterval(() => {
      rt.transaction(() => rt.call('purge')).catch((e) => rt.problem('purge', e.message.replace(/^tactful: /, '')));
    }, PURGE_EVERY_MS);
    installLauncher(rt, { base, nonce, emit, redecide: () => redecide(rt) });
    resolveReady({ ok: true });
  }

  // A queued call has no caller left to take its promise: a refusal is said
  // on the console instead of becoming an unhandled rejection in the page.
  function replay(entry) {
    if (Array.isArray(entry) && typeof entry[0] === 'string') {
      const [method, ...args] = entry;
      // Only the API's own names: an inherited one ("constructor.constructor")
      // would reach Function, and eval's refusal under the page's CSP would
      // stop the calls queued after it.
      const fn = method.split('.').reduce((o, k) => (o && Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined), tactful);
      if (typeof fn !== 'function') {
        say(`queued call "${method}" is not a tactful method (try "track", "consent.set", "profile.declare")`);
        return;
      }
      const out = fn(...args);
      if (out && typeof out.catch === 'function') {
        out.catch((e) => say(`queued call "${method}" was refused: ${String((e && e.message) || e).replace(/^tactful: /, '')}`));
      }
    } else if (entry && typeof entry === 'object') {
      track(entry);
    } else {
      say('a queued entry is neither [method, ...args] nor an event object; it was ignored');
    }
  }

  // A page that kept the queue it made (const q = window.tactful = window.tactful || [])
  // and pushes to it later reaches the module, as dataLayer's pushes reach a tag manager.
  try {
    earlyQueue.push = (...entries) => {
      tactful.push(...entries);
      return earlyQueue.length;
    };
  } catch {
    /* a frozen queue: only window.tactful.push reaches the module */
  }

  // The calls queued before the module existed become calls now, before any
  // made while it starts: each waits for ready as those do, and they run in
  // the order they were made (a queued pause comes before a later
  // declaration). Also when the start fails: a queued withdrawal is then
  // kept and a queued forget erases (they need no core).
  replaying = true;
  try {
    for (const entry of earlyQueue) {
      try {
        replay(entry);
      } catch (e) {
        // An entry that throws when read (a getter, a revoked proxy) stops neither the start nor the calls after it.
        say(`a queued entry could not be read (${String((e && e.message) || e)}); it was ignored`);
      }
    }
  } finally {
    replaying = false;
  }

  // The core's own errors already start with "tactful: "; the line says it once.
  // Whatever was thrown (even null, from a bare transaction abort), ready resolves.
  boot().catch((e) => fail((e && e.reason) || 'internal', String((e && e.message) || e).replace(/^tactful: /, '')));
  return tactful;
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // the core says what is wrong with it
  }
}
