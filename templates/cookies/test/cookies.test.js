// @ts-check
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { appendSetCookie, clearCookie, getCookie, parseCookies, serializeCookie, setCookie } from '../src/lib/cookies.js';

test('parseCookies reads pairs into a null-prototype object', () => {
  const cookies = parseCookies('a=1; b=two;c=3 ;  d = four ');
  assert.equal(Object.getPrototypeOf(cookies), null);
  assert.deepEqual({ ...cookies }, { a: '1', b: 'two', c: '3', d: 'four' });
  assert.deepEqual({ ...parseCookies(undefined) }, {});
  assert.deepEqual({ ...parseCookies('') }, {});
});

test('parseCookies: the first occurrence of a name wins', () => {
  assert.equal(parseCookies('sid=specific; sid=general').sid, 'specific');
});

test('parseCookies: __proto__ and constructor are plain names, nothing is polluted', () => {
  const cookies = parseCookies('__proto__=x; constructor=y; toString=z');
  assert.equal(cookies.__proto__, 'x');
  assert.equal(cookies.constructor, 'y');
  assert.equal(cookies.toString, 'z');
  assert.equal(/** @type {any} */ ({}).x, undefined);
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'x'), false);
});

test('parseCookies skips malformed pairs and never throws', () => {
  const cookies = parseCookies('novalue; =empty-name; bad name=1; ok=1; ctl=a\x01b; na\x7fme=2; last=%E0%A4%A; pct=%41%20b');
  assert.deepEqual({ ...cookies }, { ok: '1', last: '%E0%A4%A', pct: 'A b' });
});

test('parseCookies removes surrounding quotes and keeps empty values', () => {
  assert.deepEqual({ ...parseCookies('q="quoted"; e=; one="') }, { q: 'quoted', e: '', one: '"' });
});

test('parseCookies joins a Cookie header split into several fields', () => {
  assert.deepEqual({ ...parseCookies(['a=1', 'b=2; a=3']) }, { a: '1', b: '2' });
});

test('serializeCookie writes every attribute', () => {
  const expires = new Date(Date.UTC(2030, 0, 2, 3, 4, 5));
  assert.equal(
    serializeCookie('sid', 'abc', {
      maxAge: 3600,
      expires,
      domain: 'example.com',
      path: '/app',
      httpOnly: true,
      secure: true,
      partitioned: true,
      sameSite: 'lax',
      priority: 'high',
    }),
    'sid=abc; Max-Age=3600; Expires=Wed, 02 Jan 2030 03:04:05 GMT; Domain=example.com; Path=/app; HttpOnly; Secure; Partitioned; SameSite=Lax; Priority=High',
  );
  assert.equal(serializeCookie('plain', 'v'), 'plain=v');
});

test('serializeCookie percent-encodes values and round-trips through parseCookies', () => {
  const value = 'a b;c,d"e\\f=é';
  const cookie = serializeCookie('x', value);
  assert.match(cookie, /^x=[\x21-\x7e]+$/);
  assert.equal(parseCookies(cookie).x, value);
});

test('serializeCookie rejects names that are not tokens', () => {
  for (const name of ['', 'a b', 'a;b', 'a=b', 'a\nb', 'é', '(x)']) {
    assert.throws(() => serializeCookie(name, 'v'), TypeError, JSON.stringify(name));
  }
});

test('serializeCookie rejects values that are not cookie-octets after encoding', () => {
  const identity = (/** @type {string} */ v) => v;
  for (const value of ['a;b', 'a b', 'a"b', 'a,b', 'a\\b', 'x\r\nSet-Cookie: y=1']) {
    assert.throws(() => serializeCookie('n', value, { encode: identity }), TypeError, JSON.stringify(value));
  }
  assert.equal(serializeCookie('n', 'base64url_-.~', { encode: identity }), 'n=base64url_-.~');
});

test('serializeCookie blocks attribute injection through Domain and Path', () => {
  for (const domain of ['example.com; Secure', 'evil.example;', 'a b.com', 'exa\nmple.com', '-bad.com', '']) {
    assert.throws(() => serializeCookie('n', 'v', { domain }), TypeError, JSON.stringify(domain));
  }
  for (const path of ['/; Domain=evil.example', '/a\r\nX: y', 'relative', '/\x00', '']) {
    assert.throws(() => serializeCookie('n', 'v', { path }), TypeError, JSON.stringify(path));
  }
  assert.equal(serializeCookie('n', 'v', { domain: '.sub.example.com', path: '/a b' }), 'n=v; Domain=.sub.example.com; Path=/a b');
});

test('serializeCookie checks Max-Age, Expires, SameSite and Priority values', () => {
  for (const maxAge of [1.5, NaN, Infinity, Number.MAX_SAFE_INTEGER + 2]) {
    assert.throws(() => serializeCookie('n', 'v', { maxAge }), TypeError, String(maxAge));
  }
  assert.equal(serializeCookie('n', 'v', { maxAge: 0 }), 'n=v; Max-Age=0');
  assert.throws(() => serializeCookie('n', 'v', { expires: new Date('nope') }), TypeError);
  assert.throws(() => serializeCookie('n', 'v', { expires: /** @type {any} */ ('2030-01-01') }), TypeError);
  assert.throws(() => serializeCookie('n', 'v', { sameSite: /** @type {any} */ ('Lax; Domain=x') }), TypeError);
  assert.throws(() => serializeCookie('n', 'v', { priority: /** @type {any} */ ('urgent') }), TypeError);
});

test('SameSite=None and Partitioned require Secure', () => {
  assert.throws(() => serializeCookie('n', 'v', { sameSite: 'None' }), /must also be secure/);
  assert.throws(() => serializeCookie('n', 'v', { partitioned: true }), /must also be secure/);
  assert.equal(serializeCookie('n', 'v', { sameSite: 'None', secure: true }), 'n=v; Secure; SameSite=None');
});

test('cookie prefixes: __Secure- needs Secure, __Host- needs Secure, Path=/ and no Domain', () => {
  assert.throws(() => serializeCookie('__Secure-n', 'v'), /__Secure-/);
  assert.throws(() => serializeCookie('__Host-n', 'v', { secure: true }), /__Host-/);
  assert.throws(() => serializeCookie('__host-n', 'v', { secure: true, path: '/', domain: 'example.com' }), /__Host-/);
  assert.equal(serializeCookie('__Host-n', 'v', { secure: true, path: '/' }), '__Host-n=v; Path=/; Secure');
});

test('serializeCookie refuses cookies browsers would drop for size', () => {
  assert.throws(() => serializeCookie('n', 'x'.repeat(4096)), /4096/);
  assert.doesNotThrow(() => serializeCookie('n', 'x'.repeat(4095)));
});

test('over HTTP: several cookies are set without clobbering each other and read back', async (t) => {
  const server = http.createServer((req, res) => {
    res.setHeader('Set-Cookie', 'first=1');
    appendSetCookie(res, 'second=2');
    setCookie(res, 'third', 'a b', { httpOnly: true, path: '/' });
    clearCookie(res, 'old', { path: '/' });
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ seen: { ...parseCookies(req.headers.cookie) }, theme: getCookie(req, 'theme') ?? null }));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  t.after(() => server.close());
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { cookie: 'theme=dark; theme=light; junk' } });
  assert.deepEqual(res.headers.getSetCookie(), ['first=1', 'second=2', 'third=a%20b; Path=/; HttpOnly', 'old=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/']);
  assert.deepEqual(await res.json(), { seen: { theme: 'dark' }, theme: 'dark' });
});
