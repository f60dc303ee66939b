// @ts-check
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { body } from '../src/lib/body.js';
import { parseForm } from '../src/lib/body-form.js';
import { ConfigError } from '../src/lib/config-loader.js';
import { defaults, readConfig } from '../src/config.js';
import { startApp } from './helpers.js';
import { startBodyApp, connect, rawRequest, answersOnNewConnection, within } from './body-helpers.js';

const FORM_TYPE = { 'Content-Type': 'application/x-www-form-urlencoded' };

describe('body: URL-encoded forms', { timeout: 10_000 }, () => {
  /** @type {Awaited<ReturnType<typeof startBodyApp>>} */
  let app;
  before(async () => {
    app = await startBodyApp({ limit: 2000, form: { parameterLimit: 8 } }, { form: parseForm });
  });
  after(() => app.close());

  /** @param {string} data @param {Record<string, string>} [headers] */
  const post = (data, headers = FORM_TYPE) => app.fetch('/', { method: 'POST', headers, body: data });

  test('parses fields into an object without a prototype; repeated names become arrays', async () => {
    const res = await post('name=Ada+Lovelace&tag=a&tag=b&tag=c&city=K%C3%B6ln&empty=&flag');
    assert.equal(res.status, 200);
    const { body: fields, nullPrototype } = await res.json();
    assert.deepEqual(fields, { name: 'Ada Lovelace', tag: ['a', 'b', 'c'], city: 'Köln', empty: '', flag: '' });
    assert.equal(nullPrototype, true);
  });

  test('what a browser sends through fetch and URLSearchParams round-trips', async () => {
    const sent = new URLSearchParams([
      ['q', 'a&b=c d'],
      ['q', '100%'],
      ['emoji', '😀'],
    ]);
    const res = await app.fetch('/', { method: 'POST', body: sent });
    assert.deepEqual((await res.json()).body, { q: ['a&b=c d', '100%'], emoji: '😀' });
  });

  test('bracket syntax stays flat, so prototype-pollution payloads are plain field names', async () => {
    const res = await post('constructor[prototype][polluted]=yes&__proto__[polluted]=yes&a[b][c]=1');
    assert.equal(res.status, 200);
    assert.deepEqual((await res.json()).body, {
      'constructor[prototype][polluted]': 'yes',
      '__proto__[polluted]': 'yes',
      'a[b][c]': '1',
    });
    assert.equal(/** @type {any} */ ({}).polluted, undefined);
  });

  test('400 for a field named __proto__, also when percent-encoded', async () => {
    for (const payload of ['__proto__=x', '%5F%5Fproto%5F%5F=x', 'a=1&__proto__=x&__proto__=y']) {
      const res = await post(payload);
      assert.equal(res.status, 400, payload);
    }
    assert.equal(/** @type {any} */ ({}).x, undefined);
  });

  test('a field called "constructor" or "toString" is ordinary data', async () => {
    const res = await post('constructor=a&toString=b&hasOwnProperty=c&constructor=d');
    assert.deepEqual((await res.json()).body, { constructor: ['a', 'd'], toString: 'b', hasOwnProperty: 'c' });
  });

  test('413 for more fields than parameterLimit, and the same connection keeps working', async () => {
    const connection = await connect(app.port);
    connection.write(rawRequest({ body: 'a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9', headers: FORM_TYPE }));
    const res = await connection.response();
    assert.equal(res.status, 413);
    assert.match(JSON.parse(res.body).message, /more than 8 fields/);
    connection.write(rawRequest({ body: 'a=1&&b=2&', headers: FORM_TYPE }));
    assert.deepEqual(JSON.parse((await connection.response()).body).body, { a: '1', b: '2' });
    connection.destroy();
  });

  test('413 as soon as more than parameterLimit fields have arrived, while the client still has bytes to send', async () => {
    for (const sent of ['a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9', '&&a&b&&c&d&e&f&g&h&&i', `a=${'x'.repeat(500)}&b&c&d&e&f&g&h&i=`]) {
      const connection = await connect(app.port);
      // The Content-Length announces 1500 bytes; the rest never comes.
      connection.write(rawRequest({ headers: { ...FORM_TYPE, 'Content-Length': 1500 } }));
      connection.write(sent);
      const res = await within(connection.response(), 2000, `answer to ${sent.length} of 1500 bytes`);
      assert.equal(res.status, 413, sent);
      assert.match(JSON.parse(res.body).message, /more than 8 fields/);
      assert.equal(res.headers.connection, 'close');
      connection.destroy();
    }
    // Empty fields do not count: eight fields in this many separators are still fine.
    assert.equal((await post('&&a=1&&b&c&d&e&f&g&h&&')).status, 200);
  });

  test('400 for broken percent-encoding', async () => {
    for (const payload of ['a=%zz', 'a=%E0%A4%A', 'a=%FF', '%=1']) {
      assert.equal((await post(payload)).status, 400, payload);
    }
  });

  test('415 for a charset other than UTF-8; UTF-8 is fine', async () => {
    for (const charset of ['iso-8859-1', 'utf-16', 'bogus']) {
      const res = await post('a=1', { 'Content-Type': `application/x-www-form-urlencoded; charset=${charset}` });
      assert.equal(res.status, 415, charset);
    }
    const utf8 = await post('a=1', { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8' });
    assert.deepEqual((await utf8.json()).body, { a: '1' });
  });

  test('415 for other media types when only forms are parsed', async () => {
    assert.equal((await post('{"a":1}', { 'Content-Type': 'application/json' })).status, 415);
  });

  test('413 for an oversized body, with Content-Length and chunked; the server keeps serving', async () => {
    const big = `a=${'x'.repeat(3000)}`;
    const connection = await connect(app.port);
    connection.write(rawRequest({ body: big, headers: FORM_TYPE }));
    assert.equal((await connection.response()).status, 413);
    connection.write(rawRequest({ chunks: [big.slice(0, 1500), big.slice(1500)], headers: FORM_TYPE }));
    assert.equal((await connection.response()).status, 413);
    connection.write(rawRequest({ body: 'after=1', headers: FORM_TYPE }));
    assert.deepEqual(JSON.parse((await connection.response()).body).body, { after: '1' });
    connection.destroy();
    assert.equal((await answersOnNewConnection(app.port)).status, 200);
  });

  test('400 for a truncated body', async () => {
    const connection = await connect(app.port);
    connection.write(rawRequest({ headers: { ...FORM_TYPE, 'Content-Length': 100 } }));
    connection.write('a=1&b=');
    connection.end();
    assert.equal((await connection.response()).status, 400);
    assert.equal((await answersOnNewConnection(app.port)).status, 200);
  });

  test('parameterLimit is checked at startup', () => {
    for (const parameterLimit of [0, -1, 2.5, '10']) {
      assert.throws(
        () => body({ ...defaults.body, form: { parameterLimit } }, { form: parseForm }),
        (err) => err instanceof ConfigError && /BODY_FORM_PARAMETER_LIMIT/.test(err.message),
      );
    }
  });
});

describe('body: forms in the generated app', { timeout: 10_000 }, () => {
  test('the app parses forms (its settings come from config.body.form)', async () => {
    assert.equal(readConfig({}).body.form.parameterLimit, 1000);
    assert.equal(readConfig({ BODY_FORM_PARAMETER_LIMIT: '20' }).body.form.parameterLimit, 20);
    const app = await startApp();
    try {
      // OPTIONS: a method CSRF protection (when chosen) lets through; no route
      // answers it here, so 404 means the body was parsed and 415 that no parser took it.
      const form = await app.fetch('/no-such-page', { method: 'OPTIONS', headers: FORM_TYPE, body: 'a=1' });
      assert.equal(form.status, 404);
      const pollution = await app.fetch('/no-such-page', { method: 'OPTIONS', headers: FORM_TYPE, body: '__proto__=1' });
      assert.equal(pollution.status, 400);
    } finally {
      await app.close();
    }
  });
});
