// @ts-check
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { servicesEnv, startApp, testServices } from './helpers.js';
import { hashPassword } from '../src/lib/password.js';
import { ConfigError } from '../src/lib/config-loader.js';
import { deriveKey } from '../src/lib/secrets.js';
import { session, sign, newSessionId } from '../src/lib/session.js';
import { createFileStore, createMemoryStore, sweep } from '../src/lib/session-store.js';

/** A cheap scrypt cost keeps the tests fast; the code path is the production one. */
const FAST = { N: 1024, r: 8, p: 1 };
const users = [`admin:${await hashPassword('s3cret pw', FAST)}`, `editor:${await hashPassword('other pw', FAST)}`];
const SECRET_A = randomBytes(32).toString('base64url');
const SECRET_B = randomBytes(32).toString('base64url');
const COOKIE = /^sid=([A-Za-z0-9_-]{43})\.[A-Za-z0-9_-]{43}$/;

/** @param {Record<string, any>} [sessionSettings] @param {Record<string, any>} [more] */
function start(sessionSettings = {}, more = {}) {
  return startApp({ auth: { users }, session: { secrets: [SECRET_A], ...sessionSettings }, ...more });
}

/** A fresh folder for a file store, removed after the test. @param {import('node:test').TestContext} t */
function storeDir(t) {
  const dir = mkdtempSync(join(tmpdir(), 'sessions-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * @param {{ fetch: (path: string, init?: RequestInit) => Promise<Response> }} app
 * @param {Record<string, string>} [headers]
 */
function login(app, username = 'admin', password = 's3cret pw', headers = {}) {
  return app.fetch('/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ username, password }),
  });
}

/** The session's Set-Cookie line (other features may set cookies of their own). @param {Response} res */
function sessionSetCookie(res) {
  return res.headers.getSetCookie().find((line) => /^(__Host-)?sid=/.test(line)) ?? '';
}

/** The `name=value` part of the session's Set-Cookie. @param {Response} res */
function cookieOf(res) {
  const line = sessionSetCookie(res);
  assert.ok(line, 'expected a session Set-Cookie header');
  return line.split(';')[0];
}

/** @param {string} cookie */
const withCookie = (cookie) => ({ headers: { cookie } });

/**
 * Headers for a state-changing request of a client that has a session: its
 * cookie, plus a CSRF token when the project has CSRF protection (then
 * GET /csrf-token exists), so these tests hold with or without it.
 * @param {(path: string, init?: RequestInit) => Promise<Response>} fetchFrom
 * @param {string} cookie
 * @returns {Promise<Record<string, string>>}
 */
async function sessionHeaders(fetchFrom, cookie) {
  const res = await fetchFrom('/csrf-token', withCookie(cookie));
  if (res.status === 404) return { cookie };
  assert.equal(res.status, 200);
  const { token } = await res.json();
  const csrfCookie = res.headers.getSetCookie()[0].split(';')[0];
  return { cookie: `${cookie}; ${csrfCookie}`, 'x-csrf-token': token };
}

test('login sets a signed HttpOnly SameSite=Lax cookie; /me returns the user', async (t) => {
  const app = await start();
  t.after(() => app.close());
  const res = await login(app);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { name: 'admin' });
  const setCookie = sessionSetCookie(res);
  assert.match(setCookie, /^sid=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Max-Age=28800; Path=\/; HttpOnly; SameSite=Lax$/);
  const cookie = cookieOf(res);
  assert.match(cookie, COOKIE);

  const me = await app.fetch('/me', withCookie(cookie));
  assert.equal(me.status, 200);
  assert.deepEqual(await me.json(), { name: 'admin' });
  assert.equal(me.headers.get('cache-control'), 'private, no-store');
  assert.deepEqual(me.headers.getSetCookie(), [], 'an existing session needs no new cookie');
});

test('anonymous requests get no session cookie; /me without a session is 401', async (t) => {
  const app = await start();
  t.after(() => app.close());
  const health = await app.fetch('/health');
  assert.deepEqual(health.headers.getSetCookie(), []);
  const me = await app.fetch('/me');
  assert.equal(me.status, 401);
  assert.match(me.headers.get('www-authenticate') ?? '', /^Cookie realm="app", form-action="\/login"$/);
  assert.deepEqual(me.headers.getSetCookie(), []);
});

test('wrong password and unknown user: the same 401, no cookie', async (t) => {
  const app = await start();
  t.after(() => app.close());
  for (const [name, password] of [
    ['admin', 'wrong'],
    ['nobody', 's3cret pw'],
    ['admin', 'other pw'],
  ]) {
    const res = await login(app, name, password);
    assert.equal(res.status, 401, `${name}/${password}`);
    assert.deepEqual(await res.json(), { error: 'Unauthorized', status: 401, message: 'Wrong user name or password' });
    assert.deepEqual(res.headers.getSetCookie(), []);
  }
});

test('login without a proper body: 400 saying what to send', async (t) => {
  const app = await start();
  t.after(() => app.close());
  for (const body of ['{}', '{"username":"admin"}', '{"username":["admin"],"password":"s3cret pw"}', '{"username":"admin","password":123}', '[]']) {
    const res = await app.fetch('/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(res.status, 400, body);
    assert.match((await res.json()).message, /username and password/);
  }
  const empty = await app.fetch('/login', { method: 'POST' });
  assert.equal(empty.status, 400);
});

test('logout destroys the session and clears the cookie', async (t) => {
  const app = await start();
  t.after(() => app.close());
  const cookie = cookieOf(await login(app));
  const out = await app.fetch('/logout', { method: 'POST', headers: await sessionHeaders(app.fetch, cookie) });
  assert.equal(out.status, 204);
  assert.match(sessionSetCookie(out), /^sid=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=\/; HttpOnly; SameSite=Lax$/);
  const me = await app.fetch('/me', withCookie(cookie));
  assert.equal(me.status, 401, 'the old cookie is worthless');
  assert.match(sessionSetCookie(me), /^sid=; Max-Age=0/, 'a stale cookie is cleared');
  assert.equal((await app.fetch('/logout', { method: 'POST' })).status, 204, 'logout without a session is fine');
});

test('login regenerates the id: the cookie from before login stops working', async (t) => {
  const app = await start();
  t.after(() => app.close());
  const first = cookieOf(await login(app));
  const second = cookieOf(await login(app, 'editor', 'other pw', await sessionHeaders(app.fetch, first)));
  assert.notEqual(second, first);
  assert.equal((await app.fetch('/me', withCookie(first))).status, 401);
  assert.deepEqual(await (await app.fetch('/me', withCookie(second))).json(), { name: 'editor' });
});

test('session fixation: a planted, correctly signed but unknown id is never adopted', async (t) => {
  const app = await start();
  t.after(() => app.close());
  const plantedId = newSessionId();
  const planted = `sid=${sign(plantedId, deriveKey(SECRET_A, 'session-cookie'))}`;
  assert.equal((await app.fetch('/me', withCookie(planted))).status, 401);
  const cookie = cookieOf(await login(app, 'admin', 's3cret pw', { cookie: planted }));
  const id = COOKIE.exec(cookie)?.[1];
  assert.ok(id);
  assert.notEqual(id, plantedId);
});

test('tampered, unsigned and garbage cookies are refused (401) and cleared; the server keeps serving', async (t) => {
  const app = await start();
  t.after(() => app.close());
  const cookie = cookieOf(await login(app));
  const [, id] = /** @type {RegExpExecArray} */ (COOKIE.exec(cookie));
  // Change a character in the middle of the signature (the last one carries 2 unused bits).
  const at = cookie.length - 10;
  const tampered = cookie.slice(0, at) + (cookie[at] === 'A' ? 'B' : 'A') + cookie.slice(at + 1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const strayBits = cookie.slice(0, -1) + alphabet[alphabet.indexOf(cookie.at(-1) ?? 'A') | 1];
  const otherKey = sign(id, deriveKey(randomBytes(32).toString('base64url'), 'session-cookie'));
  for (const bad of [tampered, strayBits, `sid=${id}`, `sid=${otherKey}`, 'sid=../../etc/passwd', `sid=${'A'.repeat(4000)}`, 'sid=%ZZ', 'sid="unterminated']) {
    const res = await app.fetch('/me', withCookie(bad));
    assert.equal(res.status, 401, bad.slice(0, 60));
    assert.match(sessionSetCookie(res), /^sid=; Max-Age=0/, bad.slice(0, 60));
    assert.equal((await res.json()).stack, undefined);
  }
  assert.equal((await app.fetch('/me', withCookie(cookie))).status, 200);
});

test('idle timeout: a session unused for longer than idleTimeout ends', async (t) => {
  const app = await start({ idleTimeout: 60 });
  t.after(() => app.close());
  const cookie = cookieOf(await login(app));
  await sleep(100);
  assert.equal((await app.fetch('/me', withCookie(cookie))).status, 401);
});

test('idle timeout slides: regular use keeps the session alive past idleTimeout', async (t) => {
  const app = await start({ idleTimeout: 250 });
  t.after(() => app.close());
  const cookie = cookieOf(await login(app));
  for (let i = 0; i < 3; i++) {
    await sleep(100);
    assert.equal((await app.fetch('/me', withCookie(cookie))).status, 200, `request ${i + 1}`);
  }
});

test('absolute timeout: the session ends absoluteTimeout ms after login, however active', async (t) => {
  const app = await start({ absoluteTimeout: 100, idleTimeout: 3_600_000 });
  t.after(() => app.close());
  const res = await login(app);
  assert.match(sessionSetCookie(res), /; Max-Age=1;/, 'the cookie does not outlive the session (rounded up to a second)');
  const cookie = cookieOf(res);
  await sleep(120);
  assert.equal((await app.fetch('/me', withCookie(cookie))).status, 401);
});

test('secret rotation: the first secret signs, every secret verifies', async (t) => {
  const dir = storeDir(t);
  const oldApp = await start({ store: 'file', dir, secrets: [SECRET_A] });
  const oldCookie = cookieOf(await login(oldApp));
  await oldApp.close();

  const rotated = await start({ store: 'file', dir, secrets: [SECRET_B, SECRET_A] });
  t.after(() => rotated.close());
  assert.equal((await rotated.fetch('/me', withCookie(oldCookie))).status, 200, 'signed with the old secret, still valid');
  const newCookie = cookieOf(await login(rotated));
  const id = /** @type {string} */ (COOKIE.exec(newCookie)?.[1]);
  assert.equal(newCookie, `sid=${sign(id, deriveKey(SECRET_B, 'session-cookie'))}`, 'signed with the new secret');

  const onlyOld = await start({ store: 'file', dir, secrets: [SECRET_A] });
  t.after(() => onlyOld.close());
  assert.equal((await onlyOld.fetch('/me', withCookie(newCookie))).status, 401, 'without the new secret, its cookies fail');
});

test('file store: sessions survive a new app instance; files are named by hash, written atomically, private', async (t) => {
  const dir = storeDir(t);
  const first = await start({ store: 'file', dir });
  const cookie = cookieOf(await login(first));
  await first.close();

  const second = await start({ store: 'file', dir });
  t.after(() => second.close());
  assert.deepEqual(await (await second.fetch('/me', withCookie(cookie))).json(), { name: 'admin' });

  const id = /** @type {string} */ (COOKIE.exec(cookie)?.[1]);
  const files = readdirSync(dir);
  assert.equal(files.length, 1);
  assert.match(files[0], /^[0-9a-f]{64}\.json$/, 'no temporary files left, and the name is a hash');
  assert.ok(!files[0].includes(id));
  if (process.platform !== 'win32') assert.equal(statSync(join(dir, files[0])).mode & 0o777, 0o600);

  // A damaged file ends that session, not the server.
  writeFileSync(join(dir, files[0]), '{"data": nope');
  assert.equal((await second.fetch('/me', withCookie(cookie))).status, 401);
  assert.equal((await second.fetch('/health')).status, 200);
});

test('file store: every read sees what another process saved, touched or deleted since the last read', async (t) => {
  const dir = storeDir(t);
  // Two stores on one folder: two processes. `reader` keeps what it read lately; it must never serve it stale.
  const reader = createFileStore({ dir, ttl: 60_000, maxSessions: 50 });
  const writer = createFileStore({ dir, ttl: 60_000, maxSessions: 50 });
  t.after(() => [reader, writer].forEach((store) => store.close()));
  const id = newSessionId();
  const now = Date.now();
  await writer.set(id, { data: { step: 1 }, createdAt: now, lastSeen: now });
  assert.deepEqual((await reader.get(id))?.data, { step: 1 });
  assert.deepEqual((await reader.get(id))?.data, { step: 1 }, 'read again, unchanged');
  // Same size as before: only the identity of the file tells the two apart.
  await writer.set(id, { data: { step: 2 }, createdAt: now, lastSeen: now });
  assert.deepEqual((await reader.get(id))?.data, { step: 2 });
  const later = now + 5_000;
  await writer.touch(id, later);
  // File times keep less than a millisecond exactly.
  assert.ok(Math.abs(((await reader.get(id))?.lastSeen ?? 0) - later) < 1, 'the touch is seen');
  const record = await reader.get(id);
  if (record) record.data.step = 99;
  assert.deepEqual((await reader.get(id))?.data, { step: 2 }, 'a caller changing its record changes nothing stored');
  await writer.destroy(id);
  assert.equal(await reader.get(id), undefined);
});

test('several processes: a session made in one is valid in another (file store, chosen automatically in a worker)', async (t) => {
  const dir = storeDir(t);
  // A project with a shared store (Redis, files) keeps sessions where it says:
  // both processes stay on auto and get the same store settings. Otherwise
  // this one uses the file store that auto picks in a worker.
  const services = await testServices();
  const app = await start({ store: Object.keys(services).length > 0 ? 'auto' : 'file', dir }, services);
  t.after(() => app.close());
  const cookie = cookieOf(await login(app));

  // A second server process with an IPC channel, like a cluster worker: store 'auto' must pick the file store.
  const appUrl = new URL('../src/app.js', import.meta.url).href;
  const configUrl = new URL('../src/config.js', import.meta.url).href;
  const code = `
    import { buildApp } from ${JSON.stringify(appUrl)};
    import { readConfig } from ${JSON.stringify(configUrl)};
    const server = buildApp(readConfig()).createServer();
    server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
    process.on('disconnect', () => process.exit(0));`;
  const logDir = storeDir(t);
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: {
      ...process.env,
      ...servicesEnv(services),
      NODE_ENV: 'test',
      LOG_DIR: logDir,
      SESSION_STORE: 'auto',
      SESSION_DIR: dir,
      SESSION_SECRETS: SECRET_A,
      AUTH_USERS: users.join(','),
    },
  });
  t.after(() => {
    child.kill();
  });
  const port = await new Promise((resolve, reject) => {
    child.once('message', (/** @type {any} */ message) => resolve(message.port));
    child.once('exit', (status) => reject(new Error(`the second process exited (${status})`)));
  });
  const me = await fetch(`http://127.0.0.1:${port}/me`, withCookie(cookie));
  assert.equal(me.status, 200);
  assert.deepEqual(await me.json(), { name: 'admin' });
  // And back: a logout there ends the session here too.
  /** @param {string} path @param {RequestInit} [init] */
  const there = (path, init) => fetch(`http://127.0.0.1:${port}${path}`, init);
  assert.equal((await there('/logout', { method: 'POST', headers: await sessionHeaders(there, cookie) })).status, 204);
  assert.equal((await app.fetch('/me', withCookie(cookie))).status, 401);
});

test('the real server, whatever its process model (one process or several workers): a session works on every request', async (t) => {
  const dir = storeDir(t);
  const child = spawn(process.execPath, [fileURLToPath(new URL('../src/server.js', import.meta.url))], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_DIR: join(dir, 'logs'),
      HEAP_DIR: join(dir, 'heapdumps'),
      // Read only when the project runs several workers; the session store stays on auto.
      CLUSTER_WORKERS: '2',
      // The shared store's server when the project has one (its test Redis).
      ...servicesEnv(await testServices()),
      SESSION_DIR: join(dir, 'sessions'),
      SESSION_SECRETS: SECRET_A,
      AUTH_USERS: users.join(','),
    },
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  t.after(async () => {
    child.kill('SIGTERM');
    // A server that does not stop must not hang the test run.
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(force);
  });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    /** @param {Buffer} chunk */
    const read = (chunk) => {
      output += chunk;
      const match = /Listening on (http:\/\/[^\s]+)/.exec(output);
      if (match) resolve(match[1]);
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    exited.then(() => reject(new Error(`the server exited before listening:\n${output}`)));
  });
  /** A new connection per request, so several workers each get some. @param {string} path @param {Record<string, string>} headers @param {string} [body] */
  const call = (path, headers, body) =>
    new Promise((resolve, reject) => {
      const req = request(`${url}${path}`, { method: body === undefined ? 'GET' : 'POST', headers, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res));
      });
      req.on('error', reject);
      req.end(body);
    });
  const loggedIn = /** @type {import('node:http').IncomingMessage} */ (
    await call('/login', { 'content-type': 'application/json' }, JSON.stringify({ username: 'admin', password: 's3cret pw' }))
  );
  assert.equal(loggedIn.statusCode, 200);
  const cookie = (loggedIn.headers['set-cookie'] ?? []).find((line) => line.startsWith('sid='))?.split(';')[0];
  assert.ok(cookie);
  for (let i = 0; i < 12; i++) {
    const me = /** @type {import('node:http').IncomingMessage} */ (await call('/me', { cookie }));
    assert.equal(me.statusCode, 200, `request ${i + 1}`);
  }
});

test('memory store is bounded: beyond maxSessions the least recently used session goes', async (t) => {
  const app = await start({ store: 'memory', maxSessions: 2 });
  t.after(() => app.close());
  const first = cookieOf(await login(app));
  const second = cookieOf(await login(app));
  const third = cookieOf(await login(app));
  assert.equal((await app.fetch('/me', withCookie(first))).status, 401);
  assert.equal((await app.fetch('/me', withCookie(second))).status, 200);
  assert.equal((await app.fetch('/me', withCookie(third))).status, 200);
});

test('SESSION_MAX_SESSIONS bounds both stores at every moment, not only at the next sweep, however many sessions start at once', async (t) => {
  const dir = storeDir(t);
  const stores = [createFileStore({ dir, ttl: 60_000, maxSessions: 50 }), createMemoryStore({ ttl: 60_000, maxSessions: 50 })];
  t.after(() => stores.forEach((store) => store.close()));
  for (const store of stores) {
    const ids = Array.from({ length: 200 }, () => newSessionId());
    let most = 0;
    const count = async () => {
      if (store.kind === 'file') return readdirSync(dir).filter((name) => name.endsWith('.json')).length;
      return (await Promise.all(ids.map((id) => store.get(id)))).filter(Boolean).length;
    };
    await Promise.all(
      ids.map(async (id, i) => {
        const now = Date.now();
        await store.set(id, { data: { i }, createdAt: now, lastSeen: now });
        most = Math.max(most, await count());
      }),
    );
    assert.ok(most <= 50, `${store.kind} store held ${most} sessions`);
    assert.equal(await count(), 50, store.kind);
    assert.deepEqual((await store.get(ids[199]))?.data, { i: 199 }, 'the newest session is kept');
  }
});

test('HTTPS (production, or X-Forwarded-Proto behind a trusted proxy): Secure cookie with the __Host- prefix', async (t) => {
  const prod = await start({}, { env: 'production' });
  t.after(() => prod.close());
  const res = await login(prod);
  const setCookie = sessionSetCookie(res);
  assert.match(setCookie, /^__Host-sid=[^;]+; Max-Age=28800; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
  const cookie = cookieOf(res);
  assert.equal((await prod.fetch('/me', withCookie(cookie))).status, 200);
  assert.equal((await prod.fetch('/me', withCookie(cookie.replace('__Host-sid', 'sid')))).status, 401, 'the unprefixed name is not read');

  const proxied = await start({}, { trustProxy: true });
  t.after(() => proxied.close());
  const viaHttps = await login(proxied, 'admin', 's3cret pw', { 'x-forwarded-proto': 'https' });
  assert.match(sessionSetCookie(viaHttps), /^__Host-sid=.*; Secure;/);
  const viaHttp = await login(proxied);
  assert.match(sessionSetCookie(viaHttp), /^sid=/);

  const untrusted = await start();
  t.after(() => untrusted.close());
  const spoofed = await login(untrusted, 'admin', 's3cret pw', { 'x-forwarded-proto': 'https' });
  assert.match(sessionSetCookie(spoofed), /^sid=/, 'X-Forwarded-Proto is ignored without trustProxy');
});

test('a user removed from AUTH_USERS is logged out at the next request', async (t) => {
  const dir = storeDir(t);
  const before = await start({ store: 'file', dir });
  const cookie = cookieOf(await login(before));
  await before.close();
  const after = await startApp({ auth: { users: [users[1]] }, session: { secrets: [SECRET_A], store: 'file', dir } });
  t.after(() => after.close());
  assert.equal((await after.fetch('/me', withCookie(cookie))).status, 401);
});

test('file store sweep: idle sessions, dead temporary files and the excess over maxSessions go', async (t) => {
  const dir = storeDir(t);
  // Written with a higher bound: the sweep finds more after SESSION_MAX_SESSIONS was lowered.
  const store = createFileStore({ dir, ttl: 1000, maxSessions: 10 });
  t.after(() => store.close());
  const now = Date.now();
  for (const name of ['a', 'b', 'c', 'old']) await store.set(name, { data: { name }, createdAt: now, lastSeen: now });
  assert.equal(readdirSync(dir).length, 4);
  const past = (now - 120_000) / 1000;
  writeFileSync(join(dir, 'x.json.123.tmp'), '{');
  utimesSync(join(dir, 'x.json.123.tmp'), past, past);
  await store.touch('old', now - 120_000);
  await store.touch('a', now - 500);
  await sweep(dir, 1000, 2);
  assert.equal(await store.get('old'), undefined, 'idle too long');
  assert.equal(await store.get('a'), undefined, 'least recently used above maxSessions');
  assert.deepEqual((await store.get('b'))?.data, { name: 'b' });
  assert.deepEqual((await store.get('c'))?.data, { name: 'c' });
  assert.equal(readdirSync(dir).length, 2);
});

test('login attempts are throttled per user name and per address: 429 with Retry-After, even for the right password', async (t) => {
  const app = await start({}, { auth: { users, attemptsPerAddress: 4, attemptsPerUser: 2 } });
  t.after(() => app.close());
  for (const password of ['guess 1', 'guess 2']) assert.equal((await login(app, 'admin', password)).status, 401);
  const throttled = await login(app, 'admin', 's3cret pw');
  assert.equal(throttled.status, 429);
  assert.ok(Number(throttled.headers.get('retry-after')) > 0);
  assert.equal(sessionSetCookie(throttled), '', 'no session');
  assert.equal((await login(app, 'editor', 'other pw')).status, 200, 'another user');
  for (const password of ['guess 3', 'guess 4']) assert.equal((await login(app, 'editor', password)).status, 401);
  assert.equal((await login(app, 'editor', 'other pw')).status, 429, 'four failures from this address');
});

test('GET /metrics takes Authorization: Bearer $METRICS_TOKEN next to session logins', async (t) => {
  const metricsToken = randomBytes(24).toString('hex');
  const app = await start({}, { metrics: { token: metricsToken } });
  t.after(() => app.close());
  const scrape = await app.fetch('/metrics', { headers: { authorization: `Bearer ${metricsToken}` } });
  assert.equal(scrape.status, 200);
  assert.match(await scrape.text(), /^# HELP /m);
  const cookie = cookieOf(await login(app));
  const wrong = await app.fetch('/metrics', withCookie(cookie));
  assert.equal(wrong.status, 401, 'a user session is not the metrics token');
  await wrong.body?.cancel();
});

test('settings are checked at start; production refuses to start without SESSION_SECRETS', () => {
  const base = {
    env: 'test',
    trustProxy: false,
    session: { secrets: [SECRET_A], cookieName: 'sid', secure: 'auto', idleTimeout: 1000, absoluteTimeout: 2000, store: 'memory', dir: 'sessions', maxSessions: 10 },
  };
  /** @param {Record<string, unknown>} change @param {string} [env] */
  const config = (change, env = 'test') => ({ ...base, env, session: { ...base.session, ...change } });
  /** @type {[Record<string, unknown>, RegExp, string?][]} */
  const cases = [
    [{ secrets: [] }, /^SESSION_SECRETS is not set/, 'production'],
    [{ secrets: ['too short'] }, /SESSION_SECRETS: every secret needs at least 32/],
    [{ cookieName: 'a b' }, /SESSION_COOKIE_NAME/],
    [{ cookieName: '__Host-sid' }, /SESSION_COOKIE_NAME/],
    [{ secure: 'yes' }, /SESSION_SECURE/],
    [{ idleTimeout: 0 }, /SESSION_IDLE_TIMEOUT/],
    [{ absoluteTimeout: 1.5 }, /SESSION_ABSOLUTE_TIMEOUT/],
    [{ store: 'redis' }, /SESSION_STORE/],
    [{ maxSessions: 0 }, /SESSION_MAX_SESSIONS/],
  ];
  for (const [change, message, env] of cases) {
    assert.throws(
      () => session(config(change, env)),
      (err) => err instanceof ConfigError && message.test(err.message),
      JSON.stringify(change),
    );
  }
  assert.doesNotThrow(() => session(config({}, 'production')));
});
