// @ts-check
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LruCache } from '../src/lib/lru.js';

test('get returns what set stored, and counts hits and misses', () => {
  /** @type {LruCache<string, number>} */
  const cache = new LruCache({ maxEntries: 10 });
  cache.set('a', 1);
  assert.equal(cache.get('a'), 1);
  assert.equal(cache.get('b'), undefined);
  assert.equal(cache.hits, 1);
  assert.equal(cache.misses, 1);
  assert.equal(cache.size, 1);
});

test('maxEntries evicts the least recently used entry, where reading counts as use', () => {
  /** @type {LruCache<string, number>} */
  const cache = new LruCache({ maxEntries: 2 });
  cache.set('a', 1);
  cache.set('b', 2);
  cache.get('a');
  cache.set('c', 3);
  assert.deepEqual([...cache.keys()], ['a', 'c']);
  assert.equal(cache.get('b'), undefined);
  assert.equal(cache.evictions, 1);
});

test('setting an existing key replaces it and makes it the most recent', () => {
  /** @type {LruCache<string, number>} */
  const cache = new LruCache({ maxEntries: 2, maxBytes: 100 });
  cache.set('a', 1, { size: 10 });
  cache.set('b', 2, { size: 10 });
  cache.set('a', 3, { size: 30 });
  assert.deepEqual([...cache.keys()], ['b', 'a']);
  assert.equal(cache.get('a'), 3);
  assert.equal(cache.bytes, 40);
});

test('maxBytes evicts until the total fits; a value larger than the bound is refused', () => {
  /** @type {LruCache<string, string>} */
  const cache = new LruCache({ maxEntries: 100, maxBytes: 100 });
  cache.set('a', 'x', { size: 40 });
  cache.set('b', 'y', { size: 40 });
  cache.set('c', 'z', { size: 40 });
  assert.deepEqual([...cache.keys()], ['b', 'c']);
  assert.equal(cache.bytes, 80);
  assert.equal(cache.set('huge', 'w', { size: 101 }), false);
  assert.equal(cache.get('huge'), undefined);
  assert.deepEqual([...cache.keys()], ['b', 'c']);
});

test('ttl: an entry expires, per cache or per entry; prune frees expired entries', () => {
  let now = 1000;
  /** @type {LruCache<string, number>} */
  const cache = new LruCache({ maxEntries: 10, ttl: 50, now: () => now });
  cache.set('a', 1);
  cache.set('long', 2, { ttl: 500 });
  cache.set('forever', 3, { ttl: 0 });
  now += 49;
  assert.equal(cache.get('a'), 1);
  now += 1;
  assert.equal(cache.get('a'), undefined);
  assert.equal(cache.size, 2);
  now += 1000;
  cache.prune();
  assert.deepEqual([...cache.keys()], ['forever']);
  assert.equal(cache.get('forever'), 3);
});

test('delete and clear keep the byte count right', () => {
  /** @type {LruCache<string, number>} */
  const cache = new LruCache({ maxEntries: 10, maxBytes: 1000 });
  cache.set('a', 1, { size: 5 });
  cache.set('b', 2, { size: 7 });
  assert.equal(cache.delete('a'), true);
  assert.equal(cache.delete('a'), false);
  assert.equal(cache.bytes, 7);
  cache.clear();
  assert.equal(cache.bytes, 0);
  assert.equal(cache.size, 0);
});

test('bad bounds are refused', () => {
  assert.throws(() => new LruCache({ maxEntries: 0 }), RangeError);
  assert.throws(() => new LruCache({ maxEntries: 1.5 }), RangeError);
  assert.throws(() => new LruCache({ maxEntries: 1, maxBytes: 0 }), RangeError);
  assert.throws(() => new LruCache({ maxEntries: 1, ttl: -1 }), RangeError);
});
