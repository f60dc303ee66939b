// @ts-check
import { test, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { callJson, startUsersApp } from './users-helpers.js';
import { store } from '../src/resources/users.js';

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

/** @param {string} name @param {string} email */
async function createUser(name, email) {
  const res = await call('POST', '/users', { name, email });
  assert.equal(res.status, 201);
  return res.body;
}

test('POST /users creates a user with a server-made id; GET /users/:id and GET /users find it', async () => {
  const created = await call('POST', '/users', { name: '  First User  ', email: 'first@example.com' });
  assert.equal(created.status, 201);
  assert.match(created.body.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.deepEqual(created.body, { id: created.body.id, name: 'First User', email: 'first@example.com' });
  assert.equal(created.headers.get('location'), `/users/${created.body.id}`);

  const shown = await call('GET', created.headers.get('location') ?? '');
  assert.equal(shown.status, 200);
  assert.deepEqual(shown.body, created.body);

  const list = await call('GET', '/users');
  assert.deepEqual(list.body, { users: [created.body], total: 1, offset: 0, limit: 20 });
});

test('reading users is public; with a login (auth), creating, changing and deleting them needs a logged-in user', async () => {
  const user = await createUser('First User', 'first@example.com');
  /** @param {string} method @param {string} path @param {unknown} [body] */
  const anonymous = (method, path, body) => callJson(app, method, path, body, {});
  assert.equal((await anonymous('GET', '/users')).status, 200);
  assert.equal((await anonymous('GET', `/users/${user.id}`)).status, 200);
  const changes = [
    await anonymous('POST', '/users', { name: 'Second User', email: 'second@example.com' }),
    await anonymous('PUT', `/users/${user.id}`, { name: 'Renamed User', email: 'renamed@example.com' }),
    await anonymous('PATCH', `/users/${user.id}`, { name: 'Renamed User' }),
    await anonymous('DELETE', `/users/${user.id}`),
  ];
  // The example file is yours: without requireLogin (taken out on purpose, or written by an
  // older version of the generator) anyone may change users, and that is what is checked.
  const source = readFileSync(new URL('../src/resources/users.js', import.meta.url), 'utf8');
  const guarded = /^\s*requireLogin\(req\);/m.test(source);
  if (app.hasLogin && guarded) {
    for (const res of changes) {
      assert.equal(res.status, 401);
      assert.ok(res.headers.get('www-authenticate'), 'the login style says how to log in');
    }
    assert.deepEqual((await call('GET', `/users/${user.id}`)).body, user, 'nothing changed');
    assert.equal(store.users.size, 1);
  } else {
    // Without a login (or the guard) the example is open (docs/routing-table.md).
    assert.deepEqual(
      changes.map((res) => res.status),
      [201, 200, 200, 204],
    );
  }
});

test('GET /users pages with offset and limit, and refuses bad values with 400', async () => {
  for (let i = 0; i < 5; i++) await createUser(`User ${i}`, `user${i}@example.com`);
  const page = await call('GET', '/users?offset=1&limit=2');
  assert.deepEqual(
    page.body.users.map((/** @type {{ name: string }} */ u) => u.name),
    ['User 1', 'User 2'],
  );
  assert.equal(page.body.total, 5);
  for (const query of ['limit=0', 'limit=101', 'limit=abc', 'offset=-1', 'offset=1.5', 'limit=1e2']) {
    const res = await call('GET', `/users?${query}`);
    assert.equal(res.status, 400, query);
    assert.match(res.body.message, /must be a whole number from/, query);
  }
});

test('PUT replaces, PATCH changes some fields, DELETE removes (204, then 404)', async () => {
  const user = await createUser('First User', 'first@example.com');
  const put = await call('PUT', `/users/${user.id}`, { name: 'Renamed User', email: 'renamed@example.com' });
  assert.deepEqual(put.body, { id: user.id, name: 'Renamed User', email: 'renamed@example.com' });
  // PUT needs every field; PATCH does not.
  assert.equal((await call('PUT', `/users/${user.id}`, { name: 'Only name' })).status, 422);
  const patch = await call('PATCH', `/users/${user.id}`, { name: 'First User' });
  assert.deepEqual(patch.body, { id: user.id, name: 'First User', email: 'renamed@example.com' });
  assert.equal((await call('PATCH', `/users/${user.id}`, {})).body.message, 'send at least one of: name, email');

  const removed = await call('DELETE', `/users/${user.id}`);
  assert.equal(removed.status, 204);
  assert.equal(removed.body, undefined);
  assert.equal((await call('GET', `/users/${user.id}`)).status, 404);
  assert.equal((await call('DELETE', `/users/${user.id}`)).status, 404);
});

test('unknown ids are 404 for show, update and destroy', async () => {
  for (const [method, body] of /** @type {const} */ ([['GET'], ['PUT', { name: 'A', email: 'a@example.com' }], ['PATCH', { name: 'A' }], ['DELETE']])) {
    const res = await call(method, '/users/no-such-id', body);
    assert.equal(res.status, 404, method);
    assert.equal(res.body.message, 'No user with this id');
  }
  assert.equal((await call('GET', '/users/__proto__')).status, 404);
  assert.equal((await call('GET', '/users/constructor')).status, 404);
});

test('invalid fields are 422 with every problem named; the id can never come from the client', async () => {
  const cases = [
    [{ name: 'First User' }, 'email is required'],
    [{ email: 'first@example.com' }, 'name is required'],
    [{ name: '', email: 'first@example.com' }, 'name must be a text of 1 to 100 characters'],
    [{ name: 'x'.repeat(101), email: 'first@example.com' }, 'name must be a text of 1 to 100 characters'],
    [{ name: 42, email: 'first@example.com' }, 'name must be a text of 1 to 100 characters'],
    [{ name: 'First User\u0000', email: 'first@example.com' }, 'name must not contain control characters'],
    [{ name: 'First User', email: 'not-an-address' }, 'email must look like name@example.com'],
    [{ name: 'First User', email: 'a@b@example.com' }, 'email must look like name@example.com'],
    [{ name: 'First User', email: ['first@example.com'] }, 'email must be a text of at most 254 characters'],
    [{ id: 'mine', name: 'First User', email: 'first@example.com' }, 'id is assigned by the server and cannot be sent'],
    [{ name: 'First User', email: 'first@example.com', role: 'admin' }, 'unknown field "role"'],
    [{}, 'name is required; email is required'],
  ];
  for (const [body, message] of cases) {
    const res = await call('POST', '/users', body);
    assert.equal(res.status, 422, JSON.stringify(body));
    assert.equal(res.body.message, message);
  }
  assert.equal(store.users.size, 0);
});

test('a body that is not a JSON object is 400; other media types are not accepted', async () => {
  for (const body of ['[1, 2]', '"text"', 'null', '{"name": "First User",']) {
    const res = await call('POST', '/users', body);
    assert.equal(res.status, 400, body);
  }
  const empty = await call('POST', '/users');
  assert.equal(empty.status, 400);
  assert.match(empty.body.message, /^Send a JSON object/);
  // No body format reads bytes; with the text format, text arrives as a string, not an object.
  const bytes = await app.fetch('/users', { method: 'POST', headers: { ...app.headers, 'Content-Type': 'application/octet-stream' }, body: 'name=First User' });
  assert.equal(bytes.status, 415);
  const text = await app.fetch('/users', { method: 'POST', headers: { ...app.headers, 'Content-Type': 'text/plain' }, body: '{"name": "First User", "email": "first@example.com"}' });
  assert.ok(text.status === 415 || text.status === 400, `text/plain: ${text.status}`);
  assert.equal(store.users.size, 0);
});

test('prototype-pollution payloads create nothing and pollute nothing', async () => {
  for (const body of [
    '{"__proto__": {"admin": true}, "name": "First User", "email": "first@example.com"}',
    '{"constructor": {"prototype": {"admin": true}}, "name": "First User", "email": "first@example.com"}',
  ]) {
    const res = await call('POST', '/users', body);
    assert.ok(res.status === 400 || res.status === 422, `${res.status} for ${body}`);
  }
  assert.equal(/** @type {any} */ ({}).admin, undefined);
  assert.equal(store.users.size, 0);
});

test('two users cannot share an email address (409), compared without case', async () => {
  const first = await createUser('First User', 'first@example.com');
  const second = await createUser('Second User', 'second@example.com');
  assert.equal((await call('POST', '/users', { name: 'Other', email: 'FIRST@example.com' })).status, 409);
  assert.equal((await call('PATCH', `/users/${second.id}`, { email: 'first@example.com' })).status, 409);
  // Keeping your own address is fine.
  assert.equal((await call('PUT', `/users/${first.id}`, { name: 'First User', email: 'first@example.com' })).status, 200);
});

test('the store is bounded: a full store answers 507 without details', async () => {
  const max = store.max;
  store.max = 1;
  try {
    await createUser('First User', 'first@example.com');
    const full = await call('POST', '/users', { name: 'Second User', email: 'second@example.com' });
    assert.equal(full.status, 507);
    assert.deepEqual(full.body, { error: 'Insufficient Storage', status: 507 });
  } finally {
    store.max = max;
  }
});

test('REST routes answer 405 with Allow for other methods, OPTIONS and HEAD', async () => {
  const user = await createUser('First User', 'first@example.com');
  const wrong = await call('POST', `/users/${user.id}`, { name: 'x' });
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get('allow'), 'GET, HEAD, PUT, PATCH, DELETE, OPTIONS');
  assert.equal((await call('DELETE', '/users')).headers.get('allow'), 'GET, HEAD, POST, OPTIONS');
  const options = await call('OPTIONS', '/users');
  assert.equal(options.status, 204);
  assert.equal(options.headers.get('allow'), 'GET, HEAD, POST, OPTIONS');
  const head = await app.fetch(`/users/${user.id}`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
});
