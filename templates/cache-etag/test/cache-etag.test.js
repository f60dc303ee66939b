// @ts-check
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, listen, request } from './helpers.js';
import { createApp } from '../src/lib/pipeline.js';
import { HttpError } from '../src/lib/http-error.js';
import { etag, strongEtag, weakEtag } from '../src/lib/cache-etag.js';

// Conditional requests go through `request()` (node:http): fetch would add
// `Cache-Control: no-cache` to them, which rightly forces a full answer.

describe('ETags of static files (weak: size and modification time)', () => {
  /** @type {Awaited<ReturnType<typeof startApp>>} */
  let app;
  /** @type {string} */
  let dir;
  const body = 'static body\n';
  const mtime = new Date('2024-10-01T10:00:00Z');
  const expected = weakEtag(Buffer.byteLength(body), mtime);
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cache-etag-test-'));
    mkdirSync(join(dir, 'public'));
    writeFileSync(join(dir, 'public', 'file.txt'), body);
    utimesSync(join(dir, 'public', 'file.txt'), mtime, mtime);
    app = await startApp({ static: { root: join(dir, 'public') } });
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a file gets W/"<size>-<mtime>"', async () => {
    const res = await request(app.url, '/file.txt');
    assert.equal(res.status, 200);
    assert.equal(res.headers.etag, expected);
    assert.match(expected, /^W\/"[0-9a-f]+-[0-9a-f]+"$/);
  });

  test('the same etag() line of src/app.js tags handler answers too (strong)', async () => {
    const res = await request(app.url, '/health');
    assert.equal(res.status, 200);
    assert.equal(res.headers.etag, strongEtag(res.body));
  });

  test('If-None-Match with that tag is a 304 without body, keeping the ETag', async () => {
    const res = await request(app.url, '/file.txt', { headers: { 'If-None-Match': expected } });
    assert.equal(res.status, 304);
    assert.equal(res.body.length, 0);
    assert.equal(res.headers.etag, expected);
    assert.equal(res.headers['content-type'], undefined);
  });

  test('weak comparison: the same tag without W/ matches too', async () => {
    const res = await request(app.url, '/file.txt', { headers: { 'If-None-Match': expected.slice(2) } });
    assert.equal(res.status, 304);
  });

  test('a list containing the tag, and *, are 304', async () => {
    for (const value of [`"other", ${expected}`, `"a,b",${expected}, "c"`, '*']) {
      const res = await request(app.url, '/file.txt', { headers: { 'If-None-Match': value } });
      assert.equal(res.status, 304, value);
    }
  });

  test('HEAD is conditional as well', async () => {
    const res = await request(app.url, '/file.txt', { method: 'HEAD', headers: { 'If-None-Match': expected } });
    assert.equal(res.status, 304);
  });

  test('another tag, or a garbage header, gets the full file', async () => {
    for (const value of ['"other"', 'W/"other"', 'garbage', '']) {
      const res = await request(app.url, '/file.txt', { headers: { 'If-None-Match': value } });
      assert.equal(res.status, 200, value);
      assert.equal(res.body.toString(), body, value);
    }
  });

  test('Cache-Control: no-cache in the request bypasses the 304', async () => {
    const res = await request(app.url, '/file.txt', { headers: { 'If-None-Match': expected, 'Cache-Control': 'no-cache' } });
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), body);
  });

  test('If-Range with a weak ETag never allows a partial answer (RFC 9110 §13.1.5)', async () => {
    const res = await request(app.url, '/file.txt', { headers: { Range: 'bytes=0-5', 'If-Range': expected } });
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), body);
    const plain = await request(app.url, '/file.txt', { headers: { Range: 'bytes=0-5' } });
    assert.equal(plain.status, 206);
    assert.equal(plain.body.toString(), 'static');
  });

  test('a changed file gets a new tag, so the old one no longer matches', async () => {
    const file = join(dir, 'public', 'file.txt');
    const later = new Date('2024-10-02T10:00:00Z');
    utimesSync(file, later, later);
    try {
      const res = await request(app.url, '/file.txt', { headers: { 'If-None-Match': expected } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.etag, weakEtag(Buffer.byteLength(body), later));
    } finally {
      utimesSync(file, mtime, mtime);
    }
  });

  test('errors carry no ETag', async () => {
    const res = await request(app.url, '/missing.txt');
    assert.equal(res.status, 404);
    assert.equal(res.headers.etag, undefined);
    const range = await request(app.url, '/file.txt', { headers: { Range: 'bytes=999-' } });
    assert.equal(range.status, 416);
    assert.equal(range.headers.etag, undefined);
  });
});

describe('ETags of handler responses (strong: a hash of the body)', () => {
  /** @type {Awaited<ReturnType<typeof listen>>} */
  let server;
  let version = 1;
  before(async () => {
    const app = createApp({ env: 'test', logError: () => {} });
    app.use(etag());
    app.use((req, res, next) => {
      switch (req.path) {
        case '/doc':
          return res.json({ title: 'doc', version });
        case '/text':
          return res.type('txt').send('plain text');
        case '/own':
          res.setHeader('ETag', '"mine"');
          return res.send('own tag');
        case '/created':
          return res.status(201).json({ created: true });
        case '/redirect':
          return res.redirect('/doc');
        case '/fail':
          throw new HttpError(409, 'conflict');
        case '/crash':
          throw new Error('boom');
        default:
          next();
      }
    });
    server = await listen(app);
  });
  after(() => server.close());

  test('GET gets a strong ETag from the body; equal bodies, equal tags', async () => {
    const a = await request(server.url, '/doc');
    const b = await request(server.url, '/doc');
    assert.equal(a.status, 200);
    assert.match(String(a.headers.etag), /^"[0-9a-f]+-[\w-]{27}"$/);
    assert.equal(a.headers.etag, b.headers.etag);
    assert.equal(a.headers.etag, strongEtag(a.body));
    const text = await request(server.url, '/text');
    assert.notEqual(text.headers.etag, a.headers.etag);
  });

  test('If-None-Match with the tag is a 304 without body or content headers', async () => {
    const first = await request(server.url, '/doc');
    const tag = String(first.headers.etag);
    const res = await request(server.url, '/doc', { headers: { 'If-None-Match': tag } });
    assert.equal(res.status, 304);
    assert.equal(res.body.length, 0);
    assert.equal(res.headers.etag, tag);
    assert.equal(res.headers['content-type'], undefined);
  });

  test('lists, *, and the weak form of the tag match; others do not', async () => {
    const tag = String((await request(server.url, '/doc')).headers.etag);
    for (const value of [`"x", ${tag}`, `W/${tag}`, '*', ` ${tag} `]) {
      const res = await request(server.url, '/doc', { headers: { 'If-None-Match': value } });
      assert.equal(res.status, 304, value);
    }
    for (const value of ['"x"', `${tag.slice(0, -2)}"`, 'W/"x", "y"']) {
      const res = await request(server.url, '/doc', { headers: { 'If-None-Match': value } });
      assert.equal(res.status, 200, value);
    }
  });

  test('a changed body gets a new tag and a full answer', async () => {
    const tag = String((await request(server.url, '/doc')).headers.etag);
    version++;
    const res = await request(server.url, '/doc', { headers: { 'If-None-Match': tag } });
    assert.equal(res.status, 200);
    assert.notEqual(res.headers.etag, tag);
    assert.equal(JSON.parse(res.body.toString()).version, version);
  });

  test('request Cache-Control: no-cache (and fetch, which sends it) gets the full answer', async () => {
    const tag = String((await request(server.url, '/doc')).headers.etag);
    const res = await request(server.url, '/doc', { headers: { 'If-None-Match': tag, 'Cache-Control': 'max-age=0, no-cache' } });
    assert.equal(res.status, 200);
    const viaFetch = await server.fetch('/doc', { headers: { 'If-None-Match': tag } });
    assert.equal(viaFetch.status, 200);
    await viaFetch.arrayBuffer();
  });

  test('HEAD has the tag of GET and is conditional', async () => {
    const tag = String((await request(server.url, '/doc')).headers.etag);
    const head = await request(server.url, '/doc', { method: 'HEAD' });
    assert.equal(head.headers.etag, tag);
    const conditional = await request(server.url, '/doc', { method: 'HEAD', headers: { 'If-None-Match': tag } });
    assert.equal(conditional.status, 304);
  });

  test('a tag the handler set is kept', async () => {
    const res = await request(server.url, '/own', { headers: { 'If-None-Match': '"mine"' } });
    assert.equal(res.status, 304);
    assert.equal(res.headers.etag, '"mine"');
  });

  test('only GET/HEAD 2xx get tags: not POST, redirects or errors', async () => {
    const post = await request(server.url, '/doc', { method: 'POST' });
    assert.equal(post.status, 200);
    assert.equal(post.headers.etag, undefined);
    const created = await request(server.url, '/created');
    assert.equal(created.status, 201);
    assert.ok(created.headers.etag);
    for (const [path, status] of /** @type {const} */ ([
      ['/redirect', 302],
      ['/fail', 409],
      ['/crash', 500],
      ['/nowhere', 404],
    ])) {
      const res = await request(server.url, path, { headers: { 'If-None-Match': '*' } });
      assert.equal(res.status, status, path);
      assert.equal(res.headers.etag, undefined, path);
    }
  });

  test('a POST with If-None-Match: * is not turned into a 304', async () => {
    const res = await request(server.url, '/doc', { method: 'POST', headers: { 'If-None-Match': '*' } });
    assert.equal(res.status, 200);
  });
});
