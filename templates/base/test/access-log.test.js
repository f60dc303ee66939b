// @ts-check
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/lib/pipeline.js';
import { accessLog, cleanUrl, errorLog } from '../src/lib/access-log.js';
import { ConfigError } from '../src/lib/config-loader.js';
import { startApp } from './helpers.js';

/** @param {string} path */
function readLines(path) {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
}

/**
 * Lines are written asynchronously: wait until `count` are there.
 * @param {string} path
 * @param {number} count
 */
async function waitForLines(path, count) {
  for (let i = 0; i < 1000; i++) {
    const lines = readLines(path);
    if (lines.length >= count) return lines;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${path} never got ${count} lines: ${JSON.stringify(readLines(path))}`);
}

/**
 * A small app of its own: the access and error logs around handlers made for these tests.
 * @param {import('node:test').TestContext} t
 * @param {import('../src/lib/pipeline.js').Middleware} handler
 */
async function startLoggedApp(t, handler) {
  const dir = mkdtempSync(join(tmpdir(), 'nodeserver-access-log-test-'));
  const settings = { dir, access: true, errorsToStderr: false, maxSize: 0, daily: false, maxFiles: 0 };
  const app = createApp({ env: 'test', logError: errorLog(settings) });
  app.use(accessLog(settings));
  app.use(handler);
  const server = app.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  t.after(() => {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return { url: `http://127.0.0.1:${port}`, port, access: join(dir, 'access.log'), errors: join(dir, 'error.log') };
}

test('one line per request: time, request id, method, URL, status, duration, bytes', async (t) => {
  const app = await startApp();
  t.after(() => app.close());
  const health = await app.fetch('/health?probe=1');
  const body = await health.text();
  assert.equal((await app.fetch('/no-such-page')).status, 404);
  const lines = await waitForLines(join(app.config.log.dir, 'access.log'), 2);
  const fields = /^(\S+) (\S+) (\S+) (\S+) (\d{3}) (\d+\.\d)ms (\d+)$/;
  const [first, second] = lines.map((line) => fields.exec(line));
  assert.ok(first && second, lines.join('\n'));
  assert.ok(!Number.isNaN(Date.parse(first[1])), 'an ISO time');
  assert.match(first[2], /^[0-9a-f-]{36}$/);
  assert.deepEqual(first.slice(3, 6), ['GET', '/health?probe=1', '200']);
  assert.ok(Number(first[7]) > Buffer.byteLength(body), 'bytes on the wire: headers and body');
  assert.deepEqual(second.slice(3, 6), ['GET', '/no-such-page', '404']);
});

test('a URL cannot forge lines or terminal escapes, and a long one is cut', async (t) => {
  // Node's HTTP parser already refuses control characters and raw bytes in
  // a URL (400); the log does not rely on it and encodes them anyway.
  assert.equal(cleanUrl('/caf\u00e9\u007f\n2024-01-01 fake line\u001b[31m'), '/caf%E9%7F%0A2024-01-01%20fake%20line%1B[31m');
  const app = await startLoggedApp(t, (req, res) => res.send('ok'));
  const long = `/${'a'.repeat(3000)}`;
  assert.equal((await fetch(app.url + long)).status, 200);
  const [line] = await waitForLines(app.access, 1);
  assert.match(line, new RegExp(` GET /a{2047}\\.\\.\\. 200 `));
});

test('a response the client abandons is logged with status 499 when the connection closes', async (t) => {
  /** @type {() => void} */
  let reached = () => {};
  const handlerReached = new Promise((resolve) => (reached = () => resolve(undefined)));
  const app = await startLoggedApp(t, () => reached()); // never answers
  const socket = net.connect(app.port, '127.0.0.1');
  socket.write('GET /never HTTP/1.1\r\nHost: x\r\n\r\n');
  await handlerReached;
  socket.destroy();
  const [line] = await waitForLines(app.access, 1);
  assert.match(line, / GET \/never 499 \d+\.\dms \d+$/);
});

test('errors go to error.log with the request id and stack; the client sees no stack', async (t) => {
  const app = await startLoggedApp(t, () => {
    throw new Error('database is on fire', { cause: new Error('disk full') });
  });
  const res = await fetch(`${app.url}/broken`);
  assert.equal(res.status, 500);
  const body = await res.text();
  assert.doesNotMatch(body, /database|fire|at /);
  const [accessLine] = await waitForLines(app.access, 1);
  const requestId = accessLine.split(' ')[1];
  const log = (await waitForLines(app.errors, 1)).join('\n');
  assert.match(log, new RegExp(`^\\S+Z ${requestId} GET /broken Error: database is on fire`));
  assert.match(log, /at /, 'with the stack');
  assert.match(log, /disk full/, 'with the cause');
});

test('LOG_ACCESS=false writes no access log; bad settings name the variable', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nodeserver-access-log-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const settings = { dir, access: false, errorsToStderr: false, maxSize: 0, daily: true, maxFiles: 14 };
  accessLog(settings);
  assert.equal(existsSync(join(dir, 'access.log')), false);
  const isConfigError = (/** @type {RegExp} */ pattern) => (/** @type {unknown} */ err) => err instanceof ConfigError && pattern.test(err.message);
  assert.throws(() => accessLog({ ...settings, maxSize: -1 }), isConfigError(/^LOG_MAX_SIZE must be/));
  assert.throws(() => accessLog({ ...settings, maxFiles: 1.5 }), isConfigError(/^LOG_MAX_FILES must be/));
  assert.throws(() => errorLog({ ...settings, dir: '' }), isConfigError(/^LOG_DIR must/));
});
