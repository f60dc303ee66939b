// Keys this feature adds to `defaults` in src/config.js, each export one key with its comment.
// The generator reads this file (generators/engine/snippets.ts); it is not copied into projects.

/** The server-side response cache; see src/lib/cache-memory.js. */
export const cacheMemory = {
  /** Most responses kept. */
  maxEntries: 500,
  /** Most bytes kept (bodies plus headers). */
  maxBytes: 16_777_216,
  /** ms a response is served from memory before its handler runs again. */
  ttl: 60_000,
};
