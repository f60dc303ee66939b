// @ts-check

/**
 * @typedef {object} LruOptions
 * @property {number} maxEntries at most this many entries
 * @property {number} [maxBytes] at most this many bytes in total (sizes given to `set`); default unbounded
 * @property {number} [ttl] ms an entry lives; 0 (default) for no expiry
 * @property {() => number} [now] the clock, in ms (default `Date.now`)
 */

/**
 * A bounded least-recently-used cache. A Map keeps insertion order, so
 * moving an entry to the end on every read makes the first key the least
 * recently used one: eviction is O(1) and needs no linked list.
 *
 * Bounded three ways: number of entries, total bytes, and age (TTL, checked
 * when an entry is read, so an expired entry is never returned).
 * @template K, V
 */
export class LruCache {
  /** @param {LruOptions} options */
  constructor(options) {
    const { maxEntries, maxBytes = Infinity, ttl = 0, now = Date.now } = options;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`LruCache: maxEntries must be a whole number >= 1, got ${maxEntries}`);
    if (!(maxBytes > 0)) throw new RangeError(`LruCache: maxBytes must be > 0, got ${maxBytes}`);
    if (!(ttl >= 0)) throw new RangeError(`LruCache: ttl must be >= 0 ms, got ${ttl}`);
    /** @type {number} */
    this.maxEntries = maxEntries;
    /** @type {number} */
    this.maxBytes = maxBytes;
    /** @type {number} */
    this.ttl = ttl;
    /** @type {() => number} */
    this.now = now;
    /** @type {Map<K, { value: V, size: number, expires: number }>} oldest first */
    this.entries = new Map();
    /** Total size of the entries. */
    this.bytes = 0;
    /** Reads that found a live entry. */
    this.hits = 0;
    /** Reads that found nothing (or an expired entry). */
    this.misses = 0;
    /** Entries dropped to stay within the bounds (not counting expiry and delete). */
    this.evictions = 0;
  }

  /** Number of entries (expired ones not yet read included). */
  get size() {
    return this.entries.size;
  }

  /**
   * The value, or undefined if missing or expired; marks it most recently used.
   * @param {K} key
   * @returns {V | undefined}
   */
  get(key) {
    const entry = this.entries.get(key);
    if (entry === undefined || isExpired(entry, this.now())) {
      if (entry !== undefined) this.delete(key);
      this.misses++;
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.hits++;
    return entry.value;
  }

  /**
   * Stores a value, evicting the least recently used entries as needed.
   * @param {K} key
   * @param {V} value
   * @param {{ size?: number, ttl?: number }} [options] its size in bytes (default 0) and own ttl in ms
   * @returns {boolean} false if the value alone is larger than maxBytes (then nothing is stored)
   */
  set(key, value, options = {}) {
    const { size = 0, ttl = this.ttl } = options;
    this.delete(key);
    if (size > this.maxBytes) return false;
    this.entries.set(key, { value, size, expires: ttl > 0 ? this.now() + ttl : 0 });
    this.bytes += size;
    while (this.entries.size > this.maxEntries || this.bytes > this.maxBytes) {
      const oldest = /** @type {K} */ (this.entries.keys().next().value);
      this.delete(oldest);
      this.evictions++;
    }
    return true;
  }

  /**
   * @param {K} key
   * @returns {boolean} whether an entry was removed
   */
  delete(key) {
    const entry = this.entries.get(key);
    if (entry === undefined) return false;
    this.entries.delete(key);
    this.bytes -= entry.size;
    return true;
  }

  /** Removes every expired entry (reads already skip them; this frees their memory). */
  prune() {
    for (const [key, entry] of this.entries) if (isExpired(entry, this.now())) this.delete(key);
  }

  clear() {
    this.entries.clear();
    this.bytes = 0;
  }

  /** Keys, least recently used first. */
  keys() {
    return this.entries.keys();
  }
}

/**
 * @param {{ expires: number }} entry
 * @param {number} now
 */
function isExpired(entry, now) {
  return entry.expires !== 0 && now >= entry.expires;
}
