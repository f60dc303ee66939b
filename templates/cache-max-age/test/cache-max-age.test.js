// @ts-check
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, listen, request } from './helpers.js';
import { createApp } from '../src/lib/pipeline.js';
import { HttpError } from '../src/lib/http-error.js';
import { ConfigError } from '../src/lib/config-loader.js';
import { readConfig } from '../src/config.js';
import { maxAge } from '../src/lib/cache-max-age.js';

/**
 * Seconds from the response's Date to its Expires (both whole-second HTTP dates).
 * @param {import('node:http').IncomingHttpHeaders} headers
 */
function expiresIn(headers) {
  return (Date.parse(String(headers.expires)) - Date.parse(String(headers.date))) / 1000;
}

describe('Cache-Control and Expires on static files', () => {
  /** @type {Awaited<ReturnType<typeof startApp>>} */
  let app;
  /** @type {string} */
  let dir;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cache-max-age-test-'));
    const files = ['file.txt', 'app.3f2a1c.js', 'chunk-9b8e7f6a.css', 'report-202401.pdf', 'cafe-facade.png', 'docs/guide.txt', 'docs/old/page.txt'];
    for (const name of files) {
      mkdirSync(join(dir, 'public', name, '..'), { recursive: true });
      writeFileSync(join(dir, 'public', name), `content of ${name}`);
    }
    app = await startApp({
      static: { root: join(dir, 'public') },
      cacheMaxAge: { static: 3600, fingerprinted: 31_536_000, dynamic: 0, paths: ['/docs/=600', '/docs/old/=0'] },
    });
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a file gets public, max-age=<static> and a matching Expires', async () => {
    const res = await request(app.url, '/file.txt');
    assert.equal(res.status, 200);
    assert.equal(res.headers['cache-control'], 'public, max-age=3600');
    // Date and Expires are both rounded down to the second, possibly in different seconds.
    assert.ok(Math.abs(expiresIn(res.headers) - 3600) <= 1, String(expiresIn(res.headers)));
  });

  test('fingerprinted files get a year and immutable', async () => {
    for (const path of ['/app.3f2a1c.js', '/chunk-9b8e7f6a.css']) {
      const res = await request(app.url, path);
      assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable', path);
    }
  });

  test('names that only look a bit like fingerprints are ordinary files', async () => {
    for (const path of ['/report-202401.pdf', '/cafe-facade.png']) {
      const res = await request(app.url, path);
      assert.equal(res.headers['cache-control'], 'public, max-age=3600', path);
    }
  });

  test('path rules: the longest matching prefix wins; 0 means no-cache', async () => {
    const guide = await request(app.url, '/docs/guide.txt');
    assert.equal(guide.headers['cache-control'], 'public, max-age=600');
    const old = await request(app.url, '/docs/old/page.txt');
    assert.equal(old.headers['cache-control'], 'no-cache');
    assert.ok(Math.abs(expiresIn(old.headers)) <= 1);
  });

  test('a 206 is cached like the file', async () => {
    const res = await request(app.url, '/file.txt', { headers: { Range: 'bytes=0-3' } });
    assert.equal(res.status, 206);
    assert.equal(res.headers['cache-control'], 'public, max-age=3600');
  });

  test('errors never get caching headers', async () => {
    const missing = await request(app.url, '/missing.txt');
    assert.equal(missing.status, 404);
    const range = await request(app.url, '/file.txt', { headers: { Range: 'bytes=999-' } });
    assert.equal(range.status, 416);
    const nul = await request(app.url, '/file.txt%00');
    assert.equal(nul.status, 400);
    for (const res of [missing, range, nul]) {
      assert.equal(res.headers['cache-control'], undefined);
      assert.equal(res.headers.expires, undefined);
    }
  });
});

describe('Cache-Control and Expires on handler responses', () => {
  /** @type {Awaited<ReturnType<typeof listen>>} */
  let server;
  before(async () => {
    const app = createApp({ env: 'test', logError: () => {} });
    app.use(maxAge({ static: 3600, fingerprinted: 31_536_000, dynamic: 0, paths: ['/api/=60'] }));
    app.use((req, res, next) => {
      if (req.path === '/api/login') res.setHeader('Set-Cookie', 'sid=1; HttpOnly');
      if (req.path === '/api/own') res.setHeader('Cache-Control', 'no-store');
      if (req.path === '/api/tagged') res.setHeader('ETag', '"t1"');
      if (req.path === '/api/fail') throw new HttpError(409, 'conflict');
      if (req.path === '/api/crash') throw new Error('boom');
      if (req.path === '/api/moved') return res.redirect('/api/data');
      if (req.path === '/nowhere') return next();
      res.json({ path: req.path });
    });
    server = await listen(app);
  });
  after(() => server.close());

  test('by default a handler response must be revalidated: no-cache, Expires now', async () => {
    const res = await request(server.url, '/page');
    assert.equal(res.headers['cache-control'], 'no-cache');
    assert.ok(Math.abs(expiresIn(res.headers)) <= 1);
  });

  test('a path rule makes it public for that long', async () => {
    const res = await request(server.url, '/api/data');
    assert.equal(res.headers['cache-control'], 'public, max-age=60');
    assert.ok(Math.abs(expiresIn(res.headers) - 60) <= 1);
  });

  test('fingerprint-like paths of handlers are not immutable', async () => {
    const res = await request(server.url, '/app.3f2a1c.js');
    assert.equal(res.headers['cache-control'], 'no-cache');
  });

  test('answers that may be personal are private', async () => {
    const cases = [
      { path: '/api/data', headers: { Authorization: 'Bearer x' } },
      { path: '/api/data', headers: { Cookie: 'sid=1' } },
      { path: '/api/login', headers: {} },
    ];
    for (const { path, headers } of cases) {
      const res = await request(server.url, path, { headers });
      assert.equal(res.headers['cache-control'], 'private, max-age=60', JSON.stringify(headers));
    }
  });

  test("the handler's own Cache-Control is kept", async () => {
    const res = await request(server.url, '/api/own');
    assert.equal(res.headers['cache-control'], 'no-store');
  });

  test('a 304 repeats Cache-Control and Expires (RFC 9110 §15.4.5)', async () => {
    const res = await request(server.url, '/api/tagged', { headers: { 'If-None-Match': '"t1"' } });
    assert.equal(res.status, 304);
    assert.equal(res.headers['cache-control'], 'public, max-age=60');
    assert.ok(res.headers.expires);
  });

  test('errors, redirects and POST answers get no caching headers', async () => {
    const cases = [
      ['GET', '/api/fail', 409],
      ['GET', '/api/crash', 500],
      ['GET', '/nowhere', 404],
      ['GET', '/api/moved', 302],
      ['POST', '/api/data', 200],
    ];
    for (const [method, path, status] of cases) {
      const res = await request(server.url, String(path), { method: String(method) });
      assert.equal(res.status, status, `${method} ${path}`);
      assert.equal(res.headers['cache-control'], undefined, `${method} ${path}`);
      assert.equal(res.headers.expires, undefined, `${method} ${path}`);
    }
  });
});

describe('settings', () => {
  const good = { static: 3600, fingerprinted: 31_536_000, dynamic: 0, paths: [] };

  test('bad settings fail at start with a message naming the variable', () => {
    const cases = [
      [{ ...good, static: -1 }, /CACHE_MAX_AGE_STATIC/],
      [{ ...good, dynamic: 1.5 }, /CACHE_MAX_AGE_DYNAMIC/],
      [{ ...good, fingerprinted: Number.NaN }, /CACHE_MAX_AGE_FINGERPRINTED/],
      [{ ...good, paths: ['docs=5'] }, /CACHE_MAX_AGE_PATHS=/],
      [{ ...good, paths: ['/docs/=-5'] }, /not a rule/],
      [{ ...good, paths: '/docs/=5' }, /CACHE_MAX_AGE_PATHS/],
    ];
    for (const [options, message] of cases) {
      assert.throws(
        () => maxAge(/** @type {any} */ (options)),
        (err) => err instanceof ConfigError && /** @type {RegExp} */ (message).test(err.message),
        JSON.stringify(options),
      );
    }
  });

  test('rules come from the environment as a comma-separated list', () => {
    const config = readConfig({ CACHE_MAX_AGE_PATHS: '/docs/=600,/api/=0', CACHE_MAX_AGE_STATIC: '60' });
    assert.deepEqual(config.cacheMaxAge.paths, ['/docs/=600', '/api/=0']);
    assert.equal(config.cacheMaxAge.static, 60);
    assert.doesNotThrow(() => maxAge(config.cacheMaxAge));
  });
});
