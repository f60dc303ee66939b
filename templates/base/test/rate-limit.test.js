// @ts-check
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '../src/lib/config-loader.js';
import { memoryCounter, rateLimit } from '../src/lib/rate-limit.js';
import { startApp } from './helpers.js';

test('RATE_LIMIT_LIMIT 0 (the default): no limit and no headers', async (t) => {
  const app = await startApp();
  t.after(() => app.close());
  const res = await app.fetch('/health');
  await res.body?.cancel();
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('ratelimit'), null);
  assert.equal(res.headers.get('ratelimit-policy'), null);
});

test('over the limit: 429 with Retry-After; every answer says what is left; the server keeps serving', async (t) => {
  const app = await startApp({ rateLimit: { limit: 3, window: 60_000 } });
  t.after(() => app.close());
  for (const left of [2, 1, 0]) {
    const res = await app.fetch('/health');
    await res.body?.cancel();
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('ratelimit-policy'), '"all";q=3;w=60');
    assert.match(String(res.headers.get('ratelimit')), new RegExp(`^"all";r=${left};t=\\d+$`));
  }
  const refused = await app.fetch('/health');
  assert.equal(refused.status, 429);
  const seconds = Number(refused.headers.get('retry-after'));
  assert.ok(seconds >= 1 && seconds <= 60, `Retry-After ${seconds}`);
  assert.match(String(refused.headers.get('ratelimit')), /^"all";r=0;t=\d+$/);
  assert.match(JSON.stringify(await refused.json()), /Too many requests/);
});

test('a window that ends starts the count over', async () => {
  const counter = memoryCounter();
  assert.equal((await counter.hit('k', 50)).count, 1);
  assert.equal((await counter.hit('k', 50)).count, 2);
  assert.equal(counter.hitNow('k', 50).count, 3, 'the promise-free count is the same counter');
  await sleep(80);
  const fresh = await counter.hit('k', 50);
  assert.equal(fresh.count, 1);
  assert.ok(fresh.resetIn > 0 && fresh.resetIn <= 50);
  assert.equal((await counter.hit('k', 50, -1)).count, 0, 'a count never goes below 0');
});

test('the counters stay bounded: the least recent client is forgotten first', async () => {
  const counter = memoryCounter(2);
  await counter.hit('a', 60_000);
  await counter.hit('a', 60_000);
  await counter.hit('b', 60_000);
  await counter.hit('c', 60_000);
  assert.equal((await counter.hit('a', 60_000)).count, 1, 'a was forgotten');
});

test('settings that cannot work stop the app at start, naming the setting', () => {
  assert.throws(
    () => rateLimit({ limit: -1, window: 60_000, by: 'address' }),
    (e) => e instanceof ConfigError && /RATE_LIMIT_LIMIT/.test(e.message),
  );
  assert.throws(
    () => rateLimit({ limit: 10, window: 10, by: 'address' }),
    (e) => e instanceof ConfigError && /RATE_LIMIT_WINDOW/.test(e.message),
  );
  assert.throws(
    () => rateLimit({ limit: 10, window: 60_000, by: 'ip' }),
    (e) => e instanceof ConfigError && /RATE_LIMIT_BY/.test(e.message),
  );
  assert.throws(() => rateLimit({ limit: 10, window: 60_000, by: 'address' }, { name: 'no spaces' }), TypeError);
});
