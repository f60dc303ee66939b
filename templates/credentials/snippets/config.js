// Keys every auth style puts into its `auth` defaults in src/config.js (spread there); the
// generator reads this file (generators/engine/snippets.ts), it is not copied into projects.

/**
 * The login limits, the same for every style (AUTH_HASH_CONCURRENCY, ...),
 * read by src/lib/credentials.js. They come first in `auth`, so each style's
 * own keys keep their places around `users`.
 */
export const limits = {
  /** Password hashes computed at once: they share libuv's thread pool (4 threads) with file reads and DNS. */
  hashConcurrency: 2,
  /** Logins waiting for a hash; more get 503 with Retry-After. */
  hashQueue: 16,
  /** Failed login attempts per client address within attemptWindow; more get 429 with Retry-After. */
  attemptsPerAddress: 50,
  /** Failed login attempts per user name within attemptWindow, from any address; more get 429. */
  attemptsPerUser: 10,
  /** ms over which failed login attempts are counted (15 minutes). */
  attemptWindow: 900_000,
};

/** `auth.users`: the same setting for every style (AUTH_USERS). */
export const users = {
  /** Users as name:scrypt:... entries, comma-separated in AUTH_USERS (npm run hash-password -- <name>). */
  users: /** @type {string[]} */ ([]),
};
