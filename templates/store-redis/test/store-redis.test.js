// @ts-check
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../src/lib/pipeline.js';
import { createRouter } from '../src/lib/router.js';
import { rateLimit } from '../src/lib/rate-limit.js';
import { redisStore } from '../src/lib/store-redis.js';
import { readConfig } from '../src/config.js';
import { listen } from './helpers.js';
import { eventually, redisSkipReason, startRedis } from './redis-helpers.js';

// The shared store on a real redis-server (see test/redis-helpers.js).
const skip = redisSkipReason();
if (skip) console.log(`# skipped: ${skip}`);

/** @type {Awaited<ReturnType<typeof startRedis>>} */
let redis;
/** @type {{ close(): void }[]} */
const stores = [];

before(async () => {
  if (!skip) redis = await startRedis();
});
after(async () => {
  for (const store of stores) store.close();
  await redis?.close();
});

/**
 * The store middleware as src/app.js builds it, on `url`.
 * @param {string} url
 * @param {string} [prefix] a fresh one per test keeps tests apart
 */
function openStore(url, prefix = `test-${Math.random().toString(36).slice(2)}:`) {
  const config = readConfig({ NODE_ENV: 'test' });
  const middleware = redisStore({ redis: { ...config.redis, url, prefix, commandTimeout: 300 } });
  stores.push(middleware.store);
  return middleware;
}

test('sessions: stored with their idle timeout, touched, destroyed, at most maxSessions', { skip: skip ?? false }, async () => {
  const { store } = openStore(redis.url);
  const sessions = /** @type {NonNullable<typeof store.sessions>} */ (store.sessions)({ ttl: 60_000, maxSessions: 3 });
  const now = Date.now();
  for (const id of ['a', 'b', 'c']) await sessions.set(id, { data: { id }, createdAt: now, lastSeen: now });
  assert.deepEqual(await sessions.get('a'), { data: { id: 'a' }, createdAt: now, lastSeen: now });
  await sessions.touch('a', now + 1);
  // A fourth session makes room: the least recently used (b) goes.
  await sessions.set('d', { data: { id: 'd' }, createdAt: now, lastSeen: now + 2 });
  assert.equal(await sessions.get('b'), undefined);
  for (const id of ['a', 'c', 'd']) assert.ok(await sessions.get(id), id);
  // Saving an existing session again does not count as a new one.
  await sessions.set('a', { data: { id: 'a', more: true }, createdAt: now, lastSeen: now + 3 });
  assert.deepEqual((await sessions.get('a'))?.data, { id: 'a', more: true });
  assert.ok(await sessions.get('c'));
  await sessions.destroy('a');
  assert.equal(await sessions.get('a'), undefined);
});

test('counters are shared and atomic: two stores, many concurrent hits, one count', { skip: skip ?? false }, async () => {
  const prefix = `count-${Date.now()}:`;
  const one = openStore(redis.url, prefix).store;
  const two = openStore(redis.url, prefix).store;
  const results = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? one : two).hit('clicks', 60_000)));
  assert.deepEqual(
    results.map((r) => r.count).sort((a, b) => a - b),
    Array.from({ length: 100 }, (_, i) => i + 1),
  );
  assert.ok(results.every((r) => r.resetIn > 0 && r.resetIn <= 60_000));
  assert.equal((await one.hit('clicks', 60_000, -1)).count, 99);
});

test('broadcasts reach every store on the same Redis, the sender included', { skip: skip ?? false }, async () => {
  const prefix = `cast-${Date.now()}:`;
  const one = openStore(redis.url, prefix).store;
  const two = openStore(redis.url, prefix).store;
  /** @type {[string, unknown][]} */
  const heard = [];
  one.onBroadcast('news', (data) => heard.push(['one', data]));
  two.onBroadcast('news', (data) => heard.push(['two', data]));
  await eventually(async () => {
    heard.length = 0;
    await one.broadcast('news', { n: 1 });
    await eventually(async () => assert.equal(heard.length, 2), 20);
  });
  assert.deepEqual(heard.map(([who]) => who).sort(), ['one', 'two']);
  assert.deepEqual(heard[0][1], { n: 1 });
});

/**
 * An app with the Redis store: `/limited` is rate limited (needs Redis),
 * `/free` is not.
 * @param {string} url
 * @param {string} prefix
 */
async function startLimitedApp(url, prefix) {
  const app = createApp({ env: 'test', logError: () => {} });
  app.use(openStore(url, prefix));
  const router = createRouter({ maxParamLength: 100 });
  router.get('/limited', rateLimit({ limit: 3, window: 60_000, by: 'address' }, { name: 'limited' }), (req, res) => res.json({ ok: true }));
  router.get('/free', (req, res) => res.json({ ok: true }));
  app.use(router.middleware());
  return listen(app);
}

test('rate limits count across instances: 429 with Retry-After and RateLimit headers', { skip: skip ?? false }, async () => {
  const prefix = `limit-${Date.now()}:`;
  const one = await startLimitedApp(redis.url, prefix);
  const two = await startLimitedApp(redis.url, prefix);
  try {
    const statuses = [];
    for (const app of [one, two, one, two]) statuses.push((await fetch(`${app.url}/limited`)).status);
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    const refused = await fetch(`${one.url}/limited`);
    assert.equal(refused.status, 429);
    assert.match(refused.headers.get('retry-after') ?? '', /^\d+$/);
    assert.equal(refused.headers.get('ratelimit-policy'), '"limited";q=3;w=60');
    assert.match(refused.headers.get('ratelimit') ?? '', /^"limited";r=0;t=\d+$/);
  } finally {
    await one.close();
    await two.close();
  }
});

test('Redis down: 503 with Retry-After for what needs it, the rest keeps serving, recovery without restart', { skip: redisSkipReason({ ownServer: true }) ?? false }, async () => {
  const own = await startRedis();
  const app = await startLimitedApp(own.url, 'down:');
  try {
    assert.equal((await fetch(`${app.url}/limited`)).status, 200);
    await own.stop();
    const down = await fetch(`${app.url}/limited`);
    assert.equal(down.status, 503);
    assert.equal(down.headers.get('retry-after'), '1');
    assert.equal((await fetch(`${app.url}/free`)).status, 200);
    await own.start();
    await eventually(async () => assert.equal((await fetch(`${app.url}/limited`)).status, 200));
  } finally {
    await app.close();
    await own.close();
  }
});
