// @ts-check
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../src/lib/config-loader.js';
import { instanceId } from '../src/lib/instance-id.js';
import { startApp } from './helpers.js';

test('INSTANCE_ID: every answer of the app says which instance gave it, errors included', async (t) => {
  const app = await startApp({ instanceId: 'web-1:3001' });
  t.after(() => app.close());
  for (const [path, status] of [
    ['/health', 200],
    ['/no/such/page', 404],
  ]) {
    const res = await app.fetch(/** @type {string} */ (path));
    await res.body?.cancel();
    assert.equal(res.status, status);
    assert.equal(res.headers.get('x-instance-id'), 'web-1:3001', String(path));
  }
});

test('INSTANCE_ID empty (the default): no header', async (t) => {
  const app = await startApp();
  t.after(() => app.close());
  const res = await app.fetch('/health');
  await res.body?.cancel();
  assert.equal(res.headers.get('x-instance-id'), null);
});

test('an INSTANCE_ID that cannot be a header value stops the app at start', () => {
  for (const bad of ['two words', 'line\nbreak', 42]) assert.throws(() => instanceId(bad), ConfigError);
});
