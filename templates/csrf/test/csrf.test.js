// @ts-check
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp } from './helpers.js';
import { hashPassword } from '../src/lib/password.js';
import { ConfigError } from '../src/lib/config-loader.js';
import { csrf } from '../src/lib/csrf.js';

/** A cheap scrypt cost keeps the tests fast; the code path is the production one. */
const FAST = { N: 1024, r: 8, p: 1 };
const users = [`admin:${await hashPassword('s3cret pw', FAST)}`];
const SECRET = randomBytes(32).toString('base64url');
const CREDENTIALS = { username: 'admin', password: 's3cret pw' };
const TOKEN = /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/;

/** @param {Record<string, any>} [more] */
function start(more = {}) {
  return startApp({ auth: { users }, session: { secrets: [SECRET] }, ...more });
}

/** A browser-like client: keeps the cookies the server sets and sends them back. */
class Client {
  /** @param {{ fetch: (path: string, init?: RequestInit) => Promise<Response> }} app */
  constructor(app) {
    this.app = app;
    /** @type {Map<string, string>} */
    this.cookies = new Map();
  }

  /** @param {string} path @param {{ method?: string, headers?: Record<string, string>, body?: string }} [init] */
  async request(path, init = {}) {
    const headers = { ...init.headers };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const res = await this.app.fetch(path, { ...init, headers });
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';')[0];
      const name = pair.slice(0, pair.indexOf('='));
      if (/; Max-Age=0/.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(pair.indexOf('=') + 1));
    }
    return res;
  }

  /** @param {string} path @param {unknown} body @param {Record<string, string>} [headers] */
  post(path, body = {}, headers = {}) {
    return this.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  }

  /** A token from GET /csrf-token. */
  async token() {
    const res = await this.request('/csrf-token');
    assert.equal(res.status, 200);
    return /** @type {string} */ ((await res.json()).token);
  }

  /** Logs in with a visitor's token first, the way a login form does. */
  async login() {
    const token = await this.token();
    const res = await this.post('/login', CREDENTIALS, { 'x-csrf-token': token });
    assert.equal(res.status, 200);
    return res;
  }
}

/** @param {Response} res */
async function assertForbidden(res) {
  assert.equal(res.status, 403);
  const body = await res.json();
  assert.equal(body.stack, undefined);
  return body.message;
}

test('GET /csrf-token: a token and the same value in a readable cookie; a visitor gets no session', async (t) => {
  const app = await start();
  t.after(() => app.close());
  const client = new Client(app);
  const res = await client.request('/csrf-token');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const { token } = await res.json();
  assert.match(token, TOKEN);
  const lines = res.headers.getSetCookie();
  assert.deepEqual(lines, [`csrf=${token}; Path=/; SameSite=Strict`], 'the token cookie only: no session before login');
  const again = await client.request('/csrf-token');
  assert.equal((await again.json()).token, token, 'the same token while the cookie is valid');
  assert.deepEqual(again.headers.getSetCookie(), []);
});

test('anonymous visitors cost no stored session: 200 GET /csrf-token write nothing; a login writes one', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'csrf-sessions-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const app = await start({ session: { secrets: [SECRET], store: 'file', dir } });
  t.after(() => app.close());
  const sessionFiles = () => readdirSync(dir).filter((name) => name.endsWith('.json')).length;
  for (let i = 0; i < 200; i++) {
    const res = await app.fetch('/csrf-token');
    assert.equal(res.status, 200);
    await res.body?.cancel();
  }
  assert.equal(sessionFiles(), 0);
  const client = new Client(app);
  await client.login();
  assert.equal(sessionFiles(), 1);
});

test("a visitor's token is signed, not stored: a valid one passes a login, a forged or tampered one is refused", async (t) => {
  const app = await start();
  t.after(() => app.close());
  const client = new Client(app);
  const token = await client.token();
  const [random, signature] = token.split('.');
  const forged = `${random}.${signature.slice(0, -2)}${signature.at(-2) === 'A' ? 'B' : 'A'}${signature.at(-1)}`;
  client.cookies.set('csrf', forged);
  assert.match(await assertForbidden(await client.post('/login', CREDENTIALS, { 'x-csrf-token': forged })), /invalid/);
  client.cookies.set('csrf', token);
  const res = await client.post('/login', CREDENTIALS, { 'x-csrf-token': token });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { name: 'admin' });
  assert.notEqual(client.cookies.get('csrf'), token, 'login binds a new token to the session');
});

test('a state-changing request of a session without a token: 403; with the header token: passes', async (t) => {
  const app = await start();
  t.after(() => app.close());
  const client = new Client(app);
  await client.login();
  assert.match(await assertForbidden(await client.post('/logout')), /CSRF token missing/);
  const res = await client.post('/logout', {}, { 'x-csrf-token': /** @type {string} */ (client.cookies.get('csrf')) });
  assert.equal(res.status, 204);
});

test('login gives a new session id and with it a new token; the old token stops working', async (t) => {
  const app = await start();
  t.after(() => app.close());
  const client = new Client(app);
  const before = await client.token();
  await client.post('/login', CREDENTIALS, { 'x-csrf-token': before });
  const after = /** @type {string} */ (client.cookies.get('csrf'));
  assert.match(after, TOKEN);
  assert.notEqual(after, before);
  assert.match(await assertForbidden(await client.post('/logout', {}, { 'x-csrf-token': before })), /invalid/);
  const out = await client.post('/logout', {}, { 'x-csrf-token': after });
  assert.equal(out.status, 204);
  assert.equal(client.cookies.has('csrf'), false, 'logout drops the token cookie');
});

test('the token may come as a _csrf field of the parsed body instead of the header', async (t) => {
  const app = await start();
  t.after(() => app.close());
  const client = new Client(app);
  const token = await client.token();
  assert.match(await assertForbidden(await client.post('/login', { ...CREDENTIALS, _csrf: 'x'.repeat(66) })), /invalid/);
  assert.match(await assertForbidden(await client.post('/login', { ...CREDENTIALS, _csrf: ['a', 'b'] })), /missing/);
  const res = await client.post('/login', { ...CREDENTIALS, _csrf: token });
  assert.equal(res.status, 200);
});

test('a forged upload (a session, no header token) is refused before its body is read: no file reaches the disk', async (t) => {
  const uploadDir = mkdtempSync(join(tmpdir(), 'csrf-uploads-'));
  t.after(() => rmSync(uploadDir, { recursive: true, force: true }));
  // Where uploads would land when the project has the multipart parser.
  const app = await start({ body: { multipart: { uploadDir } } });
  t.after(() => app.close());
  const client = new Client(app);
  await client.login();
  const token = /** @type {string} */ (client.cookies.get('csrf'));
  const cookie = [...client.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  const boundary = 'forged';
  const filePart = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="payload.bin"\r\nContent-Type: application/octet-stream\r\n\r\n${'x'.repeat(4096)}`;
  // Even a _csrf field sent first does not count: an upload needs the header.
  const fieldFirst = `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${token}\r\n${filePart}`;
  for (const start of [filePart, fieldFirst]) {
    const { url } = app;
    // The body announces a megabyte and sends only its first part: an answer can only come from a check made before the body is read.
    const answer = await new Promise((resolve, reject) => {
      const req = request(`${url}/logout`, { method: 'POST', headers: { cookie, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': 1_048_576 } }, (res) => {
        res.resume();
        resolve(res.statusCode);
        req.destroy();
      });
      req.on('error', reject);
      req.setTimeout(5000, () => {
        req.destroy();
        resolve('no answer: the server waited for the body');
      });
      req.write(start);
    });
    assert.equal(answer, 403);
  }
  assert.deepEqual(readdirSync(uploadDir), []);
  // With the header the same session's request passes the check.
  const ok = await client.request('/logout', { method: 'POST', headers: { 'x-csrf-token': token } });
  assert.equal(ok.status, 204);
});

test("tokens are bound to their session: another session's token (with its cookie) is refused", async (t) => {
  const app = await start();
  t.after(() => app.close());
  const victim = new Client(app);
  await victim.login();
  const attacker = new Client(app);
  const attackerToken = await attacker.token();
  // The attacker plants their own token cookie next to the victim's session.
  victim.cookies.set('csrf', attackerToken);
  assert.match(await assertForbidden(await victim.post('/logout', {}, { 'x-csrf-token': attackerToken })), /invalid/);
});

test('double submit: the header must equal the token cookie', async (t) => {
  const app = await start();
  t.after(() => app.close());
  const client = new Client(app);
  await client.login();
  const first = /** @type {string} */ (client.cookies.get('csrf'));
  client.cookies.delete('csrf');
  const second = await client.token();
  assert.notEqual(second, first, 'both valid for this session');
  assert.match(await assertForbidden(await client.post('/logout', {}, { 'x-csrf-token': first })), /invalid/);
  client.cookies.delete('csrf');
  assert.match(await assertForbidden(await client.post('/logout', {}, { 'x-csrf-token': second })), /invalid/, 'no cookie at all');
});

test('tampered and malformed tokens are refused; the server keeps serving', async (t) => {
  const app = await start();
  t.after(() => app.close());
  const client = new Client(app);
  await client.login();
  const token = /** @type {string} */ (client.cookies.get('csrf'));
  const flipped = token.slice(0, -2) + (token.at(-2) === 'A' ? 'B' : 'A') + token.at(-1);
  for (const bad of [flipped, token.slice(1), `${token}x`, token.split('.')[0], 'a.b', '']) {
    client.cookies.set('csrf', bad || token);
    const res = await client.post('/logout', {}, { 'x-csrf-token': bad });
    assert.equal(res.status, 403, bad);
    await res.body?.cancel();
  }
  client.cookies.set('csrf', token);
  assert.equal((await client.request('/me')).status, 200);
});

test('safe methods need no token', async (t) => {
  const app = await start();
  t.after(() => app.close());
  const client = new Client(app);
  await client.login();
  for (const method of ['GET', 'HEAD', 'OPTIONS']) {
    const res = await client.request('/me', { method });
    assert.notEqual(res.status, 403, method);
    await res.body?.cancel();
  }
});

test('no session, no ambient authority: API clients and a first login need no token', async (t) => {
  const app = await start();
  t.after(() => app.close());
  const client = new Client(app);
  const res = await client.post('/login', CREDENTIALS);
  assert.equal(res.status, 200);
  // From now on the session exists, and the login response brought its token.
  const token = /** @type {string} */ (client.cookies.get('csrf'));
  assert.match(token, TOKEN);
  await assertForbidden(await client.post('/logout'));
  assert.equal((await client.post('/logout', {}, { 'x-csrf-token': token })).status, 204);
});

test('Sec-Fetch-Site: cross-site and same-site requests are refused, even with a valid token or without a session', async (t) => {
  const app = await start();
  t.after(() => app.close());
  const client = new Client(app);
  const token = await client.token();
  for (const site of ['cross-site', 'same-site']) {
    assert.match(await assertForbidden(await client.post('/login', CREDENTIALS, { 'x-csrf-token': token, 'sec-fetch-site': site })), /Cross-site/);
    // Login CSRF: a forged login without any session is stopped here too.
    assert.match(await assertForbidden(await new Client(app).post('/login', CREDENTIALS, { 'sec-fetch-site': site })), /Cross-site/);
  }
  for (const site of ['same-origin', 'none']) {
    const res = await new Client(app).post('/login', CREDENTIALS, { 'sec-fetch-site': site });
    assert.equal(res.status, 200, site);
  }
});

test('Origin must be our own or a trusted one; Origin: null is refused', async (t) => {
  const app = await start({ csrf: { trustedOrigins: ['https://app.example.com'] } });
  t.after(() => app.close());
  const own = new URL(app.url).origin;
  for (const origin of ['https://evil.example', 'null', `${own}.evil.example`, own.replace('http:', 'https:')]) {
    assert.match(await assertForbidden(await new Client(app).post('/login', CREDENTIALS, { origin })), /Cross-origin/, origin);
  }
  assert.equal((await new Client(app).post('/login', CREDENTIALS, { origin: own })).status, 200);
  assert.equal((await new Client(app).post('/login', CREDENTIALS, { origin: 'https://APP.example.com' })).status, 200, 'trusted');
  const trustedSibling = await new Client(app).post('/login', CREDENTIALS, { origin: 'https://app.example.com', 'sec-fetch-site': 'same-site' });
  assert.equal(trustedSibling.status, 200, 'a trusted origin may be same-site');
});

test('in production the token cookie is Secure with the __Host- prefix', async (t) => {
  const app = await start({ env: 'production' });
  t.after(() => app.close());
  const res = await app.fetch('/csrf-token');
  const { token } = await res.json();
  assert.ok(res.headers.getSetCookie().includes(`__Host-csrf=${token}; Path=/; Secure; SameSite=Strict`));
});

test('settings are checked at start', () => {
  const session = { secrets: [SECRET], cookieName: 'sid', secure: 'auto', idleTimeout: 1000, absoluteTimeout: 2000, store: 'memory', dir: 'sessions', maxSessions: 10 };
  /** @param {Record<string, unknown>} change */
  const config = (change, env = 'test') => ({ env, trustProxy: false, session, csrf: { trustedOrigins: [], cookieName: 'csrf', ...change } });
  for (const origin of ['https://app.example.com/path', 'app.example.com', 'ftp://x.example', '*']) {
    assert.throws(
      () => csrf(config({ trustedOrigins: [origin] })),
      (err) => err instanceof ConfigError && /CSRF_TRUSTED_ORIGINS/.test(err.message),
      origin,
    );
  }
  assert.throws(() => csrf(config({ cookieName: '__Host-csrf' })), /CSRF_COOKIE_NAME/);
  assert.throws(() => csrf({ ...config({}, 'production'), session: { ...session, secrets: [] } }), /SESSION_SECRETS is not set/);
  assert.doesNotThrow(() => csrf(config({ trustedOrigins: ['http://localhost:5173', 'https://app.example.com'] })));
});
