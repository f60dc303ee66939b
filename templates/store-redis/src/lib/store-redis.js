// @ts-check
import { ConfigError } from './config-loader.js';
import { HttpError } from './http-error.js';
import { RedisClient, RedisUnavailableError } from './redis.js';

/**
 * The shared store on Redis: sessions, counters (rate limits, login
 * throttle) and broadcasts are seen by every instance of the server, on any
 * machine, that uses the same REDIS_URL. It sets `req.store` (the
 * `SharedStore` contract of src/lib/pipeline.js) on every request.
 *
 * When Redis cannot be reached, whatever needs it answers 503 with
 * Retry-After within `commandTimeout` ms; requests that do not touch the
 * store (static files, /health, pages without a session) keep working, and
 * everything recovers by itself when Redis is back (src/lib/redis.js
 * reconnects).
 *
 * Keys: `<prefix>session:<id>` (JSON, expires after the idle timeout),
 * `<prefix>sessions` (a sorted set of ids by last use, for the limit on
 * sessions), `<prefix>count:<name>` (counters). Channels:
 * `<prefix>broadcast:<channel>`.
 */

/**
 * @typedef {object} RedisSettings
 * @property {string} url redis://[user:password@]host:port/db or rediss:// (REDIS_URL)
 * @property {string} prefix put before every key and channel, so several applications can share one Redis
 * @property {number} commandTimeout ms a command may take, waiting for a connection included
 * @property {number} connectTimeout ms to open a connection
 * @property {number} maxQueue commands that may wait while Redis is unreachable; more fail at once
 * @property {number} retryAfter seconds in the Retry-After of a 503 while Redis is unreachable
 */

/**
 * Increments a counter and starts its window on the first hit, atomically:
 * two instances counting at once never both see "first" or lose a hit.
 * Returns the count and the ms left in the window.
 */
const HIT = `
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
if count < 0 then
  redis.call('SET', KEYS[1], 0, 'KEEPTTL')
  count = 0
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return { count, ttl }`;

/**
 * Stores a new session and keeps at most ARGV[4] of them: idle ones leave
 * the index first, then the least recently used go, all in one step, so no
 * moment (and no race between instances) sees more than the limit.
 * KEYS: index, session key. ARGV: id, record, idle ms, max, last use (ms since epoch), key prefix.
 */
const CREATE_SESSION = `
local index, key = KEYS[1], KEYS[2]
local id, record, ttl, max, now, prefix = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
redis.call('ZREMRANGEBYSCORE', index, '-inf', now - ttl)
local extra = redis.call('ZCARD', index) - max + 1
if extra > 0 then
  for _, old in ipairs(redis.call('ZRANGE', index, 0, extra - 1)) do
    redis.call('DEL', prefix .. old)
  end
  redis.call('ZREMRANGEBYRANK', index, 0, extra - 1)
end
redis.call('SET', key, record, 'PX', ttl)
redis.call('ZADD', index, now, id)
return extra`;

/** @param {unknown} err */
function isUnavailable(err) {
  return err instanceof RedisUnavailableError;
}

/**
 * Opens the Redis connections and returns the middleware that sets
 * `req.store`, with the store itself as `.store` (for scripts and tests).
 * @param {{ redis: RedisSettings }} config
 */
export function redisStore(config) {
  const settings = config.redis;
  for (const key of /** @type {const} */ (['commandTimeout', 'connectTimeout', 'maxQueue', 'retryAfter'])) {
    const value = settings[key];
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new ConfigError(`REDIS_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()} must be a whole number of 1 or more, got ${JSON.stringify(value)}`);
    }
  }
  const options = { url: settings.url, commandTimeout: settings.commandTimeout, connectTimeout: settings.connectTimeout, maxQueue: settings.maxQueue };
  let client;
  try {
    client = new RedisClient(options);
  } catch (err) {
    throw new ConfigError(/** @type {Error} */ (err).message);
  }
  const store = createRedisStore(client, options, settings);
  /** @type {import('./pipeline.js').Middleware} */
  const middleware = function sharedStore(req, res, next) {
    req.store = store;
    return next();
  };
  return Object.assign(middleware, { store });
}

/**
 * The `SharedStore` over a client.
 * @param {RedisClient} client
 * @param {import('./redis.js').RedisOptions} options for the subscriber connection
 * @param {RedisSettings} settings
 * @returns {import('./pipeline.js').SharedStore}
 */
export function createRedisStore(client, options, settings) {
  const prefix = settings.prefix;
  /** @type {RedisClient | null} opened on the first subscription: a subscribed connection can do nothing else */
  let subscriber = null;
  /** @type {Map<string, Set<(data: unknown) => void>>} */
  const listeners = new Map();
  let warned = false;

  /**
   * Runs `fn`; Redis being unreachable becomes a 503 the client can retry.
   * @template T
   * @param {() => Promise<T>} fn
   * @returns {Promise<T>}
   */
  async function call(fn) {
    try {
      return await fn();
    } catch (err) {
      if (!isUnavailable(err)) throw err;
      if (!warned) {
        warned = true;
        console.error(`store: ${/** @type {Error} */ (err).message}; answering 503 until Redis is back`);
        client.once('ready', () => {
          warned = false;
          console.error('store: Redis is back');
        });
      }
      throw new HttpError(503, 'The session and counter store is unavailable', { headers: { 'Retry-After': String(settings.retryAfter) }, cause: err });
    }
  }

  return {
    kind: 'redis',
    sessions({ ttl, maxSessions }) {
      const index = `${prefix}sessions`;
      const keyOf = (/** @type {string} */ id) => `${prefix}session:${id}`;
      return {
        kind: 'redis',
        async get(id) {
          // The last use is the index's score: `touch` moves it without rewriting the record.
          const [text, score] = await call(() =>
            client.pipeline([
              ['GET', keyOf(id)],
              ['ZSCORE', index, id],
            ]),
          );
          if (typeof text !== 'string') return undefined;
          try {
            const record = JSON.parse(text);
            return { data: record.data, createdAt: record.createdAt, lastSeen: Math.max(record.lastSeen, Number(score) || 0) };
          } catch {
            return undefined;
          }
        },
        async set(id, record) {
          const text = JSON.stringify(record);
          const replies = await call(() =>
            client.pipeline([
              ['SET', keyOf(id), text, 'PX', ttl, 'XX'],
              ['ZADD', index, 'XX', record.lastSeen, id],
            ]),
          );
          if (replies[0] instanceof Error) throw replies[0];
          // Not there yet: a new session, which has to respect the limit.
          if (replies[0] === null) {
            await call(() => client.evalScript(CREATE_SESSION, [index, keyOf(id)], [id, text, ttl, maxSessions, record.lastSeen, `${prefix}session:`]));
          }
        },
        async destroy(id) {
          await call(() =>
            client.pipeline([
              ['DEL', keyOf(id)],
              ['ZREM', index, id],
            ]),
          );
        },
        async touch(id, lastSeen) {
          await call(() =>
            client.pipeline([
              ['PEXPIRE', keyOf(id), ttl],
              ['ZADD', index, 'XX', lastSeen, id],
            ]),
          );
        },
        close() {},
      };
    },
    async hit(name, window, by = 1) {
      const reply = await call(() => client.evalScript(HIT, [`${prefix}count:${name}`], [by, window]));
      const [count, ttl] = /** @type {number[]} */ (reply);
      return { count, resetIn: ttl };
    },
    async broadcast(channel, data) {
      await call(() => client.command(['PUBLISH', `${prefix}broadcast:${channel}`, JSON.stringify(data)]));
    },
    onBroadcast(channel, fn) {
      const name = `${prefix}broadcast:${channel}`;
      if (subscriber === null) {
        const connection = new RedisClient(options);
        connection.on('message', (/** @type {string} */ from, /** @type {string} */ text) => {
          let data;
          try {
            data = JSON.parse(text);
          } catch {
            return;
          }
          for (const listener of listeners.get(from) ?? []) listener(data);
        });
        subscriber = connection;
      }
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      set.add(fn);
      subscriber.subscribe(name).catch((err) => console.error(`store: subscribing to ${name} failed, retried on reconnect: ${err.message}`));
    },
    close() {
      client.close();
      subscriber?.close();
    },
  };
}
