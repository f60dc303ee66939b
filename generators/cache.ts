import type { Edit, Group } from './types.js';

const APP = 'src/app.js';
const CONFIG = 'src/config.js';

/**
 * HTTP caching. Static files are served before the `cache` slot runs, so
 * each strategy reaches them through a named hook in the second argument of
 * `staticFiles(config.static, {...})`; bodies sent by handlers get the same
 * hook from a middleware in the `cache` slot (it pushes onto
 * `res.cacheHooks`, which `res.send()` runs). Neither static-files nor the
 * response helpers know which strategies exist.
 */
export const cache: Group = {
  id: 'cache',
  message: 'Which HTTP caching should the server do?',
  description: 'ETag and Last-Modified (304 Not Modified), Cache-Control max-age + Expires, and a server-side LRU response cache',
  kind: 'multi',
  default: [],
  options: [
    {
      value: 'etag',
      title: 'ETag',
      description: 'strong ETags for handler responses, weak ones for static files; If-None-Match -> 304',
      feature: {
        id: 'cache-etag',
        edits: (): Edit[] => [
          { kind: 'import', file: APP, from: './lib/cache-etag.js', names: ['etag', 'etagHook'] },
          { kind: 'property', file: APP, object: 'staticFiles', argument: 1, name: 'etag', value: 'etagHook' },
          { kind: 'use', file: APP, slot: 'cache', call: 'etag()' },
        ],
      },
    },
    {
      value: 'last-modified',
      title: 'Last-Modified',
      description: 'Last-Modified on static files; If-Modified-Since -> 304 (If-None-Match wins)',
      feature: {
        id: 'cache-last-modified',
        edits: (): Edit[] => [
          { kind: 'import', file: APP, from: './lib/cache-last-modified.js', names: ['lastModifiedHook'] },
          { kind: 'property', file: APP, object: 'staticFiles', argument: 1, name: 'lastModified', value: 'lastModifiedHook' },
        ],
      },
    },
    {
      value: 'max-age',
      title: 'Cache-Control max-age',
      description: 'Cache-Control: public, max-age=N (+ immutable for fingerprinted files) and Expires, per path prefix',
      feature: {
        id: 'cache-max-age',
        edits: (): Edit[] => [
          { kind: 'import', file: APP, from: './lib/cache-max-age.js', names: ['maxAge', 'maxAgeHook'] },
          { kind: 'property', file: APP, object: 'staticFiles', argument: 1, name: 'maxAge', value: 'maxAgeHook(config.cacheMaxAge)' },
          { kind: 'use', file: APP, slot: 'cache', call: 'maxAge(config.cacheMaxAge)' },
          {
            kind: 'property',
            file: CONFIG,
            object: 'defaults',
            name: 'cacheMaxAge',
            doc: 'How long browsers may reuse responses (Cache-Control, Expires); see src/lib/cache-max-age.js.',
            value: `{
    /** Seconds for static files. */
    static: 3600,
    /** Seconds for fingerprinted static files such as app.3f2a1c.js (sent immutable); 0: like other files. */
    fingerprinted: 31_536_000,
    /** Seconds for handler responses; 0 sends \`Cache-Control: no-cache\` (revalidate every time). */
    dynamic: 0,
    /** Rules "<path prefix>=<seconds>", the longest prefix wins, e.g. CACHE_MAX_AGE_PATHS=/docs/=600,/api/=0 */
    paths: /** @type {string[]} */ ([]),
  }`,
          },
        ],
      },
    },
    {
      value: 'memory',
      title: 'In-memory response cache',
      description: 'server-side LRU cache of GET responses, bounded by entries, bytes and TTL (X-Cache: HIT|MISS)',
      feature: {
        id: 'cache-memory',
        edits: (): Edit[] => [
          { kind: 'import', file: APP, from: './lib/cache-memory.js', names: ['memoryCache'] },
          { kind: 'use', file: APP, slot: 'cache', call: 'memoryCache(config.cacheMemory)' },
          {
            kind: 'property',
            file: CONFIG,
            object: 'defaults',
            name: 'cacheMemory',
            doc: 'The server-side response cache; see src/lib/cache-memory.js.',
            value: `{
    /** Most responses kept. */
    maxEntries: 500,
    /** Most bytes kept (bodies plus headers). */
    maxBytes: 16_777_216,
    /** ms a response is served from memory before its handler runs again. */
    ttl: 60_000,
  }`,
          },
        ],
      },
    },
  ],
};
