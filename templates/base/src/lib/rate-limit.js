// @ts-check
import { ConfigError, envName } from './config-loader.js';
import { HttpError } from './http-error.js';
import { LruCache } from './lru.js';

/**
 * Rate limits: at most `limit` requests per `window` ms per client address
 * or per user, for the whole app (`app.use(rateLimit(config.rateLimit))`)
 * or for one route (`router.post('/upload', rateLimit({ limit: 10,
 * window: 60_000, by: 'user' }, { name: 'upload' }), handler)`).
 *
 * Counting is a fixed window: the first request starts it, every request
 * adds one, the count starts over when it ends. Over the limit: 429 with
 * Retry-After (seconds to the end of the window). Every answer carries the
 * IETF draft headers (draft-ietf-httpapi-ratelimit-headers):
 * `RateLimit-Policy: "all";q=100;w=60` (the quota and its window) and
 * `RateLimit: "all";r=37;t=12` (requests left, seconds until it resets).
 *
 * The counters live in the shared store when there is one (`req.store`,
 * the store feature): every instance then counts against the same limit.
 * Without one each process counts in memory, for at most `MAX_KEYS`
 * clients (the least recent are forgotten first, so the map stays bounded).
 */

/**
 * @typedef {object} RateLimitSettings
 * @property {number} limit requests per window; 0: no limit (the middleware does nothing)
 * @property {number} window ms
 * @property {string} by `address` (the client's IP) or `user` (the logged-in user; the address without one)
 */

/** Clients counted at most by one in-memory counter. */
const MAX_KEYS = 10_000;

/**
 * @typedef {object} Counter
 * @property {(name: string, window: number, by?: number) => Promise<{ count: number, resetIn: number }>} hit
 */

/**
 * Fixed-window counters in this process's memory, the same contract as a
 * shared store's `hit`; `hitNow` is the same count without a Promise, for
 * the hot path of the middleware.
 * @param {number} [maxKeys]
 * @returns {Counter & { hitNow: (name: string, window: number, by?: number) => { count: number, resetIn: number } }}
 */
export function memoryCounter(maxKeys = MAX_KEYS) {
  /** @type {LruCache<string, { count: number, until: number }>} */
  const counts = new LruCache({ maxEntries: maxKeys });
  /** @type {(name: string, window: number, by?: number) => { count: number, resetIn: number }} */
  const hitNow = (name, window, by = 1) => {
    const now = Date.now();
    let entry = counts.get(name);
    if (entry === undefined || entry.until <= now) {
      entry = { count: 0, until: now + window };
      counts.set(name, entry, { ttl: window });
    }
    // The entry is changed in place: its window (and so its time to live) stays the one it started.
    entry.count = Math.max(0, entry.count + by);
    return { count: entry.count, resetIn: entry.until - now };
  };
  return {
    hitNow,
    async hit(name, window, by = 1) {
      return hitNow(name, window, by);
    },
  };
}

/**
 * The rate limit middleware.
 * @param {RateLimitSettings} settings
 * @param {{ name?: string, trustProxy?: boolean }} [options] `name`: the policy's name in the headers and
 *   its counters' key, one per route limit; `trustProxy`: the client address from X-Forwarded-For (TRUST_PROXY)
 * @returns {import('./pipeline.js').Middleware}
 */
export function rateLimit(settings, { name = 'all', trustProxy = false } = {}) {
  const { limit, window, by } = settings;
  const setting = (/** @type {string} */ key) => (name === 'all' ? envName(['rateLimit', key]) : `rateLimit({ name: '${name}' }).${key}`);
  if (!Number.isSafeInteger(limit) || limit < 0) throw new ConfigError(`${setting('limit')} must be a whole number (0: no limit), got ${JSON.stringify(limit)}`);
  if (!Number.isSafeInteger(window) || window < 1000) throw new ConfigError(`${setting('window')} must be a whole number of ms, 1000 or more, got ${JSON.stringify(window)}`);
  if (by !== 'address' && by !== 'user') throw new ConfigError(`${setting('by')} must be address or user, got ${JSON.stringify(by)}`);
  if (!/^[\w-]{1,64}$/.test(name)) throw new TypeError(`rateLimit: the name must be letters, digits, _ or -, got ${JSON.stringify(name)}`);
  if (limit === 0) return (req, res, next) => next();
  const local = memoryCounter();
  const policy = `"${name}";q=${limit};w=${Math.ceil(window / 1000)}`;

  /**
   * Sets the headers and refuses beyond the limit.
   * @param {import('./response.js').Response} res
   * @param {{ count: number, resetIn: number }} counted
   */
  const answer = (res, { count, resetIn }) => {
    const seconds = Math.max(1, Math.ceil(resetIn / 1000));
    res.setHeader('RateLimit-Policy', policy);
    res.setHeader('RateLimit', `"${name}";r=${Math.max(0, limit - count)};t=${seconds}`);
    if (count > limit) {
      throw new HttpError(429, `Too many requests: try again in ${seconds} s`, {
        headers: { 'Retry-After': String(seconds), 'RateLimit-Policy': policy, RateLimit: `"${name}";r=0;t=${seconds}` },
      });
    }
  };

  return function rateLimitMiddleware(req, res, next) {
    const key = `rate:${name}:${by === 'user' && req.user ? `user:${req.user.name}` : `address:${clientAddress(req, trustProxy)}`}`;
    // In memory there is nothing to wait for: no Promise on the hot path of every request.
    if (!req.store) {
      answer(res, local.hitNow(key, window));
      return next();
    }
    return req.store.hit(key, window).then((counted) => {
      answer(res, counted);
      next();
    });
  };
}

/**
 * The address a request comes from. Behind a proxy we trust (TRUST_PROXY)
 * every connection is the proxy's: the client is the last address of
 * X-Forwarded-For, the one our proxy added (the ones before it are
 * whatever the client sent).
 * @param {import('./pipeline.js').Request} req
 * @param {boolean} trustProxy
 */
export function clientAddress(req, trustProxy) {
  const forwarded = trustProxy ? req.headers['x-forwarded-for'] : undefined;
  const last = typeof forwarded === 'string' ? forwarded.split(',').at(-1)?.trim() : undefined;
  return last || req.socket.remoteAddress || 'unknown';
}
