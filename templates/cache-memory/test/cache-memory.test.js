// @ts-check
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startApp, listen, request } from './helpers.js';
import { createApp } from '../src/lib/pipeline.js';
import { HttpError } from '../src/lib/http-error.js';
import { ConfigError } from '../src/lib/config-loader.js';
import { memoryCache } from '../src/lib/cache-memory.js';

/**
 * An app with the memory cache in front of handlers that count their runs.
 * @param {{ maxEntries?: number, maxBytes?: number, ttl?: number }} [options]
 */
async function serve(options = {}) {
  const cache = memoryCache({ maxEntries: 100, maxBytes: 1_000_000, ttl: 60_000, ...options });
  /** @type {Record<string, number>} handler runs by path */
  const runs = {};
  const app = createApp({ env: 'test', logError: () => {} });
  app.use(cache);
  app.use((req, res, next) => {
    const path = req.path;
    runs[path] = (runs[path] ?? 0) + 1;
    const n = runs[path];
    if (req.method === 'POST' || req.method === 'PUT' || req.method === 'DELETE') {
      if (path === '/users/bad') throw new HttpError(400, 'bad user');
      if (path === '/users') res.setHeader('Location', '/people/7');
      return res.status(201).json({ changed: path });
    }
    switch (path) {
      case '/vary':
        res.setHeader('Vary', 'Accept-Language');
        return res.send(`hello in ${req.headers['accept-language'] ?? 'any'} #${n}`);
      case '/vary-star':
        res.setHeader('Vary', '*');
        break;
      case '/cookie':
        res.setHeader('Set-Cookie', 'sid=abc; HttpOnly');
        break;
      case '/private':
        res.setHeader('Cache-Control', 'private, max-age=60');
        break;
      case '/no-store':
        res.setHeader('Cache-Control', 'no-store');
        break;
      case '/missing':
        return res.status(404).json({ n });
      case '/created':
        return res.status(201).json({ n });
      case '/fail':
        throw new Error('boom');
      case '/streamed':
        res.setHeader('Content-Type', 'text/plain');
        return res.end(`streamed #${n}`);
      case '/tagged':
        res.setHeader('ETag', '"v1"');
        break;
      case '/next':
        return next();
    }
    if (path.startsWith('/big')) return res.send('x'.repeat(Number(req.query.get('size') ?? 6000)));
    res.json({ path, query: req.query.toString(), n });
  });
  const server = await listen(app);
  return { ...server, cache, runs };
}

/** @param {{ body: Buffer }} res */
const json = (res) => JSON.parse(res.body.toString());

describe('hits and misses', () => {
  /** @type {Awaited<ReturnType<typeof serve>>} */
  let server;
  before(async () => {
    server = await serve();
  });
  after(() => server.close());

  test('the first GET is a MISS, the next ones HITs that skip the handler', async () => {
    const first = await request(server.url, '/items');
    assert.equal(first.status, 200);
    assert.equal(first.headers['x-cache'], 'MISS');
    const second = await request(server.url, '/items');
    assert.equal(second.headers['x-cache'], 'HIT');
    assert.equal(second.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(second.headers.age, '0');
    assert.deepEqual(json(second), json(first));
    assert.equal(server.runs['/items'], 1);
    const stats = server.cache.stats();
    assert.equal(stats.hits, 1);
    assert.equal(stats.misses, 1);
    assert.equal(stats.entries, 1);
    assert.ok(stats.bytes > first.body.length);
  });

  test('the query string is part of the key', async () => {
    const a = await request(server.url, '/search?q=a');
    const b = await request(server.url, '/search?q=b');
    assert.equal(a.headers['x-cache'], 'MISS');
    assert.equal(b.headers['x-cache'], 'MISS');
    assert.equal(json(b).query, 'q=b');
    assert.equal((await request(server.url, '/search?q=a')).headers['x-cache'], 'HIT');
  });

  test('the absolute form of a request target shares the entry of the path', async () => {
    await request(server.url, '/absolute?x=1');
    const res = await request(server.url, 'http://example.test/absolute?x=1');
    assert.equal(res.headers['x-cache'], 'HIT');
  });

  test('HEAD is answered from a cached GET, without body; a HEAD alone stores nothing', async () => {
    await request(server.url, '/head-test');
    const head = await request(server.url, '/head-test', { method: 'HEAD' });
    assert.equal(head.headers['x-cache'], 'HIT');
    assert.equal(head.body.length, 0);
    const lonely = await request(server.url, '/head-only', { method: 'HEAD' });
    assert.equal(lonely.headers['x-cache'], 'MISS');
    assert.equal((await request(server.url, '/head-only')).headers['x-cache'], 'MISS');
  });

  test('a HIT still answers If-None-Match with a 304', async () => {
    await request(server.url, '/tagged');
    const res = await request(server.url, '/tagged', { headers: { 'If-None-Match': '"v1"' } });
    assert.equal(res.headers['x-cache'], 'HIT');
    assert.equal(res.status, 304);
    assert.equal(res.body.length, 0);
  });

  test('Cache-Control: no-cache (or Pragma: no-cache) skips the cache and refreshes it', async () => {
    await request(server.url, '/refresh');
    const refreshed = await request(server.url, '/refresh', { headers: { 'Cache-Control': 'no-cache' } });
    assert.equal(refreshed.headers['x-cache'], 'MISS');
    assert.equal(json(refreshed).n, 2);
    const after = await request(server.url, '/refresh');
    assert.equal(after.headers['x-cache'], 'HIT');
    assert.equal(json(after).n, 2);
    const pragma = await request(server.url, '/refresh', { headers: { Pragma: 'no-cache' } });
    assert.equal(pragma.headers['x-cache'], 'MISS');
  });

  test('Cache-Control: no-store in the request stores nothing', async () => {
    await request(server.url, '/secret-report', { headers: { 'Cache-Control': 'no-store' } });
    assert.equal((await request(server.url, '/secret-report')).headers['x-cache'], 'MISS');
  });
});

describe('what is never cached', () => {
  /** @type {Awaited<ReturnType<typeof serve>>} */
  let server;
  before(async () => {
    server = await serve();
  });
  after(() => server.close());

  /**
   * Requests `path` three times and returns how often its handler ran.
   * @param {string} path
   * @param {Record<string, string>} [headers]
   */
  async function runsOf(path, headers) {
    for (let i = 0; i < 3; i++) await request(server.url, path, { headers });
    return server.runs[path.split('?')[0]];
  }

  test('responses that set a cookie', async () => {
    assert.equal(await runsOf('/cookie'), 3);
  });

  test('responses marked private or no-store', async () => {
    assert.equal(await runsOf('/private'), 3);
    assert.equal(await runsOf('/no-store'), 3);
  });

  test('Vary: *', async () => {
    assert.equal(await runsOf('/vary-star'), 3);
  });

  test('statuses other than 200, and errors', async () => {
    assert.equal(await runsOf('/missing'), 3);
    assert.equal(await runsOf('/created'), 3);
    assert.equal(await runsOf('/fail'), 3);
    assert.equal(await runsOf('/next'), 3);
  });

  test('responses that do not go through res.send()', async () => {
    assert.equal(await runsOf('/streamed'), 3);
  });

  test('requests with Authorization or Cookie: neither served from nor stored in the cache', async () => {
    await request(server.url, '/shared');
    for (const headers of [{ Authorization: 'Basic YTpi' }, { Cookie: 'sid=1' }]) {
      const res = await request(server.url, '/shared', { headers });
      assert.equal(res.headers['x-cache'], undefined, JSON.stringify(headers));
    }
    assert.equal(server.runs['/shared'], 3);
    assert.equal(await runsOf('/personal', { Authorization: 'Bearer token' }), 3);
    assert.equal((await request(server.url, '/personal')).headers['x-cache'], 'MISS');
  });

  test('methods other than GET and HEAD', async () => {
    const res = await request(server.url, '/items', { method: 'OPTIONS' });
    assert.equal(res.headers['x-cache'], undefined);
  });
});

describe('Vary', () => {
  test('one entry per value of the headers the answer varies on', async () => {
    const server = await serve();
    try {
      const en = await request(server.url, '/vary', { headers: { 'Accept-Language': 'en' } });
      const de = await request(server.url, '/vary', { headers: { 'Accept-Language': 'de' } });
      assert.equal(en.headers['x-cache'], 'MISS');
      assert.equal(de.headers['x-cache'], 'MISS');
      const enAgain = await request(server.url, '/vary', { headers: { 'Accept-Language': 'en' } });
      const deAgain = await request(server.url, '/vary', { headers: { 'Accept-Language': 'de' } });
      assert.equal(enAgain.headers['x-cache'], 'HIT');
      assert.equal(enAgain.body.toString(), en.body.toString());
      assert.equal(deAgain.headers['x-cache'], 'HIT');
      assert.equal(deAgain.body.toString(), de.body.toString());
      const none = await request(server.url, '/vary');
      assert.equal(none.headers['x-cache'], 'MISS');
      assert.equal(none.headers.vary, 'Accept-Language');
    } finally {
      await server.close();
    }
  });
});

describe('invalidation by unsafe methods (RFC 9111 §4.4)', () => {
  test('a successful POST/PUT/DELETE drops its path, the paths above and below it, and its Location', async () => {
    const server = await serve();
    try {
      const paths = ['/users', '/users?page=2', '/users/1', '/users/1/posts', '/users/10', '/people/7', '/other'];
      /** @param {string} path */
      const state = async (path) => (await request(server.url, path)).headers['x-cache'];
      for (const path of paths) await request(server.url, path);
      for (const path of paths) assert.equal(await state(path), 'HIT', path);

      await request(server.url, '/users/1', { method: 'PUT' });
      assert.equal(await state('/users/1'), 'MISS');
      assert.equal(await state('/users/1/posts'), 'MISS');
      assert.equal(await state('/users'), 'MISS');
      assert.equal(await state('/users?page=2'), 'MISS');
      assert.equal(await state('/users/10'), 'HIT');
      assert.equal(await state('/other'), 'HIT');

      await request(server.url, '/users', { method: 'POST' });
      assert.equal(await state('/users'), 'MISS');
      assert.equal(await state('/people/7'), 'MISS', 'the Location of the answer');
      assert.equal(await state('/other'), 'HIT');
    } finally {
      await server.close();
    }
  });

  test('a failed request changes nothing, so it drops nothing', async () => {
    const server = await serve();
    try {
      await request(server.url, '/users');
      await request(server.url, '/users/bad', { method: 'POST' });
      assert.equal((await request(server.url, '/users')).headers['x-cache'], 'HIT');
    } finally {
      await server.close();
    }
  });

  test('requests with credentials invalidate too', async () => {
    const server = await serve();
    try {
      await request(server.url, '/users');
      await request(server.url, '/users', { method: 'DELETE', headers: { Authorization: 'Basic YTpi' } });
      assert.equal((await request(server.url, '/users')).headers['x-cache'], 'MISS');
    } finally {
      await server.close();
    }
  });
});

describe('bounds', () => {
  test('maxEntries: the least recently used entry is evicted', async () => {
    const server = await serve({ maxEntries: 3 });
    try {
      for (const path of ['/a', '/b', '/c']) await request(server.url, path);
      assert.equal((await request(server.url, '/a')).headers['x-cache'], 'HIT'); // /a is now the most recent
      await request(server.url, '/d'); // evicts /b, the least recently used
      assert.equal((await request(server.url, '/b')).headers['x-cache'], 'MISS');
      assert.equal((await request(server.url, '/a')).headers['x-cache'], 'HIT');
      assert.equal(server.cache.stats().entries, 3);
      assert.ok(server.cache.stats().evictions >= 2);
    } finally {
      await server.close();
    }
  });

  test('maxBytes: entries are evicted to fit, and a body larger than the bound is never stored', async () => {
    const server = await serve({ maxBytes: 10_000 });
    try {
      await request(server.url, '/big1?size=6000');
      assert.equal((await request(server.url, '/big1?size=6000')).headers['x-cache'], 'HIT');
      await request(server.url, '/big2?size=6000');
      assert.equal((await request(server.url, '/big2?size=6000')).headers['x-cache'], 'HIT');
      assert.equal((await request(server.url, '/big1?size=6000')).headers['x-cache'], 'MISS');
      assert.ok(server.cache.stats().bytes <= 10_000);
      await request(server.url, '/big-huge?size=20000');
      assert.equal((await request(server.url, '/big-huge?size=20000')).headers['x-cache'], 'MISS');
    } finally {
      await server.close();
    }
  });

  test('ttl: an entry expires and the handler runs again', async () => {
    const server = await serve({ ttl: 30 });
    try {
      await request(server.url, '/short');
      assert.equal((await request(server.url, '/short')).headers['x-cache'], 'HIT');
      await sleep(60);
      const expired = await request(server.url, '/short');
      assert.equal(expired.headers['x-cache'], 'MISS');
      assert.equal(json(expired).n, 2);
    } finally {
      await server.close();
    }
  });
});

describe('settings', () => {
  test('bad settings fail at start with a message naming the variable', () => {
    const good = { maxEntries: 10, maxBytes: 1000, ttl: 1000 };
    const cases = [
      [{ ...good, maxEntries: 0 }, /CACHE_MEMORY_MAX_ENTRIES/],
      [{ ...good, maxBytes: -1 }, /CACHE_MEMORY_MAX_BYTES/],
      [{ ...good, ttl: 1.5 }, /CACHE_MEMORY_TTL/],
      [{ ...good, ttl: Number.NaN }, /CACHE_MEMORY_TTL/],
    ];
    for (const [options, message] of cases) {
      assert.throws(
        () => memoryCache(/** @type {any} */ (options)),
        (err) => err instanceof ConfigError && /** @type {RegExp} */ (message).test(err.message),
      );
    }
  });
});

describe('in the composed app', () => {
  /** @type {Awaited<ReturnType<typeof startApp>>} */
  let app;
  /** @type {string} */
  let dir;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cache-memory-test-'));
    mkdirSync(join(dir, 'public'));
    writeFileSync(join(dir, 'public', 'file.txt'), 'static');
    app = await startApp({ static: { root: join(dir, 'public') } });
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('GET /health (no-store) is never served from memory', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await request(app.url, '/health');
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-cache'], 'MISS');
    }
  });

  test('static files are served before the cache and never stored', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await request(app.url, '/file.txt');
      assert.equal(res.body.toString(), 'static');
      assert.equal(res.headers['x-cache'], undefined);
    }
  });
});
