// Withdrawals always apply, also when the module could not start (a broken
// config, a blocked wasm): the core that seals the consent record is not
// running then, so a withdrawal is kept beside the records as the names it
// turns off. The origin's tabs where the module runs apply it at once; the
// next page that starts the module applies it before it decides or collects
// anything. Only withdrawals are kept: a grant needs the core, and a kept
// record that someone else wrote can turn things off, never on. A withdrawal
// the browser would not store while the module runs (a full quota, a disk
// error) is kept the same way, in localStorage (spillWithdrawals), so that
// it still reaches the visitor's other tabs and next pages.
import { RECORDS } from './storage.js';
import { deleteFromStored } from './visit.js';

const GROUPS = ['purposes', 'categories'];

// The withdrawals in a consent.set() change ({purposes: {aggregate: false}}), or null if none.
function withdrawalsOf(change) {
  const out = {};
  let any = false;
  for (const group of GROUPS) {
    const names = change && typeof change === 'object' ? change[group] : null;
    if (!names || typeof names !== 'object') continue;
    for (const [name, value] of Object.entries(names)) {
      if (value !== false || !/^[a-z]{1,32}$/.test(name)) continue;
      (out[group] ||= {})[name] = false;
      any = true;
    }
  }
  return any ? out : null;
}

function parseKept(text) {
  try {
    const kept = JSON.parse(text);
    return kept && typeof kept === 'object' ? kept : null;
  } catch {
    return null;
  }
}

// The withdrawals of `change` added to those in `before` (both in the kept
// record's shape); `before` itself if the change withdraws nothing.
export function mergeWithdrawals(before, change, gesture) {
  const kept = withdrawalsOf(change);
  if (!kept) return before;
  const earlier = withdrawalsOf(before) || {};
  const merged = { gesture: gesture === true || (before !== null && before.gesture === true) };
  for (const group of GROUPS) {
    if (earlier[group] || kept[group]) merged[group] = { ...earlier[group], ...kept[group] };
  }
  return merged;
}

// A withdrawal the browser would not store in IndexedDB (a full quota, a disk
// error) is spilled to localStorage under the same name: the visitor's other
// tabs, and the next page of any, apply it as they apply the kept record. It
// stays until a page stores the consent record with it applied (dropSpilled).
function spilledText(win) {
  try {
    return win.localStorage.getItem(RECORDS.withdrawals);
  } catch {
    return null;
  }
}

/** Spills `withdrawals` (merged with any spilled before) and tells the other tabs; the text spilled, or null if localStorage refused too. */
export function spillWithdrawals(storage, withdrawals) {
  const before = spilledText(storage.win);
  const text = JSON.stringify(mergeWithdrawals(parseKept(before), withdrawals, withdrawals.gesture));
  // Unchanged: the other tabs have it (and two tabs that cannot store would wake each other for ever).
  if (text === before) return text;
  try {
    storage.win.localStorage.setItem(RECORDS.withdrawals, text);
  } catch {
    return null;
  }
  storage.announce([RECORDS.withdrawals]);
  return text;
}

/** Removes the spilled withdrawals once stored, if they are still those this page applied (`text`). */
export function dropSpilled(win, text) {
  try {
    if (text !== null && win.localStorage.getItem(RECORDS.withdrawals) === text) win.localStorage.removeItem(RECORDS.withdrawals);
  } catch {
    /* no localStorage: nothing was spilled there */
  }
}

/** Whether withdrawals are spilled (a synchronous read of localStorage: the first of a page costs ~1 ms). */
export function hasSpilled(win) {
  return spilledText(win) !== null;
}

/**
 * Keeps the withdrawals in `change` (made with or without a user gesture)
 * for the next start, merged with those kept before. Resolves to what it
 * kept ({purposes?, categories?}), or null when the change withdraws nothing.
 */
export async function keepWithdrawals(storage, change, gesture) {
  const kept = withdrawalsOf(change);
  if (!kept) return null;
  await storage.exclusive(() => {
    storage.write(RECORDS.withdrawals, JSON.stringify(mergeWithdrawals(parseKept(storage.read(RECORDS.withdrawals)), change, gesture)));
  });
  if (storage.isUnstored(RECORDS.withdrawals)) spillWithdrawals(storage, { ...kept, gesture });
  return kept;
}

/**
 * Applies the withdrawals a page kept while its module could not start (and
 * the spilled ones, unless `spilled` is false), and removes the kept record;
 * returns whether there were any. Each is applied on its own,
 * through the core, as the visitor's when made during a gesture: a name the
 * core does not know turns nothing off and stops none of the others.
 */
export function applyKeptWithdrawals(rt, { spilled: withSpilled = true } = {}) {
  const stored = rt.storage.read(RECORDS.withdrawals) !== null;
  const spilled = withSpilled ? spilledText(rt.storage.win) : null;
  if (!stored && spilled === null) return false;
  const inStore = parseKept(rt.storage.read(RECORDS.withdrawals));
  const fromSpill = parseKept(spilled);
  const kept = fromSpill ? mergeWithdrawals(inStore, fromSpill, fromSpill.gesture) : inStore;
  if (stored) rt.storage.remove(RECORDS.withdrawals);
  if (spilled !== null) rt.spilled = spilled;
  const change = withdrawalsOf(kept);
  if (!change) return false;
  // Spilled withdrawals are applied by every page until one stores them: news only when they change something.
  const before = stored ? '' : JSON.stringify(rt.call('consent.get'));
  for (const group of GROUPS) {
    for (const name of Object.keys(change[group] || {})) {
      try {
        deleteFromStored(rt, () => rt.call('consent.set', { [group]: { [name]: false } }, { gesture: kept.gesture === true }));
      } catch {
        /* not a purpose or category of this core: nothing to turn off */
      }
    }
  }
  return stored || JSON.stringify(rt.call('consent.get')) !== before;
}
