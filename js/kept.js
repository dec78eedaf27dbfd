// Withdrawals always apply, also when the module could not start (a broken
// config, a blocked wasm): the core that seals the consent record is not
// running then, so a withdrawal is kept beside the records as the names it
// turns off. The origin's tabs where the module runs apply it at once; the
// next page that starts the module applies it before it decides or collects
// anything. Only withdrawals are kept: a grant needs the core, and a kept
// record that someone else wrote can turn things off, never on.
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

function readKept(storage) {
  try {
    const kept = JSON.parse(storage.read(RECORDS.withdrawals));
    return kept && typeof kept === 'object' ? kept : null;
  } catch {
    return null;
  }
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
    const before = readKept(storage);
    const earlier = withdrawalsOf(before) || {};
    const merged = { gesture: gesture || (before !== null && before.gesture === true) };
    for (const group of GROUPS) {
      if (earlier[group] || kept[group]) merged[group] = { ...earlier[group], ...kept[group] };
    }
    storage.write(RECORDS.withdrawals, JSON.stringify(merged));
  });
  return kept;
}

/**
 * Applies the withdrawals a page kept while its module could not start, and
 * removes them; returns whether there were any. Each is applied on its own,
 * through the core, as the visitor's when made during a gesture: a name the
 * core does not know turns nothing off and stops none of the others.
 */
export function applyKeptWithdrawals(rt) {
  if (rt.storage.read(RECORDS.withdrawals) === null) return false;
  const kept = readKept(rt.storage);
  rt.storage.remove(RECORDS.withdrawals);
  const change = withdrawalsOf(kept);
  if (!change) return false;
  for (const group of GROUPS) {
    for (const name of Object.keys(change[group] || {})) {
      try {
        deleteFromStored(rt, () => rt.call('consent.set', { [group]: { [name]: false } }, { gesture: kept.gesture === true }));
      } catch {
        /* not a purpose or category of this core: nothing to turn off */
      }
    }
  }
  return true;
}
