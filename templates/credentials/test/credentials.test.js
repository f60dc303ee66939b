// @ts-check
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { hashPassword, parsePasswordHash, verifyPassword, dummyPasswordHash, MAX_PASSWORD_LENGTH } from '../src/lib/password.js';
import { loadUsers, readLoginBody } from '../src/lib/credentials.js';
import { ConfigError } from '../src/lib/config-loader.js';
import { HttpError } from '../src/lib/http-error.js';

/** Cheap cost for tests: the format and the code path are the same as in production. */
const FAST = { N: 1024, r: 8, p: 1 };

/** The login limits of the generated config.js with auth, loose enough not to get in the way. */
const LIMITS = { hashConcurrency: 2, hashQueue: 16, attemptsPerAddress: 50, attemptsPerUser: 10, attemptWindow: 900_000 };

/**
 * `loadUsers` as an auth style calls it.
 * @param {string[]} users
 * @param {string} [env]
 * @param {Partial<typeof LIMITS>} [limits]
 */
const load = (users, env = 'test', limits = {}) => loadUsers({ env, trustProxy: false, auth: { users, ...LIMITS, ...limits } });

/** What `verify` reads of a request: the client address. @param {string} [address] */
const from = (address = '192.0.2.1') => /** @type {import('../src/lib/pipeline.js').Request} */ (/** @type {unknown} */ ({ headers: {}, socket: { remoteAddress: address } }));

test('hashPassword -> verifyPassword: right password true, wrong one false', async () => {
  const text = await hashPassword('correct horse', FAST);
  assert.match(text, /^scrypt:1024:8:1:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]{43}$/);
  const hash = parsePasswordHash(text);
  assert.ok(hash);
  assert.equal(await verifyPassword('correct horse', hash), true);
  assert.equal(await verifyPassword('correct horsf', hash), false);
  assert.equal(await verifyPassword('', hash), false);
});

test('the same password hashes differently each time (random salt)', async () => {
  assert.notEqual(await hashPassword('x', FAST), await hashPassword('x', FAST));
});

test('passwords are NFC-normalised: composed and decomposed "é" are the same password', async () => {
  const hash = parsePasswordHash(await hashPassword('caf\u00e9', FAST));
  assert.ok(hash);
  assert.equal(await verifyPassword('cafe\u0301', hash), true);
});

test('overlong passwords never verify, even as a prefix of the real one', async () => {
  const long = 'a'.repeat(MAX_PASSWORD_LENGTH);
  const hash = parsePasswordHash(await hashPassword(long, FAST));
  assert.ok(hash);
  assert.equal(await verifyPassword(long, hash), true);
  assert.equal(await verifyPassword(`${long}a`, hash), false);
});

test('parsePasswordHash refuses anything malformed or with unsafe costs', async () => {
  const good = await hashPassword('x', FAST);
  const [, , , , salt, key] = good.split(':');
  for (const text of [
    '',
    'bcrypt:1024:8:1:' + salt + ':' + key,
    `scrypt:1000:8:1:${salt}:${key}`,
    `scrypt:512:8:1:${salt}:${key}`,
    `scrypt:1048576:8:1:${salt}:${key}`,
    `scrypt:1024:0:1:${salt}:${key}`,
    `scrypt:1024:8:1:${salt}:${key}x`,
    `scrypt:1024:8:1:${salt}:${key}:extra`,
    `scrypt:1024:8:1:abc:${key}`,
    `scrypt:1024:8:1:${salt}:${key.replace(/./, '+')}`,
    `scrypt:0x400:8:1:${salt}:${key}`,
  ]) {
    assert.equal(parsePasswordHash(text), null, text);
  }
  await assert.rejects(hashPassword('x', { N: 1000, r: 8, p: 1 }), RangeError);
});

test('a dummy hash never verifies', async () => {
  assert.equal(await verifyPassword('', dummyPasswordHash(FAST)), false);
  assert.equal(await verifyPassword('anything', dummyPasswordHash(FAST)), false);
});

test('loadUsers: right name and password pass; unknown name and wrong password both fail', async () => {
  const users = load([`admin:${await hashPassword('s3cret', FAST)}`, ` editor:${await hashPassword('other', FAST)} `]);
  assert.equal(users.count, 2);
  assert.deepEqual(await users.verify('admin', 's3cret', from()), { name: 'admin' });
  assert.deepEqual(await users.verify('editor', 'other', from()), { name: 'editor' });
  assert.equal(await users.verify('admin', 'wrong', from()), null);
  assert.equal(await users.verify('editor', 's3cret', from()), null, "another user's password");
  assert.equal(await users.verify('nobody', 's3cret', from()), null, 'unknown user with a real password');
  assert.equal(await users.verify('Admin', 's3cret', from()), null, 'names are case-sensitive');
  assert.equal(users.has('admin'), true);
  assert.equal(users.has('nobody'), false);
});

test('loadUsers refuses malformed entries, duplicates, and an empty list in production', async () => {
  const hash = await hashPassword('x', FAST);
  for (const entries of [['admin'], ['admin:'], [`:${hash}`], ['admin:scrypt:1:2:3'], [`a\x01b:${hash}`], [`admin:${hash}`, `admin:${hash}`]]) {
    assert.throws(() => load(entries), ConfigError, JSON.stringify(entries));
  }
  assert.throws(() => load([], 'production'), /AUTH_USERS is empty/);
  const nobody = load([]);
  assert.equal(await nobody.verify('admin', 'x', from()), null);
});

test('login attempts are limited per client address and per user name: 429 with Retry-After before any hashing', async () => {
  const users = load([`admin:${await hashPassword('s3cret', FAST)}`, `editor:${await hashPassword('other', FAST)}`], 'test', { attemptsPerAddress: 5, attemptsPerUser: 3 });
  /** @param {Promise<unknown>} attempt @param {RegExp} message */
  const tooMany = (attempt, message) =>
    assert.rejects(attempt, (err) => err instanceof HttpError && err.status === 429 && message.test(err.message) && Number(err.headers?.['Retry-After']) > 800);
  // Per name, whatever the address: the fourth wrong guess for admin is refused, even with the right password.
  for (const address of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) assert.equal(await users.verify('admin', 'guess', from(address)), null);
  await tooMany(users.verify('admin', 's3cret', from('192.0.2.4')), /for this user/);
  // Right passwords do not use up the allowance.
  for (let i = 0; i < 10; i++) assert.deepEqual(await users.verify('editor', 'other', from('198.51.100.1')), { name: 'editor' });
  // Per address, whatever the name: five wrong guesses from one address (attempts in flight count too).
  const address = from('198.51.100.7');
  const guesses = await Promise.allSettled(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((name) => users.verify(name, 'guess', address)));
  assert.deepEqual(
    guesses.map((g) => g.status),
    ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected'],
  );
  await tooMany(users.verify('editor', 'other', address), /from this address/);
  assert.deepEqual(await users.verify('editor', 'other', from('198.51.100.8')), { name: 'editor' }, 'other addresses are not affected');
});

test('password hashes in flight are bounded: beyond the queue, 503 with Retry-After at once', async () => {
  const users = load([`admin:${await hashPassword('s3cret', FAST)}`], 'test', { hashConcurrency: 1, hashQueue: 2, attemptsPerAddress: 100, attemptsPerUser: 100 });
  const results = await Promise.allSettled(Array.from({ length: 6 }, () => users.verify('admin', 'wrong', from())));
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected', 'rejected'],
    'one running, two waiting, the rest refused',
  );
  for (const result of results.slice(3)) {
    const err = /** @type {PromiseRejectedResult} */ (result).reason;
    assert.ok(err instanceof HttpError && err.status === 503 && err.headers?.['Retry-After'] === '1', String(err));
  }
  assert.deepEqual(await users.verify('admin', 's3cret', from()), { name: 'admin' }, 'the slots are free again');
  assert.throws(() => load([], 'test', { hashConcurrency: 0 }), /AUTH_HASH_CONCURRENCY must be a whole number of 1 or more/);
  assert.throws(() => load([], 'test', { attemptWindow: 1.5 }), /AUTH_ATTEMPT_WINDOW/);
});

test('readLoginBody takes strings from a JSON or form body and refuses anything else with 400', () => {
  const req = /** @type {any} */ ({ body: { username: 'admin', password: 'pw' } });
  assert.deepEqual(readLoginBody(req), { username: 'admin', password: 'pw' });
  const form = Object.assign(Object.create(null), { username: 'admin', password: 'pw' });
  assert.deepEqual(readLoginBody(/** @type {any} */ ({ body: form })), { username: 'admin', password: 'pw' });
  for (const body of [
    undefined,
    null,
    'text',
    [],
    {},
    { username: 'a' },
    { username: ['a', 'b'], password: 'x' },
    { username: 'a', password: 1 },
    { username: '', password: 'x' },
    { username: 'a'.repeat(101), password: 'x' },
  ]) {
    assert.throws(
      () => readLoginBody(/** @type {any} */ ({ body })),
      (err) => err instanceof HttpError && err.status === 400,
      JSON.stringify(body),
    );
  }
});

test('npm run hash-password: reads the password from stdin and prints name:hash', async () => {
  const script = fileURLToPath(new URL('../scripts/hash-password.js', import.meta.url));
  const run = (/** @type {string[]} */ args, /** @type {string} */ input) =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('close', (code) => resolve({ code, out, err }));
      // A refused name exits before reading stdin: writing to it then fails with EPIPE, which is not the test's point.
      child.stdin.on('error', () => {});
      child.stdin.end(input);
    });
  const [ok, badName, empty] = /** @type {{ code: number, out: string }[]} */ (await Promise.all([run(['admin'], 'pass word\n'), run(['a:b'], 'x'), run([], '\n')]));
  assert.equal(ok.code, 0);
  const line = ok.out.trim();
  assert.match(line, /^admin:scrypt:32768:8:1:/);
  const users = load([line]);
  assert.deepEqual(await users.verify('admin', 'pass word', from()), { name: 'admin' });
  assert.equal(badName.code, 1, 'a name with ":"');
  assert.equal(empty.code, 1, 'an empty password');
});
