// @ts-check
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createApp } from '../src/lib/pipeline.js';
import { createRouter } from '../src/lib/router.js';
import { ConfigError } from '../src/lib/config-loader.js';
import { HttpError } from '../src/lib/http-error.js';

/**
 * Serves `router` (and, after it, a middleware that answers what the router
 * passes on) on a random port.
 * @param {import('../src/lib/router.js').Router} router
 */
async function serve(router) {
  /** @type {unknown[]} */
  const logged = [];
  const app = createApp({ env: 'test', logError: (err) => logged.push(err) });
  app.use(router.middleware());
  app.use((req, res) => res.status(404).json({ passedOn: req.path }));
  const server = app.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    logged,
    /** @param {string} path @param {RequestInit} [init] */
    fetch: (path, init) => fetch(url + path, init),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}

/**
 * Sends raw bytes and returns the whole answer (for request lines fetch refuses to send).
 * @param {number} port
 * @param {string} raw
 * @returns {Promise<string>}
 */
function rawRequest(port, raw) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(raw));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => (text += chunk));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

/** A handler that answers with the route's name and its parameters. @param {string} name */
const answer = (name) => /** @type {import('../src/lib/pipeline.js').Middleware} */ ((req, res) => res.json({ route: name, params: { ...req.params } }));

describe('matching', () => {
  /** @type {Awaited<ReturnType<typeof serve>>} */
  let app;
  before(async () => {
    const router = createRouter();
    router.get('/', answer('root'));
    router.get('/users', answer('users'));
    router.get('/users/me', answer('me'));
    router.get('/users/:id(\\d+)', answer('numeric'));
    router.get('/users/:name', answer('name'));
    router.get('/users/:id/posts/:post', answer('post'));
    router.get('/users/me/settings', answer('settings'));
    router.get('/files/*', answer('files'));
    router.get('/files/readme', answer('readme'));
    router.get('/café', answer('cafe'));
    app = await serve(router);
  });
  after(() => app.close());

  /** @param {string} path */
  const get = async (path) => {
    const res = await app.fetch(path);
    return { status: res.status, body: await res.json() };
  };

  test('static routes, including the root and non-ASCII names', async () => {
    assert.deepEqual((await get('/')).body, { route: 'root', params: {} });
    assert.deepEqual((await get('/users')).body, { route: 'users', params: {} });
    assert.deepEqual((await get('/caf%C3%A9')).body, { route: 'cafe', params: {} });
  });

  test('parameters are decoded; the query string is not part of the path', async () => {
    assert.deepEqual((await get('/users/Caf%C3%A9%20Cr%C3%A8me?x=1')).body, { route: 'name', params: { name: 'Café Crème' } });
    assert.deepEqual((await get('/users/7/posts/hello')).body, { route: 'post', params: { id: '7', post: 'hello' } });
  });

  test('priority: static > parameter with pattern > plain parameter > wildcard', async () => {
    assert.equal((await get('/users/me')).body.route, 'me');
    assert.equal((await get('/users/42')).body.route, 'numeric');
    assert.equal((await get('/users/someone')).body.route, 'name');
    assert.equal((await get('/files/readme')).body.route, 'readme');
    assert.equal((await get('/files/other')).body.route, 'files');
  });

  test('a static segment that leads nowhere falls back to the parameter (backtracking)', async () => {
    // /users/me exists, but only /users/:id/posts/:post continues with "posts".
    assert.deepEqual((await get('/users/me/posts/1')).body, { route: 'post', params: { id: 'me', post: '1' } });
    assert.equal((await get('/users/me/settings')).body.route, 'settings');
  });

  test('the wildcard takes the rest of the path, slashes included', async () => {
    assert.deepEqual((await get('/files/a/b/c.txt')).body.params, { '*': 'a/b/c.txt' });
    assert.deepEqual((await get('/files/')).body.params, { '*': '' });
    // Without the slash there is no rest to take.
    assert.equal((await get('/files')).body.passedOn, '/files');
  });

  test('an encoded slash stays inside its parameter', async () => {
    assert.deepEqual((await get('/users/a%2Fb')).body, { route: 'name', params: { name: 'a/b' } });
    assert.deepEqual((await get('/users/a%2Fposts%2Fb')).body.route, 'name');
  });

  test('no route for the path: the request is passed on', async () => {
    for (const path of ['/nope', '/users/', '/users/1/posts', '//users', '/users/1/posts/2/extra']) {
      const res = await get(path);
      assert.equal(res.status, 404, path);
      assert.equal(res.body.passedOn, path, path);
    }
  });

  test('bad percent-encoding answers 400 and the server keeps serving', async () => {
    for (const path of ['/users/%', '/users/%zz', '/users/%E0%A4%A']) {
      const res = await get(path);
      assert.equal(res.status, 400, path);
      assert.equal(res.body.message, 'The URL path has bad percent-encoding');
      assert.equal(res.body.stack, undefined);
    }
    assert.equal((await get('/users')).status, 200);
  });

  test('__proto__ and constructor are ordinary parameter values and pollute nothing', async () => {
    assert.deepEqual((await get('/users/__proto__')).body, { route: 'name', params: { name: '__proto__' } });
    assert.deepEqual((await get('/users/constructor')).body, { route: 'name', params: { name: 'constructor' } });
    assert.equal((await get('/__proto__')).body.passedOn, '/__proto__');
    assert.equal(/** @type {any} */ ({}).name, undefined);
  });

  test('an encoded slash never makes a static route match', async () => {
    const router = createRouter();
    router.get('/a/b', answer('ab'));
    const own = await serve(router);
    try {
      assert.equal((await own.fetch('/a/b')).status, 200);
      assert.deepEqual(await (await own.fetch('/a%2Fb')).json(), { passedOn: '/a%2Fb' });
    } finally {
      await own.close();
    }
  });

  test('req.params has no prototype, on parameter and static routes', async () => {
    const router = createRouter();
    router.get('/:id', (req, res) => res.json({ prototype: Object.getPrototypeOf(req.params) === null, toString: 'toString' in req.params }));
    router.get('/static/path', (req, res) => res.json({ prototype: Object.getPrototypeOf(req.params) === null, keys: Object.keys(req.params) }));
    const own = await serve(router);
    try {
      assert.deepEqual(await (await own.fetch('/x')).json(), { prototype: true, toString: false });
      assert.deepEqual(await (await own.fetch('/static/path')).json(), { prototype: true, keys: [] });
    } finally {
      await own.close();
    }
  });
});

describe('methods', () => {
  /** @type {Awaited<ReturnType<typeof serve>>} */
  let app;
  before(async () => {
    const router = createRouter();
    router.get('/items', (req, res) => {
      res.setHeader('X-Seen-Method', String(req.method));
      res.json({ list: [1, 2, 3] });
    });
    router.post('/items', answer('create'));
    router.get('/items/special', answer('special'));
    router.delete('/items/:id', answer('destroy'));
    router.options('/custom', (req, res) => res.status(200).json({ custom: true }));
    router.get('/custom', answer('custom'));
    router.all('/any', (req, res) => res.json({ method: req.method }));
    router.route('put', '/lower', answer('lower'));
    app = await serve(router);
  });
  after(() => app.close());

  test('405 lists the methods of every route that matches the path', async () => {
    const res = await app.fetch('/items', { method: 'PUT' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET, HEAD, POST, OPTIONS');
    assert.deepEqual(await res.json(), { error: 'Method Not Allowed', status: 405, message: 'PUT is not allowed here' });
    // /items/special is GET there, and DELETE through /items/:id.
    const special = await app.fetch('/items/special', { method: 'PATCH' });
    assert.equal(special.status, 405);
    assert.equal(special.headers.get('allow'), 'GET, HEAD, DELETE, OPTIONS');
    // ...and DELETE /items/special does reach /items/:id.
    assert.deepEqual(await (await app.fetch('/items/special', { method: 'DELETE' })).json(), { route: 'destroy', params: { id: 'special' } });
  });

  test('HEAD runs the GET handlers and sends the headers without the body', async () => {
    const get = await app.fetch('/items');
    const head = await app.fetch('/items', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), get.headers.get('content-length'));
    assert.equal(head.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(await head.text(), '');
    // The handler saw HEAD, so it could skip expensive work.
    assert.equal(head.headers.get('x-seen-method'), 'HEAD');
    const raw = await rawRequest(app.port, 'HEAD /items HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(raw, /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(raw.endsWith('\r\n\r\n'), 'no body after the headers');
  });

  test('OPTIONS answers 204 with Allow, unless a route handles OPTIONS itself', async () => {
    const res = await app.fetch('/items', { method: 'OPTIONS' });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('allow'), 'GET, HEAD, POST, OPTIONS');
    assert.equal(await res.text(), '');
    const custom = await app.fetch('/custom', { method: 'OPTIONS' });
    assert.equal(custom.status, 200);
    assert.deepEqual(await custom.json(), { custom: true });
    // An unknown path is still passed on, OPTIONS or not.
    assert.equal((await app.fetch('/unknown', { method: 'OPTIONS' })).status, 404);
  });

  test('all() answers every method; route() takes the method in any case', async () => {
    for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      assert.deepEqual(await (await app.fetch('/any', { method })).json(), { method });
    }
    assert.equal((await app.fetch('/lower', { method: 'PUT' })).status, 200);
  });
});

describe('handlers', () => {
  /** @type {Awaited<ReturnType<typeof serve>>} */
  let app;
  before(async () => {
    const router = createRouter();
    router.get(
      '/chain',
      async (req, res, next) => {
        await new Promise((resolve) => setImmediate(resolve));
        req.locals.first = true;
        next();
      },
      (req, res) => res.json({ first: req.locals.first }),
    );
    router.get('/guarded', (req, res, next) => next(new HttpError(403, 'Not for you')), answer('never'));
    router.get('/rejects', async () => {
      throw new Error('database is down');
    });
    router.get('/passes', (req, res, next) => next());
    app = await serve(router);
  });
  after(() => app.close());

  test('several handlers run in order, async ones awaited', async () => {
    assert.deepEqual(await (await app.fetch('/chain')).json(), { first: true });
  });

  test('next(err) reaches the error handler; the next handlers do not run', async () => {
    const res = await app.fetch('/guarded');
    assert.equal(res.status, 403);
    assert.equal((await res.json()).message, 'Not for you');
  });

  test('a rejected async handler becomes a 500 that is logged, without details for the client', async () => {
    const res = await app.fetch('/rejects');
    assert.equal(res.status, 500);
    assert.deepEqual(await res.json(), { error: 'Internal Server Error', status: 500 });
    assert.equal(/** @type {Error} */ (app.logged.at(-1)).message, 'database is down');
  });

  test('next() from the last handler passes the request on after the router', async () => {
    assert.deepEqual(await (await app.fetch('/passes')).json(), { passedOn: '/passes' });
  });
});

describe('parameter patterns and limits', () => {
  test('a pattern must match the whole segment', async () => {
    const router = createRouter();
    router.get('/year/:year(\\d{4})', answer('year'));
    router.get('/lang/:lang(en|fr|de)', answer('lang'));
    const app = await serve(router);
    try {
      assert.equal((await app.fetch('/year/2024')).status, 200);
      assert.equal((await app.fetch('/year/20245')).status, 404);
      assert.equal((await app.fetch('/year/x2024')).status, 404);
      assert.deepEqual((await (await app.fetch('/lang/fr')).json()).params, { lang: 'fr' });
      assert.equal((await app.fetch('/lang/french')).status, 404);
    } finally {
      await app.close();
    }
  });

  test('unsafe patterns are refused when the route is added, with the reason', () => {
    const router = createRouter();
    const unsafe = {
      '(a+)+': /nested inside another one/,
      '(\\d*)*': /nested inside another one/,
      '(?:x?){2,}': /nested inside another one/,
      '(a|a)*': /alternatives inside a repeated group/,
      '(a|ab)+': /alternatives inside a repeated group/,
      '(\\w|\\d)+': /alternatives inside a repeated group/,
      '((a|ab)c)+': /alternatives inside a repeated group/,
      '(?:a+){2}': /nested inside another one/,
      '\\d+\\d*': /follow each other and can match the same characters/,
      '.*.*': /follow each other/,
      '[a-z]+-?[a-z0-9]+': /follow each other/,
      '(a)\\1': /backreferences are not supported/,
      '(?=a)\\w+': /lookahead and lookbehind are not supported/,
      '(?<!a)b': /lookahead and lookbehind are not supported/,
    };
    for (const [pattern, reason] of Object.entries(unsafe)) {
      assert.throws(
        () => router.get(`/x/:p(${pattern})`, answer('x')),
        (err) => err instanceof Error && err.message.startsWith(`Unsafe regular expression ${JSON.stringify(pattern)} in route "/x/:p(${pattern})": `) && reason.test(err.message),
        pattern,
      );
    }
    assert.throws(() => router.get('/x/:p([a-)', answer('x')), /Invalid regular expression "\[a-" in route/);
  });

  test('common safe patterns are accepted', () => {
    const router = createRouter();
    const safe = [
      '((a|b)c)+',
      '\\d+',
      '[a-z]+-\\d+',
      '(?:ab|cd)+',
      '(?:[a-z]|\\d)+',
      'en|fr',
      '\\d{4}-\\d{2}-\\d{2}',
      '[a-z0-9-]{1,40}',
      '[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}',
      'v\\d+(?:\\.\\d+)?',
    ];
    safe.forEach((pattern, i) => router.get(`/safe${i}/:p(${pattern})`, answer('x')));
  });

  test('a parameter longer than maxParamLength does not match (404), a wildcard still may', async () => {
    const router = createRouter({ maxParamLength: 10 });
    router.get('/users/:id', answer('user'));
    router.get('/docs/:name', answer('doc'));
    router.get('/docs/*', answer('docs-rest'));
    const app = await serve(router);
    try {
      assert.equal((await app.fetch(`/users/${'a'.repeat(10)}`)).status, 200);
      const long = await app.fetch(`/users/${'a'.repeat(11)}`);
      assert.equal(long.status, 404);
      assert.equal((await long.json()).passedOn, `/users/${'a'.repeat(11)}`);
      // The limit counts decoded characters: 10 × "é" is 60 bytes encoded but 10 characters.
      assert.equal((await app.fetch(`/users/${'%C3%A9'.repeat(10)}`)).status, 200);
      assert.equal((await (await app.fetch(`/docs/${'b'.repeat(50)}`)).json()).route, 'docs-rest');
    } finally {
      await app.close();
    }
  });

  test('maxParamLength must be a positive whole number (a setting error names the variable)', () => {
    assert.throws(
      () => createRouter({ maxParamLength: 0 }),
      (err) => err instanceof ConfigError && /ROUTER_MAX_PARAM_LENGTH/.test(err.message),
    );
    assert.throws(() => createRouter({ maxParamLength: 2.5 }), ConfigError);
  });
});

describe('registering routes', () => {
  test('mistakes in route definitions are refused with a clear message', () => {
    const router = createRouter();
    router.get('/a/:id', answer('a'));
    const mistakes = [
      [() => router.get('/a/:id', answer('again')), /Route GET \/a\/:id is already registered/],
      [() => router.get('/a/:other', answer('again')), /already registered \(or a route with the same shape/],
      [() => router.get('no-slash', answer('x')), /must be a string starting with "\/"/],
      [() => router.get('/b/*/c', answer('x')), /"\*" is only allowed as the last segment/],
      [() => router.get('/b/:1x', answer('x')), /":1x" is not a valid parameter/],
      [() => router.get('/b/:a/:a', answer('x')), /the parameter :a appears twice/],
      [() => router.get('/b/file-:id', answer('x')), /must be a whole path segment/],
      [() => router.get('/b/:name.:ext', answer('x')), /is not a valid parameter/],
      [() => router.get('/b'), /needs one or more handler functions/],
      [() => router.get('/b', /** @type {any} */ ('handler')), /needs one or more handler functions/],
      [() => router.route('GET /b', '/b', answer('x')), /A route method must be a word/],
    ];
    for (const [register, message] of mistakes) {
      assert.throws(/** @type {() => void} */ (register), /** @type {RegExp} */ (message));
    }
  });

  test('1,000 routes: every one is found, with its own parameters', async () => {
    const router = createRouter();
    for (let i = 0; i < 500; i++) {
      router.get(`/static/route-${i}`, answer(`static-${i}`));
      router.get(`/resource-${i}/:id/items/:item`, answer(`param-${i}`));
    }
    const app = await serve(router);
    try {
      for (const i of [0, 1, 250, 498, 499]) {
        assert.equal((await (await app.fetch(`/static/route-${i}`)).json()).route, `static-${i}`);
        assert.deepEqual(await (await app.fetch(`/resource-${i}/u${i}/items/x`)).json(), { route: `param-${i}`, params: { id: `u${i}`, item: 'x' } });
      }
      assert.equal((await app.fetch('/static/route-500')).status, 404);
      assert.equal((await app.fetch('/resource-500/a/items/b')).status, 404);
    } finally {
      await app.close();
    }
  });
});

describe('resource()', () => {
  test('maps index, show, create, update and destroy to REST routes', async () => {
    const router = createRouter();
    router.resource('/users', {
      index: answer('index'),
      show: answer('show'),
      create: answer('create'),
      update: answer('update'),
      destroy: answer('destroy'),
    });
    const app = await serve(router);
    try {
      /** @param {string} method @param {string} path */
      const call = async (method, path) => (await (await app.fetch(path, { method })).json()).route;
      assert.equal(await call('GET', '/users'), 'index');
      assert.equal(await call('POST', '/users'), 'create');
      assert.equal(await call('GET', '/users/7'), 'show');
      assert.equal(await call('PUT', '/users/7'), 'update');
      assert.equal(await call('PATCH', '/users/7'), 'update');
      assert.equal(await call('DELETE', '/users/7'), 'destroy');
      const wrong = await app.fetch('/users', { method: 'DELETE' });
      assert.equal(wrong.status, 405);
      assert.equal(wrong.headers.get('allow'), 'GET, HEAD, POST, OPTIONS');
    } finally {
      await app.close();
    }
  });

  test('only the controller’s own functions become routes, never inherited ones', async () => {
    const inherited = Object.create({ destroy: answer('inherited destroy'), create: answer('inherited create') });
    inherited.index = answer('index');
    inherited.show = 'not a function';
    const router = createRouter();
    router.resource('/things', inherited);
    const app = await serve(router);
    try {
      assert.equal((await app.fetch('/things')).status, 200);
      assert.equal((await app.fetch('/things', { method: 'POST' })).status, 405);
      // No show, update or destroy: /things/:id does not exist at all.
      assert.equal((await (await app.fetch('/things/1', { method: 'DELETE' })).json()).passedOn, '/things/1');
      assert.equal((await app.fetch('/things/toString')).status, 404);
    } finally {
      await app.close();
    }
  });

  test('a controller without any action is refused', () => {
    const router = createRouter();
    assert.throws(() => router.resource('/empty', {}), /found none of index, show, create, update, destroy/);
    assert.throws(() => router.resource('/proto', Object.create({ index: answer('x') })), /found none of/);
    assert.throws(() => router.resource('/null', /** @type {any} */ (null)), /expects an object/);
  });
});
