// @ts-check
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { readFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { body } from '../src/lib/body.js';
import { parseMultipart, sanitizeFilename, splitParts } from '../src/lib/body-multipart.js';
import { ConfigError } from '../src/lib/config-loader.js';
import { defaults, readConfig } from '../src/config.js';
import { startApp } from './helpers.js';
import { describe as describeBody, startBodyApp, connect, rawRequest, answersOnNewConnection, within } from './body-helpers.js';

const BOUNDARY = '----nodeserver-test-7MA4YWxkTrZu0gW';
const MULTIPART_TYPE = { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}` };

/**
 * @typedef {{ name?: string, filename?: string, type?: string, content?: string | Buffer, headers?: string }} Part
 */

/**
 * A multipart/form-data body as a browser would send it.
 * @param {Part[]} parts
 * @param {{ boundary?: string, close?: boolean }} [options] close: false leaves out the closing boundary
 */
function multipart(parts, { boundary = BOUNDARY, close = true } = {}) {
  const pieces = parts.map((part) => {
    const disposition =
      part.headers ??
      [`Content-Disposition: form-data; name="${part.name}"${part.filename === undefined ? '' : `; filename="${part.filename}"`}`, ...(part.type ? [`Content-Type: ${part.type}`] : [])].join(
        '\r\n',
      );
    return Buffer.concat([Buffer.from(`--${boundary}\r\n${disposition}\r\n\r\n`), Buffer.from(part.content ?? ''), Buffer.from('\r\n')]);
  });
  return Buffer.concat([...pieces, Buffer.from(close ? `--${boundary}--\r\n` : '')]);
}

/** @param {Buffer | string} data */
const sha256 = (data) => createHash('sha256').update(data).digest('hex');

/**
 * Waits until `condition` holds: file removal happens just after the response.
 * @param {() => boolean} condition
 */
async function eventually(condition) {
  for (let i = 0; i < 200 && !condition(); i++) await sleep(5);
  return condition();
}

describe('body: multipart uploads', { timeout: 20_000 }, () => {
  /** @type {Awaited<ReturnType<typeof startBodyApp>>} */
  let app;
  /** @type {string} */
  let uploadDir;
  before(async () => {
    uploadDir = mkdtempSync(join(tmpdir(), 'nodeserver-uploads-test-'));
    const settings = { uploadDir, limit: 200_000, fileSize: 50_000, files: 3, fields: 4, fieldSize: 100, parts: 6, headerSize: 512 };
    app = await startBodyApp({ multipart: settings }, { multipart: parseMultipart }, async (req, res) => {
      // What the handler sees: the fields, and each file's metadata and bytes.
      const files = await Promise.all(
        req.files.map(async (file) => {
          const bytes = await readFile(file.path);
          return { ...file, sha256: sha256(bytes), text: bytes.length < 200 ? bytes.toString('utf8') : null };
        }),
      );
      if (req.path === '/keep' && req.files[0]) await rename(req.files[0].path, join(uploadDir, 'kept'));
      res.json({ ...describeBody(req), files });
    });
  });
  after(async () => {
    await app.close();
    rmSync(uploadDir, { recursive: true, force: true });
  });

  const uploads = () => readdirSync(uploadDir).filter((name) => name !== 'kept');
  /** @param {Buffer} data @param {string} [path] */
  const post = (data, path = '/') => app.request(rawRequest({ path, body: data, headers: MULTIPART_TYPE }));

  test('fields go to req.body, files to disk under random names, listed in req.files', async () => {
    const form = new FormData();
    form.append('name', 'Ada');
    form.append('tag', 'a');
    form.append('tag', 'b');
    form.append('note', 'Köln ✓');
    form.append('doc', new Blob(['hello upload'], { type: 'text/plain' }), 'notes.txt');
    const binary = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 256));
    form.append('photo', new Blob([binary], { type: 'image/png' }), 'cat.png');
    const res = await app.fetch('/', { method: 'POST', body: form });
    assert.equal(res.status, 200);
    const result = await res.json();
    assert.deepEqual(result.body, { name: 'Ada', tag: ['a', 'b'], note: 'Köln ✓' });
    assert.equal(result.nullPrototype, true);
    const [doc, photo] = result.files;
    assert.deepEqual(
      { field: doc.field, filename: doc.filename, type: doc.type, size: doc.size, text: doc.text },
      { field: 'doc', filename: 'notes.txt', type: 'text/plain', size: 12, text: 'hello upload' },
    );
    assert.deepEqual({ field: photo.field, filename: photo.filename, type: photo.type, size: photo.size }, { field: 'photo', filename: 'cat.png', type: 'image/png', size: 3000 });
    assert.equal(photo.sha256, sha256(binary));
    for (const file of result.files) {
      assert.equal(join(uploadDir, basename(file.path)), file.path, 'written inside uploadDir');
      assert.match(basename(file.path), /^[0-9a-f-]{36}$/, "random name, not the client's");
    }
    assert.ok(await eventually(() => uploads().length === 0), 'files removed after the response');
  });

  test("the client's file name is kept only as sanitized metadata; empty file inputs are skipped", async () => {
    const names = ['../../etc/passwd', 'C:\\\\Users\\\\evil\\\\run.bat', '.htaccess', '..', 'a<b>c|d?.txt', 'tab\there.txt'];
    const res = await post(multipart([...names.slice(0, 3).map((filename) => ({ name: 'f', filename, content: 'x' })), { name: 'none', filename: '', content: '' }]));
    assert.equal(res.status, 200);
    const files = JSON.parse(res.body).files;
    assert.deepEqual(
      files.map((/** @type {any} */ f) => f.filename),
      ['passwd', 'run.bat', 'htaccess'],
    );
    assert.deepEqual(names.map(sanitizeFilename), ['passwd', 'run.bat', 'htaccess', 'file', 'abcd.txt', 'tabhere.txt']);
    assert.equal(sanitizeFilename('é'.normalize('NFD').repeat(300)).length, 200);
  });

  test('a file named only with filename* (RFC 8187) is a file, its name decoded and still sanitized', async () => {
    /** @param {string} disposition the parameters after `form-data; name="f"` */
    const filePart = (disposition) => ({ headers: `Content-Disposition: form-data; name="f"; ${disposition}`, content: 'x' });
    const cases = [
      ["filename*=UTF-8''na%C3%AFve%20file.txt", 'naïve file.txt'],
      // Both: filename* wins, filename is the fallback for older readers (RFC 6266 §4.3).
      ['filename="naive.txt"; filename*=utf-8\'en\'%E2%9C%93.txt', '✓.txt'],
      ["filename*=ISO-8859-1''caf%E9.txt", 'café.txt'],
      // Folders, a NUL and leading dots, hidden in escapes, are taken out as for every name.
      ["filename*=UTF-8''..%2F..%2Fetc%2Fpasswd", 'passwd'],
      ["filename*=UTF-8''..%5C..%5C.ssh%00%5Cauthorized_keys", 'authorized_keys'],
    ];
    for (const [disposition, filename] of cases) {
      const res = await post(multipart([filePart(disposition)]));
      assert.equal(res.status, 200, `${disposition}: ${res.body}`);
      const [file] = JSON.parse(res.body).files;
      assert.equal(file?.filename, filename, disposition);
      assert.equal(join(uploadDir, basename(file.path)), file.path, 'written inside uploadDir under a random name');
    }
    for (const disposition of ['filename*=na%C3%AFve.txt', "filename*=UTF-7''x", "filename*=UTF-8''%C3", "filename*=UTF-8''a%2"]) {
      const bad = await post(multipart([filePart(disposition)]));
      assert.equal(bad.status, 400, disposition);
      assert.match(JSON.parse(bad.body).message, /filename\*/, disposition);
    }
    assert.ok(await eventually(() => uploads().length === 0));
  });

  test('a handler keeps a file by moving it before answering', async () => {
    const res = await post(multipart([{ name: 'f', filename: 'keep.txt', content: 'kept' }]), '/keep');
    assert.equal(res.status, 200);
    assert.ok(await eventually(() => uploads().length === 0));
    assert.equal(await readFile(join(uploadDir, 'kept'), 'utf8'), 'kept');
    rmSync(join(uploadDir, 'kept'));
  });

  test('400 for a field named __proto__; bracket names are plain names; nothing is polluted', async () => {
    for (const part of [
      { name: '__proto__', content: '{"polluted":"yes"}' },
      { name: '__proto__', filename: 'x.json', content: '{}' },
    ]) {
      const res = await post(multipart([part]));
      assert.equal(res.status, 400);
    }
    const res = await post(
      multipart([
        { name: 'constructor[prototype][polluted]', content: 'yes' },
        { name: 'constructor', content: 'c' },
      ]),
    );
    assert.deepEqual(JSON.parse(res.body).body, { 'constructor[prototype][polluted]': 'yes', constructor: 'c' });
    assert.equal(/** @type {any} */ ({}).polluted, undefined);
    assert.ok(await eventually(() => uploads().length === 0));
  });

  test('413 for each limit; partial files are removed and the same connection keeps working', async () => {
    const cases = [
      { limit: 'fileSize', parts: [{ name: 'f', filename: 'big.bin', content: Buffer.alloc(60_000, 1) }] },
      { limit: 'files', parts: ['1', '2', '3', '4'].map((n) => ({ name: 'f', filename: `${n}.txt`, content: n })) },
      { limit: 'fields', parts: ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, content: name })) },
      { limit: 'fieldSize', parts: [{ name: 'long', content: 'x'.repeat(101) }] },
      { limit: 'parts', parts: [...['1', '2', '3'].map((n) => ({ name: 'f', filename: `${n}.txt`, content: n })), ...['a', 'b', 'c', 'd'].map((name) => ({ name, content: name }))] },
      { limit: 'headerSize', parts: [{ headers: `Content-Disposition: form-data; name="a"\r\nX-Padding: ${'p'.repeat(600)}`, content: 'a' }] },
    ];
    const connection = await connect(app.port);
    for (const { limit, parts } of cases) {
      connection.write(rawRequest({ body: multipart(parts), headers: MULTIPART_TYPE }));
      const res = await connection.response();
      assert.equal(res.status, 413, limit);
      assert.notEqual(res.headers.connection, 'close', limit);
    }
    connection.write(rawRequest({ body: multipart([{ name: 'after', content: 'ok' }]), headers: MULTIPART_TYPE }));
    assert.deepEqual(JSON.parse((await connection.response()).body).body, { after: 'ok' });
    connection.destroy();
    assert.ok(await eventually(() => uploads().length === 0), 'no file left behind');
  });

  test('413 at once when a limit is passed while the client still has bytes to send; then the connection closes', async () => {
    // Each body passes one limit early on; a last file of 100 kB is announced
    // (Content-Length) but never sent. Waiting for it would mean waiting for the request timeout.
    const unsent = multipart([{ name: 'rest', filename: 'rest.bin', content: Buffer.alloc(100_000, 4) }]);
    const cases = [
      { limit: 'files', parts: ['1', '2', '3', '4'].map((n) => ({ name: 'f', filename: `${n}.txt`, content: n })) },
      { limit: 'fields', parts: ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, content: name })) },
      { limit: 'fileSize', parts: [{ name: 'f', filename: 'big.bin', content: Buffer.alloc(60_000, 1) }] },
      // Longer than fieldSize by more than a delimiter: the parser holds back that much of a part's end.
      { limit: 'fieldSize', parts: [{ name: 'long', content: 'x'.repeat(200) }] },
    ];
    for (const { limit, parts } of cases) {
      const sent = multipart(parts, { close: false });
      const connection = await connect(app.port);
      connection.write(rawRequest({ headers: { ...MULTIPART_TYPE, 'Content-Length': sent.length + unsent.length } }));
      connection.write(sent);
      const res = await within(connection.response(), 2000, `answer for ${limit} while ${unsent.length} bytes are still to come`);
      assert.equal(res.status, 413, limit);
      assert.equal(res.headers.connection, 'close', limit);
      await within(connection.closed, 2000, `close after ${limit}`);
    }
    assert.ok(await eventually(() => uploads().length === 0), 'no file left behind');
  });

  test('413 for a body over the upload limit, with Content-Length (before reading) and chunked', async () => {
    const huge = await app.request(rawRequest({ headers: { ...MULTIPART_TYPE, 'Content-Length': 10_000_000 } }));
    assert.equal(huge.status, 413);
    const parts = Array.from({ length: 5 }, (_, i) => multipart([{ name: 'f', filename: `${i}.bin`, content: Buffer.alloc(45_000, 2) }]));
    const chunked = await app.request(rawRequest({ chunks: parts, headers: MULTIPART_TYPE }));
    assert.equal(chunked.status, 413);
    assert.equal((await answersOnNewConnection(app.port)).status, 200);
    assert.ok(await eventually(() => uploads().length === 0));
  });

  test('400 for broken boundaries and malformed or truncated bodies', async () => {
    const good = multipart([{ name: 'f', filename: 'a.txt', content: 'data' }]);
    const cases = [
      { why: 'no boundary parameter', type: 'multipart/form-data', data: good },
      { why: 'boundary too long', type: `multipart/form-data; boundary=${'b'.repeat(71)}`, data: good },
      { why: 'boundary with a forbidden character', type: 'multipart/form-data; boundary="a;b"', data: good },
      { why: 'boundary not in the body', type: 'multipart/form-data; boundary=other', data: good },
      { why: 'no closing boundary', type: MULTIPART_TYPE['Content-Type'], data: multipart([{ name: 'f', filename: 'a.txt', content: 'data' }], { close: false }) },
      { why: 'cut inside a file', type: MULTIPART_TYPE['Content-Type'], data: good.subarray(0, good.length - 30) },
      { why: 'text after a boundary', type: MULTIPART_TYPE['Content-Type'], data: Buffer.from(`--${BOUNDARY}garbage\r\n\r\n\r\n--${BOUNDARY}--`) },
      { why: 'no Content-Disposition', type: MULTIPART_TYPE['Content-Type'], data: multipart([{ headers: 'Content-Type: text/plain', content: 'x' }]) },
      { why: 'not form-data', type: MULTIPART_TYPE['Content-Type'], data: multipart([{ headers: 'Content-Disposition: attachment; name="a"', content: 'x' }]) },
      { why: 'no name', type: MULTIPART_TYPE['Content-Type'], data: multipart([{ headers: 'Content-Disposition: form-data; filename="a.txt"', content: 'x' }]) },
      { why: 'header without a colon', type: MULTIPART_TYPE['Content-Type'], data: multipart([{ headers: 'Content-Disposition: form-data; name="a"\r\nbroken', content: 'x' }]) },
      { why: 'field not UTF-8', type: MULTIPART_TYPE['Content-Type'], data: multipart([{ name: 'a', content: Buffer.from([0xff, 0xfe]) }]) },
      { why: 'empty multipart body', type: MULTIPART_TYPE['Content-Type'], data: Buffer.from('\r\n') },
    ];
    const connection = await connect(app.port);
    for (const { why, type, data } of cases) {
      connection.write(rawRequest({ body: data, headers: { 'Content-Type': type } }));
      const res = await connection.response();
      assert.equal(res.status, 400, why);
      assert.doesNotMatch(res.body, /at .*\.js/, 'no stack trace');
    }
    connection.write(rawRequest({ body: good, headers: MULTIPART_TYPE }));
    assert.equal((await connection.response()).status, 200);
    connection.destroy();
    assert.ok(await eventually(() => uploads().length === 0), 'no file left behind');
  });

  test('a client that aborts mid-upload leaves no file behind; the server keeps serving', async () => {
    const data = multipart([{ name: 'f', filename: 'big.bin', content: Buffer.alloc(40_000, 3) }]);
    const connection = await connect(app.port);
    connection.write(rawRequest({ headers: { ...MULTIPART_TYPE, 'Content-Length': data.length } }));
    connection.write(data.subarray(0, 20_000));
    // Wait until the server has started writing the file, then vanish.
    assert.ok(await eventually(() => uploads().length === 1));
    connection.destroy();
    assert.ok(await eventually(() => uploads().length === 0), 'partial file removed');
    assert.equal((await answersOnNewConnection(app.port)).status, 200);
  });

  test('limits are checked at startup', () => {
    /** @param {Record<string, unknown>} multipartSettings @param {string} variable */
    const refuses = (multipartSettings, variable) =>
      assert.throws(
        () => body({ ...defaults.body, multipart: multipartSettings }, { multipart: parseMultipart }),
        (err) => err instanceof ConfigError && err.message.includes(variable),
      );
    refuses({ fileSize: 0 }, 'BODY_MULTIPART_FILE_SIZE');
    refuses({ files: -1 }, 'BODY_MULTIPART_FILES');
    refuses({ fieldSize: '1kb' }, 'BODY_MULTIPART_FIELD_SIZE');
    refuses({ headerSize: 1.5 }, 'BODY_MULTIPART_HEADER_SIZE');
    refuses({ uploadDir: 42 }, 'BODY_MULTIPART_UPLOAD_DIR');
  });
});

describe('body: multipart splitting', () => {
  test('parts are found the same however the body is cut into chunks', async () => {
    // Content that looks almost like a delimiter must survive as data.
    const tricky = Buffer.from(`a\r\n--${BOUNDARY.slice(0, -1)}b\r\n-\r\n--\r`);
    const data = multipart([
      { name: 'field', content: 'value' },
      { name: 'file', filename: 'x.bin', content: tricky },
      { name: 'empty', content: '' },
    ]);
    /** @param {number} size */
    async function split(size) {
      /** @type {{ name: string, filename?: string, content: Buffer[] }[]} */
      const parts = [];
      async function* chunks() {
        for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
      }
      await splitParts(chunks(), BOUNDARY, 1024, {
        start: async (headers) => void parts.push({ name: headers.name, filename: headers.filename, content: [] }),
        data: async (bytes) => void parts.at(-1)?.content.push(Buffer.from(bytes)),
        end: async () => {},
      });
      return parts.map((p) => ({ name: p.name, filename: p.filename, content: Buffer.concat(p.content).toString('latin1') }));
    }
    const expected = [
      { name: 'field', filename: undefined, content: 'value' },
      { name: 'file', filename: 'x.bin', content: tricky.toString('latin1') },
      { name: 'empty', filename: undefined, content: '' },
    ];
    for (const size of [1, 2, 3, 5, 7, 13, 64, data.length]) assert.deepEqual(await split(size), expected, `chunks of ${size}`);
  });
});

// A guard against a hang, not a speed limit: with a full collection every
// 25 ms, 44 MB take a few seconds on an idle machine and far longer on a busy one.
describe('body: large uploads', { timeout: 180_000 }, () => {
  test('a 40 MB upload is streamed to disk: memory grows by far less than the upload', async () => {
    // V8 collects garbage (here: the chunks already written to disk) when it
    // sees fit, so RSS would also count what is merely waiting to be collected.
    // Collecting every few milliseconds makes RSS show what the parser keeps.
    v8.setFlagsFromString('--expose-gc');
    const gc = /** @type {() => void} */ (vm.runInNewContext('gc'));
    const uploadDir = mkdtempSync(join(tmpdir(), 'nodeserver-uploads-test-'));
    const size = 40 * 1024 * 1024;
    let baseline = 0;
    const big = await startBodyApp({ multipart: { uploadDir, limit: size + 10_000, fileSize: size } }, { multipart: parseMultipart }, (req, res) => {
      res.json({ size: req.files[0]?.size, onDisk: existsSync(req.files[0]?.path ?? ''), growth: process.memoryUsage().rss - baseline });
    });
    // One 64 KiB chunk sent again and again: the client holds no copy of the upload either.
    const chunk = Buffer.alloc(64 * 1024, 7);
    /** @param {number} bytes @returns {Promise<any>} */
    const upload = (bytes) =>
      new Promise((resolve, reject) => {
        const head = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
        const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
        const req = http.request(`${big.url}/`, { method: 'POST', headers: { ...MULTIPART_TYPE, 'Content-Length': head.length + bytes + tail.length } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (piece) => (text += piece));
          res.on('end', () => resolve(JSON.parse(text)));
        });
        req.on('error', reject);
        let sent = 0;
        const write = () => {
          while (sent < bytes) {
            sent += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', write);
          }
          req.end(tail);
        };
        req.write(head);
        write();
      });
    const collecting = setInterval(gc, 25);
    try {
      // A small upload first, so that compiled code and buffers of the first request are not counted.
      await upload(4 * 1024 * 1024);
      gc();
      baseline = process.memoryUsage().rss;
      const result = await upload(size);
      assert.equal(result.size, size);
      assert.equal(result.onDisk, true);
      // Keeping the upload in memory grows by the whole 40 MB; streaming stays at socket and
      // stream buffers, which a busy machine (slow disk writes) can push past 10 MB.
      assert.ok(result.growth < size / 2, `memory grew by ${Math.round(result.growth / 1048576)} MB for a ${size / 1048576} MB upload`);
      assert.ok(await eventually(() => readdirSync(uploadDir).length === 0), 'file removed after the response');
    } finally {
      clearInterval(collecting);
      await big.close();
      rmSync(uploadDir, { recursive: true, force: true });
    }
  });
});

describe('body: uploads in the generated app', { timeout: 10_000 }, () => {
  test('the app parses multipart bodies (its settings come from config.body.multipart)', async () => {
    assert.equal(readConfig({}).body.multipart.fileSize, 10_485_760);
    assert.equal(readConfig({ BODY_MULTIPART_FILES: '3' }).body.multipart.files, 3);
    const uploadDir = mkdtempSync(join(tmpdir(), 'nodeserver-uploads-test-'));
    const app = await startApp({ body: { multipart: { uploadDir } } });
    try {
      const form = new FormData();
      form.append('f', new Blob(['x']), 'x.txt');
      // OPTIONS: a method CSRF protection (when chosen) lets through; no route
      // answers it here, so 404 means the body was parsed and 415 that no parser took it.
      const res = await app.fetch('/no-such-page', { method: 'OPTIONS', body: form });
      assert.equal(res.status, 404);
      assert.ok(await eventually(() => readdirSync(uploadDir).length === 0), 'upload removed after the response');
    } finally {
      await app.close();
      rmSync(uploadDir, { recursive: true, force: true });
    }
  });
});
