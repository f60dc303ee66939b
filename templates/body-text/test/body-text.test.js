// @ts-check
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { body } from '../src/lib/body.js';
import { parseText } from '../src/lib/body-text.js';
import { ConfigError } from '../src/lib/config-loader.js';
import { defaults, readConfig } from '../src/config.js';
import { startApp } from './helpers.js';
import { startBodyApp, connect, rawRequest, answersOnNewConnection } from './body-helpers.js';

const TEXT_TYPE = { 'Content-Type': 'text/plain' };

describe('body: plain text', { timeout: 10_000 }, () => {
  /** @type {Awaited<ReturnType<typeof startBodyApp>>} */
  let app;
  before(async () => {
    app = await startBodyApp({ limit: 1000, text: { types: ['text/plain', 'text/csv'] } }, { text: parseText });
  });
  after(() => app.close());

  /** @param {string | Buffer} data @param {Record<string, string>} [headers] */
  const send = async (data, headers = TEXT_TYPE) => app.request(rawRequest({ body: data, headers }));

  test('text/plain arrives as a string, exactly as sent', async () => {
    const text = '  line one\r\nline two: ✓ {"not":"json"}\n';
    const res = await send(text);
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.body).body, text);
  });

  test('the configured types are read as text too; others are 415', async () => {
    assert.equal(JSON.parse((await send('a,b\n1,2', { 'Content-Type': 'text/csv' })).body).body, 'a,b\n1,2');
    for (const type of ['text/html', 'application/json', 'application/octet-stream']) {
      assert.equal((await send('x', { 'Content-Type': type })).status, 415, type);
    }
  });

  test('decodes the declared charset', async () => {
    for (const charset of ['iso-8859-1', 'latin1', 'LATIN1']) {
      const latin1 = await send(Buffer.from([0x63, 0x61, 0x66, 0xe9]), { 'Content-Type': `text/plain; charset=${charset}` });
      assert.equal(JSON.parse(latin1.body).body, 'café', charset);
    }
    const utf16 = await send(Buffer.from('héllo', 'utf16le'), { 'Content-Type': 'text/plain; charset=utf-16le' });
    assert.equal(JSON.parse(utf16.body).body, 'héllo');
    const utf8 = await send(Buffer.from('héllo ✓'), { 'Content-Type': 'text/plain; charset="UTF-8"' });
    assert.equal(JSON.parse(utf8.body).body, 'héllo ✓');
  });

  test('a byte order mark names the charset (UTF-8, UTF-16LE, UTF-16BE), even against the label, and is removed', async () => {
    const text = 'naïve ✓ 𝄞';
    const utf16le = Buffer.from(text, 'utf16le');
    const utf16be = Buffer.from(utf16le).swap16();
    const cases = [
      { why: 'UTF-16BE, no charset', type: 'text/plain', bytes: Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be]) },
      // TextDecoder reads the label utf-16 as little-endian: only the mark tells big-endian apart.
      { why: 'UTF-16BE, charset=utf-16', type: 'text/plain; charset=utf-16', bytes: Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be]) },
      { why: 'UTF-16BE, charset=utf-16le', type: 'text/plain; charset=utf-16le', bytes: Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be]) },
      { why: 'UTF-16LE, no charset', type: 'text/plain', bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le]) },
      { why: 'UTF-8, charset=iso-8859-1', type: 'text/plain; charset=iso-8859-1', bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]) },
      { why: 'UTF-8, no charset', type: 'text/plain', bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]) },
    ];
    for (const { why, type, bytes } of cases) {
      const res = await send(bytes, { 'Content-Type': type });
      assert.equal(res.status, 200, why);
      assert.equal(JSON.parse(res.body).body, text, why);
    }
    // A mark, then bytes that do not fit it (an odd number for UTF-16): 400, not a guess.
    const odd = await send(Buffer.from([0xfe, 0xff, 0x00, 0x61, 0x00]), TEXT_TYPE);
    assert.equal(odd.status, 400);
  });

  test('415 for an unknown charset, 400 for bytes that are not valid in the charset', async () => {
    assert.equal((await send('x', { 'Content-Type': 'text/plain; charset=klingon' })).status, 415);
    const invalid = await send(Buffer.from([0x61, 0xc3, 0x28]), { 'Content-Type': 'text/plain; charset=utf-8' });
    assert.equal(invalid.status, 400);
  });

  test('413 for an oversized body, with Content-Length and chunked; the same connection keeps working', async () => {
    const big = 'x'.repeat(1500);
    const connection = await connect(app.port);
    connection.write(rawRequest({ body: big, headers: TEXT_TYPE }));
    assert.equal((await connection.response()).status, 413);
    connection.write(rawRequest({ chunks: [big.slice(0, 700), big.slice(700)], headers: TEXT_TYPE }));
    assert.equal((await connection.response()).status, 413);
    connection.write(rawRequest({ body: 'after', headers: TEXT_TYPE }));
    assert.equal(JSON.parse((await connection.response()).body).body, 'after');
    connection.destroy();
    assert.equal((await answersOnNewConnection(app.port)).status, 200);
  });

  test('400 for a truncated body', async () => {
    const connection = await connect(app.port);
    connection.write(rawRequest({ headers: { ...TEXT_TYPE, 'Content-Length': 100 } }));
    connection.write('only a part');
    connection.end();
    assert.equal((await connection.response()).status, 400);
    assert.equal((await answersOnNewConnection(app.port)).status, 200);
  });

  test('the list of types is checked at startup', () => {
    for (const types of [[], ['plain'], 'text/plain', [42]]) {
      assert.throws(
        () => body({ ...defaults.body, text: { types } }, { text: parseText }),
        (err) => err instanceof ConfigError && err.message.includes('BODY_TEXT_TYPES'),
      );
    }
  });
});

describe('body: text in the generated app', { timeout: 10_000 }, () => {
  test('the app reads text/plain (its types come from config.body.text)', async () => {
    assert.deepEqual(readConfig({}).body.text.types, ['text/plain']);
    assert.deepEqual(readConfig({ BODY_TEXT_TYPES: 'text/plain,text/csv' }).body.text.types, ['text/plain', 'text/csv']);
    const app = await startApp();
    try {
      // OPTIONS: a method CSRF protection (when chosen) lets through; no route
      // answers it here, so 404 means the body was parsed and 415 that no parser took it.
      const res = await app.fetch('/no-such-page', { method: 'OPTIONS', headers: TEXT_TYPE, body: 'hello' });
      assert.equal(res.status, 404);
    } finally {
      await app.close();
    }
  });
});
