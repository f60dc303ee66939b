// Scenario 11 (issue 16): what a shared store and the rate limiter cost.
// 1. Sessions in Redis against sessions in memory: two projects generated
//    with `--auth session`, one `--store memory`, one `--store redis`, each
//    logged in once, then `GET /me` with the session cookie. The Redis is a
//    real redis-server started here (no persistence), on the servers' CPUs,
//    and its CPU counts as the server's: with the memory store the server
//    does that work itself.
// 2. The rate limiter on a hot route: one generated minimal project with the
//    limiter off (its default) and on, with a limit no load reaches.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { runContenders } from '../lib/contenders.js';
import { expectResponse } from '../lib/check.js';
import { BENCH_USER, addRoutes, available, envNameOf, generate, generatedServer } from '../lib/generated-project.js';
import { activePinning } from '../lib/pinning.js';
import { count, throughputTable } from '../lib/format.js';
import { notAvailable, resultOf } from '../lib/section.js';
import { HELLO_ROUTE } from './hello.js';

const number = 11;
const title = 'Shared store and rate limit: Redis sessions, limiter cost';
const what =
  "Two measurements of issue 16. **Sessions:** two projects generated with `--preset minimal --auth session`, one with `--store memory` (sessions in the process), one with `--store redis` (sessions in a real `redis-server` started for the run on a free port of 127.0.0.1, no persistence, pinned to the servers' CPUs like the servers); each logs in once (`POST /login` with a JSON body), then the load is `GET /me` with the session cookie: the session is looked up (in Redis, one round trip) and the user answered as JSON on every request. The Redis process's CPU is counted with its server's (the memory store does that work inside the server). **Rate limit:** the generated `minimal` preset with `GET /hello` added, run with the rate limiter off (the default, `RATE_LIMIT_LIMIT=0`) and on with a limit no load reaches (`RATE_LIMIT_LIMIT=1000000000`, counted in memory per client address, `RateLimit` headers on every answer). Cost = 1 − on/off.";
const TARGETS = [
  'sessions in Redis (`--store redis`), `GET /me` logged in: ≥ 0.7× sessions in memory',
  'rate limiter on, on a hot route (`GET /hello`, a limit never reached): costs ≤ 10 % of req/s',
];
const MEMORY = 'sessions in memory (--store memory)';
const REDIS = 'sessions in Redis (--store redis)';
const LIMIT_OFF = 'generated minimal, rate limit off (default)';
const LIMIT_ON = 'generated minimal, rate limit on (never reached)';
/** High enough that no run reaches it in one window (60 s): nothing is refused. */
const NEVER_REACHED = '1000000000';

/**
 * @param {import('../run.js').Context} ctx
 * @returns {Promise<import('../lib/section.js').Section>}
 */
export async function run(ctx) {
  /** @type {import('../lib/section.js').Target[]} */
  const targets = [];
  /** @type {import('../lib/format.js').Table[]} */
  const tables = [];
  /** @type {string[]} */
  const notes = [];
  const sessions = await measureSessions(ctx);
  const limiter = await measureRateLimit(ctx);
  for (const part of [sessions, limiter]) {
    targets.push(part.target);
    tables.push(...part.tables);
    notes.push(...part.notes);
  }
  if (sessions.tables.length === 0 && limiter.tables.length === 0) {
    const section = notAvailable(number, title, what, notes.join(' '), TARGETS);
    return { ...section, targets };
  }
  return { number, title, what, status: sessions.tables.length > 0 && limiter.tables.length > 0 ? 'measured' : 'partial', notes, tables, targets };
}

/**
 * @typedef {object} Part
 * @property {import('../lib/section.js').Target} target
 * @property {import('../lib/format.js').Table[]} tables
 * @property {string[]} notes
 */

/**
 * Part 1: sessions in Redis against sessions in memory.
 * @param {import('../run.js').Context} ctx
 * @returns {Promise<Part>}
 */
async function measureSessions(ctx) {
  /** @param {string} reason @returns {Part} */
  const skipped = (reason) => ({ target: { target: TARGETS[0], result: `not measured: ${reason}`, met: null }, tables: [], notes: [`Sessions not measured: ${reason}.`] });
  if (!available(ctx.groups, 'auth', 'session')) return skipped('this build has no `--auth session`');
  if (!available(ctx.groups, 'store', 'redis')) return skipped('this build has no `--store redis`');
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) return skipped('no `redis-server` on PATH (e.g. `apt-get install redis-server`)');

  const memoryDir = join(ctx.tmp, 'store-memory');
  const redisDir = join(ctx.tmp, 'store-redis');
  for (const [dir, store] of [
    [memoryDir, 'memory'],
    [redisDir, 'redis'],
  ]) {
    const made = generate(dir, ['--preset', 'minimal', '--auth', 'session', '--store', store]);
    if (!made.ok) return skipped(`create --preset minimal --auth session --store ${store} failed: ${made.message}`);
  }
  const redis = await startRedis(join(ctx.tmp, 'redis-data'));
  try {
    const redisEnv = {
      [await envNameOf(redisDir, ['redis', 'url'])]: redis.url,
      [await envNameOf(redisDir, ['redis', 'prefix'])]: 'bench:',
    };
    /** @type {Record<string, string>} the session cookie of each contender, set by its check */
    const cookies = {};
    /**
     * Logs in once and checks that the session answers GET /me.
     * @param {string} name
     * @param {import('../lib/server-process.js').RunningServer} server
     */
    const logIn = async (name, server) => {
      const body = JSON.stringify({ username: BENCH_USER.name, password: BENCH_USER.password });
      const answer = await expectResponse(server, {
        method: 'POST',
        path: '/login',
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
        body,
        bodyIncludes: BENCH_USER.name,
      });
      cookies[name] = (answer.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
      if (!cookies[name]) throw new Error(`${name}: POST /login set no session cookie`);
      // Without the cookie /me is refused: a 200 below is the session's doing.
      await expectResponse(server, { path: '/me', status: 401 });
      await expectResponse(server, { path: '/me', headers: { cookie: cookies[name] }, bodyIncludes: `"${BENCH_USER.name}"` });
    };
    /**
     * @param {string} name
     * @param {import('../lib/server-process.js').ServerSpec} server
     * @param {() => Promise<void>} [after] more checks once logged in
     * @returns {import('../lib/contenders.js').Contender}
     */
    const loggedIn = (name, server, after) => ({
      name,
      server,
      load: {
        path: '/me',
        // The cookie is only known once the server runs: the getter reads it when the load starts.
        get headers() {
          return { cookie: cookies[name] ?? '' };
        },
      },
      check: async (running) => {
        await logIn(name, running);
        await after?.();
      },
    });
    const contenders = [
      loggedIn(MEMORY, await generatedServer(memoryDir, MEMORY)),
      loggedIn(REDIS, { ...(await generatedServer(redisDir, REDIS, redisEnv)), companionPids: [redis.pid] }, async () => {
        // The session really is in this Redis, not in the server's memory.
        const keys = await redisCommand(redis.port, ['KEYS', 'bench:session:*']);
        if (!/^\*[1-9]/.test(keys)) throw new Error(`${REDIS}: no bench:session:* key in Redis after the login (KEYS answered ${JSON.stringify(keys.slice(0, 80))})`);
      }),
    ];
    const results = await runContenders(contenders, ctx.options, ctx.log);
    const memory = resultOf(results, MEMORY);
    const inRedis = resultOf(results, REDIS);
    const ratio = inRedis.rps.median / memory.rps.median;
    return {
      target: {
        target: TARGETS[0],
        result: `${ratio.toFixed(2)}× (${count(inRedis.rps.median)} vs ${count(memory.rps.median)} req/s)`,
        met: ratio >= 0.7,
        ratios: { 'sessions-redis/memory': ratio },
      },
      tables: [throughputTable(results, memory.rps.median, 'Sessions, `GET /me` logged in (server CPU of the Redis row: the server and redis-server together):', 'sessions in memory')],
      notes: [
        `Sessions: generated with \`create-nodeserver --preset minimal --auth session --store memory\` and \`… --store redis\`; ${redis.version}. Per server CPU-second, Redis vs memory: ${count(inRedis.perCpuSecond)} vs ${count(memory.perCpuSecond)} (${(inRedis.perCpuSecond / memory.perCpuSecond).toFixed(2)}×).`,
      ],
    };
  } finally {
    await redis.stop();
  }
}

/**
 * Part 2: the rate limiter's cost on a hot route.
 * @param {import('../run.js').Context} ctx
 * @returns {Promise<Part>}
 */
async function measureRateLimit(ctx) {
  const offDir = join(ctx.tmp, 'rate-limit-off');
  const made = generate(offDir, ['--preset', 'minimal']);
  if (!made.ok) {
    return {
      target: { target: TARGETS[1], result: 'not available in this build', met: null },
      tables: [],
      notes: [`Rate limit not measured: create --preset minimal failed: ${made.message}`],
    };
  }
  addRoutes(offDir, HELLO_ROUTE);
  // A copy for the other server: each its own log folder, the same code.
  const onDir = join(ctx.tmp, 'rate-limit-on');
  cpSync(offDir, onDir, { recursive: true });
  const limitEnv = await envNameOf(onDir, ['rateLimit', 'limit']);
  const load = { path: '/hello' };
  const contenders = [
    {
      name: LIMIT_OFF,
      server: await generatedServer(offDir, LIMIT_OFF),
      load,
      check: async (/** @type {import('../lib/server-process.js').RunningServer} */ server) => {
        const answer = await expectResponse(server, { path: '/hello', bodyIncludes: '"hello"' });
        if (answer.headers.ratelimit !== undefined) throw new Error(`${LIMIT_OFF}: answers with a RateLimit header, so the limiter is on`);
      },
    },
    {
      name: LIMIT_ON,
      server: await generatedServer(onDir, LIMIT_ON, { [limitEnv]: NEVER_REACHED }),
      load,
      check: async (/** @type {import('../lib/server-process.js').RunningServer} */ server) => {
        const answer = await expectResponse(server, { path: '/hello', bodyIncludes: '"hello"', headerNames: ['ratelimit', 'ratelimit-policy'] });
        if (!String(answer.headers['ratelimit-policy']).includes(`q=${NEVER_REACHED}`))
          throw new Error(`${LIMIT_ON}: RateLimit-Policy ${answer.headers['ratelimit-policy']} is not the limit set by ${limitEnv}`);
      },
    },
  ];
  const results = await runContenders(contenders, ctx.options, ctx.log);
  const off = resultOf(results, LIMIT_OFF);
  const on = resultOf(results, LIMIT_ON);
  const cost = 1 - on.rps.median / off.rps.median;
  const cpuCost = 1 - on.perCpuSecond / off.perCpuSecond;
  return {
    target: {
      target: TARGETS[1],
      result: `${percent(cost)} (${count(on.rps.median)} vs ${count(off.rps.median)} req/s)`,
      met: cost <= 0.1,
      ratios: { 'rate-limit-on/off': on.rps.median / off.rps.median },
    },
    tables: [throughputTable(results, off.rps.median, 'Rate limit, `GET /hello`:', 'rate limit off')],
    notes: [
      `Rate limit: ${limitEnv}=${NEVER_REACHED} turns it on; ${on.unexpected === 0 ? 'it refused nothing (every answer of the load was a 200)' : `${count(on.unexpected)} answers of the load were not 200 (not counted)`}. Per server CPU-second, the limiter costs ${percent(cpuCost)}.`,
    ],
  };
}

/** @param {number} fraction */
function percent(fraction) {
  return `${(fraction * 100).toFixed(1)} %`;
}

/**
 * A redis-server on a free port of 127.0.0.1, saving nothing, on the servers'
 * CPUs when they are pinned (it works for the server under test).
 * @param {string} dir its working folder
 */
async function startRedis(dir) {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  const cpus = activePinning().serverCpus;
  // taskset execs redis-server: the child's pid is Redis's, whose CPU is read from /proc.
  const child =
    cpus === null ? spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn('taskset', ['-c', cpus, 'redis-server', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  let output = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text) => (output += text));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server was not ready within 10 s: ${output.slice(-500)}`)), 10_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}) before it was ready: ${output.slice(-500)}`));
    });
    child.stdout.on('data', (text) => {
      output += text;
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve(undefined);
      }
    });
  }).catch((err) => {
    kill();
    throw err;
  });
  child.removeAllListeners('exit');
  const exited = once(child, 'exit');
  const version = /Redis version=([\w.]+)/.exec(output)?.[1];
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    pid: /** @type {number} */ (child.pid),
    version: version ? `Redis ${version}` : 'redis-server',
    async stop() {
      process.removeListener('exit', kill);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A port nobody listens on right now. */
async function freePort() {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = /** @type {net.AddressInfo} */ (server.address());
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * One Redis command, its raw RESP answer (for the check only).
 * @param {number} port
 * @param {string[]} args
 * @returns {Promise<string>}
 */
async function redisCommand(port, args) {
  const socket = net.connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
  const [text] = await once(socket, 'data');
  socket.destroy();
  return text;
}
