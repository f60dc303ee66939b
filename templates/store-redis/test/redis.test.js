// @ts-check
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { RedisClient, RedisError, RedisUnavailableError, ReplyParser, encodeCommand, parseRedisUrl } from '../src/lib/redis.js';
import { eventually, freePort, redisSkipReason, startRedis, startSplittingProxy } from './redis-helpers.js';

// The client against a real redis-server (see test/redis-helpers.js).
const skip = redisSkipReason();
if (skip) console.log(`# skipped: ${skip}`);

/** @type {Awaited<ReturnType<typeof startRedis>>} */
let redis;
/** @type {RedisClient[]} */
const clients = [];
/** @param {Partial<import('../src/lib/redis.js').RedisOptions> & { url: string }} options */
const connect = (options) => {
  const client = new RedisClient({ commandTimeout: 2000, ...options });
  clients.push(client);
  return client;
};

before(async () => {
  if (!skip) redis = await startRedis();
});
after(async () => {
  for (const client of clients) client.close();
  await redis?.close();
});

test('REDIS_URL: host, port, TLS, user, password, database', () => {
  assert.deepEqual(parseRedisUrl('rediss://app:s%40cret@cache.internal:6380/3'), { host: 'cache.internal', port: 6380, tls: true, username: 'app', password: 's@cret', db: 3 });
  assert.deepEqual(parseRedisUrl('redis://:pw@127.0.0.1'), { host: '127.0.0.1', port: 6379, tls: false, username: '', password: 'pw', db: 0 });
  assert.throws(() => parseRedisUrl('http://x'), /redis:\/\/ or rediss:\/\//);
  assert.throws(() => parseRedisUrl('redis://x/abc'), /database/);
});

test('the parser takes replies split at every byte', () => {
  const wire = Buffer.from('+OK\r\n:42\r\n$5\r\nhé\r\n\r\n*3\r\n$1\r\na\r\n$-1\r\n*1\r\n:7\r\n-ERR bad thing\r\n$0\r\n\r\n');
  const parser = new ReplyParser();
  const replies = [];
  for (let i = 0; i < wire.length; i++) replies.push(...parser.push(wire.subarray(i, i + 1)));
  assert.equal(replies.length, 6);
  assert.deepEqual(replies.slice(0, 4), ['OK', 42, 'hé\r\n', ['a', null, [7]]]);
  assert.ok(replies[4] instanceof RedisError);
  assert.equal(replies[5], '');
  assert.equal(encodeCommand(['SET', 'k', 1]).toString(), '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\n1\r\n');
});

test('commands, pipelining in order, error replies', { skip: skip ?? false }, async () => {
  const client = connect({ url: redis.url });
  assert.equal(await client.command(['SET', 'greeting', 'hello']), 'OK');
  assert.equal(await client.command(['GET', 'greeting']), 'hello');
  const replies = await client.pipeline(Array.from({ length: 200 }, (_, i) => ['INCR', 'pipelined']));
  assert.deepEqual(
    replies,
    Array.from({ length: 200 }, (_, i) => i + 1),
  );
  // An error reply rejects that command only; the connection goes on.
  await assert.rejects(client.command(['INCR', 'greeting']), (err) => err instanceof RedisError && /not an integer/.test(err.message));
  await assert.rejects(client.command(['NOSUCHCOMMAND']), (err) => err instanceof RedisError && err.code === 'ERR');
  const mixed = await client.pipeline([
    ['GET', 'greeting'],
    ['LPUSH', 'greeting', 'x'],
    ['GET', 'missing'],
  ]);
  assert.equal(mixed[0], 'hello');
  assert.ok(mixed[1] instanceof RedisError && mixed[1].code === 'WRONGTYPE');
  assert.equal(mixed[2], null);
});

test('replies split across TCP packets (a proxy hands them over byte by byte)', { skip: skip ?? false }, async () => {
  const proxy = await startSplittingProxy(redis.port || Number(new URL(redis.url).port || 6379), 1);
  try {
    const client = connect({ url: proxy.url, commandTimeout: 10_000 });
    await client.command(['DEL', 'split:list']);
    await client.command(['RPUSH', 'split:list', 'one', '', 'three\r\nlines']);
    const replies = await client.pipeline([['LRANGE', 'split:list', 0, -1], ['LLEN', 'split:list'], ['GET', 'split:none'], ['HGET', 'split:list', 'x'], ['PING']]);
    assert.deepEqual(replies.slice(0, 3), [['one', '', 'three\r\nlines'], 3, null]);
    assert.ok(replies[3] instanceof RedisError);
    assert.equal(replies[4], 'PONG');
  } finally {
    await proxy.close();
  }
});

test('large values, directly and split into odd-sized pieces', { skip: skip ?? false }, async () => {
  const big = 'x'.repeat(4 * 1024 * 1024) + 'é'.repeat(1000);
  const client = connect({ url: redis.url, commandTimeout: 10_000 });
  await client.command(['SET', 'big', big]);
  assert.equal(await client.command(['GET', 'big']), big);
  const proxy = await startSplittingProxy(redis.port || Number(new URL(redis.url).port || 6379), 4093);
  try {
    const split = connect({ url: proxy.url, commandTimeout: 30_000 });
    const [value, length] = await split.pipeline([
      ['GET', 'big'],
      ['STRLEN', 'big'],
    ]);
    assert.equal(value, big);
    assert.equal(length, Buffer.byteLength(big));
  } finally {
    await proxy.close();
  }
});

test('Lua scripts: EVALSHA, and EVAL when Redis has forgotten the script', { skip: skip ?? false }, async () => {
  const client = connect({ url: redis.url });
  const script = "return redis.call('INCRBY', KEYS[1], ARGV[1])";
  await client.command(['DEL', 'scripted']);
  assert.equal(await client.evalScript(script, ['scripted'], [2]), 2);
  await client.command(['SCRIPT', 'FLUSH']);
  assert.equal(await client.evalScript(script, ['scripted'], [3]), 5);
  await assert.rejects(client.evalScript('return redis.call("NOPE")', [], []), RedisError);
});

test('password, user and database from the URL', { skip: skip ?? (process.env.REDIS_URL ? 'needs its own redis-server' : false) }, async () => {
  const secured = await startRedis(['--requirepass', 'first-secret', '--user', 'app', 'on', '>second-secret', '~*', '&*', '+@all']);
  try {
    const plain = connect({ url: secured.url, commandTimeout: 500 });
    await assert.rejects(plain.command(['PING']), /NOAUTH|Unavailable|did not answer/);
    const withPassword = connect({ url: `redis://:first-secret@127.0.0.1:${secured.port}/2` });
    await withPassword.command(['SET', 'where', 'db2']);
    const asUser = connect({ url: `redis://app:second-secret@127.0.0.1:${secured.port}/2` });
    assert.equal(await asUser.command(['GET', 'where']), 'db2');
    assert.equal(await asUser.command(['ACL', 'WHOAMI']), 'app');
    const otherDb = connect({ url: `redis://app:second-secret@127.0.0.1:${secured.port}/0` });
    assert.equal(await otherDb.command(['GET', 'where']), null);
  } finally {
    await secured.close();
  }
});

test('nobody listening: commands fail with RedisUnavailableError, the queue is bounded', async () => {
  const port = await freePort();
  const client = connect({ url: `redis://127.0.0.1:${port}`, commandTimeout: 300, maxQueue: 2 });
  const first = client.command(['PING']);
  const second = client.command(['PING']);
  await assert.rejects(client.command(['PING']), (err) => err instanceof RedisUnavailableError && /already waiting/.test(err.message));
  await assert.rejects(first, RedisUnavailableError);
  await assert.rejects(second, RedisUnavailableError);
});

test('a server that never answers: the command times out instead of hanging', async () => {
  const silent = net.createServer((socket) => socket.resume());
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  try {
    const { port } = /** @type {net.AddressInfo} */ (silent.address());
    const client = connect({ url: `redis://127.0.0.1:${port}`, commandTimeout: 200 });
    await assert.rejects(client.command(['GET', 'k']), (err) => err instanceof RedisUnavailableError && /did not answer GET/.test(err.message));
    client.close();
  } finally {
    silent.close();
  }
});

test('Redis restarts: commands fail meanwhile, the same client recovers, subscriptions come back', { skip: redisSkipReason({ ownServer: true }) ?? false }, async () => {
  const own = await startRedis();
  try {
    const client = connect({ url: own.url, commandTimeout: 300, backoffMax: 200 });
    const subscriber = connect({ url: own.url, commandTimeout: 300, backoffMax: 200 });
    /** @type {string[]} */
    const received = [];
    subscriber.on('message', (channel, text) => received.push(`${channel}:${text}`));
    await subscriber.subscribe('news');
    await eventually(async () => {
      await client.command(['PUBLISH', 'news', 'before']);
      assert.deepEqual(received, ['news:before']);
    });
    await own.stop();
    await assert.rejects(client.command(['PING']), RedisUnavailableError);
    await own.start();
    assert.equal(await eventually(() => client.command(['PING'])), 'PONG');
    await eventually(async () => {
      await client.command(['PUBLISH', 'news', 'after']);
      assert.equal(received.at(-1), 'news:after');
    });
  } finally {
    await own.close();
  }
});
