// @ts-check
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { createApp } from '../src/lib/app.js';
import { createRouter } from '../src/lib/router.js';
import { ConfigError } from '../src/lib/config-loader.js';
import { createHttpServer, gracefulClose } from '../src/lib/serve.js';
import { setReadiness } from '../src/lib/health.js';
import { startApp } from './helpers.js';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * Starts `node src/server.js` as a real child process with `env` on top of
 * a test environment, and collects what it prints.
 * @param {Record<string, string>} env
 */
function startServer(env = {}) {
  const logDir = mkdtempSync(join(tmpdir(), 'nodeserver-server-test-'));
  const child = spawn(process.execPath, ['src/server.js'], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH, NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', LOG_DIR: logDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  /** @type {Promise<number | null>} */
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  exited.then(() => rmSync(logDir, { recursive: true, force: true }));
  return {
    child,
    exited,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    /**
     * Resolves with the first match of `pattern` in stdout; rejects if the
     * process exits first.
     * @param {RegExp} pattern
     * @returns {Promise<RegExpMatchArray>}
     */
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = stdout.match(pattern);
          if (match) {
            child.stdout.off('data', check);
            resolve(match);
          }
        };
        child.stdout.on('data', check);
        exited.then((code) => reject(new Error(`server exited (${code}) before printing ${pattern}: ${stdout}${stderr}`)));
        check();
      });
    },
  };
}

/**
 * Resolves with everything the server sends on `socket` until it closes.
 * @param {net.Socket} socket
 * @returns {Promise<string>}
 */
function readAll(socket) {
  return new Promise((resolve, reject) => {
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => (text += chunk));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}

/** @param {number} port @returns {Promise<net.Socket>} */
function connect(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

describe('node src/server.js', () => {
  test('starts, logs the URL with the bound port, and answers /health and /ready', async (t) => {
    const server = startServer();
    t.after(() => server.child.kill());
    const [, url] = await server.waitFor(/Listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const health = await fetch(`${url}/health`);
    assert.equal(health.status, 200);
    assert.equal(health.headers.get('cache-control'), 'no-store');
    const body = await health.json();
    assert.equal(body.status, 'ok');
    assert.equal(typeof body.uptime, 'number');
    const ready = await fetch(`${url}/ready`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'serving' });
  });

  test('SIGTERM: new connections are refused, the request in flight is answered with Connection: close, exit 0', async (t) => {
    const server = startServer();
    t.after(() => server.child.kill());
    const [, port] = await server.waitFor(/Listening on http:\/\/127\.0\.0\.1:(\d+)/);

    // A request that is still arriving: its headers are not complete yet.
    const inFlight = await connect(Number(port));
    const answer = readAll(inFlight);
    inFlight.write('GET /ready HTTP/1.1\r\nHost: localhost\r\n');
    // An idle keep-alive connection, which must not hold the shutdown up.
    const idle = await fetch(`http://127.0.0.1:${port}/health`);
    assert.equal(idle.status, 200);

    server.child.kill('SIGTERM');
    await server.waitFor(/SIGTERM received/);
    await assert.rejects(connect(Number(port)), { code: 'ECONNREFUSED' });

    inFlight.write('\r\n');
    const response = await answer;
    assert.match(response, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
    assert.match(response, /\r\nConnection: close\r\n/i);
    assert.ok(response.endsWith('{"status":"draining"}'), response);
    assert.equal(await server.exited, 0);
    assert.match(server.stdout, /All requests finished/);
    assert.equal(server.stderr, '');
  });

  for (const [env, message] of /** @type {const} */ ([
    [{ PORT: 'abc' }, 'Configuration error: PORT must be a number, got "abc"'],
    [{ PORT: '70000' }, 'Configuration error: PORT must be an integer from 0 to 65535, got 70000'],
    [{ ROUTER_MAX_PARAM_LENGTH: '0' }, 'Configuration error: ROUTER_MAX_PARAM_LENGTH must be a positive whole number of characters, got 0'],
    [{ SERVER_HEADERS_TIMEOUT: '60000' }, 'Configuration error: SERVER_HEADERS_TIMEOUT (60000) must not be larger than SERVER_REQUEST_TIMEOUT (30000)'],
  ])) {
    test(`a bad setting (${Object.keys(env)[0]}) exits 1 with one clear line and no stack`, async () => {
      const server = startServer(env);
      assert.equal(await server.exited, 1);
      assert.equal(server.stderr, `${message}\n`);
      assert.equal(server.stdout, '');
    });
  }

  test('a port in use exits 1 with one line that says what to do', async (t) => {
    const blocker = net.createServer();
    await new Promise((resolve) => blocker.listen(0, '127.0.0.1', () => resolve(undefined)));
    t.after(() => blocker.close());
    const { port } = /** @type {import('node:net').AddressInfo} */ (blocker.address());
    const server = startServer({ PORT: String(port) });
    assert.equal(await server.exited, 1);
    assert.equal(server.stderr, `Cannot listen on 127.0.0.1:${port}: the port is already in use. Stop the other server or set PORT.\n`);
  });
});

describe('graceful close (in process)', () => {
  const serverSettings = { env: 'test', port: 0, host: '127.0.0.1', server: { headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 60_000, shutdownTimeout: 10_000 } };

  /** A server with a route that answers only when the test says so. */
  async function slowServer() {
    /** @type {() => void} */
    let release = () => {};
    /** @type {Promise<void>} */
    const released = new Promise((resolve) => (release = resolve));
    /** @type {() => void} */
    let markStarted = () => {};
    /** @type {Promise<void>} */
    const started = new Promise((resolve) => (markStarted = resolve));
    const router = createRouter();
    router.get('/slow', async (req, res) => {
      markStarted();
      await released;
      res.json({ finished: true });
    });
    router.get('/hang', () => markStarted());
    router.get('/quick', (req, res) => res.json({ quick: true }));
    const app = createApp({ env: 'test' }).use(router.middleware());
    const server = createHttpServer(app, serverSettings);
    await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
    const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
    return { server, port, started, release };
  }

  test('waits for a running handler, then closes; its answer says Connection: close', { timeout: 5000 }, async () => {
    const { server, port, started, release } = await slowServer();
    // An idle keep-alive connection (keepAliveTimeout is 60 s here): close() must not wait for it.
    assert.equal((await fetch(`http://127.0.0.1:${port}/quick`)).status, 200);
    const pending = fetch(`http://127.0.0.1:${port}/slow`);
    await started;
    const closing = gracefulClose(server, 10_000);
    await assert.rejects(connect(port), { code: 'ECONNREFUSED' });
    release();
    const res = await pending;
    assert.equal(res.headers.get('connection'), 'close');
    assert.deepEqual(await res.json(), { finished: true });
    assert.deepEqual(await closing, { forced: false });
  });

  test('cuts what is still open after the timeout', { timeout: 5000 }, async () => {
    const { server, port, started } = await slowServer();
    const pending = fetch(`http://127.0.0.1:${port}/hang`);
    await started;
    assert.deepEqual(await gracefulClose(server, 50), { forced: true });
    await assert.rejects(pending);
  });

  test('createHttpServer checks the timeouts', () => {
    const app = createApp();
    const broken = [
      [{ headersTimeout: 0 }, /SERVER_HEADERS_TIMEOUT must be a positive number of milliseconds, got 0/],
      [{ keepAliveTimeout: -1 }, /SERVER_KEEP_ALIVE_TIMEOUT must be a positive number/],
      [{ shutdownTimeout: 1.5 }, /SERVER_SHUTDOWN_TIMEOUT must be a number of milliseconds/],
      [{ headersTimeout: 40_000 }, /SERVER_HEADERS_TIMEOUT \(40000\) must not be larger than SERVER_REQUEST_TIMEOUT \(30000\)/],
    ];
    for (const [override, message] of broken) {
      const config = { ...serverSettings, server: { ...serverSettings.server, ...override } };
      assert.throws(() => createHttpServer(app, config), (err) => err instanceof ConfigError && /** @type {RegExp} */ (message).test(err.message));
    }
  });
});

test('/ready follows the readiness state; /health does not', async (t) => {
  const app = await startApp();
  t.after(() => {
    setReadiness('starting');
    return app.close();
  });
  /** @param {string} path */
  const status = async (path) => {
    const res = await app.fetch(path);
    return [res.status, (await res.json()).status];
  };
  // startApp() listens without serve(), so nothing has said "serving" yet.
  assert.deepEqual(await status('/ready'), [503, 'starting']);
  assert.equal((await app.fetch('/ready')).headers.get('retry-after'), '1');
  setReadiness('serving');
  assert.deepEqual(await status('/ready'), [200, 'serving']);
  setReadiness('draining');
  assert.deepEqual(await status('/ready'), [503, 'draining']);
  assert.deepEqual(await status('/health'), [200, 'ok']);
  assert.equal((await app.fetch('/ready', { method: 'POST' })).status, 405);
});
