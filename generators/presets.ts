import type { Preset } from './types.js';

/**
 * Named starting points. A preset only sets answers; everything it does not
 * mention keeps the group's default, and flags given with it win.
 */
export const presets: Preset[] = [
  {
    name: 'minimal',
    description: 'route table, JSON bodies, one process: the smallest useful server',
    answers: {},
  },
  {
    name: 'api',
    description: 'JSON API with signed bearer tokens, ETags and a node:cluster',
    answers: { body: ['json'], auth: 'token', cache: ['etag', 'memory'], cluster: 'cluster' },
  },
  {
    name: 'web',
    description: 'web site with forms, uploads, cookie sessions + CSRF, HTTP caching and Bigpipe',
    answers: {
      routing: 'natural',
      body: ['json', 'form', 'multipart'],
      auth: 'session',
      csrf: true,
      cache: ['etag', 'last-modified', 'max-age'],
      bigpipe: true,
    },
  },
  {
    name: 'full',
    description: 'every feature group at once, on a master/worker process model with a file store',
    answers: {
      body: ['json', 'form', 'xml', 'multipart', 'text'],
      cache: ['etag', 'last-modified', 'max-age', 'memory'],
      auth: 'session',
      csrf: true,
      bigpipe: true,
      cluster: 'master-worker',
      store: 'file',
    },
  },
];
