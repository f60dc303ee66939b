import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { once } from 'node:events';
import { cli, remove, run, tempDir } from './support/project.js';

/**
 * Two instances of a generated project (`--store redis --auth session
 * --csrf --cache memory`), one redis-server and nginx in front, with the
 * project's own deploy/nginx.conf on free ports: sessions, rate limits and
 * cache invalidations are shared; killing an instance or restarting Redis
 * under load loses no more than what was in flight. Needs redis-server and
 * nginx (`.ci/run` installs them); without them the suite says so, and in
 * CI (CI=true) it fails.
 */
const e2e = suite('store-redis');

const NGINX = ['nginx', '/usr/sbin/nginx'].find((bin) => spawnSync(bin, ['-v']).status === 0);
const REDIS = spawnSync('redis-server', ['--version']).status === 0;
const PASSWORD = 'a new user password';

let root: string;
let project: string;
let redisPort: number;
let nginxPort: number;
const ports: number[] = [];
let redis: ChildProcess | null = null;
let nginx: ChildProcess | null = null;
const instances: (ChildProcess | null)[] = [null, null];
let users = '';

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Waits for `text` in a child's output (bounded: a child that never gets there fails the test). */
function waitFor(child: ChildProcess, text: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (output.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}): ${output}`)));
  });
}

async function startRedis(): Promise<void> {
  // Every write in the append-only file at once: sessions outlive a Redis killed with SIGKILL.
  redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', root], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await waitFor(redis, 'Ready to accept connections', 'redis-server');
}

async function stopProcess(child: ChildProcess | null, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

async function startInstance(i: number): Promise<void> {
  const child = spawn(process.execPath, ['src/server.js'], {
    cwd: project,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(ports[i]),
      INSTANCE_ID: `instance-${i}`,
      TRUST_PROXY: 'true',
      REDIS_URL: `redis://127.0.0.1:${redisPort}/0`,
      REDIS_COMMAND_TIMEOUT: '500',
      SESSION_SECRETS: 'a-shared-secret-of-every-instance-0123456789',
      AUTH_USERS: users,
      AUTH_ATTEMPTS_PER_USER: '4',
      RATE_LIMIT_LIMIT: '1000000',
      LOG_DIR: join(root, `logs-${i}`),
      HEAP_DIR: join(root, `heap-${i}`),
    },
  });
  instances[i] = child;
  await waitFor(child, 'Listening on', `instance ${i}`);
}

e2e.before(async () => {
  if (!NGINX || !REDIS) {
    const missing = [!REDIS && 'redis-server', !NGINX && 'nginx'].filter(Boolean).join(' and ');
    if (process.env.CI === 'true') throw new Error(`store-redis: ${missing} missing: .ci/run installs them`);
    console.log(`  store-redis: skipped, ${missing} not installed (apt-get install redis-server nginx)`);
    return;
  }
  root = tempDir('cns-store-redis-');
  const made = await cli(['e2e', '--lang', 'js', '--store', 'redis', '--auth', 'session', '--csrf', '--cache', 'memory', '--yes'], root);
  assert.is(made.code, 0, made.stderr);
  project = join(root, 'e2e');
  const hashed = await run(process.execPath, ['scripts/hash-password.js', 'member'], { cwd: project, input: PASSWORD });
  assert.is(hashed.code, 0, hashed.stderr);
  users = hashed.stdout.trim();
  redisPort = await freePort();
  nginxPort = await freePort();
  ports.push(await freePort(), await freePort());
  await startRedis();
  await startInstance(0);
  await startInstance(1);
  // The project's own deploy/nginx.conf, on the test's ports, inside a minimal nginx.conf.
  const site = readFileSync(join(project, 'deploy/nginx.conf'), 'utf8')
    .replace(/^\s*server 127\.0\.0\.1:3001 /m, `    server 127.0.0.1:${ports[0]} `)
    .replace(/^\s*server 127\.0\.0\.1:3002 /m, `    server 127.0.0.1:${ports[1]} `)
    .replace(/listen 80;/, `listen 127.0.0.1:${nginxPort};`);
  assert.ok(site.includes(String(ports[1])) && site.includes(`listen 127.0.0.1:${nginxPort}`), 'deploy/nginx.conf changed shape: update this test');
  const prefix = join(root, 'nginx');
  mkdirSync(join(prefix, 'logs'), { recursive: true });
  writeFileSync(
    join(prefix, 'nginx.conf'),
    `daemon off;\nworker_processes 1;\npid ${prefix}/nginx.pid;\nerror_log ${prefix}/logs/error.log;\nevents { worker_connections 512; }\nhttp {\n  access_log off;\n` +
      ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${prefix}/${t};\n`).join('') +
      `${site}\n}\n`,
  );
  nginx = spawn(NGINX, ['-p', prefix, '-c', join(prefix, 'nginx.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  nginx.once('exit', (code) => code && console.error(`nginx exited ${code}: ${readFileSync(join(prefix, 'logs/error.log'), 'utf8')}`));
  for (let i = 0; ; i++) {
    const ok = await fetch(`http://127.0.0.1:${nginxPort}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 100) throw new Error('nginx did not answer');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

e2e.after(async () => {
  await stopProcess(nginx, 'SIGTERM');
  for (const child of instances) await stopProcess(child);
  await stopProcess(redis);
  if (root) remove(root);
});

const url = (path: string) => `http://127.0.0.1:${nginxPort}${path}`;
const skipped = () => !NGINX || !REDIS;

/** Logs in through nginx; the cookies and CSRF header of the session. */
async function logIn(): Promise<Record<string, string>> {
  const login = await fetch(url('/login'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'member', password: PASSWORD }) });
  assert.is(login.status, 200, await login.clone().text());
  const cookie = login.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
  const token = await fetch(url('/csrf-token'), { headers: { cookie } });
  assert.is(token.status, 200);
  return { cookie, 'x-csrf-token': ((await token.json()) as { token: string }).token };
}

e2e('logged in through nginx: requests alternate between instances and stay logged in', async () => {
  if (skipped()) return;
  const headers = await logIn();
  const seen = new Set<string>();
  for (let i = 0; i < 10; i++) {
    const me = await fetch(url('/me'), { headers });
    assert.is(me.status, 200);
    assert.equal(await me.json(), { name: 'member' });
    seen.add(me.headers.get('x-instance-id') ?? '');
  }
  assert.equal([...seen].sort(), ['instance-0', 'instance-1']);
});

e2e('rate limits count across instances: the request counter and the login throttle', async () => {
  if (skipped()) return;
  const remaining: number[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < 6; i++) {
    const res = await fetch(url('/health'));
    seen.add(res.headers.get('x-instance-id') ?? '');
    remaining.push(Number(/r=(\d+)/.exec(res.headers.get('ratelimit') ?? '')?.[1]));
    await res.arrayBuffer();
  }
  assert.equal([...seen].sort(), ['instance-0', 'instance-1']);
  // One counter for both instances: every request takes one off, whichever instance answers.
  for (let i = 1; i < remaining.length; i++) assert.is(remaining[i], remaining[i - 1] - 1, `RateLimit remaining ${remaining.join(', ')}`);
  // AUTH_ATTEMPTS_PER_USER=4 in total, not per instance.
  const statuses: number[] = [];
  const answeredBy = new Set<string>();
  for (let i = 0; i < 6; i++) {
    const res = await fetch(url('/login'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'guesser', password: `guess ${i}` }) });
    statuses.push(res.status);
    answeredBy.add(res.headers.get('x-instance-id') ?? '');
    if (res.status === 429) assert.ok(Number(res.headers.get('retry-after')) > 0);
    await res.arrayBuffer();
  }
  assert.equal(statuses, [401, 401, 401, 401, 429, 429]);
  assert.is(answeredBy.size, 2);
});

e2e('a cached response invalidated on one instance is gone on the other', async () => {
  if (skipped()) return;
  const headers = await logIn();
  // Fill both caches: anonymous GET /users, until each instance answered from its cache.
  const hitOn = new Set<string>();
  for (let i = 0; i < 20 && hitOn.size < 2; i++) {
    const res = await fetch(url('/users'));
    if (res.headers.get('x-cache') === 'HIT') hitOn.add(res.headers.get('x-instance-id') ?? '');
    await res.arrayBuffer();
  }
  assert.is(hitOn.size, 2, 'both instances cache GET /users');
  const created = await fetch(url('/users'), {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Someone', email: 'someone@example.com' }),
  });
  assert.is(created.status, 201, await created.clone().text());
  const writer = created.headers.get('x-instance-id');
  // The first GET on each instance afterwards runs its handler again.
  const missOn = new Set<string>();
  for (let i = 0; i < 10 && missOn.size < 2; i++) {
    const res = await fetch(url('/users'));
    const instance = res.headers.get('x-instance-id') ?? '';
    if (!missOn.has(instance)) {
      assert.is(res.headers.get('x-cache'), 'MISS', `first GET /users on ${instance} after a POST on ${writer}`);
      missOn.add(instance);
    }
    await res.arrayBuffer();
  }
  assert.is(missOn.size, 2);
});

/** Sends GET /me with `concurrency` requests at once until `stop()` resolves; counts the answers. */
function load(headers: Record<string, string>, concurrency: number) {
  const counts = new Map<string, number>();
  let running = true;
  const count = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
  const workers = Array.from({ length: concurrency }, async () => {
    while (running) {
      try {
        const res = await fetch(url('/me'), { headers });
        count(String(res.status));
        if (res.status === 503) assert.ok(res.headers.get('retry-after'), '503 without Retry-After');
        await res.arrayBuffer();
      } catch {
        count('network error');
      }
    }
  });
  return {
    counts,
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    async stop() {
      running = false;
      await Promise.all(workers);
      return Object.fromEntries(counts);
    },
  };
}

async function until(condition: () => boolean, what: string, counts?: Map<string, number>): Promise<void> {
  for (let i = 0; !condition(); i++) {
    if (i > 600) throw new Error(`timed out waiting for ${what}${counts ? `: ${JSON.stringify(Object.fromEntries(counts))}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

e2e('an instance killed under load: no failed requests beyond those in flight on it', async () => {
  if (skipped()) return;
  const headers = await logIn();
  const concurrency = 8;
  const traffic = load(headers, concurrency);
  await until(() => traffic.total() > 200, 'traffic');
  await stopProcess(instances[1]);
  const atKill = traffic.total();
  await until(() => traffic.total() > atKill + 300, 'traffic after the kill');
  const figures = await traffic.stop();
  const failed = traffic.total() - (figures['200'] ?? 0);
  console.log(`  store-redis: instance killed under load: ${JSON.stringify(figures)}; failed ${failed} (at most ${concurrency} in flight)`);
  assert.ok(failed <= concurrency, `failed ${failed} > ${concurrency} in flight`);
  await startInstance(1);
});

e2e('Redis restarted under load: 503 while it is down, full recovery after, no instance restarted', async () => {
  if (skipped()) return;
  const headers = await logIn();
  const pids = instances.map((child) => child?.pid);
  const traffic = load(headers, 4);
  await until(() => (traffic.counts.get('200') ?? 0) > 100, 'traffic');
  await stopProcess(redis);
  await until(() => (traffic.counts.get('503') ?? 0) > 20, '503s while Redis is down', traffic.counts);
  const down = Object.fromEntries(traffic.counts);
  await startRedis();
  // Everything recovers: a run of 200 answers, with no error in between.
  const okBefore = traffic.counts.get('200') ?? 0;
  await until(() => (traffic.counts.get('200') ?? 0) > okBefore + 200, 'recovery', traffic.counts);
  const recovered = Object.fromEntries(traffic.counts);
  const tail = load(headers, 4);
  await until(() => tail.total() > 200, 'traffic after recovery');
  const after = await tail.stop();
  const figures = await traffic.stop();
  console.log(
    `  store-redis: Redis restarted under load: while down ${JSON.stringify(down)}, at recovery ${JSON.stringify(recovered)}, total ${JSON.stringify(figures)}; afterwards ${JSON.stringify(after)}`,
  );
  assert.equal(Object.keys(figures).sort(), ['200', '503'], 'only 200 and 503 answers');
  assert.equal(Object.keys(after), ['200'], 'after recovery every request succeeds');
  assert.equal(
    instances.map((child) => child?.pid),
    pids,
  );
  assert.ok(instances.every((child) => child?.exitCode === null));
});

e2e.run();
