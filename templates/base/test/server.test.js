// @ts-check
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import net from 'node:net';
import { createApp } from '../src/lib/pipeline.js';
import { createRouter } from '../src/lib/router.js';
import { ConfigError } from '../src/lib/config-loader.js';
import { createHttpServer, gracefulClose } from '../src/lib/serve.js';
import { setReadiness } from '../src/lib/health.js';
import { servicesEnv, startApp, testServices } from './helpers.js';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * Runs the single-process `serve()` of src/lib/serve.js the way src/server.js
 * does, whichever process model src/server.js itself uses.
 */
const SINGLE_PROCESS = [
  '--input-type=module',
  '-e',
  [
    "import { readConfig } from './src/config.js';",
    "import { buildApp } from './src/app.js';",
    "import { serve } from './src/lib/serve.js';",
    'const config = readConfig();',
    'serve(() => buildApp(config), config);',
  ].join('\n'),
];

/**
 * Starts the server as a real child process (`node src/server.js` unless
 * `args` says otherwise) with `env` on top of a test environment, and
 * collects what it prints. It gets the services of the test apps (the
 * project's test Redis, when it has one), as test/helpers.js gives them.
 * @param {Record<string, string>} [env]
 * @param {string[]} [args]
 */
async function startServer(env = {}, args = ['src/server.js']) {
  const services = servicesEnv(await testServices());
  const logDir = mkdtempSync(join(tmpdir(), 'nodeserver-server-test-'));
  const child = spawn(process.execPath, args, {
    cwd: projectRoot,
    // A short keep-alive timeout: a draining server waits for idle keep-alive
    // connections (fetch's) until the client lets them go, which it does
    // before this timeout.
    env: { PATH: process.env.PATH, NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', LOG_DIR: logDir, SERVER_KEEP_ALIVE_TIMEOUT: '2000', ...services, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  /** @type {Promise<number | null>} resolves once the process is gone and its log folder removed */
  const exited = new Promise((resolve) =>
    child.on('exit', (code) => {
      rmSync(logDir, { recursive: true, force: true });
      resolve(code);
    }),
  );
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
     * Ends the process (if it still runs) and waits until it is gone: for
     * `t.after`. SIGTERM first, so a cluster master stops its workers too.
     */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const stubborn = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(stubborn);
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

/** The start line of every process model: `Listening on http://127.0.0.1:<port>`. */
const LISTENING = /listening on http:\/\/127\.0\.0\.1:(\d+)/i;

/** Matches the lines of a stack trace. */
const STACK_LINE = /^\s+at /m;

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

/**
 * One GET through `agent`, with whether it went on a connection the agent reused.
 * @param {http.Agent} agent
 * @param {number} port
 * @param {string} path
 * @returns {Promise<{ status: number, connection: string | undefined, reused: boolean }>}
 */
function request(agent, port, path) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, reused: req.reusedSocket }));
    });
    req.on('error', reject);
  });
}

// These hold for every process model: src/server.js may run one process or a cluster.
describe('node src/server.js', () => {
  test('starts, logs the URL with the bound port, and answers /health and /ready', { timeout: 20_000 }, async (t) => {
    const server = await startServer();
    t.after(() => server.stop());
    const [, port] = await server.waitFor(LISTENING);
    const url = `http://127.0.0.1:${port}`;
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

  test('SIGTERM: the request in flight is still answered, then the process exits 0', { timeout: 20_000 }, async (t) => {
    const server = await startServer();
    t.after(() => server.stop());
    const [, port] = await server.waitFor(LISTENING);
    // A request that is still arriving: its headers are not complete yet.
    const inFlight = await connect(Number(port));
    const answer = readAll(inFlight);
    inFlight.write('GET /health HTTP/1.1\r\nHost: localhost\r\n');
    // Connections are accepted in order: once a later one is answered, the
    // server process has taken the one above too.
    assert.equal((await fetch(`http://127.0.0.1:${port}/health`)).status, 200);
    server.child.kill('SIGTERM');
    await server.waitFor(/SIGTERM received/i);
    inFlight.write('\r\n');
    assert.match(await answer, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n\{"status":"ok"/);
    assert.equal(await server.exited, 0);
    assert.doesNotMatch(server.stderr, STACK_LINE);
  });

  for (const [env, message] of /** @type {const} */ ([
    [{ PORT: 'abc' }, 'Configuration error: PORT must be a number, got "abc"'],
    [{ PORT: '70000' }, 'Configuration error: PORT must be an integer from 0 to 65535, got 70000'],
  ])) {
    test(`a bad setting (${JSON.stringify(env)}) exits 1 with one clear line and no stack`, { timeout: 20_000 }, async () => {
      const server = await startServer(env);
      assert.equal(await server.exited, 1);
      assert.equal(server.stderr, `${message}\n`);
      assert.equal(server.stdout, '');
    });
  }
});

describe('serve(): one process', () => {
  test('SIGTERM: readiness turns to draining, new connections are refused, the request in flight gets Connection: close', { timeout: 20_000 }, async (t) => {
    const server = await startServer({}, SINGLE_PROCESS);
    t.after(() => server.stop());
    const [, port] = await server.waitFor(LISTENING);

    const inFlight = await connect(Number(port));
    const answer = readAll(inFlight);
    inFlight.write('GET /ready HTTP/1.1\r\nHost: localhost\r\n');
    // An idle keep-alive connection: it stays open while the server drains
    // (a request may be on its way on it) until fetch lets it go.
    const idle = await fetch(`http://127.0.0.1:${port}/health`);
    assert.equal(idle.status, 200);

    server.child.kill('SIGTERM');
    // serve() prints this line after it has closed the port.
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
    [{ ROUTER_MAX_PARAM_LENGTH: '0' }, 'Configuration error: ROUTER_MAX_PARAM_LENGTH must be a positive whole number of characters, got 0'],
    [{ SERVER_HEADERS_TIMEOUT: '60000' }, 'Configuration error: SERVER_HEADERS_TIMEOUT (60000) must not be larger than SERVER_REQUEST_TIMEOUT (30000)'],
  ])) {
    test(`a bad setting found while building the app (${Object.keys(env)[0]}) exits 1 with one line`, { timeout: 20_000 }, async () => {
      const server = await startServer(env, SINGLE_PROCESS);
      assert.equal(await server.exited, 1);
      assert.equal(server.stderr, `${message}\n`);
    });
  }

  test('a port in use exits 1 with one line that says what to do', { timeout: 20_000 }, async (t) => {
    const blocker = net.createServer();
    await new Promise((resolve) => blocker.listen(0, '127.0.0.1', () => resolve(undefined)));
    t.after(() => blocker.close());
    const { port } = /** @type {import('node:net').AddressInfo} */ (blocker.address());
    const server = await startServer({ PORT: String(port) }, SINGLE_PROCESS);
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

  test('an idle keep-alive connection stays open: a request sent on it while draining is answered, with Connection: close', { timeout: 5000 }, async () => {
    const { server, port } = await slowServer();
    // keepAliveTimeout is 60 s here: only the request below can end this connection in time.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const first = await request(agent, port, '/quick');
    assert.equal(first.status, 200);
    const closing = gracefulClose(server, 10_000);
    await assert.rejects(connect(port), { code: 'ECONNREFUSED' }, 'no new connections');
    // The client cannot know the server started draining: it may send its next request now.
    const next = await request(agent, port, '/quick');
    assert.equal(next.reused, true, 'sent on the idle connection, which was still open');
    assert.equal(next.status, 200);
    assert.equal(next.connection, 'close');
    assert.deepEqual(await closing, { forced: false });
    agent.destroy();
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
      assert.throws(
        () => createHttpServer(app, config),
        (err) => err instanceof ConfigError && /** @type {RegExp} */ (message).test(err.message),
      );
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
