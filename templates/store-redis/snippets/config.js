// Keys this feature adds to `defaults` in src/config.js, each export one key with its comment.
// The generator reads this file (generators/engine/snippets.ts); it is not copied into projects.

/** The shared store in Redis; see docs/store-redis.md. */
export const redis = {
  /** redis://[user:password@]host:port/db, or rediss:// for TLS (REDIS_URL). */
  url: 'redis://127.0.0.1:6379/0',
  /** Put before every key and channel, so several applications can share one Redis. */
  prefix: 'app:',
  /** ms a command may take, waiting for a connection included; then 503. */
  commandTimeout: 1000,
  /** ms to open a connection. */
  connectTimeout: 2000,
  /** Commands that may wait while Redis is unreachable; more get 503 at once. */
  maxQueue: 1000,
  /** Seconds in the Retry-After of a 503 while Redis is unreachable. */
  retryAfter: 1,
};
