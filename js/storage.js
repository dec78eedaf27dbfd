// The visitor's records: a per-origin key, the consent record and the profile
// record (both sealed by the core), kept in IndexedDB. Every change is one
// transaction under a Web Lock: IndexedDB reads inside the lock see every
// write another tab committed (localStorage does not promise that across
// Chromium's renderer processes), so two tabs never lose each other's updates.
// The one read outside the lock is the first, at start: the page decides its
// slots from it at once, and its writes are committed under the lock only if
// no other tab committed since (commitSince), else decided again first.
const PREFIX = 'tactful:v1:';
export const RECORDS = {
  key: PREFIX + 'key', consent: PREFIX + 'consent', profile: PREFIX + 'profile',
  // Not sealed: the names of purposes and categories a visitor turned off
  // while the module could not start (js/kept.js), until the next start.
  withdrawals: PREFIX + 'withdrawals',
};
const DB_NAME = 'tactful';
const STORE = 'records';
const LOCK = 'tactful:v1';
const CHANNEL = 'tactful:v1';
// Changes the page had not stored yet when it was left (see keepUnsaved):
// for the tab's next page (sessionStorage), and, when the page ended for
// good (a closed tab has no next page), for the origin's (localStorage).
const UNSAVED = PREFIX + 'unsaved';
const LEFT = PREFIX + 'left';
// The two clocks compared at adoption (Date.now() on the page left, the next
// page's performance.timeOrigin) can differ by a few milliseconds.
const NAVIGATION_SLACK_MS = 1000;

/**
 * Opens storage and reads the visitor's records once, without the lock (see
 * commitSince). Returns the Storage at once; its `opened` promise resolves
 * when the records are read, or rejects with a specific Error when the
 * browser refuses storage.
 */
export function openStorage(win = window) {
  const storage = new Storage(win);
  storage.opened = storage.open();
  return storage;
}

class Storage {
  constructor(win) {
    this.win = win;
    this.db = null;
    this.cache = new Map();
    this.stored = new Map(); // the records as the last read found them in IndexedDB
    this.dirty = new Set();
    // Records whose write the browser refused (full quota, disk error), with
    // what storage held when it did: kept in memory, and written again with
    // the next change, until another tab stores one of its own.
    this.refused = new Map();
    this.waiting = new Set(); // exclusive() calls whose fn has not run yet
    this.channel = openChannel();
    // A page that is left stops in the middle of whatever it awaited: keep
    // what it had not stored yet. Also one the back-forward cache keeps: the
    // browser may drop it there, and then nothing of it runs again.
    win.addEventListener('pagehide', (e) => {
      // Changes not asked for yet (events waiting to be stored together)
      // join the waiting ones, asking for no lock: a page with a lock request
      // is one the browser does not keep in the back-forward cache.
      this.leaving = true;
      try {
        if (this.beforeLeave) this.beforeLeave();
      } finally {
        this.leaving = false;
      }
      this.leftUnsaved = this.keepUnsaved(!e.persisted);
      this.left = true;
      // A cached page stops listening to the other pages: the next page's
      // first write would reach it, and the browser evicts a cached page
      // that gets a message (Back would load it again).
      if (!e.persisted || !this.channel) return;
      this.channel.close();
      this.channel = null;
    });
    // Restored: it listens again and takes up what changed meanwhile.
    win.addEventListener('pageshow', (e) => {
      if (!e.persisted) return;
      this.left = false;
      this.takeBackUnsaved();
      if (this.channel) return;
      this.channel = openChannel();
      if (this.channel && this.externalChange) {
        this.channel.onmessage = this.externalChange;
        this.externalChange();
      }
    });
  }

  /** The last value read or written in this tab (storage is re-read at each transaction). */
  read(name) {
    return this.cache.has(name) ? this.cache.get(name) : null;
  }

  /** The value the last read found in IndexedDB, or null. */
  storedOrNull(name) {
    return this.stored.has(name) ? this.stored.get(name) : null;
  }

  /** Records a value; it is committed at the end of the current transaction. */
  write(name, value) {
    this.cache.set(name, value);
    this.dirty.add(name);
    return true;
  }

  remove(name) {
    this.cache.delete(name);
    this.dirty.add(name);
  }

  /**
   * The per-origin key that seals the records: the stored one, or a new one
   * that is written only with the first record it seals.
   */
  key() {
    const stored = this.storedKey();
    if (stored) return stored;
    if (!this.newKey) {
      const bytes = new Uint8Array(32);
      crypto.getRandomValues(bytes);
      this.newKey = btoa(String.fromCharCode(...bytes));
    }
    return this.newKey;
  }

  /** The stored key if it is one we could have written (32 bytes in base64), else ''. */
  storedKey() {
    const stored = this.read(RECORDS.key);
    return isKey(stored) ? stored : '';
  }

  /**
   * A key is stored but damaged (another script or a bad disk wrote it): the
   * records it sealed can never be opened again.
   */
  keyDamaged() {
    const stored = this.read(RECORDS.key);
    return stored !== null && stored !== undefined && !isKey(stored);
  }

  /** Writes a sealed record, and the key that sealed it if it is new. */
  writeRecord(name, value) {
    if (this.read(RECORDS.key) !== this.key()) this.write(RECORDS.key, this.key());
    this.write(name, value);
  }

  async open() {
    try {
      if (!this.win.indexedDB) throw new Error('IndexedDB is missing');
      // First of everything at start: the browser takes longest to open the
      // origin's IndexedDB (~15 ms on a warm load, more than the config and
      // the wasm take to arrive). Site data blocked by the browser fails here
      // ("The user denied permission to access the database"), so there is
      // no separate localStorage probe (a synchronous round trip to the
      // browser, 1-10 ms, before the page could go on parsing).
      await this.sync();
    } catch (e) {
      throw new Error(`storage is unavailable (${(e && (e.message || e.name)) || e})`);
    }
  }

  /**
   * The open database, or null when there is none and `create` is false: a
   * visitor with no records gets no database, not even an empty one.
   */
  async connect({ create = false } = {}) {
    if (this.db) return this.db;
    let db = await this.openDatabase(0, create);
    // A database of this name without our store (another script's, or made
    // by a build that had none) holds nothing of ours: it reads as empty,
    // and gets the store, one version up, when there is something to write.
    // Refusing it would leave the visitor unable to choose anything, ever.
    if (db && !db.objectStoreNames.contains(STORE)) {
      this.damage = `the IndexedDB database "${DB_NAME}" has no "${STORE}" store (another script's?): it is read as empty, and the store is added when something is stored`;
      db.close();
      db = create ? await this.openDatabase(db.version + 1, true) : null;
    }
    if (!db) return null;
    this.db = db;
    // Another tab's "forget" deletes the database: let it, and reconnect later.
    db.onversionchange = () => {
      db.close();
      if (this.db === db) this.db = null;
    };
    return db;
  }

  // Opens the database at `version` (0: whichever version it has), creating
  // our store if it is missing; resolves null when there is no database and
  // `create` is false (opening one that does not exist creates it, so that
  // creation is aborted).
  openDatabase(version, create) {
    return new Promise((resolve, reject) => {
      let absent = false;
      const idb = this.win.indexedDB;
      const req = version ? idb.open(DB_NAME, version) : idb.open(DB_NAME);
      req.onupgradeneeded = (e) => {
        if (e.oldVersion === 0 && !create) {
          absent = true;
          req.transaction.abort();
        } else if (!req.result.objectStoreNames.contains(STORE)) {
          req.result.createObjectStore(STORE);
        }
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = (e) => {
        if (!absent) return reject(req.error);
        e.preventDefault();
        return resolve(null);
      };
      req.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
    });
  }

  /** Re-reads every record from IndexedDB (none when there is no database). */
  async sync() {
    const db = await this.connect();
    const entries = db ? await this.readAll(db) : [];
    this.stored = new Map(entries);
    if (this.resumedFrom) this.dropOvertaken();
    for (const [name, base] of this.refused) {
      if (sameRecord(base, this.storedOrNull(name))) continue;
      this.refused.delete(name);
      this.dirty.delete(name);
    }
    this.cache = new Map(entries.filter(([k]) => !this.dirty.has(k)).concat(
      [...this.dirty].filter((k) => this.cache.has(k)).map((k) => [k, this.cache.get(k)])));
  }

  readAll(db) {
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, 'readonly');
      const store = tx.objectStore(STORE);
      const keys = store.getAllKeys();
      const values = store.getAll();
      // Requests in a transaction answer in order, and a read-only one's
      // results are final: take them with the last answer rather than at the
      // transaction's completion, one task later, on the first decision's path.
      values.onsuccess = () => resolve(keys.result.map((k, i) => [k, values.result[i]]));
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error('the read was aborted'));
    });
  }

  /**
   * Commits what was written since the read that found `before` (a `stored`
   * map), under the lock. If another tab committed any record since, those
   * writes were made from stale records: they are dropped, and redo() runs
   * again on the fresh ones (and writes anew) before the commit.
   */
  commitSince(before, redo) {
    return this.exclusive(() => {
      const names = new Set([...before.keys(), ...this.stored.keys()]);
      if ([...names].every((k) => sameRecord(before.get(k), this.stored.get(k)))) return;
      this.dirty.clear();
      this.refused.clear();
      this.cache = new Map(this.stored);
      redo();
    });
  }

  /** Writes what changed in one IndexedDB transaction; false when the quota is full. */
  async commit() {
    if (!this.dirty.size) return true;
    const names = [...this.dirty];
    // Only deletions, and no database: there is nothing to delete.
    if (!this.db && names.every((k) => !this.cache.has(k)) && !(await this.connect())) {
      this.dirty.clear();
      return true;
    }
    const db = await this.connect({ create: true });
    const written = new Map(); // name -> the value put (null: deleted)
    const ok = await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, 'readwrite');
      const store = tx.objectStore(STORE);
      for (const name of names) {
        written.set(name, this.cache.has(name) ? this.cache.get(name) : null);
        if (this.cache.has(name)) store.put(this.cache.get(name), name);
        else store.delete(name);
      }
      tx.oncomplete = () => resolve(true);
      // An abort with no error (another script's tx.abort()) is still a failed write.
      tx.onabort = () => (isQuotaError(tx.error) ? resolve(false) : reject(tx.error || new Error('the write was aborted')));
      tx.onerror = (e) => e.preventDefault();
    }).catch((e) => {
      if (isQuotaError(e)) return false;
      throw e;
    });
    if (!ok) return false;
    // Storage now holds what was written: a change kept as the page is left
    // is based on it (keepUnsaved), else the next page finds storage "changed
    // by another tab" and drops the change. A new map: a caller may hold the
    // one it read (commitSince).
    this.stored = new Map(this.stored);
    for (const [name, value] of written) {
      if (value === null) this.stored.delete(name);
      else this.stored.set(name, value);
    }
    for (const name of names) {
      this.dirty.delete(name);
      this.refused.delete(name);
    }
    this.announce(names);
    if (this.onStored) this.onStored(names);
    return true;
  }

  /** Whether a change to `name` is still waiting to be stored (or was refused). */
  isUnstored(name) {
    return this.dirty.has(name);
  }

  /** Tells the origin's other tabs that these records changed. */
  announce(names) {
    if (this.channel) this.channel.postMessage({ changed: names });
  }

  /** Removes every Tactful record: the database itself, and any tactful: keys elsewhere. */
  async eraseAll() {
    this.cache.clear();
    this.dirty.clear();
    this.refused.clear();
    this.newKey = null;
    if (this.db) {
      this.db.close();
      this.db = null;
    }
    // Before the first await: a page left at once (keepUnsaved runs this
    // without waiting) stops there, and the visit's copy of the profile and
    // any change kept for the next page must not outlive the forgetting.
    for (const area of [this.win.localStorage, this.win.sessionStorage]) {
      try {
        for (let i = area.length - 1; i >= 0; i--) {
          const k = area.key(i);
          if (k && k.startsWith('tactful:')) area.removeItem(k);
        }
      } catch {
        /* that storage is not available: nothing of ours is in it */
      }
    }
    await new Promise((resolve) => {
      const req = this.win.indexedDB.deleteDatabase(DB_NAME);
      req.onsuccess = req.onerror = req.onblocked = () => resolve();
    });
    this.announce(Object.values(RECORDS));
  }

  /** Runs fn exclusively across this origin's tabs, on fresh records, then commits. */
  exclusive(fn) {
    const job = { fn, done: false, result: undefined };
    this.waiting.add(job);
    const run = async () => {
      await this.sync();
      if (!job.done) {
        this.waiting.delete(job);
        job.done = true;
        job.result = fn();
      }
      const result = await job.result;
      let committed;
      try {
        committed = await this.commit();
      } catch (e) {
        // Refused for another reason (a disk error, an aborted transaction):
        // as with a full quota, the page goes on with the change in memory.
        this.keepRefused();
        if (this.onWriteFailed) this.onWriteFailed(e);
        return result;
      }
      if (!committed && this.onQuotaFull) {
        // A full quota compacts and tries once more; it never throws into the page.
        this.onQuotaFull(await this.compactAndRetry());
      }
      return result;
    };
    // Asked for as the page is left: keepUnsaved runs it at once.
    if (this.leaving) return Promise.resolve().then(() => job.result);
    const locks = this.win.navigator && this.win.navigator.locks;
    return locks ? locks.request(LOCK, run) : run();
  }

  async compactAndRetry() {
    if (this.compact) this.compact();
    const ok = await this.commit();
    // Whatever still does not fit stays in memory for this page only.
    if (!ok) this.keepRefused();
    return ok;
  }

  // A refused change stays what this page uses: dropped, the next
  // transaction's read would bring back the stored records, and with them a
  // consent the visitor had just withdrawn.
  keepRefused() {
    for (const name of this.dirty) if (!this.refused.has(name)) this.refused.set(name, this.storedOrNull(name));
  }

  /**
   * The page is being left: a visitor who chooses and at once follows a link
   * would lose the choice, as the lock, the read and the write each wait for
   * the browser and the page stops before they end. So the changes still
   * waiting run now, on the records as last read, and everything not stored
   * yet goes to sessionStorage (synchronous, and this tab's next page reads
   * it: adoptUnsaved) with the records it was based on.
   */
  keepUnsaved(ended = false) {
    for (const job of this.waiting) {
      job.done = true;
      try {
        job.result = job.fn();
        if (job.result && typeof job.result.catch === 'function') job.result.catch(() => {});
      } catch {
        /* its error has no caller left to reach */
      }
    }
    this.waiting.clear();
    const names = [...this.dirty].filter((k) => !sameRecord(this.cache.get(k), this.stored.get(k)));
    if (!names.length) return null;
    // The time it was left, and the stored key by its fingerprint: what the
    // next page checks (adoptUnsaved). Never the stored key itself: the
    // origin's entry below may wait weeks in localStorage, and a copy of it
    // must open nothing.
    const storedKey = this.storedOrNull(RECORDS.key);
    const unsaved = { at: Date.now(), keyPrint: storedKey && fingerprint(storedKey), before: {}, records: {} };
    for (const k of names) {
      unsaved.before[k] = this.storedOrNull(k);
      unsaved.records[k] = this.cache.has(k) ? this.cache.get(k) : null;
    }
    const text = JSON.stringify(unsaved);
    try {
      this.win.sessionStorage.setItem(UNSAVED, text);
    } catch {
      /* no sessionStorage: the change is lost with the page, as before */
    }
    // Not kept in the back-forward cache: the page may be a tab being
    // closed, whose sessionStorage goes with it. Not for records sealed
    // under a key not stored yet (a first choice, lost with the tab as
    // before): that key would have to wait beside them.
    if (ended && storedKey && !names.includes(RECORDS.key)) {
      try {
        this.win.localStorage.setItem(LEFT, text);
      } catch {
        /* no localStorage: only the tab's next page can take it up */
      }
    }
    return unsaved.at;
  }

  /**
   * The page comes back from the back-forward cache after keepUnsaved kept
   * its changes for the next page (`leftUnsaved`, the entry's time). If a
   * page took them up, that page stored them (or found them overtaken):
   * this one writes nothing of its own again. Else it stores them itself,
   * each record that storage still holds as it was based on, under the key
   * it was based on (dropOvertaken).
   */
  takeBackUnsaved() {
    const at = this.leftUnsaved;
    this.leftUnsaved = null;
    if (at == null) return;
    let unsaved = null;
    try {
      unsaved = JSON.parse(this.win.sessionStorage.getItem(UNSAVED));
      if (unsaved && unsaved.at === at) this.win.sessionStorage.removeItem(UNSAVED);
    } catch {
      /* unreadable: as if taken up */
    }
    if (unsaved && unsaved.at === at) {
      this.resumedFrom = unsaved;
    } else {
      this.dirty.clear();
      this.refused.clear();
    }
  }

  // At the first read after such a restore: another tab that wrote a record
  // since the page was left overtakes this page's change to it, as at
  // adoption (adoptUnsaved). A key gone or new overtakes them all, and so
  // does having had none: a "Forget me" in another tab since, which this
  // page could not hear while cached, would leave nothing to tell.
  dropOvertaken() {
    const unsaved = this.resumedFrom;
    this.resumedFrom = null;
    const keyHeld = !!unsaved.keyPrint && this.sameKey(unsaved);
    for (const k of [...this.dirty]) if (!keyHeld || !this.stillBased(unsaved, k)) this.dirty.delete(k);
  }

  // Whether the key stored now is the one a kept entry was based on (both may be none).
  sameKey(unsaved) {
    const stored = this.storedOrNull(RECORDS.key);
    return (unsaved.keyPrint ?? null) === (stored && fingerprint(stored));
  }

  // Whether storage still holds record `k` as a kept entry was based on.
  stillBased(unsaved, k) {
    return sameRecord(unsaved.before[k] ?? null, this.storedOrNull(k));
  }

  /**
   * Takes up what the previous page of this tab kept as it was left: each
   * record that storage still holds as it was based on (else it was stored
   * after all, or another tab wrote it since). Returns whether it
   * did: the records to decide from changed. Call after beginVisit, which
   * has read sessionStorage already (its first read can take milliseconds).
   */
  adoptUnsaved() {
    const fromTab = takeEntry(this.win, 'sessionStorage', UNSAVED);
    const fromOrigin = takeEntry(this.win, 'localStorage', LEFT);
    const adopted = new Set();
    // Only on the page the tab was leaving for: its navigation began before
    // the previous page was left. A tab that went to another site and came
    // back later may come back after a "Forget me" in another tab, which
    // could not reach this tab's entry; records based on nothing stored
    // would then match the empty storage and bring back a choice made
    // before the forgetting. (The origin's entry, in localStorage, is one
    // "Forget me" erases wherever it is chosen.)
    if (fromTab && fromTab.at >= this.win.performance.timeOrigin - NAVIGATION_SLACK_MS) this.adopt(fromTab, adopted);
    // A page that ended for good (a closed tab) left its change to whichever
    // page of the origin starts next; the tab's own entry is the same change.
    if (fromOrigin && !(fromTab && fromTab.at === fromOrigin.at)) this.adopt(fromOrigin, adopted);
    return adopted.size > 0;
  }

  // Takes up each record of `unsaved` that storage still holds as it was
  // based on, and that no entry adopted before (`adopted`, their names).
  adopt(unsaved, adopted) {
    const names = Object.keys(unsaved.records || {});
    // Records sealed under another key open under none stored now.
    if (!this.sameKey(unsaved)) return;
    // Each record on its own: another tab that wrote the profile (a page
    // view) must not cost the visitor a withdrawal kept in the consent
    // record. The core applies whichever consent it loads to the profile,
    // so a profile from either side keeps nothing the consent took away.
    for (const k of names.filter((n) => this.stillBased(unsaved, n) && !adopted.has(n))) {
      if (unsaved.records[k] === null) this.cache.delete(k);
      else this.cache.set(k, unsaved.records[k]);
      this.dirty.add(k);
      adopted.add(k);
    }
  }

  /** Calls fn() when another tab changed our records. */
  onExternalChange(fn) {
    this.externalChange = () => fn();
    if (this.channel) this.channel.onmessage = this.externalChange;
  }
}

// 64 bits of a string (two 32-bit FNV-1a hashes with different primes):
// enough to tell the stored key from another, and too few to tell the key.
function fingerprint(value) {
  // A key someone else wrote may not be a string: told apart by its content.
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

// Reads and removes one kept entry; null when there is none (or it is unreadable).
function takeEntry(win, area, name) {
  try {
    const text = win[area].getItem(name);
    if (!text) return null;
    win[area].removeItem(name);
    const entry = JSON.parse(text);
    return entry && typeof entry === 'object' && entry.before && entry.records ? entry : null;
  } catch {
    return null;
  }
}

function openChannel() {
  return typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : null;
}

// 32 bytes in standard base64: 43 characters, the last carrying 2 zero bits, then '='.
function isKey(value) {
  return typeof value === 'string' && /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/.test(value);
}

// Records are strings; anything else was written by someone else, and each
// read returns a new copy of it, so it is compared by content.
function sameRecord(a, b) {
  return a === b || (typeof a === 'object' && typeof b === 'object' && JSON.stringify(a) === JSON.stringify(b));
}

function isQuotaError(e) {
  return !!e && (e.name === 'QuotaExceededError' || e.code === 22);
}
