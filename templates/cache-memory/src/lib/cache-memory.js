// @ts-check
import { LruCache } from './lru.js';
import { ConfigError } from './config-loader.js';

/**
 * A server-side cache of GET responses in memory: a repeated request is
 * answered from memory without running its handler (`X-Cache: HIT`).
 *
 * What is stored: 200 answers sent with `res.send()`/`res.json()`/
 * `res.render()` to GET requests. Never stored: other statuses, responses
 * that set a cookie or say `Cache-Control: no-store` or `private`, `Vary: *`,
 * and nothing at all for requests with `Authorization` or `Cookie` (their
 * answers may be personal, and serving them to someone else would leak
 * them). `Cache-Control: no-cache` from the max-age feature is meant for
 * browsers and does not stop this cache. Streamed responses (static files,
 * Bigpipe) pass through untouched.
 *
 * Stale data: entries expire after `ttl`, and a successful POST, PUT, PATCH
 * or DELETE drops the cached answers of its path, the paths above it and
 * below it (`PUT /users/7` drops `/users/7`, `/users` and `/`), as
 * RFC 9111 §4.4 asks. A request with `Cache-Control: no-cache` skips the
 * cache and refreshes it.
 *
 * Several instances: each keeps its own cache, and with a shared store
 * (`req.store`, the store feature) an invalidation is broadcast to every
 * instance before the client gets the end of the response that caused it,
 * so no instance keeps serving the old answer. If the broadcast fails
 * (the store is down) the others serve theirs until `ttl` runs out.
 */

/**
 * @typedef {object} MemoryCacheOptions
 * @property {number} maxEntries most responses kept
 * @property {number} maxBytes most bytes kept (bodies plus headers)
 * @property {number} ttl ms an entry is served before the handler runs again
 */

/**
 * @typedef {object} MemoryCacheStats
 * @property {number} hits requests answered from the cache
 * @property {number} misses requests that looked and ran their handler
 * @property {number} entries responses kept now
 * @property {number} bytes their size
 * @property {number} evictions entries dropped to stay within maxEntries/maxBytes
 */

/**
 * @typedef {object} StoredResponse
 * @property {Record<string, number | string | string[]>} headers
 * @property {Buffer} body
 * @property {number} storedAt ms
 */

/** The broadcast channel of invalidations between instances. */
const INVALIDATE_CHANNEL = 'cache-memory-invalidate';

/** Headers that belong to one exchange, not to the stored answer. */
const PER_REQUEST_HEADERS = new Set(['x-cache', 'x-request-id', 'date', 'connection', 'keep-alive', 'transfer-encoding', 'age']);
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * @param {MemoryCacheOptions} options
 * @returns {import('./pipeline.js').Middleware & { stats(): MemoryCacheStats }}
 */
export function memoryCache(options) {
  for (const key of /** @type {const} */ (['maxEntries', 'maxBytes', 'ttl'])) {
    const value = options?.[key];
    if (!Number.isInteger(value) || value < 1) {
      const env = `CACHE_MEMORY_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
      throw new ConfigError(`cacheMemory.${key} must be a whole number >= 1 (${env}), got ${value}`);
    }
  }
  /** @type {LruCache<string, StoredResponse>} */
  const store = new LruCache({ maxEntries: options.maxEntries, maxBytes: options.maxBytes, ttl: options.ttl });
  /** @type {LruCache<string, string[]>} the request headers each URL's answers vary on */
  const varyByUrl = new LruCache({ maxEntries: options.maxEntries });
  let hits = 0;
  let misses = 0;
  /** @type {WeakSet<import('./pipeline.js').SharedStore>} stores whose invalidations this cache listens to */
  const listening = new WeakSet();
  /** @param {import('./pipeline.js').SharedStore} shared */
  const listen = (shared) => {
    listening.add(shared);
    shared.onBroadcast(INVALIDATE_CHANNEL, (data) => {
      const { path, location } = /** @type {{ path?: unknown, location?: unknown }} */ (data ?? {});
      if (typeof path === 'string') invalidate(store, varyByUrl, path, location);
    });
  };

  /** @type {import('./pipeline.js').Middleware} */
  const middleware = function cacheInMemory(req, res, next) {
    const shared = req.store;
    if (shared !== null && !listening.has(shared)) listen(shared);
    if (UNSAFE_METHODS.has(req.method ?? '')) {
      beforeEnd(res, async () => {
        if (res.statusCode >= 400) return;
        const location = res.getHeader('Location');
        invalidate(store, varyByUrl, req.path, location);
        if (shared === null) return;
        try {
          await shared.broadcast(INVALIDATE_CHANNEL, { path: req.path, location: typeof location === 'string' ? location : undefined });
        } catch (err) {
          console.error(`cache-memory: other instances not told to drop ${req.path}: ${/** @type {Error} */ (err).message}`);
        }
      });
      return next();
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.headers.authorization !== undefined || req.headers.cookie !== undefined) return next();
    const url = cacheKey(req);
    const directives = requestDirectives(req);
    if (!directives.has('no-cache') && !directives.has('no-store')) {
      const stored = store.get(variantKey(url, varyByUrl.get(url) ?? [], req));
      if (stored !== undefined) {
        hits++;
        return replay(res, stored);
      }
    }
    misses++;
    res.setHeader('X-Cache', 'MISS');
    if (req.method === 'GET' && !directives.has('no-store')) {
      res.cacheHooks.push((_req, _res, entity) => {
        if (entity.body === undefined) return;
        const body = Buffer.from(entity.body);
        // Other hooks may still add headers (ETag, Cache-Control): store what was really sent.
        res.once('finish', () => store200(store, varyByUrl, req, res, body));
      });
    }
    next();
  };
  return Object.assign(middleware, {
    /** @returns {MemoryCacheStats} */
    stats() {
      return { hits, misses, entries: store.size, bytes: store.bytes, evictions: store.evictions };
    },
  });
}

/**
 * Path and query: `/users?page=2`. From the parsed request, so the absolute
 * form `GET http://host/users` shares the entry of `GET /users`.
 * @param {import('./pipeline.js').Request} req
 */
function cacheKey(req) {
  const query = req.query.toString();
  return query === '' ? req.path : `${req.path}?${query}`;
}

/**
 * `Cache-Control` directives of the request (`Pragma: no-cache` of HTTP/1.0 counts too).
 * @param {import('./pipeline.js').Request} req
 */
function requestDirectives(req) {
  const value = req.headers['cache-control'] ?? (req.headers.pragma === 'no-cache' ? 'no-cache' : '');
  return new Set(
    value
      .split(',')
      .map((d) => d.trim().toLowerCase().split('=')[0])
      .filter(Boolean),
  );
}

/**
 * The key of one variant: the URL plus the values of the request headers
 * the answer varies on (`Vary: Accept-Language` keeps one entry per language).
 * @param {string} url
 * @param {string[]} varyNames lower-case header names
 * @param {import('./pipeline.js').Request} req
 */
function variantKey(url, varyNames, req) {
  let key = url;
  for (const name of varyNames) key += `\n${name}: ${String(req.headers[name] ?? '')}`;
  return key;
}

/**
 * Stores the answer just sent, if it may be shared.
 * @param {LruCache<string, StoredResponse>} store
 * @param {LruCache<string, string[]>} varyByUrl
 * @param {import('./pipeline.js').Request} req
 * @param {import('./response.js').Response} res
 * @param {Buffer} body
 */
function store200(store, varyByUrl, req, res, body) {
  if (res.statusCode !== 200 || res.hasHeader('Set-Cookie')) return;
  const cacheControl = String(res.getHeader('Cache-Control') ?? '').toLowerCase();
  if (/(?:^|,)\s*(?:no-store|private)\b/.test(cacheControl)) return;
  const varyNames = String(res.getHeader('Vary') ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean)
    .sort();
  if (varyNames.includes('*')) return;
  /** @type {Record<string, number | string | string[]>} */
  const headers = {};
  let size = body.byteLength;
  for (const [name, value] of Object.entries(res.getHeaders())) {
    if (value === undefined || PER_REQUEST_HEADERS.has(name)) continue;
    headers[name] = value;
    size += name.length + String(value).length;
  }
  const url = cacheKey(req);
  varyByUrl.set(url, varyNames);
  store.set(variantKey(url, varyNames, req), { headers, body, storedAt: Date.now() }, { size });
}

/**
 * Answers from the cache. `res.send()` still evaluates If-None-Match
 * against the stored ETag, so a HIT can be a 304 too.
 * @param {import('./response.js').Response} res
 * @param {StoredResponse} stored
 */
function replay(res, stored) {
  for (const [name, value] of Object.entries(stored.headers)) res.setHeader(name, value);
  res.setHeader('X-Cache', 'HIT');
  // How long the answer has been in the cache (RFC 9111 §5.1), so downstream caches age it correctly.
  res.setHeader('Age', Math.floor((Date.now() - stored.storedAt) / 1000));
  res.statusCode = 200;
  res.send(stored.body);
}

/**
 * Drops the cached answers of `path`, of the paths above it and below it,
 * and of the `Location` the response points to.
 * @param {LruCache<string, StoredResponse>} store
 * @param {LruCache<string, string[]>} varyByUrl
 * @param {string} path
 * @param {unknown} location
 */
function invalidate(store, varyByUrl, path, location) {
  const targets = [path];
  if (typeof location === 'string' && location.startsWith('/') && !location.startsWith('//')) targets.push(location.split('?')[0]);
  /** @param {string} key */
  const affected = (key) => {
    const keyPath = key.split(/[?\n]/)[0];
    return targets.some((target) => related(keyPath, target));
  };
  for (const key of [...store.keys()].filter(affected)) store.delete(key);
  for (const key of [...varyByUrl.keys()].filter(affected)) varyByUrl.delete(key);
}

/**
 * Is `a` the same path as `b`, above it or below it?
 * @param {string} a
 * @param {string} b
 */
function related(a, b) {
  const within = (/** @type {string} */ inner, /** @type {string} */ outer) => inner.startsWith(outer.endsWith('/') ? outer : `${outer}/`);
  return a === b || within(a, b) || within(b, a);
}

/**
 * Runs the async `fn` when the response ends, before its last byte goes
 * out: the client sees the end only after the invalidation is done.
 * @param {import('node:http').ServerResponse} res
 * @param {() => Promise<void>} fn
 */
function beforeEnd(res, fn) {
  const end = res.end;
  res.end = /** @type {any} */ (
    function endAfterInvalidation(/** @type {any[]} */ ...args) {
      res.end = end;
      fn().then(() => end.apply(res, /** @type {any} */ (args)));
      return res;
    }
  );
}
