// @ts-check
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { startApp } from './helpers.js';
import { hashPassword } from '../src/lib/password.js';
import { ConfigError } from '../src/lib/config-loader.js';
import { basicAuth } from '../src/lib/auth-basic.js';
import { defaults } from '../src/config.js';

/** A cheap scrypt cost keeps the tests fast; the code path is the production one. */
const FAST = { N: 1024, r: 8, p: 1 };
const users = [
  `admin:${await hashPassword('s3cret pw', FAST)}`,
  `\u00e4dmin:${await hashPassword('p\u00e4ss', FAST)}`,
  // 'pad:x' is 5 bytes, so its base64 ends in '=' (used by the malformed-padding case).
  `pad:${await hashPassword('x', FAST)}`,
];
const CHALLENGE = 'Basic realm="Test area", charset="UTF-8"';

/** @param {string} name @param {string} password */
const basic = (name, password) => `Basic ${Buffer.from(`${name}:${password}`).toString('base64')}`;

/** @param {Record<string, any>} [auth] */
function start(auth = {}) {
  return startApp({ auth: { realm: 'Test area', users, cacheTtl: 60_000, ...auth } });
}

test('GET /me without credentials: 401 with the Basic challenge', async (t) => {
  const app = await start();
  t.after(() => app.close());
  const res = await app.fetch('/me');
  assert.equal(res.status, 401);
  assert.equal(res.headers.get('www-authenticate'), CHALLENGE);
});

test('GET /me with the right credentials returns the user', async (t) => {
  const app = await start();
  t.after(() => app.close());
  const res = await app.fetch('/me', { headers: { authorization: basic('admin', 's3cret pw') } });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { name: 'admin' });
  assert.equal(res.headers.get('cache-control'), 'private, no-store');
  // Again: answered from the verified-credentials cache, same result.
  const again = await app.fetch('/me', { headers: { authorization: basic('admin', 's3cret pw') } });
  assert.deepEqual(await again.json(), { name: 'admin' });
});

test('the scheme name is case-insensitive and UTF-8 names and passwords work', async (t) => {
  const app = await start();
  t.after(() => app.close());
  const res = await app.fetch('/me', { headers: { authorization: basic('\u00e4dmin', 'p\u00e4ss').replace('Basic', 'bAsIc') } });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { name: '\u00e4dmin' });
  // The same name in decomposed form (a + combining diaeresis) is the same user.
  const decomposed = await app.fetch('/me', { headers: { authorization: basic('a\u0308dmin', 'pa\u0308ss') } });
  assert.equal(decomposed.status, 200);
});

test('wrong password and unknown user get the same 401 (both are fully checked)', async (t) => {
  const app = await start();
  t.after(() => app.close());
  const wrongPassword = await app.fetch('/me', { headers: { authorization: basic('admin', 'wrong') } });
  const unknownUser = await app.fetch('/me', { headers: { authorization: basic('nobody', 's3cret pw') } });
  const otherUsersPassword = await app.fetch('/me', { headers: { authorization: basic('admin', 'p\u00e4ss') } });
  for (const res of [wrongPassword, unknownUser, otherUsersPassword]) {
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), CHALLENGE);
    assert.deepEqual(await res.json(), { error: 'Unauthorized', status: 401, message: 'Wrong user name or password' });
  }
});

test('a cached success does not let a wrong password in', async (t) => {
  const app = await start();
  t.after(() => app.close());
  assert.equal((await app.fetch('/me', { headers: { authorization: basic('admin', 's3cret pw') } })).status, 200);
  assert.equal((await app.fetch('/me', { headers: { authorization: basic('admin', 's3cret pwX') } })).status, 401);
  assert.equal((await app.fetch('/me', { headers: { authorization: basic('admin', 's3cret p') } })).status, 401);
});

test('with the cache off every request is verified', async (t) => {
  const app = await start({ cacheTtl: 0 });
  t.after(() => app.close());
  assert.equal((await app.fetch('/me', { headers: { authorization: basic('admin', 's3cret pw') } })).status, 200);
  assert.equal((await app.fetch('/me', { headers: { authorization: basic('admin', 'nope') } })).status, 401);
});

test('malformed Basic credentials get 401 with the challenge, and the server keeps serving', async (t) => {
  const app = await start();
  t.after(() => app.close());
  const cases = [
    'Basic',
    'Basic ',
    'Basic !!!!',
    `Basic ${Buffer.from('no-colon').toString('base64')}`,
    `Basic ${Buffer.from(':password-only').toString('base64')}`,
    `Basic ${Buffer.from('pad:x').toString('base64').replace(/=+$/, '')}`, // valid credentials, but not exact base64
    `Basic ${Buffer.from([0x61, 0x3a, 0xff, 0xfe]).toString('base64')}`, // not UTF-8
    `Basic ${Buffer.from('ad\nmin:x').toString('base64')}`, // control character
    `Basic ${Buffer.from('admin:s3cret pw').toString('base64')} extra`,
  ];
  assert.equal((await app.fetch('/me', { headers: { authorization: basic('pad', 'x') } })).status, 200);
  for (const authorization of cases) {
    const res = await app.fetch('/me', { headers: { authorization } });
    assert.equal(res.status, 401, authorization);
    assert.equal(res.headers.get('www-authenticate'), CHALLENGE, authorization);
    const body = await res.json();
    assert.equal(body.stack, undefined);
  }
  assert.equal((await app.fetch('/health')).status, 200);
});

test('other schemes are not Basic: no user, so /me asks for Basic', async (t) => {
  const app = await start();
  t.after(() => app.close());
  const res = await app.fetch('/me', { headers: { authorization: 'Bearer abc.def.ghi' } });
  assert.equal(res.status, 401);
  assert.equal(res.headers.get('www-authenticate'), CHALLENGE);
  // Public routes stay public.
  assert.equal((await app.fetch('/health', { headers: { authorization: 'Bearer x' } })).status, 200);
});

test('a huge Authorization header is refused by the server, which keeps serving', async (t) => {
  const app = await start();
  t.after(() => app.close());
  const status = await new Promise((resolve, reject) => {
    const req = request(`${app.url}/me`, { headers: { authorization: `Basic ${'A'.repeat(20_000)}` } }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(status, 431);
  assert.equal((await app.fetch('/me', { headers: { authorization: basic('admin', 's3cret pw') } })).status, 200);
});

test('wrong passwords cannot starve the server: hashes in flight are bounded (503 + Retry-After beyond the queue) and a static file still answers', async (t) => {
  // A real cost, so the hashes keep libuv's thread pool busy for a while.
  const slowUsers = [`admin:${await hashPassword('s3cret pw', { N: 2 ** 14, r: 8, p: 1 })}`];
  // One hash at a time and a queue of 2: however slowly the guesses reach the limiter (a shared
  // store counts each attempt first), the 32 of them overflow it.
  const app = await startApp({ auth: { users: slowUsers, attemptsPerAddress: 1000, attemptsPerUser: 1000, hashConcurrency: 1, hashQueue: 2 } });
  t.after(() => app.close());
  let hashed = 0;
  const guesses = Array.from({ length: 32 }, async (_, i) => {
    const res = await app.fetch('/me', { headers: { authorization: basic('admin', `guess ${i}`) } });
    await res.body?.cancel();
    if (res.status === 401) hashed++;
    return { status: res.status, retryAfter: res.headers.get('retry-after') };
  });
  // Let the guesses reach the server and their hashes start.
  await sleep(100);
  const hashedBefore = hashed;
  const file = await app.fetch('/style.css');
  assert.equal(file.status, 200);
  await file.arrayBuffer();
  const hashedMeanwhile = hashed - hashedBefore;
  const results = await Promise.all(guesses);
  // Unbounded, the file's reads queue behind every hash already waiting for the pool; bounded, threads stay free for them.
  assert.ok(hashedMeanwhile <= 8, `${hashedMeanwhile} hashes finished while the static file waited`);
  const refused = results.filter((r) => r.status === 503);
  assert.ok(refused.length > 0, 'the queue is bounded');
  assert.ok(refused.every((r) => r.retryAfter === '1'));
  assert.ok(
    results.every((r) => r.status === 401 || r.status === 503),
    JSON.stringify(results),
  );
});

test('login attempts are throttled per address and per user name: 429 with Retry-After, even for the right password', async (t) => {
  const app = await start({ attemptsPerAddress: 100, attemptsPerUser: 3 });
  t.after(() => app.close());
  for (let i = 0; i < 3; i++) {
    const res = await app.fetch('/me', { headers: { authorization: basic('admin', `guess ${i}`) } });
    assert.equal(res.status, 401);
    await res.body?.cancel();
  }
  const throttled = await app.fetch('/me', { headers: { authorization: basic('admin', 's3cret pw') } });
  assert.equal(throttled.status, 429);
  assert.ok(Number(throttled.headers.get('retry-after')) > 0);
  assert.match((await throttled.json()).message, /Too many login attempts/);
  const other = await app.fetch('/me', { headers: { authorization: basic('pad', 'x') } });
  assert.equal(other.status, 200, 'other users are not affected');
  await other.body?.cancel();
});

test('GET /metrics takes Authorization: Bearer $METRICS_TOKEN next to Basic logins', async (t) => {
  const metricsToken = randomBytes(24).toString('hex');
  const app = await startApp({ auth: { realm: 'Test area', users }, metrics: { token: metricsToken } });
  t.after(() => app.close());
  const scrape = await app.fetch('/metrics', { headers: { authorization: `Bearer ${metricsToken}` } });
  assert.equal(scrape.status, 200);
  assert.match(await scrape.text(), /^# HELP /m);
  const wrong = await app.fetch('/metrics', { headers: { authorization: basic('admin', 's3cret pw') } });
  assert.equal(wrong.status, 401, 'a user login is not the metrics token');
  await wrong.body?.cancel();
});

test('settings are checked at start: realm, cache ttl, users; production needs users', () => {
  const config = (/** @type {Record<string, any>} */ auth, env = 'test') => ({ env, trustProxy: false, auth: { ...defaults.auth, realm: 'Test area', users, cacheTtl: 0, ...auth } });
  assert.throws(
    () => basicAuth(config({ realm: 'bad "realm"' })),
    (err) => err instanceof ConfigError && /AUTH_REALM/.test(err.message),
  );
  assert.throws(
    () => basicAuth(config({ cacheTtl: -1 })),
    (err) => err instanceof ConfigError && /AUTH_CACHE_TTL/.test(err.message),
  );
  assert.throws(
    () => basicAuth(config({ users: ['admin:not-a-hash'] })),
    (err) => err instanceof ConfigError && /AUTH_USERS/.test(err.message),
  );
  assert.throws(
    () => basicAuth(config({ users: [] }, 'production')),
    (err) => err instanceof ConfigError && /AUTH_USERS is empty/.test(err.message),
  );
  assert.doesNotThrow(() => basicAuth(config({}, 'production')));
});
