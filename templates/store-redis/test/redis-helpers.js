// @ts-check
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach } from 'node:test';

/**
 * A real Redis for the tests: REDIS_URL when it is set (a server you run;
 * tests that stop Redis are skipped then), otherwise a `redis-server` from
 * PATH started on a free port, in a temporary folder, saving nothing.
 * Without either the tests are skipped with a message that says how to run
 * them, except in CI (CI=true), where a skipped Redis test is a failure.
 */

const HOW = 'install redis-server (e.g. apt-get install redis-server) or set REDIS_URL=redis://host:port to run the Redis tests';

/** @type {boolean | undefined} */
let found;

/** Whether redis-server can be started here. */
export function hasRedisServer() {
  found ??= spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  return found;
}

/**
 * What a test that needs Redis should do: null when it can run, else the
 * reason to skip (in CI this throws instead: nothing may be skipped there).
 * @param {{ ownServer?: boolean }} [need] ownServer: the test stops and starts Redis itself
 */
export function redisSkipReason(need = {}) {
  let reason = null;
  if (need.ownServer && process.env.REDIS_URL) reason = 'stops and restarts Redis: runs only with a redis-server from PATH (unset REDIS_URL)';
  else if (!process.env.REDIS_URL && !hasRedisServer()) reason = `no redis-server on PATH: ${HOW}`;
  if (reason !== null && process.env.CI === 'true') throw new Error(`Redis test cannot run in CI: ${reason}`);
  return reason;
}

/** A port nobody listens on right now. */
export async function freePort() {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = /** @type {net.AddressInfo} */ (server.address());
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts redis-server on a free port (or uses REDIS_URL).
 * @param {string[]} [extraArgs] more redis-server arguments, e.g. `['--requirepass', 'secret']`
 */
export async function startRedis(extraArgs = []) {
  if (process.env.REDIS_URL && extraArgs.length === 0) {
    return { url: process.env.REDIS_URL, port: 0, async stop() {}, async start() {}, async close() {}, unref() {} };
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'redis-test-'));
  /** @type {import('node:child_process').ChildProcess | null} */
  let child = null;
  const redis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    /** Starts (again) on the same port. */
    async start() {
      const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      child = proc;
      let output = '';
      proc.stdout?.setEncoding('utf8');
      await new Promise((resolve, reject) => {
        proc.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready: ${output}`)));
        proc.stdout?.on('data', (text) => {
          output += text;
          if (output.includes('Ready to accept connections')) resolve(undefined);
        });
      });
    },
    /** Lets the test process end while it runs (it is killed when the process exits). */
    unref() {
      child?.unref();
      /** @type {any} */ (child?.stdout)?.unref?.();
    },
    /** Stops it (SIGKILL: as abrupt as a crash). */
    async stop() {
      const proc = child;
      child = null;
      if (!proc || proc.exitCode !== null) return;
      proc.kill('SIGKILL');
      await once(proc, 'exit');
    },
    async close() {
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await redis.start();
  return redis;
}

/**
 * A TCP proxy to `port` that hands Redis's replies to the client in pieces
 * of `size` bytes, each in its own TCP segment a millisecond apart (no
 * Nagle): every reply arrives split, in every possible place, like it can
 * over a real network.
 * @param {number} port
 * @param {number} [size]
 */
export async function startSplittingProxy(port, size = 1) {
  /** @type {Set<net.Socket>} */
  const sockets = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.setNoDelay(true);
    client.pipe(upstream);
    /** @type {Buffer[]} */
    const pending = [];
    let writing = false;
    const drip = () => {
      const chunk = pending[0];
      if (!chunk) {
        writing = false;
        return;
      }
      const piece = chunk.subarray(0, size);
      if (piece.length === chunk.length) pending.shift();
      else pending[0] = chunk.subarray(size);
      client.write(piece);
      setTimeout(drip, 1);
    };
    upstream.on('data', (chunk) => {
      pending.push(chunk);
      if (!writing) {
        writing = true;
        setTimeout(drip, 1);
      }
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port: proxyPort } = /** @type {net.AddressInfo} */ (server.address());
  return {
    url: `redis://127.0.0.1:${proxyPort}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Calls `fn` until it stops throwing (after an outage the client reconnects
 * with back-off), at most `tries` times, 50 ms apart.
 * @template T
 * @param {() => Promise<T>} fn
 * @param {number} [tries]
 * @returns {Promise<T>}
 */
export async function eventually(fn, tries = 200) {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= tries) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** @type {Promise<string> | null} the test Redis of this test process */
let shared = null;

/**
 * The tests running now, innermost last: a test app that cannot have its
 * Redis skips the test that asked for it (redisTestSettings).
 * @type {import('node:test').TestContext[]}
 */
const running = [];
/** @type {string | null} set when a hook (before) started a test app without a Redis */
let missing = null;
// Each test's own context; the types also allow a suite's, which cannot be skipped.
beforeEach((t) => {
  if (!('skip' in t)) return;
  running.push(t);
  if (missing !== null) skipTest(t, missing);
});
afterEach((t) => {
  const i = 'skip' in t ? running.lastIndexOf(t) : -1;
  if (i !== -1) running.splice(i, 1);
});

/**
 * Skips a test that has started. Marked todo as well: an error it throws
 * then must not count as a failure of the suite around it (Node 24 and
 * later count a skipped test's error; a todo's never).
 * @param {import('node:test').TestContext} t
 * @param {string} reason
 */
function skipTest(t, reason) {
  t.todo(reason);
  t.skip(reason);
}

/**
 * The settings that point a test app at a real Redis: REDIS_URL, or a
 * redis-server from PATH started once for this test file (stopped when it
 * exits), and a key prefix of its own. A process the test starts gets them
 * through servicesEnv() of test/helpers.js.
 * Without a Redis (in CI that fails) the test that asked is skipped, saying
 * how to run it. A hook (before) that asked gets an address where nothing
 * listens, so it completes, and every test after it in this file is skipped.
 * @returns {Promise<Record<string, any>>}
 */
export async function redisTestSettings() {
  const reason = redisSkipReason();
  if (reason !== null) {
    const test = running.at(-1);
    if (test === undefined) {
      missing = reason;
      return { redis: { url: `redis://127.0.0.1:${await freePort()}`, prefix: 'test:' } };
    }
    skipTest(test, reason);
    throw new Error(`this test runs the app with its Redis store: ${reason}`);
  }
  // Each test app its own keys: counters and sessions of one test never reach another.
  const prefix = `test-${randomUUID()}:`;
  if (process.env.REDIS_URL) return { redis: { url: process.env.REDIS_URL, prefix } };
  shared ??= startRedis().then((redis) => {
    redis.unref();
    // stop() kills at once (the wait for the exit never happens at exit, and is not needed).
    process.once('exit', () => void redis.stop());
    return redis.url;
  });
  return { redis: { url: await shared, prefix } };
}
