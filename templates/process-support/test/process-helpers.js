// @ts-check
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/lib/pipeline.js';
import { accessLog, errorLog } from '../src/lib/access-log.js';
import { ConfigError } from '../src/lib/config-loader.js';
import { metricsEndpoint, requestMetrics } from '../src/lib/metrics.js';
import { broadcast, fromMaster } from '../src/lib/master-channel.js';

/**
 * Helpers for the tests of the multi-process models (cluster,
 * master-worker): real processes, real signals, real sockets.
 *
 * A test starts a tiny entry script, written to a temporary folder, that
 * imports the project's process model and serves `buildTestApp` below instead of the
 * real app: routes to crash on purpose exist only in the tests, never in
 * the server's own code.
 */

const root = new URL('..', import.meta.url);

/**
 * The app the test workers serve:
 * - `/pid`: `{ pid }`
 * - `/slow?ms=N`: answers after N ms (prints "slow request started")
 * - `/crash?ms=N`: throws outside any request handling 50 ms later (an
 *   uncaught exception that takes the worker down), answers after N ms
 * - `/share?value=V`: `broadcast('test', V)` to the other workers
 * - `/shared`: the last value another worker shared, and whether the
 *   master sent a configuration
 * - `/metrics`
 * TEST_FAIL_AT_START=1 makes every worker fail while starting;
 * TEST_CONFIG_ERROR=1 makes it fail with a configuration error.
 * @param {import('../src/lib/supervisor.js').ProcessConfig & { metrics: import('../src/lib/metrics.js').MetricsSettings }} config
 */
export function buildTestApp(config) {
  if (process.env.TEST_CONFIG_ERROR) throw new ConfigError('TEST_SETTING must be set (a test of configuration errors)');
  if (process.env.TEST_FAIL_AT_START) throw new Error('this worker cannot start (a test of restart limits)');
  /** @type {unknown} */
  let shared = null;
  let configSeen = false;
  fromMaster.on('broadcast', (channel, data) => {
    if (channel === 'test') shared = data;
  });
  fromMaster.on('config', () => (configSeen = true));
  const endpoint = metricsEndpoint(config.metrics, config.env);

  const app = createApp({ env: config.env, logError: errorLog(config.log) });
  app.use(accessLog(config.log));
  app.use(requestMetrics(config.metrics));
  app.use(async (req, res, next) => {
    const ms = Number(req.query.get('ms') ?? 0);
    switch (req.path) {
      case '/pid':
        return res.json({ pid: process.pid });
      case '/slow':
        console.log(`slow request started in ${process.pid}`);
        await delay(ms);
        return res.json({ pid: process.pid });
      case '/crash':
        setTimeout(() => {
          throw new Error('boom (a test crash)');
        }, 50);
        await delay(ms);
        return res.json({ pid: process.pid });
      case '/share':
        await broadcast('test', req.query.get('value'));
        return res.json({ pid: process.pid });
      case '/shared':
        return res.json({ pid: process.pid, shared, configSeen });
      case '/metrics':
        return endpoint(req, res, next);
      default:
        return next();
    }
  });
  return app;
}

/**
 * Starts a multi-process server with 2 workers and test-friendly limits,
 * and waits until it listens (unless `waitForListening` is false).
 * @param {'cluster' | 'master-worker'} model
 * @param {Record<string, string>} [env] on top of the test environment
 * @param {{ waitForListening?: boolean }} [options]
 */
export async function startProcessServer(model, env = {}, options = {}) {
  const dir = mkdtempSync(join(tmpdir(), `nodeserver-${model}-test-`));
  const entry = join(dir, 'entry.mjs');
  const url = (/** @type {string} */ path) => JSON.stringify(new URL(path, root).href);
  writeFileSync(
    entry,
    [
      `import { serve } from ${url(`src/lib/${model}.js`)};`,
      `import { readConfig } from ${url('src/config.js')};`,
      `import { buildTestApp } from ${url('test/process-helpers.js')};`,
      'const config = readConfig();',
      'serve(() => buildTestApp(config), config);',
      '',
    ].join('\n'),
  );
  const child = spawn(process.execPath, [entry], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_DIR: join(dir, 'logs'),
      LOG_ERRORS_TO_STDERR: 'false',
      HEAP_DIR: join(dir, 'heapdumps'),
      CLUSTER_WORKERS: '2',
      CLUSTER_BACKOFF_INITIAL: '50',
      CLUSTER_BACKOFF_MAX: '200',
      CLUSTER_KILL_TIMEOUT: '3000',
      CLUSTER_SHUTDOWN_TIMEOUT: '5000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, like a server started from a terminal: a test can
    // signal the whole group (Ctrl-C), and stop() can kill every process of it.
    detached: true,
  });
  // stdout and stderr in the order they arrived: an offset into it (`from`
  // of waitFor) stays valid while both grow.
  let output = '';
  /** @type {(() => void)[]} */
  const watchers = [];
  // A copy: a watcher that is satisfied removes itself while this runs.
  const changed = () => [...watchers].forEach((watch) => watch());
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    output += chunk;
    changed();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk) => {
    output += chunk;
    changed();
  });
  /** @type {Promise<number | null>} */
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  let running = true;
  exited.then(() => {
    running = false;
    changed();
  });

  const server = {
    dir,
    child,
    exited,
    url: '',
    get output() {
      return output;
    },
    /**
     * Waits until the output (stdout and stderr) matches `pattern` (counting
     * from `from` characters in), or rejects when the process exits first.
     * @param {RegExp} pattern
     * @param {number} [from]
     * @returns {Promise<RegExpMatchArray>}
     */
    waitFor(pattern, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = output.slice(from).match(pattern);
          if (match || !running) {
            watchers.splice(watchers.indexOf(check), 1);
            if (match) resolve(match);
            else reject(new Error(`the server exited before printing ${pattern}:\n${output}`));
          }
        };
        watchers.push(check);
        check();
      });
    },
    /** Pids of the workers that reported listening. */
    workerPids() {
      return [...output.matchAll(/worker \d+ \(pid (\d+)\) listening/g)].map((m) => Number(m[1]));
    },
    /** Lines of the access log written so far. */
    accessLines() {
      try {
        return readFileSync(join(dir, 'logs', 'access.log'), 'utf8')
          .split('\n')
          .filter(Boolean);
      } catch {
        return [];
      }
    },
    /**
     * Sends `signal` to every process of the server's group, as Ctrl-C in a
     * terminal does.
     * @param {NodeJS.Signals} signal
     */
    signalGroup(signal) {
      process.kill(-(child.pid ?? 0), signal);
    },
    /** Kills whatever is left (master and workers) and removes the folder. */
    async stop() {
      try {
        process.kill(-(child.pid ?? 0), 'SIGKILL');
      } catch {
        // The whole group is gone already.
      }
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  if (options.waitForListening !== false) {
    const [, address] = await server.waitFor(/Listening on (http:\/\/\S+)/);
    server.url = address;
  }
  return server;
}

/**
 * One GET on a new connection. Without `keepAlive` the request says
 * `Connection: close` (each request tests the accept path, and none waits
 * on a socket the server is closing); with it, a `Connection: close` in the
 * answer comes from the server.
 * @param {string} url
 * @param {string} path
 * @param {{ keepAlive?: boolean, timeout?: number }} [options] timeout: ms until the request counts as failed
 * @returns {Promise<{ status: number, headers: import('node:http').IncomingHttpHeaders, body: any }>}
 */
export function get(url, path, { keepAlive = false, timeout = 10_000 } = {}) {
  const agent = keepAlive ? new http.Agent({ keepAlive: true, maxSockets: 1 }) : false;
  return new Promise((resolve, reject) => {
    const req = http.get(url + path, { agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => {
        if (agent) agent.destroy();
        let body = text;
        try {
          body = JSON.parse(text);
        } catch {
          // Not JSON: keep the text.
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(timeout, () => req.destroy(new Error(`GET ${path} timed out`)));
  });
}

/**
 * Keeps `concurrency` requests to `path` going until `stop()`, which
 * resolves with what happened.
 * @param {string} url
 * @param {{ path?: string, concurrency?: number, timeout?: number }} [options] timeout: per request, ms
 */
export function startLoad(url, { path = '/pid', concurrency = 3, timeout = 10_000 } = {}) {
  let running = true;
  /** @type {{ ok: number, failures: string[], pids: Set<number> }} */
  const result = { ok: 0, failures: [], pids: new Set() };
  const loop = async () => {
    while (running) {
      try {
        const res = await get(url, path, { timeout });
        if (res.status === 200) {
          result.ok += 1;
          result.pids.add(res.body.pid);
        } else {
          result.failures.push(`status ${res.status}`);
        }
      } catch (err) {
        result.failures.push(/** @type {Error} */ (err).message);
      }
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  return {
    result,
    async stop() {
      running = false;
      await Promise.all(loops);
      return result;
    },
  };
}

/**
 * A keep-alive client that plays by the rules, under sustained load:
 * `sockets` keep-alive connections, each kept busy with GET `path`, one
 * request after the other, until `stop()`, `maxRequests` sent or `maxTime`
 * ms. Each connection has its own `node:http` Agent (one socket), so its
 * next request waits for it instead of opening another connection. The
 * agents honour the server's `Keep-Alive: timeout=N` hint (Node applies it
 * only when an agent has a `timeout` of its own), so they never reuse a
 * connection the server may be about to close for idleness.
 *
 * Every request is accounted for, in the phase (`phase(name)`) it ended in:
 * `sent` = `ok` + `failed.length` + `refused`. `refused` counts connections
 * nobody accepted (ECONNREFUSED: nothing was sent); a loop that meets one
 * ends. Anything else that is not a 200 is a failure, its message kept.
 *
 * `phase(name, { newConnections: false })` plays a load balancer that takes
 * a server out of rotation before it stops it: requests go on only on the
 * connections already open, and a loop ends once the server closes its
 * connection (`Connection: close`). `settled` tells when no request on a new
 * connection is left from before. (A server that stops listening drops the
 * connections still in its accept queue; no server can help that, which is
 * why servers are taken out of rotation first.)
 * @param {string} url
 * @param {{ path?: string, sockets?: number, maxRequests?: number, maxTime?: number }} [options]
 */
export function startKeepAliveLoad(url, { path = '/pid', sockets = 50, maxRequests = 200_000, maxTime = 60_000 } = {}) {
  /** @typedef {{ sent: number, ok: number, refused: number, failed: string[], pids: Set<number> }} Counts */
  /** @type {Map<string, Counts>} */
  const phases = new Map();
  /** @type {Counts} */
  let current = { sent: 0, ok: 0, refused: 0, failed: [], pids: new Set() };
  let newConnections = true;
  /**
   * @param {string} name
   * @param {{ newConnections?: boolean }} [options]
   */
  const phase = (name, options = {}) => {
    current = { sent: 0, ok: 0, refused: 0, failed: [], pids: new Set() };
    phases.set(name, current);
    newConnections = options.newConnections ?? true;
  };
  phase('warm-up');
  let sent = 0;
  let running = true;
  const deadline = setTimeout(() => (running = false), maxTime);

  /**
   * @param {http.Agent} agent
   * @returns {Promise<'next' | 'closed' | 'refused'>}
   */
  const request = (agent) =>
    new Promise((resolve) => {
      const req = http.get(url + path, { agent }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => {
          current.sent += 1;
          if (res.statusCode === 200) {
            current.ok += 1;
            current.pids.add(JSON.parse(text).pid);
          } else {
            current.failed.push(`status ${res.statusCode}`);
          }
          resolve(res.headers.connection === 'close' ? 'closed' : 'next');
        });
        res.on('error', (err) => {
          current.sent += 1;
          current.failed.push(`${err.message} (response cut)`);
          resolve('closed');
        });
      });
      req.on('error', (err) => {
        current.sent += 1;
        if (/** @type {NodeJS.ErrnoException} */ (err).code === 'ECONNREFUSED') {
          current.refused += 1;
          resolve('refused');
        } else {
          current.failed.push(`${err.message} (on a ${req.reusedSocket ? 'reused' : 'new'} connection)`);
          resolve('closed');
        }
      });
      req.setTimeout(10_000, () => req.destroy(new Error(`GET ${path} timed out`)));
    });

  /**
   * @param {http.Agent} agent
   * @param {number} i
   */
  const loop = async (agent, i) => {
    while (running && sent < maxRequests) {
      const open = Object.keys(agent.sockets).length + Object.keys(agent.freeSockets).length > 0;
      if (!newConnections && !open) return;
      sent += 1;
      latest[i] = current;
      const outcome = await request(agent);
      if (outcome === 'refused' || (outcome === 'closed' && !newConnections)) return;
    }
  };
  const agents = Array.from({ length: sockets }, () => new http.Agent({ keepAlive: true, maxSockets: 1, timeout: 60_000 }));
  /** @type {(Counts | null)[]} per loop: the phase of its latest request, null once it ended */
  const latest = agents.map(() => current);
  const loops = agents.map(async (agent, i) => {
    await loop(agent, i);
    latest[i] = null;
  });
  return {
    phase,
    /** Counts per phase, in the order the phases began. */
    phases,
    /** Whether every loop's latest request was sent in the phase now running. */
    get settled() {
      return latest.every((phase) => phase === null || phase === current);
    },
    /** The counts of the phase now running. */
    get current() {
      return current;
    },
    /** Stops sending, waits for the answers still on their way, and returns the counts per phase. */
    async stop() {
      running = false;
      await Promise.all(loops);
      clearTimeout(deadline);
      for (const agent of agents) agent.destroy();
      return phases;
    },
  };
}

/**
 * Requests `/pid` until `predicate(pid)` holds (at most `attempts` times).
 * @param {string} url
 * @param {(pid: number) => boolean} predicate
 * @param {number} [attempts]
 */
export async function untilPid(url, predicate, attempts = 200) {
  for (let i = 0; i < attempts; i++) {
    const res = await get(url, '/pid');
    if (res.status === 200 && predicate(res.body.pid)) return res.body.pid;
    // Spread the attempts over time: on a busy machine a new worker may join the rotation late.
    await delay(10);
  }
  throw new Error(`no worker matching the condition answered in ${attempts} requests`);
}

/** @param {number} ms */
export function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Checks `condition` every 20 ms until it holds (at most `attempts` times:
 * a bound for a slow machine, not a timing assertion).
 * @param {() => boolean} condition
 * @param {string} what said when it never holds
 * @param {number} [attempts]
 */
export async function eventually(condition, what, attempts = 1000) {
  for (let i = 0; i < attempts; i++) {
    if (condition()) return;
    await delay(20);
  }
  throw new Error(`never happened: ${what}`);
}
