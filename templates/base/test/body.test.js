// @ts-check
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createApp } from '../src/lib/pipeline.js';
import { body, parseJson } from '../src/lib/body.js';
import { ConfigError } from '../src/lib/config-loader.js';
import { HttpError } from '../src/lib/http-error.js';
import { defaults } from '../src/config.js';
import { listen } from './helpers.js';
import { startBodyApp, connect, rawRequest, answersOnNewConnection, chunk, within, echo } from './body-helpers.js';

const JSON_TYPE = { 'Content-Type': 'application/json' };

describe('body: JSON', { timeout: 10_000 }, () => {
  /** @type {Awaited<ReturnType<typeof startBodyApp>>} */
  let app;
  before(async () => {
    app = await startBodyApp({ limit: 1024 }, { json: parseJson });
  });
  after(() => app.close());

  /** @param {string} data @param {Record<string, string>} [headers] */
  const post = (data, headers = JSON_TYPE) => app.fetch('/', { method: 'POST', headers, body: data });

  test('parses a JSON object into req.body', async () => {
    const res = await post('{"name":"Ada","tags":["a","b"],"nested":{"n":1}}');
    assert.equal(res.status, 200);
    assert.deepEqual((await res.json()).body, { name: 'Ada', tags: ['a', 'b'], nested: { n: 1 } });
  });

  test('accepts +json types, upper-case types, a UTF-8 charset and a byte order mark', async () => {
    for (const type of ['application/ld+json', 'Application/JSON', 'application/json; charset=UTF-8', 'application/json;charset="utf-8"']) {
      const res = await post('\uFEFF{"ok":true}', { 'Content-Type': type });
      assert.equal(res.status, 200, type);
      assert.deepEqual((await res.json()).body, { ok: true });
    }
  });

  test('parses bodies of DELETE and other methods, but never GET or HEAD', async () => {
    const deleted = await app.fetch('/', { method: 'DELETE', headers: JSON_TYPE, body: '{"id":1}' });
    assert.deepEqual((await deleted.json()).body, { id: 1 });

    const connection = await connect(app.port);
    connection.write(rawRequest({ method: 'GET', body: '{"ignored":true}', headers: JSON_TYPE }));
    const get = await connection.response();
    assert.equal(get.status, 200);
    assert.equal(JSON.parse(get.body).body, '(undefined)');
    // The unread GET body was thrown away: the next request on the connection is read correctly.
    connection.write(rawRequest({ body: '{"after":"get"}', headers: JSON_TYPE }));
    assert.deepEqual(JSON.parse((await connection.response()).body).body, { after: 'get' });
    connection.destroy();
  });

  test('a request without a body leaves req.body undefined', async () => {
    for (const headers of [JSON_TYPE, { ...JSON_TYPE, 'Content-Length': '0' }, {}]) {
      const res = await app.fetch('/', { method: 'POST', headers });
      assert.equal((await res.json()).body, '(undefined)');
    }
    const chunkedEmpty = await app.request(rawRequest({ chunks: [], headers: JSON_TYPE }));
    assert.equal(JSON.parse(chunkedEmpty.body).body, '(undefined)');
  });

  test('415 for a missing, malformed or unsupported Content-Type', async () => {
    const missing = await app.request(rawRequest({ body: '{"a":1}' }));
    assert.equal(missing.status, 415);
    for (const type of ['text/csv', 'application/xml', 'json', 'application/json; charset', 'application/json; a=1; a=2']) {
      const res = await post('{"a":1}', { 'Content-Type': type });
      assert.equal(res.status, 415, type);
    }
    const listed = await (await post('a,b', { 'Content-Type': 'text/csv' })).json();
    assert.match(listed.message, /accepted: application\/json, \+json/);
  });

  test('415 for charsets other than UTF-8 and for unknown charsets', async () => {
    for (const charset of ['latin1', 'utf-16le', 'no-such-charset']) {
      const res = await post('{"a":1}', { 'Content-Type': `application/json; charset=${charset}` });
      assert.equal(res.status, 415, charset);
      assert.match((await res.json()).message, /charset/);
    }
  });

  test('415 for a UTF-16 byte order mark, even under a UTF-8 label: JSON is UTF-8 (RFC 8259 §8.1)', async () => {
    const bodies = [Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('{"a":1}', 'utf16le').swap16()]), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"a":1}', 'utf16le')])];
    for (const data of bodies) {
      const res = await app.request(rawRequest({ body: data, headers: { 'Content-Type': 'application/json; charset=utf-8' } }));
      assert.equal(res.status, 415);
      assert.match(JSON.parse(res.body).message, /utf-16.e" \(from the byte order mark\); accepted: utf-8/);
    }
  });

  test('415 for compressed bodies', async () => {
    const res = await post('{"a":1}', { ...JSON_TYPE, 'Content-Encoding': 'gzip' });
    assert.equal(res.status, 415);
  });

  test('400 for malformed JSON, and the same connection keeps working', async () => {
    const connection = await connect(app.port);
    for (const bad of ['{"a":', '{a:1}', "{'a':1}", '[1,]', '{"a":1}}']) {
      connection.write(rawRequest({ body: bad, headers: JSON_TYPE }));
      const res = await connection.response();
      assert.equal(res.status, 400, bad);
      assert.match(JSON.parse(res.body).message, /^Malformed JSON/);
      assert.doesNotMatch(res.body, /at .*\.js/, 'no stack trace');
    }
    connection.write(rawRequest({ body: '{"still":"open"}', headers: JSON_TYPE }));
    assert.deepEqual(JSON.parse((await connection.response()).body).body, { still: 'open' });
    connection.destroy();
  });

  test('400 for bytes that are not valid UTF-8', async () => {
    const res = await app.request(rawRequest({ body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), headers: JSON_TYPE }));
    assert.equal(res.status, 400);
    assert.match(JSON.parse(res.body).message, /not valid utf-8/);
  });

  test('strict mode: only objects and arrays at the top level', async () => {
    for (const value of ['"text"', '42', 'true', 'null']) {
      assert.equal((await post(value)).status, 400, value);
    }
    assert.deepEqual((await (await post(' [1,2]')).json()).body, [1, 2]);
    const lenient = await startBodyApp({ json: { strict: false } }, { json: parseJson });
    try {
      const res = await lenient.fetch('/', { method: 'POST', headers: JSON_TYPE, body: '"text"' });
      assert.equal((await res.json()).body, 'text');
    } finally {
      await lenient.close();
    }
  });

  test('400 for __proto__ and constructor.prototype keys anywhere; nothing is polluted', async () => {
    const payloads = [
      '{"__proto__":{"polluted":"yes"}}',
      '{"a":{"b":[{"__proto__":{"polluted":"yes"}}]}}',
      '{"\\u005f_proto__":{"polluted":"yes"}}',
      '{"constructor":{"prototype":{"polluted":"yes"}}}',
      '[{"x":{"constructor":{"prototype":{"polluted":"yes"}}}}]',
    ];
    for (const payload of payloads) {
      const res = await post(payload);
      assert.equal(res.status, 400, payload);
      assert.match((await res.json()).message, /__proto__/);
    }
    assert.equal(/** @type {any} */ ({}).polluted, undefined);
    // A plain "constructor" key is ordinary data.
    assert.deepEqual((await (await post('{"constructor":"Ada"}')).json()).body, { constructor: 'Ada' });
  });

  test('deeply nested JSON neither crashes nor hangs the server', async () => {
    const deep = await startBodyApp({}, { json: parseJson }, (req, res) => res.json({ isArray: Array.isArray(req.body) }));
    try {
      const nested = '['.repeat(100_000) + ']'.repeat(100_000);
      const res = await deep.fetch('/', { method: 'POST', headers: JSON_TYPE, body: nested });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { isArray: true });
    } finally {
      await deep.close();
    }
  });
});

describe('body: limits, aborts and keep-alive', { timeout: 10_000 }, () => {
  /** @type {Awaited<ReturnType<typeof startBodyApp>>} */
  let app;
  let handled = 0;
  before(async () => {
    app = await startBodyApp({ limit: 1000 }, { json: parseJson }, (req, res) => {
      handled += 1;
      res.json({ body: req.body });
    });
  });
  after(() => app.close());

  const bigJson = (/** @type {number} */ size) => `{"a":"${'x'.repeat(size - 8)}"}`;

  test('413 from Content-Length before reading; a body sent in one piece is thrown away and the connection kept', async () => {
    const connection = await connect(app.port);
    connection.write(rawRequest({ body: bigJson(3000), headers: JSON_TYPE }));
    const res = await connection.response();
    assert.equal(res.status, 413);
    assert.match(JSON.parse(res.body).message, /limit of 1000 bytes/);
    assert.notEqual(res.headers.connection, 'close');
    connection.write(rawRequest({ body: '{"next":1}', headers: JSON_TYPE }));
    assert.deepEqual(JSON.parse((await connection.response()).body).body, { next: 1 });
    connection.destroy();
  });

  test('413 from Content-Length with a large rest: answered at once, connection closed', async () => {
    const connection = await connect(app.port);
    // Only the head is sent: the answer must not wait for 10 MB that never come.
    connection.write(rawRequest({ headers: { ...JSON_TYPE, 'Content-Length': 10_000_000 } }));
    const res = await connection.response();
    assert.equal(res.status, 413);
    assert.equal(res.headers.connection, 'close');
    await connection.closed;
    assert.equal((await answersOnNewConnection(app.port)).status, 200);
  });

  test('413 while reading a chunked body sent in one piece; the connection is kept', async () => {
    const connection = await connect(app.port);
    connection.write(rawRequest({ chunks: ['{"a":"', 'x'.repeat(600), 'x'.repeat(600), '"}'], headers: JSON_TYPE }));
    const res = await connection.response();
    assert.equal(res.status, 413);
    assert.notEqual(res.headers.connection, 'close');
    connection.write(rawRequest({ chunks: ['{"next":', '2}'], headers: JSON_TYPE }));
    assert.deepEqual(JSON.parse((await connection.response()).body).body, { next: 2 });
    connection.destroy();
  });

  test('413 while reading an endless chunked body: connection closed, server keeps serving', async () => {
    const connection = await connect(app.port);
    const head = rawRequest({ headers: { ...JSON_TYPE, 'Transfer-Encoding': 'chunked' } });
    connection.write(head);
    const kilobyte = chunk(Buffer.alloc(1024, 'x'));
    // Over the limit, never terminated.
    for (let i = 0; i < 8; i++) connection.write(kilobyte);
    const res = await connection.response();
    assert.equal(res.status, 413);
    assert.equal(res.headers.connection, 'close');
    await connection.closed;
    assert.equal((await answersOnNewConnection(app.port)).status, 200);
  });

  test('a refusal never waits for the rest of the body: answered at once, then the connection closes', async () => {
    const cases = [
      // A little over the limit, and not one byte of the body sent yet.
      { why: 'Content-Length over the limit', status: 413, bytes: rawRequest({ headers: { ...JSON_TYPE, 'Content-Length': 1500 } }) },
      // The first chunk alone is over the limit; the rest, and the last chunk, never come.
      {
        why: 'a first chunk over the limit',
        status: 413,
        bytes: Buffer.concat([rawRequest({ headers: { ...JSON_TYPE, 'Transfer-Encoding': 'chunked' } }), chunk(`{"a":"${'x'.repeat(1200)}`)]),
      },
      {
        why: 'a media type no parser reads',
        status: 415,
        bytes: Buffer.concat([rawRequest({ headers: { 'Content-Type': 'text/csv', 'Content-Length': 500 } }), Buffer.from('a,b\n')]),
      },
    ];
    for (const { why, status, bytes } of cases) {
      const connection = await connect(app.port);
      connection.write(bytes);
      // Without the fix the answer waits for the body, that is for the request timeout.
      const res = await within(connection.response(), 2000, `answer to ${why} while the client still holds the body`);
      assert.equal(res.status, status, why);
      assert.equal(res.headers.connection, 'close', why);
      await within(connection.closed, 2000, `close after ${why}`);
    }
    assert.equal((await answersOnNewConnection(app.port)).status, 200);
  });

  test('a client that aborts mid-body never reaches the handler; the server keeps serving', async () => {
    const before = handled;
    const connection = await connect(app.port);
    connection.write(rawRequest({ headers: { ...JSON_TYPE, 'Content-Length': 500 } }));
    connection.write('{"a":"only part');
    connection.destroy();
    await connection.closed;
    assert.equal((await answersOnNewConnection(app.port)).status, 200);
    assert.equal(handled, before + 1, 'only the follow-up request was handled');
  });

  test('400 when the client stops sending before Content-Length is reached', async () => {
    const before = handled;
    const connection = await connect(app.port);
    connection.write(rawRequest({ headers: { ...JSON_TYPE, 'Content-Length': 500 } }));
    connection.write('{"a":"short"}');
    connection.end();
    const res = await connection.response();
    assert.equal(res.status, 400);
    await connection.closed;
    assert.equal((await answersOnNewConnection(app.port)).status, 200);
    assert.equal(handled, before + 1, 'the cut-off request never reached the handler');
  });

  test('a format can set its own limit', async () => {
    const own = await startBodyApp({ limit: 100_000, json: { limit: 10 } }, { json: parseJson });
    try {
      const res = await own.fetch('/', { method: 'POST', headers: JSON_TYPE, body: '{"a":"0123456789"}' });
      assert.equal(res.status, 413);
    } finally {
      await own.close();
    }
  });
});

describe('body: Expect: 100-continue (RFC 9110 §10.1.1)', { timeout: 10_000 }, () => {
  /** @type {Awaited<ReturnType<typeof listen>>} */
  let app;
  before(async () => {
    const built = createApp({ env: 'test', logError: () => {} });
    // Stands for authentication or a CSRF check: it refuses before the body is read.
    built.use((req, _res, next) => {
      if (req.headers.authorization !== 'Bearer letmein') throw new HttpError(401);
      next();
    });
    built.use(body({ ...defaults.body, limit: 1000 }, { json: parseJson }));
    built.use(echo);
    app = await listen(built);
  });
  after(() => app.close());

  const AUTHORIZED = { ...JSON_TYPE, Authorization: 'Bearer letmein', Expect: '100-continue' };

  test('the 100 comes when the body parser reads, then the body is parsed', async () => {
    const data = '{"sent":"after 100"}';
    const connection = await connect(app.port);
    try {
      connection.write(rawRequest({ headers: { ...AUTHORIZED, 'Content-Length': data.length } }));
      const interim = await within(connection.next(), 2000, '100 Continue');
      assert.equal(interim.status, 100);
      connection.write(data);
      const res = await connection.response();
      assert.equal(res.status, 200);
      assert.deepEqual(JSON.parse(res.body).body, { sent: 'after 100' });
    } finally {
      connection.destroy();
    }
  });

  test('no 100 for a request refused before its body is read: by size, media type or earlier middleware', async () => {
    const cases = [
      { why: 'Content-Length over the limit', status: 413, headers: { ...AUTHORIZED, 'Content-Length': 5000 } },
      { why: 'a media type no parser reads', status: 415, headers: { ...AUTHORIZED, 'Content-Type': 'text/csv', 'Content-Length': 10 } },
      { why: 'a middleware before the body parser', status: 401, headers: { ...JSON_TYPE, Expect: '100-continue', 'Content-Length': 10 } },
    ];
    for (const { why, status, headers } of cases) {
      const connection = await connect(app.port);
      try {
        // The client holds the body back until it sees 100, as curl and browsers do.
        connection.write(rawRequest({ headers }));
        const res = await within(connection.response(), 2000, `answer to ${why}`);
        assert.equal(res.status, status, why);
        assert.deepEqual(connection.interim, [], `no interim response before the ${status} (${why})`);
        // The body will not come: the connection cannot carry another request.
        assert.equal(res.headers.connection, 'close', why);
      } finally {
        connection.destroy();
      }
    }
  });
});

describe('body: after other middleware', { timeout: 10_000 }, () => {
  test('a body an earlier middleware has parsed or read is left alone', async () => {
    const app = createApp({ env: 'test' });
    app.use(async (req, _res, next) => {
      if (req.path === '/parsed') req.body = { from: 'earlier middleware' };
      if (req.path === '/read') for await (const _chunk of req);
      next();
    });
    app.use(body(defaults.body, { json: parseJson }));
    app.use((req, res) => res.json({ body: req.body ?? '(undefined)' }));
    const server = app.createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
    try {
      for (const [path, expected] of [
        ['/parsed', { from: 'earlier middleware' }],
        ['/read', '(undefined)'],
      ]) {
        const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: JSON_TYPE, body: '{"a":1}' });
        assert.equal(res.status, 200, String(path));
        assert.deepEqual((await res.json()).body, expected);
      }
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('body: settings', { timeout: 10_000 }, () => {
  test('bad settings are refused at startup with the setting to fix', () => {
    /** @param {Record<string, unknown>} settings @param {RegExp} message */
    const refuses = (settings, message) =>
      assert.throws(
        () => body({ ...defaults.body, ...settings }, { json: parseJson }),
        (err) => err instanceof ConfigError && message.test(err.message),
      );
    refuses({ limit: -1 }, /BODY_LIMIT/);
    refuses({ limit: '1mb' }, /BODY_LIMIT/);
    refuses({ json: { strict: 'yes' } }, /BODY_JSON_STRICT/);
    refuses({ json: { types: ['not a type'] } }, /BODY_JSON_TYPES/);
    refuses({ json: { limit: -5 } }, /BODY_JSON_LIMIT/);
    refuses({ json: 'fast' }, /body\.json/);
  });

  test('the default configuration is accepted', () => {
    assert.equal(typeof body(defaults.body, { json: parseJson }), 'function');
  });
});
