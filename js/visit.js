// "Don't remember this visit" (gift shopping, a shared computer). At the
// first page of a tab's session the stored profile record is copied to
// sessionStorage; turning the option on puts that copy back, so nothing
// learned during this visit stays stored, and every later page of the session
// tells the core not to save the profile. Choices (consent) are still saved.
import { RECORDS } from './storage.js';

const KEY = 'tactful:visit';

function session(win) {
  try {
    return win.sessionStorage;
  } catch {
    return null;
  }
}

function readState(win) {
  const ss = session(win);
  try {
    return (ss && JSON.parse(ss.getItem(KEY))) || null;
  } catch {
    return null;
  }
}

// `null` removes the state.
function writeState(win, state) {
  const ss = session(win);
  try {
    if (ss && state) ss.setItem(KEY, JSON.stringify(state));
    else if (ss) ss.removeItem(KEY);
    return !!ss;
  } catch {
    return false;
  }
}

// The snapshot is only valid under the storage key it was sealed with: after
// "Forget me" the key is new and the old profile must never come back.
function keyTag(rt) {
  return rt.storage.storedKey().slice(0, 12);
}

/**
 * Called on every page once the records are loaded, before the first save
 * (which it governs); storage must still hold the records as read.
 */
export function beginVisit(rt) {
  let state = readState(rt.win);
  if (!state || state.key !== keyTag(rt)) {
    const stale = !!state;
    state = { key: keyTag(rt), profile: rt.storage.read(RECORDS.profile), ephemeral: !!(state && state.ephemeral) };
    // A visitor with no records and the option off has nothing to come back
    // to: having no state means the same, so nothing is written.
    if (state.key || state.profile || state.ephemeral) writeState(rt.win, state);
    else if (stale) writeState(rt.win, null);
  }
  if (state.ephemeral) rt.call('visit.ephemeral', { on: true });
}

/**
 * Another tab's "Forget me" deleted the key this visit's copy of the profile
 * was sealed with: the copy goes too, as it did in that tab, and not only at
 * this tab's next page.
 */
export function dropStaleVisit(rt) {
  const state = readState(rt.win);
  if (state && state.key && state.key !== keyTag(rt)) writeState(rt.win, null);
}

export function isEphemeral(rt) {
  const state = readState(rt.win);
  return !!(state && state.ephemeral);
}

/**
 * Turns "Don't remember this visit" on or off; run inside rt.transaction's
 * lock (it reloads the core from storage). Returns whether it is on.
 */
export function setEphemeral(rt, on) {
  const state = readState(rt.win) || { key: keyTag(rt), profile: null };
  if (on) {
    const before = state.key === keyTag(rt) ? state.profile : null;
    if (before) rt.storage.write(RECORDS.profile, before);
    else rt.storage.remove(RECORDS.profile);
  }
  state.ephemeral = !!on;
  if (!writeState(rt.win, state)) return false;
  rt.call('visit.ephemeral', { on: !!on });
  // What this page learned since the visit began is dropped with the reload.
  rt.load();
  return !!on;
}

/**
 * Runs fn, a deletion (an item removed, a category or purpose turned off),
 * inside the lock, so that it reaches both the stored profile and this
 * visit's copy of it: neither "Don't remember this visit" nor its copy may
 * keep or bring back what the visitor deleted. Learning stays out of both.
 */
export function deleteFromStored(rt, fn) {
  if (!isEphemeral(rt)) {
    try {
      return fn();
    } finally {
      deleteFromCopy(rt, fn);
    }
  }
  // Not remembering this visit: the stored profile is loaded, changed and
  // saved, and becomes the copy this visit returns to.
  rt.call('visit.ephemeral', { on: false });
  rt.load();
  try {
    return fn();
  } finally {
    rt.save();
    rt.call('visit.ephemeral', { on: true });
    const state = readState(rt.win);
    if (state) {
      state.profile = rt.storage.read(RECORDS.profile);
      writeState(rt.win, state);
    }
  }
}

// The same deletion made in the copy (sealed in sessionStorage) that the
// option, turned on later, would put back: the core opens the copy under the
// consent now stored (which drops what a category turned off held), runs fn
// on it and seals it again; then it reloads the stored records.
function deleteFromCopy(rt, fn) {
  const state = readState(rt.win);
  if (!state || !state.profile || state.key !== keyTag(rt)) return;
  rt.save(); // the change is stored first: its consent is the one the copy opens under
  rt.call('load', {
    key: rt.storage.key(),
    consent: rt.storage.read(RECORDS.consent),
    profile: state.profile,
    signals: rt.signals(),
  });
  try {
    fn();
  } catch {
    /* what it names was learned after the copy was made: not in it */
  }
  const sealed = rt.call('save').profile;
  rt.load({ save: false });
  if (typeof sealed === 'string') {
    state.profile = sealed;
    writeState(rt.win, state);
  }
}
