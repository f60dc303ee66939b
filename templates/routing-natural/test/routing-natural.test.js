// @ts-check
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, symlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callJson, startUsersApp } from './users-helpers.js';
import { store } from '../src/controllers/users.js';
import { createApp } from '../src/lib/pipeline.js';
import { naturalRouter } from '../src/lib/natural-router.js';
import { ConfigError } from '../src/lib/config-loader.js';

/** The controllers' file extension: the project's language, like this test's (`.js`, or `.ts` in a TypeScript project). */
const EXTENSION = extname(fileURLToPath(import.meta.url));

/** @type {import('./users-helpers.js').UsersApp} a logged-in client when the app has a login */
let app;
// Started by the first test, not in a before hook: a test whose app cannot
// have the services it needs (a Redis) is skipped, a hook would fail.
beforeEach(async () => {
  app ??= await startUsersApp();
  store.users.clear();
});
after(() => app?.close());

/** @param {string} method @param {string} path @param {unknown} [body] */
const call = (method, path, body) => callJson(app, method, path, body);

/**
 * Sends a raw request line, so the path reaches the server exactly as written
 * (fetch would resolve `..` first). Returns the status code.
 * @param {string} path
 */
function rawStatus(path) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(new URL(app.url).port), '127.0.0.1', () => {
      socket.end(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
    });
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => (text += chunk));
    socket.on('end', () => resolve(Number(text.slice(9, 12))));
    socket.on('error', reject);
  });
}

describe('the users controller', () => {
  test('reading is public; with a login (auth), create, update and destroy need a logged-in user, whatever the method', async () => {
    const created = await call('POST', '/users/create', { name: 'First User', email: 'first@example.com' });
    assert.equal(created.status, 201);
    const { id } = created.body;
    /** @param {string} method @param {string} path @param {unknown} [body] */
    const anonymous = (method, path, body) => callJson(app, method, path, body, {});
    assert.equal((await anonymous('GET', '/users')).status, 200);
    assert.equal((await anonymous('GET', `/users/show/${id}`)).status, 200);
    const changes = [
      await anonymous('POST', '/users/create', { name: 'Second User', email: 'second@example.com' }),
      await anonymous('PUT', `/users/update/${id}`, { name: 'Renamed User', email: 'renamed@example.com' }),
      await anonymous('PATCH', `/users/update/${id}`, { name: 'Renamed User' }),
      await anonymous('POST', `/users/update/${id}`, { name: 'Renamed User' }),
      await anonymous('DELETE', `/users/destroy/${id}`),
      await anonymous('POST', `/users/destroy/${id}`),
    ];
    // The example file is yours: without requireLogin (taken out on purpose, or written by an
    // older version of the generator) anyone may change users, and that is what is checked.
    const source = readFileSync(new URL('../src/controllers/users.js', import.meta.url), 'utf8');
    const guarded = /^\s*requireLogin\(req\);/m.test(source);
    if (app.hasLogin && guarded) {
      for (const res of changes) {
        assert.equal(res.status, 401);
        assert.ok(res.headers.get('www-authenticate'), 'the login style says how to log in');
      }
      assert.deepEqual((await call('GET', `/users/show/${id}`)).body, created.body, 'nothing changed');
      assert.equal(store.users.size, 1);
    } else {
      // Without a login (or the guard) the example is open (docs/routing-natural.md).
      assert.deepEqual(
        changes.map((res) => res.status),
        [201, 200, 200, 200, 204, 404],
      );
    }
  });

  test('create, show, index, update and destroy at /users/<action>/<id>', async () => {
    const created = await call('POST', '/users/create', { name: ' First User ', email: 'first@example.com' });
    assert.equal(created.status, 201);
    const { id } = created.body;
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(created.body, { id, name: 'First User', email: 'first@example.com' });
    assert.equal(created.headers.get('location'), `/users/show/${id}`);

    const shown = await call('GET', `/users/show/${id}`);
    assert.deepEqual(shown.body, created.body);
    // Changes happen at other URLs than /users/show/<id>: no cache may keep it.
    assert.equal(shown.headers.get('cache-control'), 'no-store');
    for (const path of ['/users', '/users/', '/users/index']) {
      assert.deepEqual((await call('GET', path)).body, { users: [created.body], total: 1, offset: 0, limit: 20 }, path);
    }

    const put = await call('PUT', `/users/update/${id}`, { name: 'Renamed User', email: 'renamed@example.com' });
    assert.deepEqual(put.body, { id, name: 'Renamed User', email: 'renamed@example.com' });
    assert.equal((await call('PUT', `/users/update/${id}`, { name: 'Only name' })).status, 422);
    assert.deepEqual((await call('PATCH', `/users/update/${id}`, { name: 'First User' })).body.name, 'First User');
    assert.deepEqual((await call('POST', `/users/update/${id}`, { email: 'first@example.com' })).body.email, 'first@example.com');

    assert.equal((await call('DELETE', `/users/destroy/${id}`)).status, 204);
    assert.equal((await call('GET', `/users/show/${id}`)).status, 404);
    assert.equal((await call('POST', `/users/destroy/${id}`)).status, 404);
  });

  test('unknown or missing ids are 404', async () => {
    for (const path of ['/users/show/nope', '/users/show', '/users/show/', '/users/destroy/__proto__']) {
      const res = await call(path.includes('destroy') ? 'DELETE' : 'GET', path);
      assert.equal(res.status, 404, path);
      assert.equal(res.body.message, 'No user with this id', path);
    }
  });

  test('each action allows its methods only: 405 with Allow', async () => {
    const wrong = await call('POST', '/users/show/x');
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'GET, HEAD');
    assert.equal((await call('GET', '/users/create')).headers.get('allow'), 'POST');
    assert.equal((await call('GET', '/users/destroy/x')).headers.get('allow'), 'DELETE, POST');
    assert.equal((await call('DELETE', '/users')).status, 405);
    const head = await app.fetch('/users', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });

  test('invalid bodies: 400 when not a JSON object, 422 for bad fields, 409 for a taken email', async () => {
    assert.equal((await call('POST', '/users/create', '[1]')).status, 400);
    assert.equal((await call('POST', '/users/create')).status, 400);
    const invalid = await call('POST', '/users/create', { id: 'mine', name: '', email: 'nope', admin: true });
    assert.equal(invalid.status, 422);
    assert.equal(
      invalid.body.message,
      'id is assigned by the server and cannot be sent; unknown field "admin"; name must be a text of 1 to 100 characters; email must look like name@example.com',
    );
    assert.equal((await call('POST', '/users/create', { name: 'First User', email: 'first@example.com' })).status, 201);
    assert.equal((await call('POST', '/users/create', { name: 'First User', email: 'FIRST@example.com' })).status, 409);
    assert.equal((await call('POST', '/users/create', '{"__proto__": {"admin": true}, "name": "A", "email": "a@example.com"}')).status, 400);
    assert.equal(/** @type {any} */ ({}).admin, undefined);
    assert.equal((await call('GET', '/users?limit=500')).status, 400);
  });

  test('the store is bounded: a full store answers 507', async () => {
    const max = store.max;
    store.max = 0;
    try {
      assert.equal((await call('POST', '/users/create', { name: 'First User', email: 'first@example.com' })).status, 507);
    } finally {
      store.max = max;
    }
  });
});

describe('hostile paths', () => {
  test('nothing but own exported functions of listed controllers is reachable: all 404, and the server keeps serving', async () => {
    const paths = [
      '/nope',
      '/users/nope',
      '/users/store', // exported, but not a function
      '/users/findUser', // a helper that is not exported
      '/users/default',
      '/users/toString',
      '/users/hasOwnProperty',
      '/users/constructor',
      '/users/__proto__',
      '/users/valueOf',
      '/constructor/constructor',
      '/__proto__',
      '/__proto__/index',
      '/Users', // names are exact, even on case-insensitive disks
      `/users${EXTENSION}`,
      `/users/show${EXTENSION}`,
      '/users%2Fshow',
      '/users%2fshow/1',
      '/..%2Fpackage.json',
      '/users/_private',
      '/1users',
      '//users',
      '/users//show',
    ];
    for (const path of paths) {
      const res = await call('GET', path);
      assert.equal(res.status, 404, path);
      assert.deepEqual(res.body, { error: 'Not Found', status: 404 }, path);
    }
    // fetch would resolve `..`, `.` and even `%2e%2e` before sending.
    for (const path of ['/../package.json', '/users/../../package.json', '/./users/../users', '/users/./index', '/%2e%2e/package.json', '/users/%2e%2e', '/users/%2E%2e/%2e%2E/src/app']) {
      assert.equal(await rawStatus(path), 404, path);
    }
    assert.equal((await call('GET', '/users/%zz')).status, 400);
    assert.equal((await call('GET', '/users')).status, 200);
  });
});

describe('naturalRouter() on its own folder', () => {
  /** @type {string} */
  let root;
  /** @type {string} */
  let directory;
  /** @type {{ fetch: (path: string, init?: RequestInit) => Promise<Response>, logged: unknown[], close: () => Promise<void> }} */
  let server;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'natural-router-test-'));
    directory = join(root, 'controllers');
    mkdirSync(directory);
    // The controllers are ES modules, like the project's own.
    writeFileSync(join(root, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(
      join(directory, `things${EXTENSION}`),
      [
        'export function index(req, res) { res.json({ action: "index" }); }',
        'export function pair(req, res, first, second, ...rest) { res.json({ first, second, rest }); }',
        'export async function later(req, res) { await new Promise((r) => setTimeout(r, 1)); res.json({ later: true }); }',
        'export function fails() { throw new Error("action failed"); }',
        'export async function rejects() { throw new Error("async action failed"); }',
        'export default function (req, res) { res.json({ action: "default" }); }',
        'export const notAFunction = 42;',
      ].join('\n'),
    );
    writeFileSync(join(directory, `index${EXTENSION}`), 'export function index(req, res) { res.json({ home: true }); }\n');
    writeFileSync(join(root, `outside${EXTENSION}`), 'export function index(req, res) { res.json({ outside: true }); }\n');
    symlinkSync(join(root, `outside${EXTENSION}`), join(directory, `linked${EXTENSION}`));
    writeFileSync(join(directory, `bad-name${EXTENSION}`), 'export function index(req, res) { res.json({ bad: true }); }\n');
    mkdirSync(join(directory, 'nested'));
    writeFileSync(join(directory, 'nested', `deep${EXTENSION}`), 'export function index(req, res) { res.json({ deep: true }); }\n');

    /** @type {unknown[]} */
    const logged = [];
    const natural = createApp({ env: 'test', logError: (err) => logged.push(err) }).use(naturalRouter({ directory }));
    const http = natural.createServer();
    await new Promise((resolve) => http.listen(0, '127.0.0.1', () => resolve(undefined)));
    const { port } = /** @type {import('node:net').AddressInfo} */ (http.address());
    server = {
      logged,
      fetch: (path, init) => fetch(`http://127.0.0.1:${port}${path}`, init),
      close: async () => {
        http.closeAllConnections();
        await new Promise((resolve) => http.close(() => resolve(undefined)));
      },
    };
  });
  after(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** @param {string} path */
  const get = async (path) => {
    const res = await server.fetch(path);
    return { status: res.status, body: await res.json() };
  };

  test('defaults to index/index and passes the remaining segments, decoded, as arguments', async () => {
    assert.deepEqual((await get('/')).body, { home: true });
    assert.deepEqual((await get('/things')).body, { action: 'index' });
    assert.deepEqual((await get('/things/pair/a%20b/c%2Fd/e/f')).body, { first: 'a b', second: 'c/d', rest: ['e', 'f'] });
    assert.deepEqual((await get('/things/later')).body, { later: true });
  });

  test('an action that throws or rejects becomes a logged 500', async () => {
    assert.equal((await get('/things/fails')).status, 500);
    assert.equal((await get('/things/rejects')).status, 500);
    assert.deepEqual(
      server.logged.map((err) => /** @type {Error} */ (err).message),
      ['action failed', 'async action failed'],
    );
  });

  test('never the default export, a non-function, a symlink, a subfolder or an invalid file name', async () => {
    for (const path of ['/things/default', '/things/notAFunction', '/linked', '/outside', '/nested/deep', '/nested', '/bad-name']) {
      assert.equal((await get(path)).status, 404, path);
    }
  });

  test('the folder is listed at startup: a file added later is not routed', async () => {
    writeFileSync(join(directory, `late${EXTENSION}`), 'export function index(req, res) { res.json({ late: true }); }\n');
    assert.equal((await get('/late')).status, 404);
  });

  test('a missing controllers folder stops the start with a clear setting error', () => {
    assert.throws(
      () => naturalRouter({ directory: join(root, 'missing') }),
      (err) => err instanceof ConfigError && /Natural routing needs the controllers folder .*missing/.test(err.message),
    );
  });
});
