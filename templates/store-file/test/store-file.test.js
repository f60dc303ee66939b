// @ts-check
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileStore, sweepCounters } from '../src/lib/store-file.js';

test('counters in one folder are shared and never lose a hit', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'store-file-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // Two stores on one folder: what two processes see.
  const one = createFileStore(dir);
  const two = createFileStore(dir);
  t.after(() => {
    one.close();
    two.close();
  });
  const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? one : two).hit('logins', 60_000)));
  assert.deepEqual(
    results.map((r) => r.count).sort((a, b) => a - b),
    Array.from({ length: 40 }, (_, i) => i + 1),
  );
  assert.equal((await one.hit('logins', 60_000, -1)).count, 39);
  assert.equal((await two.hit('other', 60_000)).count, 1);
});

test('an ended window starts over, and the sweep deletes it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'store-file-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = createFileStore(dir);
  t.after(() => store.close());
  await store.hit('short', 1);
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal((await store.hit('short', 60_000)).count, 1);
  await store.hit('gone', 1);
  await new Promise((resolve) => setTimeout(resolve, 5));
  await sweepCounters(join(dir, 'counters'));
  assert.equal(readdirSync(join(dir, 'counters')).length, 1);
});

test('broadcasts reach this process as JSON', async () => {
  const store = createFileStore(mkdtempSync(join(tmpdir(), 'store-file-')));
  /** @type {unknown[]} */
  const heard = [];
  store.onBroadcast('news', (data) => heard.push(data));
  await store.broadcast('news', { at: new Date(0) });
  assert.deepEqual(heard, [{ at: '1970-01-01T00:00:00.000Z' }]);
  store.close();
});
