// The running module on one page: the core, the visitor's stored records and
// the page's slots, kept in step. Every change to the visitor's state is one
// transaction: take the cross-tab lock, pick up what other tabs wrote, apply,
// write back what changed.
import { RECORDS } from './storage.js';
import { applyDecisions, collectTemplates, findSlots } from './slots.js';
import { readPageSignals } from './page.js';

export class Runtime {
  constructor({ core, storage, config, doc, win, emit }) {
    this.core = core;
    this.storage = storage;
    this.config = config;
    this.doc = doc;
    this.win = win;
    this.emit = emit;
    this.seen = { consent: null, profile: null };
    this.pending = [];
    this.flushing = null;
    this.slots = new Map();
    this.lastShown = [];
    this.lang = pickLanguage(config, win.navigator);
    storage.compact = () => {
      this.call('compact');
      this.save();
    };
    storage.onQuotaFull = (recovered) => this.emit('error', {
      reason: 'quota',
      message: recovered
        ? 'storage was full: the profile was compacted to fit'
        : 'storage is full: changes are kept for this page only',
    });
  }

  call(op, input, opts) {
    const out = this.core.call(op, input, opts);
    if (out && out.error) {
      const err = new Error(`tactful: ${op}: ${out.error}`);
      err.path = out.path;
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
    const input = { key: this.storage.key(), consent, profile, signals: this.signals() };
    if (this.fixedBucketId) input.bucketId = this.fixedBucketId;
    const out = this.call('load', input);
    this.seen = { consent, profile };
    if (out.profileReset) this.emit('error', { reason: 'profile-reset', message: `stored profile was reset: ${out.profileReset}` });
    if (out.consentReset) this.emit('error', { reason: 'consent-reset', message: `stored consent was reset: ${out.consentReset}` });
    if (save) this.save();
    return out;
  }

  /** Picks up records another tab wrote since we last read them. */
  refresh() {
    const consent = this.storage.read(RECORDS.consent);
    const profile = this.storage.read(RECORDS.profile);
    if (consent === this.seen.consent && profile === this.seen.profile) return false;
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

  /** Runs fn(runtime) as one cross-tab transaction. */
  transaction(fn) {
    return this.storage.exclusive(() => {
      this.refresh();
      const result = fn(this);
      this.save();
      return result;
    });
  }

  /** Queues an event; queued events are applied together in one transaction. */
  track(event) {
    this.pending.push(event);
    if (!this.flushing) {
      this.flushing = Promise.resolve().then(() => this.transaction(() => {
        const batch = this.pending.splice(0);
        this.flushing = null;
        const out = this.call('track', batch);
        for (const e of out.errors || []) {
          this.emit('error', { reason: 'bad-event', message: `track: ${e.error}`, event: batch[e.index] });
        }
        return out;
      }));
    }
    return this.flushing;
  }

  /** Tells the core about this page (once per page load): its context, slots and templates. */
  setPage() {
    this.slots = findSlots(this.doc);
    const page = readPageSignals(this.doc, this.win);
    this.page = page; // what the page says of the visit, read once (the first decision tracks it)
    const out = this.call('page', {
      path: page.path,
      interests: page.interests,
      viewport: page.viewport,
      lang: this.lang,
      slots: [...this.slots.keys()],
      templates: collectTemplates(this.doc),
    });
    for (const problem of out.templateErrors || []) {
      this.emit('error', { reason: 'template-rejected', message: problem });
    }
    this.pageSlots = [...this.slots.keys()].map((id, i) => ({ id, position: out.slots[i] }));
  }

  /** Decides every slot of the page in one call into the core and applies the result. */
  decide({ allowSwap = false } = {}) {
    if (!this.pageSlots) this.setPage();
    const raw = this.core.decide();
    const slots = this.pageSlots.map(({ id, position }, i) => this.describe(id, position, raw, i * 4));
    this.lastShown = applyDecisions(this.doc, this.slots, { slots }, { allowSwap });
    if (!this.slotsFinal) {
      this.slotsFinal = true;
      this.win.performance.mark('tactful:slots-final');
    }
    this.emit('decision', { slots: this.lastShown });
    return this.lastShown;
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
