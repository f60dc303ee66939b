import { appEdits, configDefault } from './engine/snippets.js';
import type { Edit, Group } from './types.js';

const APP = 'src/app.js';

/**
 * HTTP caching. Each strategy is one middleware line in src/app.js. ETag,
 * Last-Modified and max-age sit in the `cache-headers` slot, before static
 * files: each pushes its hook onto `res.cacheHooks`, which static-files.js
 * runs for a file and `res.send()` for a handler's body, so both get the
 * same headers from that one line. The in-memory cache stores handler
 * answers only, so it stays in the `cache` slot after static files and the
 * shared store. Neither static-files nor the response helpers know which
 * strategies exist.
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
        edits: (): Edit[] => [{ kind: 'import', file: APP, from: './lib/cache-etag.js', names: ['etag'] }, ...appEdits('cache-etag')],
      },
    },
    {
      value: 'last-modified',
      title: 'Last-Modified',
      description: 'Last-Modified on static files; If-Modified-Since -> 304 (If-None-Match wins)',
      feature: {
        id: 'cache-last-modified',
        edits: (): Edit[] => [{ kind: 'import', file: APP, from: './lib/cache-last-modified.js', names: ['lastModified'] }, ...appEdits('cache-last-modified')],
      },
    },
    {
      value: 'max-age',
      title: 'Cache-Control max-age',
      description: 'Cache-Control: public, max-age=N (+ immutable for fingerprinted files) and Expires, per path prefix',
      feature: {
        id: 'cache-max-age',
        edits: (): Edit[] => [{ kind: 'import', file: APP, from: './lib/cache-max-age.js', names: ['maxAge'] }, ...appEdits('cache-max-age'), configDefault('cache-max-age', 'cacheMaxAge')],
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
          ...appEdits('cache-memory'),
          configDefault('cache-memory', 'cacheMemory'),
        ],
      },
    },
  ],
};
