// @ts-check
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startApp } from './helpers.js';
import { createApp } from '../src/lib/pipeline.js';
import { HttpError } from '../src/lib/http-error.js';
import { ConfigError } from '../src/lib/config-loader.js';
import { securityHeaders } from '../src/lib/security-headers.js';

test('every response gets the default security headers', async (t) => {
  const app = await startApp();
  t.after(() => app.close());
  const res = await app.fetch('/health');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(res.headers.get('x-frame-options'), 'DENY');
  assert.equal(res.headers.get('referrer-policy'), 'strict-origin-when-cross-origin');
  assert.equal(res.headers.get('cross-origin-opener-policy'), 'same-origin');
  assert.equal(res.headers.get('cross-origin-resource-policy'), 'same-origin');
  const csp = res.headers.get('content-security-policy') ?? '';
  assert.match(csp, /^default-src 'self'; /);
  assert.match(csp, /object-src 'none'/);
  assert.match(csp, /; frame-ancestors 'none'$/);
  // Plain HTTP: HSTS would be ignored by browsers, so it is not sent.
  assert.equal(res.headers.get('strict-transport-security'), null);
});

test('error responses (404, 500) keep the security headers', async (t) => {
  const app = await startApp();
  t.after(() => app.close());
  const res = await app.fetch('/no-such-page');
  assert.equal(res.status, 404);
  assert.equal(res.headers.get('x-frame-options'), 'DENY');
  assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
});

test('HSTS in auto mode: sent when a TLS proxy says the request came over HTTPS', async (t) => {
  const app = await startApp();
  t.after(() => app.close());
  const res = await app.fetch('/health', { headers: { 'x-forwarded-proto': 'https, http' } });
  assert.equal(res.headers.get('strict-transport-security'), 'max-age=31536000; includeSubDomains');
  const plain = await app.fetch('/health', { headers: { 'x-forwarded-proto': 'http' } });
  assert.equal(plain.headers.get('strict-transport-security'), null);
});

test('HSTS always and off, with max-age, subdomains and preload settings', async (t) => {
  const always = await startApp({ securityHeaders: { hsts: 'always', hstsMaxAge: 600, hstsIncludeSubDomains: false, hstsPreload: true } });
  t.after(() => always.close());
  const res = await always.fetch('/health');
  assert.equal(res.headers.get('strict-transport-security'), 'max-age=600; preload');

  const off = await startApp({ securityHeaders: { hsts: 'off' } });
  t.after(() => off.close());
  const offRes = await off.fetch('/health', { headers: { 'x-forwarded-proto': 'https' } });
  assert.equal(offRes.headers.get('strict-transport-security'), null);
});

test('frameOptions SAMEORIGIN allows our own frames in both headers', async (t) => {
  const app = await startApp({ securityHeaders: { frameOptions: 'sameorigin' } });
  t.after(() => app.close());
  const res = await app.fetch('/health');
  assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN');
  assert.match(res.headers.get('content-security-policy') ?? '', /; frame-ancestors 'self'$/);
});

test('a policy with its own frame-ancestors is kept as written', async (t) => {
  const policy = "default-src 'none'; frame-ancestors https://partner.example";
  const app = await startApp({ securityHeaders: { contentSecurityPolicy: policy } });
  t.after(() => app.close());
  const res = await app.fetch('/health');
  assert.equal(res.headers.get('content-security-policy'), policy);
});

test('"off" turns single headers off', async (t) => {
  const app = await startApp({
    securityHeaders: {
      contentSecurityPolicy: 'off',
      frameOptions: 'off',
      referrerPolicy: 'off',
      crossOriginOpenerPolicy: 'off',
      crossOriginResourcePolicy: 'off',
    },
  });
  t.after(() => app.close());
  const res = await app.fetch('/health');
  for (const name of ['content-security-policy', 'x-frame-options', 'referrer-policy', 'cross-origin-opener-policy', 'cross-origin-resource-policy']) {
    assert.equal(res.headers.get(name), null, name);
  }
  // nosniff is never optional.
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
});

test('a handler can change a header for its own response', async (t) => {
  const app = createApp({ env: 'test' });
  app.use(securityHeaders());
  app.use((req, res) => {
    if (req.path === '/embeddable') {
      res.removeHeader('X-Frame-Options');
      res.setHeader('Content-Security-Policy', 'frame-ancestors https://partner.example');
      res.send('<p>ok</p>');
    } else {
      throw new HttpError(403);
    }
  });
  const server = app.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  t.after(() => server.close());
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  const res = await fetch(`http://127.0.0.1:${port}/embeddable`);
  assert.equal(res.headers.get('x-frame-options'), null);
  assert.equal(res.headers.get('content-security-policy'), 'frame-ancestors https://partner.example');
  const denied = await fetch(`http://127.0.0.1:${port}/other`);
  assert.equal(denied.status, 403);
  assert.equal(denied.headers.get('x-frame-options'), 'DENY');
});

test('bad settings stop the server at start with the variable to fix', () => {
  /** @type {[Record<string, unknown>, RegExp][]} */
  const cases = [
    [{ frameOptions: 'ALLOW-FROM x' }, /SECURITY_HEADERS_FRAME_OPTIONS/],
    [{ referrerPolicy: 'everything' }, /SECURITY_HEADERS_REFERRER_POLICY/],
    [{ crossOriginOpenerPolicy: 'open' }, /SECURITY_HEADERS_CROSS_ORIGIN_OPENER_POLICY/],
    [{ crossOriginResourcePolicy: 'anyone' }, /SECURITY_HEADERS_CROSS_ORIGIN_RESOURCE_POLICY/],
    [{ hsts: 'sometimes' }, /SECURITY_HEADERS_HSTS/],
    [{ hstsMaxAge: -1 }, /SECURITY_HEADERS_HSTS_MAX_AGE/],
    [{ hstsMaxAge: 1.5 }, /SECURITY_HEADERS_HSTS_MAX_AGE/],
    [{ contentSecurityPolicy: "default-src 'self'\r\nSet-Cookie: x=1" }, /SECURITY_HEADERS_CONTENT_SECURITY_POLICY/],
  ];
  for (const [options, message] of cases) {
    assert.throws(
      () => securityHeaders(/** @type {any} */ (options)),
      (err) => err instanceof ConfigError && message.test(err.message),
      JSON.stringify(options),
    );
  }
  assert.doesNotThrow(() => securityHeaders({ referrerPolicy: 'no-referrer, strict-origin-when-cross-origin' }));
});
