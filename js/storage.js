// The visitor's records in localStorage: a per-origin key, the consent record
// and the profile record, each sealed by the core. Every change runs inside a
// Web Lock so two tabs never lose each other's updates.
const PREFIX = 'tactful:v1:';
export const RECORDS = { key: PREFIX + 'key', consent: PREFIX + 'consent', profile: PREFIX + 'profile' };
const LOCK = 'tactful:v1';

/** Opens storage; throws a specific Error when the browser refuses it. */
export function openStorage(win = window) {
  let ls;
  try {
    ls = win.localStorage;
    const probe = PREFIX + 'probe';
    ls.setItem(probe, '1');
    ls.removeItem(probe);
  } catch (e) {
    throw new Error(`storage is unavailable (${e && e.name ? e.name : e})`);
  }
  return new Storage(ls, win);
}

class Storage {
  constructor(ls, win) {
    this.ls = ls;
    this.win = win;
  }

  read(name) {
    try {
      return this.ls.getItem(name);
    } catch {
      return null;
    }
  }

  /** Writes; returns false instead of throwing when the quota is full. */
  write(name, value) {
    try {
      this.ls.setItem(name, value);
      return true;
    } catch (e) {
      if (isQuotaError(e)) return false;
      throw e;
    }
  }

  remove(name) {
    try {
      this.ls.removeItem(name);
    } catch {
      /* nothing stored to remove */
    }
  }

  /** The per-origin key that seals the records, made on first use. */
  key() {
    let key = this.read(RECORDS.key);
    if (!key || key.length !== 44) {
      const bytes = new Uint8Array(32);
      crypto.getRandomValues(bytes);
      key = btoa(String.fromCharCode(...bytes));
      this.write(RECORDS.key, key);
    }
    return key;
  }

  /** Removes every Tactful record from every storage the module could have used. */
  async eraseAll() {
    for (let i = this.ls.length - 1; i >= 0; i--) {
      const k = this.ls.key(i);
      if (k && k.startsWith('tactful:')) this.remove(k);
    }
  }

  /** Runs fn exclusively across this origin's tabs. */
  exclusive(fn) {
    const locks = this.win.navigator && this.win.navigator.locks;
    return locks ? locks.request(LOCK, fn) : Promise.resolve().then(fn);
  }

  /** Calls fn(name) when another tab changes one of our records. */
  onExternalChange(fn) {
    this.win.addEventListener('storage', (e) => {
      if (e.key === null || (e.key && e.key.startsWith(PREFIX))) fn(e.key);
    });
  }
}

function isQuotaError(e) {
  return e && (e.name === 'QuotaExceededError' || e.name === 'NS_ERROR_DOM_QUOTA_REACHED' || e.code === 22);
}
