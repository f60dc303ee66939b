// @ts-check
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { startApp } from './helpers.js';
import { hashPassword } from '../src/lib/password.js';
import { ConfigError } from '../src/lib/config-loader.js';
import { signJwt } from '../src/lib/jwt.js';
import { login, tokenAuth } from '../src/lib/auth-token.js';
import { defaults } from '../src/config.js';

/** A cheap scrypt cost keeps the tests fast; the code path is the production one. */
const FAST = { N: 1024, r: 8, p: 1 };
const users = [`admin:${await hashPassword('s3cret pw', FAST)}`, `editor:${await hashPassword('other pw', FAST)}`];
const OLD = { kid: 'k1', secret: Buffer.from(randomBytes(32).toString('base64url')) };
const NEW = { kid: 'k2', secret: Buffer.from(randomBytes(32).toString('base64url')) };
/** @param {{ kid: string, secret: Buffer }} key */
const entry = (key) => `${key.kid}:${key.secret}`;

/** @param {Record<string, any>} [token] */
function start(token = {}) {
  return startApp({ auth: { users }, token: { keys: [entry(OLD)], ...token } });
}

const now = () => Math.floor(Date.now() / 1000);
/** Claims of a token valid right now for `sub`. @param {string} [sub] */
const claims = (sub = 'admin') => ({ sub, iat: now(), exp: now() + 600 });

/** @param {{ fetch: (path: string, init?: RequestInit) => Promise<Response> }} app @param {string} token */
function me(app, token) {
  return app.fetch('/me', { headers: { authorization: `Bearer ${token}` } });
}

/** @param {unknown} value */
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A token with any header, signed with HMAC-SHA256 (or with `signature`).
 * @param {Record<string, unknown>} header
 * @param {Record<string, unknown>} payload
 * @param {Buffer} [secret]
 */
function forge(header, payload, secret = OLD.secret) {
  const signingInput = `${b64(header)}.${b64(payload)}`;
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
}

/** @param {Response} res @param {RegExp} description */
async function assertInvalidToken(res, description) {
  assert.equal(res.status, 401);
  const challenge = res.headers.get('www-authenticate') ?? '';
  assert.match(challenge, /^Bearer realm="api", error="invalid_token", error_description="[^"\\]+"$/);
  assert.match(challenge, description);
  const body = await res.json();
  assert.equal(body.stack, undefined);
}

test('POST /login issues an HS256 JWT; GET /me accepts it', async (t) => {
  const app = await start();
  t.after(() => app.close());
  const res = await app.fetch('/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 's3cret pw' }) });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const body = await res.json();
  assert.equal(body.token_type, 'Bearer');
  assert.equal(body.expires_in, 900);
  const [header, payload] = body.access_token
    .split('.')
    .slice(0, 2)
    .map((/** @type {string} */ part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
  assert.deepEqual(header, { alg: 'HS256', typ: 'JWT', kid: 'k1' });
  assert.equal(payload.sub, 'admin');
  assert.equal(payload.exp - payload.iat, 900);
  assert.match(payload.jti, /^[A-Za-z0-9_-]{22}$/);

  const who = await me(app, body.access_token);
  assert.equal(who.status, 200);
  assert.deepEqual(await who.json(), { name: 'admin' });
  assert.equal(who.headers.get('cache-control'), 'private, no-store');
});

test('GET /me without a token: 401 with a plain Bearer challenge (no error code)', async (t) => {
  const app = await start();
  t.after(() => app.close());
  const res = await app.fetch('/me');
  assert.equal(res.status, 401);
  assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="api"');
  const basic = await app.fetch('/me', { headers: { authorization: 'Basic YWRtaW46eA==' } });
  assert.equal(basic.status, 401, 'another scheme is no token');
  assert.equal(basic.headers.get('www-authenticate'), 'Bearer realm="api"');
});

test('wrong password and unknown user: the same 401, no token', async (t) => {
  const app = await start();
  t.after(() => app.close());
  for (const [username, password] of [
    ['admin', 'nope'],
    ['nobody', 's3cret pw'],
  ]) {
    const res = await app.fetch('/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { error: 'Unauthorized', status: 401, message: 'Wrong user name or password' });
  }
  const bad = await app.fetch('/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":"admin"}' });
  assert.equal(bad.status, 400);
});

test('the algorithm is pinned: alg none, RS256, HS512 and friends are refused', async (t) => {
  const app = await start();
  t.after(() => app.close());
  const payload = claims();
  const unsigned = `${b64({ alg: 'none', typ: 'JWT', kid: 'k1' })}.${b64(payload)}.`;
  await assertInvalidToken(await me(app, unsigned), /not valid base64url/);
  const noneSigned = forge({ alg: 'none', typ: 'JWT', kid: 'k1' }, payload);
  await assertInvalidToken(await me(app, noneSigned), /Only HS256/);
  for (const alg of ['RS256', 'HS512', 'hs256', 'None', 'ES256', '']) {
    await assertInvalidToken(await me(app, forge({ alg, typ: 'JWT', kid: 'k1' }, payload)), /Only HS256/);
  }
  await assertInvalidToken(await me(app, forge({ typ: 'JWT', kid: 'k1' }, payload)), /Only HS256/);
});

test('header checks: typ must be JWT, crit is refused, kid must be known', async (t) => {
  const app = await start();
  t.after(() => app.close());
  const payload = claims();
  await assertInvalidToken(await me(app, forge({ alg: 'HS256', typ: 'JWS', kid: 'k1' }, payload)), /type must be JWT/);
  await assertInvalidToken(await me(app, forge({ alg: 'HS256', kid: 'k1' }, payload)), /type must be JWT/);
  await assertInvalidToken(await me(app, forge({ alg: 'HS256', typ: 'JWT', kid: 'k1', crit: ['exp'] }, payload)), /critical/);
  await assertInvalidToken(await me(app, forge({ alg: 'HS256', typ: 'JWT', kid: 'k9' }, payload)), /unknown key/);
  await assertInvalidToken(await me(app, forge({ alg: 'HS256', typ: 'JWT' }, payload)), /unknown key/);
  await assertInvalidToken(await me(app, forge({ alg: 'HS256', typ: 'JWT', kid: '__proto__' }, payload)), /unknown key/);
  assert.equal((await me(app, forge({ alg: 'HS256', typ: 'jwt', kid: 'k1' }, payload))).status, 200, 'typ is case-insensitive');
});

test('time claims: exp in the past, nbf and iat in the future are refused; small clock skew is tolerated', async (t) => {
  const app = await start({ clockSkew: 30 });
  t.after(() => app.close());
  const header = { alg: 'HS256', typ: 'JWT', kid: 'k1' };
  const n = now();
  await assertInvalidToken(await me(app, forge(header, { sub: 'admin', exp: n - 60 })), /expired/);
  await assertInvalidToken(await me(app, forge(header, { sub: 'admin' })), /no expiry/);
  await assertInvalidToken(await me(app, forge(header, { sub: 'admin', exp: String(n + 600) })), /no expiry/);
  await assertInvalidToken(await me(app, forge(header, { sub: 'admin', exp: n + 600, nbf: n + 120 })), /not valid yet/);
  await assertInvalidToken(await me(app, forge(header, { sub: 'admin', exp: n + 600, iat: n + 120 })), /issued in the future/);
  // Within the skew: a clock a few seconds apart still works.
  assert.equal((await me(app, forge(header, { sub: 'admin', exp: n - 10, nbf: n + 10, iat: n + 10 }))).status, 200);
});

test('tampered tokens are refused: changed payload, changed signature, other secret', async (t) => {
  const app = await start();
  t.after(() => app.close());
  const token = signJwt(claims('editor'), OLD);
  const [header, , signature] = token.split('.');
  await assertInvalidToken(await me(app, `${header}.${b64(claims('admin'))}.${signature}`), /signature is invalid/);
  const flipped = signature.slice(0, 10) + (signature[10] === 'A' ? 'B' : 'A') + signature.slice(11);
  await assertInvalidToken(await me(app, `${header}.${token.split('.')[1]}.${flipped}`), /signature is invalid/);
  await assertInvalidToken(await me(app, signJwt(claims(), { kid: 'k1', secret: Buffer.from('x'.repeat(40)) })), /signature is invalid/);
  await assertInvalidToken(await me(app, `${header}.${token.split('.')[1]}.${signature.slice(0, 20)}`), /signature is invalid/);
  assert.equal((await me(app, token)).status, 200);
});

test('strict base64url and structure: padding, +/, stray bits, wrong part counts, non-JSON', async (t) => {
  const app = await start();
  t.after(() => app.close());
  const token = signJwt(claims(), OLD);
  const [h, p, s] = token.split('.');
  for (const bad of [`${h}.${p}`, `${h}.${p}.${s}.${s}`, `${h}.${p}.${s}=`, `${h}.${p}.${s.replace(/-|_/g, '+')}/`]) {
    await assertInvalidToken(await me(app, bad), /./);
  }
  // 32 bytes take 43 characters with 2 unused bits in the last one: setting them gives
  // different text for the same bytes, which Node's decoder would accept silently.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const strayBits = s.slice(0, -1) + alphabet[alphabet.indexOf(s.at(-1) ?? 'A') | 1];
  assert.ok(Buffer.from(strayBits, 'base64url').equals(Buffer.from(s, 'base64url')));
  await assertInvalidToken(await me(app, `${h}.${p}.${strayBits}`), /not valid base64url/);
  for (const payload of ['[]', '"x"', 'null', '{bad json']) {
    const part = Buffer.from(payload).toString('base64url');
    const input = `${h}.${part}`;
    await assertInvalidToken(await me(app, `${input}.${createHmac('sha256', OLD.secret).update(input).digest('base64url')}`), /not a JSON object/);
  }
  const notUtf8 = Buffer.from([0xff, 0xfe]).toString('base64url');
  await assertInvalidToken(await me(app, `${notUtf8}.${p}.${s}`), /header is not a JSON object/);
  await assertInvalidToken(await me(app, 'a'.repeat(9000)), /too long/);
});

test('a malformed Authorization: Bearer header is 400 invalid_request; the server keeps serving', async (t) => {
  const app = await start();
  t.after(() => app.close());
  for (const authorization of ['Bearer', 'Bearer ', 'Bearer a b', 'Bearer \u00e4', 'Bearer ,', 'Bearer =abc', 'Bearer a=.b.c']) {
    const res = await app.fetch('/me', { headers: { authorization } });
    assert.equal(res.status, 400, authorization);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm="api", error="invalid_request"/);
  }
  assert.equal((await app.fetch('/health')).status, 200);
});

test('login attempts are throttled per user name: 429 with Retry-After, even for the right password', async (t) => {
  const app = await startApp({ auth: { users, attemptsPerUser: 2 }, token: { keys: [entry(OLD)] } });
  t.after(() => app.close());
  /** @param {string} password */
  const login = (password) => app.fetch('/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
  for (const password of ['guess 1', 'guess 2']) assert.equal((await login(password)).status, 401);
  const throttled = await login('s3cret pw');
  assert.equal(throttled.status, 429);
  assert.ok(Number(throttled.headers.get('retry-after')) > 0);
  assert.equal((await throttled.json()).access_token, undefined);
});

test('GET /metrics takes Authorization: Bearer $METRICS_TOKEN: other bearer credentials are not refused as bad tokens', async (t) => {
  const metricsToken = randomBytes(24).toString('hex');
  const app = await startApp({ auth: { users }, token: { keys: [entry(OLD)] }, metrics: { token: metricsToken } });
  t.after(() => app.close());
  const scrape = await app.fetch('/metrics', { headers: { authorization: `Bearer ${metricsToken}` } });
  assert.equal(scrape.status, 200);
  assert.match(await scrape.text(), /^# HELP /m);
  const wrong = await app.fetch('/metrics', { headers: { authorization: 'Bearer not-the-metrics-token' } });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.headers.get('www-authenticate'), 'Bearer realm="metrics"');
  await wrong.body?.cancel();
  // The metrics token is no login: a route that needs a user says why it was refused.
  await assertInvalidToken(await me(app, metricsToken), /./);
});

test('key rotation by kid: the new key signs, the old one still verifies; without a key its tokens fail', async (t) => {
  const oldToken = signJwt(claims(), OLD);
  const rotated = await start({ keys: [entry(NEW), entry(OLD)] });
  t.after(() => rotated.close());
  assert.equal((await me(rotated, oldToken)).status, 200, 'tokens out there keep working');
  const res = await rotated.fetch('/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 's3cret pw' }) });
  const { access_token: newToken } = await res.json();
  assert.equal(JSON.parse(Buffer.from(newToken.split('.')[0], 'base64url').toString()).kid, 'k2');

  const oldOnly = await start({ keys: [entry(OLD)] });
  t.after(() => oldOnly.close());
  await assertInvalidToken(await me(oldOnly, newToken), /unknown key/);
  const newOnly = await start({ keys: [entry(NEW)] });
  t.after(() => newOnly.close());
  await assertInvalidToken(await me(newOnly, oldToken), /unknown key/);
});

test('the subject must be a configured user', async (t) => {
  const app = await start();
  t.after(() => app.close());
  await assertInvalidToken(await me(app, signJwt(claims('nobody'), OLD)), /no known user/);
  await assertInvalidToken(await me(app, signJwt({ ...claims(), sub: 42 }, OLD)), /no known user/);
});

test('issuer and audience, when configured, are set and required', async (t) => {
  const app = await start({ issuer: 'https://api.example', audience: 'reports' });
  t.after(() => app.close());
  const res = await app.fetch('/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 's3cret pw' }) });
  const { access_token: token } = await res.json();
  const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
  assert.equal(payload.iss, 'https://api.example');
  assert.equal(payload.aud, 'reports');
  assert.equal((await me(app, token)).status, 200);
  assert.equal((await me(app, signJwt({ ...claims(), iss: 'https://api.example', aud: ['other', 'reports'] }, OLD))).status, 200);
  await assertInvalidToken(await me(app, signJwt({ ...claims(), aud: 'reports' }, OLD)), /wrong issuer/);
  await assertInvalidToken(await me(app, signJwt({ ...claims(), iss: 'https://api.example', aud: 'other' }, OLD)), /audience/);
});

test('settings are checked at start; production refuses to start without TOKEN_KEYS', () => {
  const base = { keys: [entry(OLD)], ttl: 900, clockSkew: 30, issuer: '', audience: '', realm: 'api' };
  /** @param {Record<string, unknown>} change @param {string} [env] */
  const config = (change, env = 'test') => ({ env, trustProxy: false, auth: { ...defaults.auth, users }, token: { ...base, ...change } });
  /** @type {[Record<string, unknown>, RegExp, string?][]} */
  const cases = [
    [{ keys: [] }, /^TOKEN_KEYS is not set/, 'production'],
    [{ keys: ['no-colon-here-but-long-enough-to-be-a-secret'] }, /TOKEN_KEYS: each entry must be kid:secret/],
    [{ keys: ['k1:short'] }, /TOKEN_KEYS: every secret needs at least 32/],
    [{ keys: [entry(OLD), entry(OLD)] }, /appears twice/],
    [{ keys: [`bad kid:${OLD.secret}`] }, /TOKEN_KEYS/],
    [{ ttl: 0 }, /TOKEN_TTL/],
    [{ clockSkew: 3600 }, /TOKEN_CLOCK_SKEW/],
    [{ realm: 'a"b' }, /TOKEN_REALM/],
  ];
  for (const [change, message, env] of cases) {
    const matches = (/** @type {unknown} */ err) => err instanceof ConfigError && message.test(err.message);
    assert.throws(() => tokenAuth(config(change, env)), matches, JSON.stringify(change));
    assert.throws(() => login(config(change, env)), matches, JSON.stringify(change));
  }
  assert.doesNotThrow(() => tokenAuth(config({}, 'production')));
});
