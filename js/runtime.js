// The running module on one page: the core, the visitor's stored records and
// the page's slots, kept in step. Every change to the visitor's state is one
// transaction: take the cross-tab lock, pick up what other tabs wrote, apply,
// write back what changed.
import { RECORDS } from './storage.js';
import { stringify } from './json.js';
import { dropSpilled, mergeWithdrawals, spillWithdrawals } from './kept.js';
import { applyDecisions, claimSlots, collectTemplates, findSlots, revealDefaults } from './slots.js';
import { readPageSignals } from './page.js';

// How long the slots on screen at a client-side navigation wait for the
// router to render the new route (checkView).
const ROUTE_SETTLE_MS = 500;
// How long track() calls are gathered before they are stored together: a
// page that tracks every scroll or impression writes a few times a second,
// not once per call. Any other transaction, and leaving the page, apply the
// ones waiting first.
const TRACK_BATCH_MS = 50;

const encoder = new TextEncoder();

/**
 * An event as track() was called with it: its JSON text (`text`), which the
 * page's later changes to the object do not reach; or, for a value JSON
 * cannot carry (a BigInt, a cycle), the event and why (`error`), said when
 * the events are applied.
 */
export function asTracked(event) {
  try {
    // A toJSON() that returns nothing writes nothing: the core says what is wrong with `null`.
    return { text: stringify(event) ?? 'null' };
  } catch (e) {
    return { event, error: e.message.split('\n')[0] };
  }
}

export class Runtime {
  constructor({ core, storage, config, doc, win, emit, say }) {
    this.core = core;
    this.storage = storage;
    this.config = config;
    this.doc = doc;
    this.win = win;
    this.emit = emit;
    this.say = say;
    this.seen = { consent: null, profile: null };
    this.pending = []; // events not applied yet: asTracked()'s, with their seq, in call order
    this.trackSeq = 0;
    this.trackTimer = null;
    this.eventsUpTo = null; // set by asOf()
    this.slots = new Map();
    this.roots = [doc];
    // The shadow roots handed to observe(), held weakly: a component that
    // left the page (a list rendered again) is not kept alive by us.
    this.shadowRoots = [];
    this.decided = new Map(); // slot id -> its decision in this page view, applied again when the slot is rendered again
    this.lastShown = [];
    this.markupSaid = new Set(); // slot-markup problems said in this page view (sayMarkup)
    this.carried = []; // slots on screen at a navigation, waiting for the route (checkView)
    this.displayed = new Map(); // slot id -> what this page view shows: the decided variant's id, or '' (its own content)
    this.lang = pickLanguage(config, win.navigator);
    // Before the storage keeps what is unsaved when the page is left.
    storage.beforeLeave = () => this.flushEvents();
    win.addEventListener('visibilitychange', () => {
      if (this.doc.visibilityState === 'hidden') this.flushEvents();
    });
    storage.compact = () => {
      this.call('compact');
      this.save();
    };
    // Withdrawals made since the consent record was last stored, and the
    // spilled ones this page applied or wrote (js/kept.js).
    this.unstoredWithdrawals = null;
    this.spilled = null;
    storage.onStored = (names) => {
      if (!names.includes(RECORDS.consent)) return;
      this.unstoredWithdrawals = null;
      dropSpilled(win, this.spilled);
      this.spilled = null;
    };
    storage.onQuotaFull = (recovered) => {
      if (!recovered) this.spill();
      this.problem('quota', recovered
        ? 'storage was full: the profile was compacted to fit'
        : 'storage is full: changes are kept for this page only');
    };
    storage.onWriteFailed = (e) => {
      this.spill();
      this.problem('storage-write',
        `storage could not be written (${(e && (e.message || e.name)) || e}): changes are kept for this page only`);
    };
  }

  // A consent record the browser would not store: its withdrawals still reach
  // the visitor's other tabs and next pages (spilled to localStorage).
  spill() {
    if (!this.unstoredWithdrawals || !this.storage.isUnstored(RECORDS.consent)) return;
    this.spilled = spillWithdrawals(this.storage, this.unstoredWithdrawals) ?? this.spilled;
  }

  // A problem the page survives (a reset record, a full quota, a bad event):
  // one console line for the site's developer, one tactful:error event for its code.
  problem(reason, message, extra) {
    this.say(message);
    this.emit('error', { reason, message, ...extra });
  }

  call(op, input, opts) {
    // The core takes a string as JSON text; a page's string is a value, so
    // consent.set('x') is "must be an object", not a JSON syntax error.
    const out = this.core.call(op, typeof input === 'string' ? JSON.stringify(input) : input, opts);
    if (op === 'consent.set' && (!out || !out.error || out.consent)) {
      this.unstoredWithdrawals = mergeWithdrawals(this.unstoredWithdrawals, input, opts && opts.gesture);
    }
    if (out && out.error) {
      // The path names the field at fault ("purposes.aggregate: must be true or false").
      const err = new Error(`tactful: ${op}: ${out.path ? `${out.path}: ` : ''}${out.error}`);
      err.path = out.path;
      // A refusal the visitor can cause has a stable code, for the panel to say in their language.
      if (out.code) err.code = out.code;
      if (out.consent) err.consent = out.consent; // what did apply (a refused grant's withdrawals)
      throw err;
    }
    return out;
  }

  signals() {
    const nav = this.win.navigator || {};
    const dnt = nav.doNotTrack === '1' || this.win.doNotTrack === '1';
    return { gpc: nav.globalPrivacyControl === true, dnt };
  }

  /** Loads the stored records into the core; `save: false` leaves saving to the caller. */
  load({ save = true } = {}) {
    const consent = this.storage.read(RECORDS.consent);
    const profile = this.storage.read(RECORDS.profile);
    // A key we could not have written opens nothing: its records are lost
    // already, and saying why beats a failed integrity check on each.
    const keyDamaged = this.storage.keyDamaged();
    const unusable = (name, value) => foreign(name, value) ||
      (keyDamaged && value != null ? `${name} record: the storage key that sealed it is damaged` : null);
    const resets = { consent: unusable('consent', consent), profile: unusable('profile', profile) };
    if (keyDamaged) this.storage.remove(RECORDS.key);
    // A record we could not have written is dropped from storage like one that fails to open.
    for (const name of ['consent', 'profile']) if (resets[name]) this.storage.remove(RECORDS[name]);
    const input = {
      key: this.storage.key(),
      consent: resets.consent ? null : consent,
      profile: resets.profile ? null : profile,
      signals: this.signals(),
    };
    if (this.fixedBucketId) input.bucketId = this.fixedBucketId;
    const out = this.call('load', input);
    this.seen = { consent, profile };
    resets.consent ||= out.consentReset;
    resets.profile ||= out.profileReset;
    this.reportResets(resets);
    if (save) this.save();
    return out;
  }

  // One tactful:error event per reset record, one console line for them all
  // (a damaged key resets both, and that is one problem).
  reportResets({ consent, profile }) {
    const events = [];
    if (profile) events.push({ reason: 'profile-reset', message: `stored profile was reset: ${profile}` });
    if (consent) events.push({ reason: 'consent-reset', message: `stored consent was reset: ${consent}` });
    if (!events.length) return;
    this.say(events.map((e) => e.message).join('; '));
    for (const e of events) this.emit('error', e);
  }

  /** Picks up records another tab wrote since we last read them. */
  refresh() {
    const consent = this.storage.read(RECORDS.consent);
    const profile = this.storage.read(RECORDS.profile);
    if (consent === this.seen.consent && profile === this.seen.profile) return false;
    // Another tab stored a choice (or "Forget me") since: the events waiting
    // here may have been tracked before it, and are neither counted under a
    // grant made after them nor stored after a forgetting. They are dropped,
    // as a withdrawal would have dropped or deleted most of them.
    if (consent !== this.seen.consent) this.pending = [];
    this.load();
    return true;
  }

  save() {
    const out = this.call('save');
    for (const name of ['consent', 'profile']) {
      if (typeof out[name] !== 'string') continue;
      this.storage.writeRecord(RECORDS[name], out[name]);
      this.seen[name] = out[name];
    }
  }

  /**
   * Runs fn(runtime) as one cross-tab transaction. The events tracked before
   * it was asked for are applied first, in order, as if each had had its own
   * transaction: an event is never counted under a grant made after it, and
   * one tracked before a withdrawal is deleted with the rest.
   */
  transaction(fn) {
    const upTo = this.eventsUpTo ?? this.trackSeq;
    return this.storage.exclusive(() => {
      this.refresh();
      let result;
      try {
        this.applyEvents(upTo);
        result = fn(this);
      } catch (e) {
        // Whatever the core applied before the error is kept (a refused
        // grant's withdrawals); the error is the one to report.
        try {
          this.save();
        } catch {
          /* reported by the first error */
        }
        throw e;
      }
      this.save();
      return result;
    });
  }

  /**
   * Runs fn with the transactions it asks for applying only the events
   * tracked up to `upTo` (when the API call was made; null: up to now).
   */
  asOf(upTo, fn) {
    this.eventsUpTo = upTo;
    try {
      return fn();
    } finally {
      this.eventsUpTo = null;
    }
  }

  /** Queues an event; the events of the next TRACK_BATCH_MS are stored in one transaction. */
  track(tracked) {
    this.pending.push({ ...tracked, seq: ++this.trackSeq });
    // A hidden page's timers may wait a second or a minute, and the browser
    // may end it without another event: stored at once.
    if (this.doc.visibilityState === 'hidden') {
      this.flushEvents();
      return;
    }
    if (this.trackTimer === null) this.trackTimer = this.win.setTimeout(() => this.flushEvents(), TRACK_BATCH_MS);
  }

  /** Stores the events waiting now: their time is up, or the page is being hidden or left. */
  flushEvents() {
    this.win.clearTimeout(this.trackTimer);
    this.trackTimer = null;
    // Not once the page is left (pagehide kept what waited then): a lock
    // asked for now would keep it out of the back-forward cache. Tracked
    // since, the events are stored if the page is shown again (the pageshow
    // that restores it takes up what changed), else go with it.
    if (this.pending.length && !this.storage.left) this.transaction(() => {}).catch(() => {});
  }

  /** Drops the events tracked before "Forget me": they are forgotten with the rest. */
  dropEvents() {
    const upTo = this.eventsUpTo ?? this.trackSeq;
    this.pending = this.pending.filter((p) => p.seq > upTo);
  }

  // Applies the waiting events tracked up to `upTo` (see transaction).
  applyEvents(upTo) {
    const later = this.pending.findIndex((p) => p.seq > upTo);
    const batch = this.pending.splice(0, later < 0 ? this.pending.length : later).filter((p) => {
      if (p.text !== undefined) return true;
      // An event JSON cannot carry (a BigInt, a cycle) is dropped alone,
      // like any bad event, not thrown into the page with the whole batch.
      this.problem('bad-event', `track: the event cannot be written as JSON (${p.error})`, { event: p.event });
      return false;
    });
    if (!batch.length) return;
    let out;
    try {
      out = this.call('track', encoder.encode(`[${batch.map((p) => p.text).join(',')}]`));
    } catch (e) {
      // Never thrown into the transaction that applies them (a choice the visitor made).
      this.problem('bad-event', e.message.replace(/^tactful: /, ''), { events: batch.map((p) => JSON.parse(p.text)) });
      return;
    }
    for (const e of out.errors || []) {
      this.problem('bad-event', `track: ${e.error}`, { event: JSON.parse(batch[e.index].text) });
    }
  }

  /**
   * Tells the core about this page view (the page load, or a client-side
   * navigation: `route`): its context, slots and templates. Slot elements
   * in `later` are left for addSlots().
   */
  setPage(route = false, later = new Set()) {
    const problems = [];
    this.slots = findSlots(this.liveRoots().filter((r) => r.isConnected), problems, later);
    if (route) this.markupSaid = new Set();
    this.sayMarkup(problems);
    this.decided.clear();
    const page = readPageSignals(this.doc, this.win);
    // After a navigation the page's interests meta and track lists may still
    // be the previous route's: a route says its own with track().
    if (route) page.interests = [];
    this.page = page; // what the page says of the visit, read once (the first decision tracks it)
    let out;
    try {
      out = this.call('page', {
        path: page.path,
        interests: page.interests,
        viewport: page.viewport,
        tzOffsetMinutes: page.tzOffsetMinutes,
        lang: this.lang,
        slots: [...this.slots.keys()],
        templates: collectTemplates(this.doc),
      });
    } catch (e) {
      // The one refusal of a page is its path, too long for conditions: the page keeps its defaults.
      if (e.path === 'path') e.reason = 'page-unsupported';
      throw e;
    }
    for (const message of out.templateErrors || []) this.problem('template-rejected', message);
    this.pageSlots = [...this.slots.keys()].map((id, i) => ({ id, position: out.slots[i] }));
    this.refused = false;
  }

  /** The document and the shadow roots handed to observe() that still exist. */
  liveRoots() {
    this.shadowRoots = this.shadowRoots.filter((ref) => ref.deref());
    return this.roots.concat(this.shadowRoots.map((ref) => ref.deref()));
  }

  // The site's developer fixes markup once: one line for all of it.
  // Each once per page view: the start looks at the page again when a
  // framework rendered meanwhile, and a component may render the same markup again.
  sayMarkup(problems) {
    const fresh = problems.filter((p) => !this.markupSaid.has(p));
    for (const p of fresh) this.markupSaid.add(p);
    if (fresh.length) this.problem('slot-markup', `${fresh.join('; ')}: such elements show their default content`);
  }

  /** Decides every slot of the page in one call into the core and applies the result. */
  decide({ allowSwap = false } = {}) {
    if (!this.pageSlots) this.setPage();
    // Decided again while slots carried through a navigation wait (a
    // withdrawal, another tab's change): they join this page view now, not
    // left showing what the visitor's state before allowed.
    if (this.carried.length) this.addSlots(this.takeCarried(), { show: false });
    const raw = this.core.decide();
    this.lastShown = [];
    this.show(this.slots, this.pageSlots.map(({ id, position }, i) => this.describe(id, position, raw, i * 4)), allowSwap);
  }

  /**
   * Slots the page added after its first decision (a burst of DOM changes):
   * one call into the core decides the new ones with what the earlier slots
   * left of the budget; a slot rendered again shows its decision again.
   * `show: false` only adds them to the page view: a decision of the whole
   * page follows, which shows them.
   */
  addSlots(elements, { show = true } = {}) {
    const problems = [];
    const taken = claimSlots(elements, this.slots, problems);
    this.sayMarkup(problems);
    if (this.refused) return revealDefaults(taken); // this page view keeps its defaults
    const fresh = [...taken.keys()].filter((id) => !this.decided.has(id));
    const slots = [...taken.keys()].filter((id) => this.decided.has(id)).map((id) => this.decided.get(id));
    if (fresh.length) {
      const out = this.call('slots', { slots: fresh, templates: collectTemplates(this.doc) });
      for (const message of out.templateErrors || []) this.problem('template-rejected', message);
      out.slots.forEach((id, i) => {
        this.pageSlots.push({ id, position: out.positions[i] });
        slots.push(this.describe(id, out.positions[i], out.decisions, i * 4));
      });
    }
    if (!show || !slots.length) return;
    // A showing counted against caps is stored as any change is: in a
    // transaction. A slot only rendered again shows nothing new: a framework
    // rendering many times a second takes no lock and no storage read each time.
    if (this.show(taken, slots)) this.transaction(() => {}).catch(() => {});
  }

  // Applies decisions to the slots (id -> element) and tells the core what
  // the page shows (a decision that came too late to show is the slot's own
  // content); reports and caps count only what is new on the page (`fresh`),
  // not the same content decided or rendered again. Returns whether any of
  // it is new.
  show(elements, slots, allowSwap = false) {
    const problems = [];
    const shown = applyDecisions(this.doc, elements, { slots }, { allowSwap, problems });
    this.sayMarkup(problems);
    const ids = new Set(shown.map((entry) => entry.id));
    const report = shown.map((entry, i) => {
      const variant = entry.variant || '';
      const fresh = this.displayed.get(entry.id) !== variant;
      this.displayed.set(entry.id, variant);
      // A default kept because its decision came late is what the slot shows
      // again when rendered again: the visitor has seen it.
      this.decided.set(entry.id, entry.late ? { ...slots[i], late: true } : slots[i]);
      return { id: entry.id, variant, fresh };
    });
    if (report.length) this.call('shown', { slots: report });
    this.lastShown = this.lastShown.filter((entry) => !ids.has(entry.id)).concat(shown);
    if (!this.slotsFinal) {
      this.slotsFinal = true;
      this.win.performance.mark('tactful:slots-final');
    }
    this.emit('decision', { slots: shown });
    return report.some((entry) => entry.fresh);
  }

  /**
   * After a client-side navigation (js/navigation.js, js/observe.js): when
   * the path is not this page view's, starts a new one, its slots decided
   * afresh. Returns whether it did.
   */
  checkView() {
    if (this.win.location.pathname === this.page.path) return false;
    this.displayed.clear();
    // The slots already on screen when the path changed: the layout's, which
    // stay, or the route's just left, which a router rendering in a later
    // task is about to remove. Decided now, those would take the new page
    // view's budget and count showings for content on its way out; they
    // keep what they show until the route has had time to render, and are
    // decided then if still on the page.
    const carried = [...new Set([...this.slots.values(), ...this.carried])].filter((el) => el.isConnected);
    this.carried = []; // set once the page view's first decision is made
    try {
      this.setPage(true, new Set(carried));
    } catch (e) {
      // A path too long for conditions: the page view's slots show their
      // defaults, also those that showed a variant for the path before.
      this.pageSlots = [];
      this.refused = true;
      const all = new Map([...carried.map((el) => [el.getAttribute('data-tactful-slot'), el]), ...this.slots]);
      const shown = applyDecisions(this.doc, all, { slots: [...all.keys()].map((id) => ({ id, variant: null })) }, { allowSwap: true });
      this.lastShown = shown;
      this.emit('decision', { slots: shown });
      this.problem('page-unsupported', e.message.replace(/^tactful: /, ''));
      return true;
    }
    this.decide();
    this.track(asTracked({ type: 'visit' })); // the page view, counted as a load counts it
    this.carried = carried;
    if (carried.length) {
      const view = this.page;
      this.win.setTimeout(() => {
        if (this.page !== view) return; // another page view since: its own wait
        this.addSlots(this.takeCarried());
      }, ROUTE_SETTLE_MS);
    }
    return true;
  }

  /**
   * Ends the wait of the carried slot `id` (checkView), if one waits: the
   * visitor asks about it ("Why this?", "Not now"), so it is no content on
   * its way out, and its answer is this page view's.
   */
  settle(id) {
    const mine = this.takeCarried((el) => el.getAttribute('data-tactful-slot') === id);
    if (mine.length) this.addSlots(mine);
  }

  // The carried slots `which` picks, out of the wait: those still on the
  // page and not taken since by this page view (a router that moved one).
  takeCarried(which = () => true) {
    const held = new Set(this.slots.values());
    const picked = this.carried.filter(which);
    this.carried = this.carried.filter((el) => !picked.includes(el));
    return picked.filter((el) => el.isConnected && !held.has(el));
  }

  // One slot's decision from the core's binary reply, with the variant's
  // content from the config and the placeholders' words in the visitor's language.
  describe(id, position, raw, at) {
    const variant = raw[at];
    const slot = position >= 0 && this.config.slots ? this.config.slots[position] : null;
    const v = slot && variant >= 0 ? slot.variants[variant] : null;
    if (!v) return { id, variant: null };
    const fill = {};
    if (raw[at + 2] >= 0) fill.interest = this.label(raw[at + 2]);
    if (raw[at + 3] >= 0) fill.like = this.label(raw[at + 3]);
    return { id, variant: v.id, template: v.template, content: v.content, fill };
  }

  label(position) {
    const entry = (this.config.taxonomy || [])[position];
    const label = entry && entry.label;
    if (typeof label === 'string') return label;
    if (!label || typeof label !== 'object') return entry ? entry.id : '';
    return label[this.lang] || label.en || Object.values(label).find((x) => typeof x === 'string') || '';
  }
}

// Why a stored record is not one the core could open, when it is not even a
// string (a script or a damaged disk wrote it); null when it may be ours.
function foreign(name, value) {
  if (value === null || value === undefined || typeof value === 'string') return null;
  return `${name} record: not a sealed record (found ${Array.isArray(value) ? 'an array' : `a value of type ${typeof value}`})`;
}

const LANGUAGES = ['en', 'es'];

/** The visitor's language among those we speak: the config's choice, else the browser's. */
export function pickLanguage(config, nav) {
  const forced = config && config.site && config.site.language;
  if (typeof forced === 'string' && LANGUAGES.includes(forced)) return forced;
  for (const tag of (nav && (nav.languages || [nav.language])) || []) {
    const base = String(tag || '').toLowerCase().split('-')[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return 'en';
}
