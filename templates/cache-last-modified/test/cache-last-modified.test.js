// @ts-check
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, listen, request } from './helpers.js';
import { createApp } from '../src/lib/pipeline.js';

// Conditional requests go through `request()` (node:http): fetch would add
// `Cache-Control: no-cache` to them, which rightly forces a full answer.

const BODY = 'last modified body\n';
// Half a second past the full second: HTTP dates have whole seconds only.
const MTIME = new Date('2024-10-01T10:00:00.500Z');
const HEADER = 'Tue, 01 Oct 2024 10:00:00 GMT';
const EARLIER = 'Mon, 30 Sep 2024 10:00:00 GMT';
const LATER = 'Wed, 02 Oct 2024 10:00:00 GMT';

describe('Last-Modified on static files', () => {
  /** @type {Awaited<ReturnType<typeof startApp>>} */
  let app;
  /** @type {string} */
  let dir;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cache-last-modified-test-'));
    mkdirSync(join(dir, 'public'));
    writeFileSync(join(dir, 'public', 'file.txt'), BODY);
    utimesSync(join(dir, 'public', 'file.txt'), MTIME, MTIME);
    app = await startApp({ static: { root: join(dir, 'public') } });
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a file carries its modification time as an HTTP date', async () => {
    const res = await request(app.url, '/file.txt');
    assert.equal(res.status, 200);
    assert.equal(res.headers['last-modified'], HEADER);
  });

  test('If-Modified-Since at or after that time is a 304 without body', async () => {
    for (const since of [HEADER, LATER]) {
      const res = await request(app.url, '/file.txt', { headers: { 'If-Modified-Since': since } });
      assert.equal(res.status, 304, since);
      assert.equal(res.body.length, 0, since);
      assert.equal(res.headers['last-modified'], HEADER, since);
    }
    const head = await request(app.url, '/file.txt', { method: 'HEAD', headers: { 'If-Modified-Since': HEADER } });
    assert.equal(head.status, 304);
  });

  test('If-Modified-Since before the change, or not a date, gets the file', async () => {
    for (const since of [EARLIER, 'yesterday', '']) {
      const res = await request(app.url, '/file.txt', { headers: { 'If-Modified-Since': since } });
      assert.equal(res.status, 200, since);
      assert.equal(res.body.toString(), BODY, since);
    }
  });

  test('If-None-Match takes precedence: a non-matching tag means 200 even if unmodified', async () => {
    const res = await request(app.url, '/file.txt', { headers: { 'If-None-Match': '"some-other-version"', 'If-Modified-Since': LATER } });
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), BODY);
  });

  test('Cache-Control: no-cache in the request bypasses the 304', async () => {
    const res = await request(app.url, '/file.txt', { headers: { 'If-Modified-Since': LATER, 'Cache-Control': 'no-cache' } });
    assert.equal(res.status, 200);
  });

  test('If-Range with the exact date allows a range; any other date sends it all', async () => {
    const partial = await request(app.url, '/file.txt', { headers: { Range: 'bytes=0-3', 'If-Range': HEADER } });
    assert.equal(partial.status, 206);
    assert.equal(partial.body.toString(), 'last');
    for (const date of [EARLIER, LATER]) {
      const full = await request(app.url, '/file.txt', { headers: { Range: 'bytes=0-3', 'If-Range': date } });
      assert.equal(full.status, 200, date);
      assert.equal(full.body.toString(), BODY, date);
    }
  });

  test('If-Unmodified-Since before the change is a 412; at or after it, 200', async () => {
    const failed = await request(app.url, '/file.txt', { headers: { 'If-Unmodified-Since': EARLIER } });
    assert.equal(failed.status, 412);
    assert.equal(failed.headers['last-modified'], undefined);
    const ok = await request(app.url, '/file.txt', { headers: { 'If-Unmodified-Since': HEADER } });
    assert.equal(ok.status, 200);
  });

  test('a touched file is sent again', async () => {
    const file = join(dir, 'public', 'file.txt');
    const later = new Date('2024-10-03T10:00:00Z');
    utimesSync(file, later, later);
    try {
      const res = await request(app.url, '/file.txt', { headers: { 'If-Modified-Since': HEADER } });
      assert.equal(res.status, 200);
      assert.equal(res.headers['last-modified'], later.toUTCString());
    } finally {
      utimesSync(file, MTIME, MTIME);
    }
  });

  test('errors carry no Last-Modified', async () => {
    const res = await request(app.url, '/missing.txt', { headers: { 'If-Modified-Since': LATER } });
    assert.equal(res.status, 404);
    assert.equal(res.headers['last-modified'], undefined);
  });
});

describe('Last-Modified set by a handler', () => {
  test('res.send() honours If-Modified-Since against it', async () => {
    const app = createApp({ env: 'test' });
    app.use((_req, res) => {
      res.setHeader('Last-Modified', HEADER);
      res.send('report');
    });
    const server = await listen(app);
    try {
      const fresh = await request(server.url, '/report', { headers: { 'If-Modified-Since': HEADER } });
      assert.equal(fresh.status, 304);
      assert.equal(fresh.body.length, 0);
      const stale = await request(server.url, '/report', { headers: { 'If-Modified-Since': EARLIER } });
      assert.equal(stale.status, 200);
      assert.equal(stale.body.toString(), 'report');
      const post = await request(server.url, '/report', { method: 'POST', headers: { 'If-Modified-Since': LATER } });
      assert.equal(post.status, 200);
    } finally {
      await server.close();
    }
  });
});
