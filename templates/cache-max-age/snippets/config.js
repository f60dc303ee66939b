// Keys this feature adds to `defaults` in src/config.js, each export one key with its comment.
// The generator reads this file (generators/engine/snippets.ts); it is not copied into projects.

/** How long browsers may reuse responses (Cache-Control, Expires); see src/lib/cache-max-age.js. */
export const cacheMaxAge = {
  /** Seconds for static files. */
  static: 3600,
  /** Seconds for fingerprinted static files such as app.3f2a1c.js (sent immutable); 0: like other files. */
  fingerprinted: 31_536_000,
  /** Seconds for handler responses; 0 sends `Cache-Control: no-cache` (revalidate every time). */
  dynamic: 0,
  /** Rules "<path prefix>=<seconds>", the longest prefix wins, e.g. CACHE_MAX_AGE_PATHS=/docs/=600,/api/=0 */
  paths: /** @type {string[]} */ ([]),
};
