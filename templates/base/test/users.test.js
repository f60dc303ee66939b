// @ts-check
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../src/lib/pipeline.js';
import { body, parseJson } from '../src/lib/body.js';
import { defaults } from '../src/config.js';
import { createUser, store } from '../src/models/users.js';
import { listen } from './helpers.js';

/*
 * The example users model (src/models/users.js) behind a bare POST, so the
 * test does not depend on which routing option serves it. Its HTTP shape is
 * tested by the tests of the project's routing option.
 */

describe('users model', { timeout: 10_000 }, () => {
  /** @type {Awaited<ReturnType<typeof listen>>} */
  let app;
  before(async () => {
    const built = createApp({ env: 'test', logError: () => {} });
    built.use(body(defaults.body, { json: parseJson }));
    built.use((req, res) => res.status(201).json(createUser(req.body)));
    app = await listen(built);
  });
  afterEach(() => store.users.clear());
  after(() => app.close());

  test('a 422 names the first 20 problems and counts the rest: its size does not grow with the body', async () => {
    const keys = Object.fromEntries(Array.from({ length: 70_000 }, (_, i) => [`k${i}`, 0]));
    const sent = JSON.stringify({ name: 'First User', email: 'first@example.com', ...keys });
    const res = await app.fetch('/', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: sent });
    assert.equal(res.status, 422);
    const answer = await res.text();
    const problems = JSON.parse(answer).message.split('; ');
    assert.equal(problems.length, 21);
    assert.deepEqual(problems.slice(0, 2), ['unknown field "k0"', 'unknown field "k1"']);
    assert.equal(problems[20], 'and 69980 more problems');
    assert.ok(answer.length < 2048, `a ${answer.length}-byte answer to a ${sent.length}-byte body`);
    assert.equal(store.users.size, 0);
  });

  test('a few problems are all named', async () => {
    const res = await app.fetch('/', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"id":"mine","role":"admin"}' });
    assert.equal(res.status, 422);
    assert.equal((await res.json()).message, 'id is assigned by the server and cannot be sent; unknown field "role"; name is required; email is required');
  });
});
