// @ts-check
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';

/**
 * A small Redis client on node:net and node:tls (RESP2), for the shared
 * store (src/lib/store-redis.js). What it guarantees:
 *
 * - Every command settles within `commandTimeout` ms: a reply, a RedisError
 *   (Redis said no) or a RedisUnavailableError (no connection, a timeout, a
 *   full queue). A caller never waits on a dead server.
 * - Commands are pipelined: replies come back in order, and the commands of
 *   one turn of the event loop (every request handled in it) go out in one
 *   write, at the end of that turn: one packet, one wake-up of Redis.
 * - While disconnected, up to `maxQueue` commands wait for the connection
 *   (each still bound by its timeout); more are refused at once, so an
 *   outage cannot pile up memory.
 * - The connection comes back by itself: reconnects with exponential
 *   back-off and jitter (so many servers do not reconnect in step), then
 *   AUTH and SELECT again before any queued command.
 * - A command already sent when the connection drops is rejected, not
 *   resent: it may have run, and running it twice (INCR) would be wrong.
 * - Sockets and reconnect timers are unref'd: an idle client never keeps a
 *   process alive. A command waiting for its answer does, until it is
 *   answered or times out: a script that awaits it gets one or the other.
 */

/** An error reply from Redis (`-ERR ...`, `-WRONGTYPE ...`): the command reached it and failed. */
export class RedisError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'RedisError';
    /** @type {string} The first word of the reply: ERR, WRONGTYPE, NOSCRIPT, ... */
    this.code = message.split(' ')[0];
  }
}

/** Redis cannot be asked right now: not connected, too slow, or too many commands waiting. */
export class RedisUnavailableError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'RedisUnavailableError';
  }
}

/** Error replies that mean "not now" rather than "wrong command". */
const TRANSIENT = new Set(['LOADING', 'BUSY', 'MASTERDOWN', 'TRYAGAIN', 'CLUSTERDOWN', 'READONLY']);

/**
 * @typedef {object} RedisAddress
 * @property {string} host
 * @property {number} port
 * @property {boolean} tls rediss://
 * @property {string} username empty: the default user
 * @property {string} password empty: no AUTH
 * @property {number} db SELECT this database
 */

/**
 * `redis://[[user]:password@]host[:port][/db]` or `rediss://` (TLS).
 * @param {string} url
 * @returns {RedisAddress}
 */
export function parseRedisUrl(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`REDIS_URL must be a URL like redis://127.0.0.1:6379/0, got ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new TypeError(`REDIS_URL must start with redis:// or rediss://, got ${JSON.stringify(parsed.protocol)}`);
  }
  const dbText = parsed.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isSafeInteger(db) || db < 0) throw new TypeError(`REDIS_URL: the database after the / must be a number, got ${JSON.stringify(dbText)}`);
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    tls: parsed.protocol === 'rediss:',
    username: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    db,
  };
}

/**
 * @typedef {string | number | Buffer} Arg
 * @typedef {string | number | null | RedisError | unknown[]} Reply an array holds Replies
 */

/**
 * One command as RESP: an array of bulk strings.
 * @param {Arg[]} args
 */
export function encodeCommand(args) {
  /** @type {Buffer[]} */
  const parts = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg));
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, CRLF);
  }
  return Buffer.concat(parts);
}
const CRLF = Buffer.from('\r\n');

/**
 * Parses RESP replies from bytes that arrive in any pieces. Bytes are kept
 * as a list of chunks and joined only when a whole reply can be there, so a
 * 10 MB value arriving in 64 KB pieces is copied once, not once per piece.
 */
export class ReplyParser {
  constructor() {
    /** @type {Buffer[]} */
    this.chunks = [];
    this.length = 0;
    /** Bytes needed before parsing is worth trying again. */
    this.needed = 1;
  }

  /**
   * Adds bytes; returns the replies now complete, in order.
   * @param {Buffer} chunk
   * @returns {Reply[]}
   */
  push(chunk) {
    this.chunks.push(chunk);
    this.length += chunk.length;
    /** @type {Reply[]} */
    const replies = [];
    while (this.length >= this.needed) {
      const buffer = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.length);
      this.chunks = [buffer];
      const result = parseReply(buffer, 0);
      if (typeof result === 'number') {
        this.needed = result;
        break;
      }
      replies.push(result.value);
      const rest = buffer.subarray(result.end);
      this.chunks = rest.length ? [rest] : [];
      this.length = rest.length;
      this.needed = 1;
    }
    return replies;
  }
}

/**
 * One reply at `start`, or the number of bytes the buffer needs at least
 * before the reply can be complete.
 * @param {Buffer} buffer
 * @param {number} start
 * @returns {{ value: Reply, end: number } | number}
 */
function parseReply(buffer, start) {
  const lineEnd = buffer.indexOf(CRLF, start);
  if (lineEnd === -1) return buffer.length + 1;
  const type = buffer[start];
  const line = buffer.toString('utf8', start + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case 0x2b: // + simple string
      return { value: line, end: next };
    case 0x2d: // - error
      return { value: new RedisError(line), end: next };
    case 0x3a: // : integer
      return { value: Number(line), end: next };
    case 0x24: {
      // $ bulk string
      const size = Number(line);
      if (size < 0) return { value: null, end: next };
      if (buffer.length < next + size + 2) return next + size + 2;
      return { value: buffer.toString('utf8', next, next + size), end: next + size + 2 };
    }
    case 0x2a: {
      // * array
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      /** @type {Reply[]} */
      const items = [];
      let offset = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buffer, offset);
        if (typeof item === 'number') return item;
        items.push(item.value);
        offset = item.end;
      }
      return { value: items, end: offset };
    }
    default:
      throw new RedisError(`PROTOCOL unexpected reply type ${JSON.stringify(String.fromCharCode(type))}`);
  }
}

/**
 * @typedef {object} RedisOptions
 * @property {string} url REDIS_URL
 * @property {number} [commandTimeout] ms each command may take, queueing included
 * @property {number} [connectTimeout] ms to open a connection
 * @property {number} [maxQueue] commands that may wait for a connection
 * @property {number} [backoffInitial] ms before the first reconnect
 * @property {number} [backoffMax] longest pause between reconnects
 */

/**
 * @typedef {object} Pending
 * @property {Buffer} bytes the encoded command
 * @property {(reply: Reply) => void} resolve
 * @property {(err: Error) => void} reject
 * @property {boolean} settled timed out (its reply, if any, is dropped)
 * @property {NodeJS.Timeout | undefined} timer
 */

/**
 * A Redis connection that reconnects. Events: `ready` (connected and
 * authenticated), `down` (lost; `error` is never emitted, so an outage is
 * not a crash), `message` (channel, text) on a subscriber.
 */
export class RedisClient extends EventEmitter {
  /** @param {RedisOptions} options */
  constructor(options) {
    super();
    /** @type {RedisAddress} */
    this.address = parseRedisUrl(options.url);
    this.commandTimeout = options.commandTimeout ?? 1000;
    this.connectTimeout = options.connectTimeout ?? 2000;
    this.maxQueue = options.maxQueue ?? 1000;
    this.backoffInitial = options.backoffInitial ?? 50;
    this.backoffMax = options.backoffMax ?? 2000;
    /** @type {net.Socket | null} */
    this.socket = null;
    this.ready = false;
    this.closed = false;
    /** Failed connection attempts in a row (the back-off grows with it). */
    this.attempts = 0;
    /** @type {Pending[]} sent, waiting for their replies, in order */
    this.inFlight = [];
    /** @type {Pending[]} waiting to be written: for the end of this turn, or for a connection */
    this.queue = [];
    /** A flush of the queue waits for the end of this turn of the event loop. */
    this.flushScheduled = false;
    /** @type {NodeJS.Timeout | undefined} */
    this.reconnectTimer = undefined;
    /** @type {Map<string, string>} script text -> SHA1, for EVALSHA */
    this.scripts = new Map();
    /** @type {Set<string>} channels to (re)subscribe on every connection */
    this.channels = new Set();
    /** Last reason the connection failed, for messages. */
    this.lastError = 'not connected yet';
    this.connect();
  }

  /** Opens the connection (again). */
  connect() {
    if (this.closed) return;
    const { host, port } = this.address;
    const socket = this.address.tls ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host }) : net.connect({ host, port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    socket.unref();
    const parser = new ReplyParser();
    const timer = setTimeout(() => socket.destroy(new Error(`connect timeout after ${this.connectTimeout} ms`)), this.connectTimeout);
    timer.unref();
    socket.once(this.address.tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      this.handshake(socket).then(
        () => {
          if (this.socket !== socket) return;
          this.attempts = 0;
          this.ready = true;
          this.emit('ready');
          this.flush();
        },
        (err) => socket.destroy(err),
      );
    });
    socket.on('data', (chunk) => {
      let replies;
      try {
        replies = parser.push(chunk);
      } catch (err) {
        socket.destroy(/** @type {Error} */ (err));
        return;
      }
      for (const reply of replies) this.onReply(reply);
    });
    socket.on('error', (err) => {
      this.lastError = err.message;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (this.socket !== socket) return;
      this.socket = null;
      const wasReady = this.ready;
      this.ready = false;
      // Sent but unanswered: they may have run, so they are not sent again.
      for (const pending of this.inFlight.splice(0)) this.fail(pending, new RedisUnavailableError(`Redis connection lost (${this.lastError})`));
      if (wasReady) this.emit('down', this.lastError);
      this.scheduleReconnect();
    });
  }

  /**
   * AUTH and SELECT, and the subscriptions of a subscriber, before anything else.
   * @param {net.Socket} socket
   */
  async handshake(socket) {
    const { username, password, db } = this.address;
    /** @type {Arg[][]} */
    const setup = [];
    if (password !== '') setup.push(username !== '' ? ['AUTH', username, password] : ['AUTH', password]);
    if (db !== 0) setup.push(['SELECT', db]);
    for (const channel of this.channels) setup.push(['SUBSCRIBE', channel]);
    const replies = await Promise.all(setup.map((args) => this.send(socket, args)));
    const failed = replies.find((/** @type {Reply} */ r) => r instanceof RedisError);
    if (failed) throw failed;
  }

  /** Reconnects after a pause that doubles with each failure, with jitter. */
  scheduleReconnect() {
    if (this.closed || this.reconnectTimer) return;
    const ceiling = Math.min(this.backoffMax, this.backoffInitial * 2 ** Math.min(this.attempts, 20));
    this.attempts++;
    // "Full jitter" between half and all of the ceiling: many servers losing the same Redis spread out.
    const delay = Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }

  /**
   * Sends one command on `socket` outside the queue (the handshake).
   * @param {net.Socket} socket
   * @param {Arg[]} args
   * @returns {Promise<Reply>}
   */
  send(socket, args) {
    return new Promise((resolve, reject) => {
      const pending = this.pending(args, resolve, reject);
      this.inFlight.push(pending);
      socket.write(pending.bytes);
    });
  }

  /**
   * @param {Arg[]} args
   * @param {(reply: Reply) => void} resolve
   * @param {(err: Error) => void} reject
   * @returns {Pending}
   */
  pending(args, resolve, reject) {
    /** @type {Pending} */
    const pending = { bytes: encodeCommand(args), resolve, reject, settled: false, timer: undefined };
    pending.timer = setTimeout(() => {
      const sent = this.inFlight.includes(pending);
      this.fail(pending, new RedisUnavailableError(`Redis did not answer ${String(args[0])} within ${this.commandTimeout} ms${this.ready ? '' : ` (${this.lastError})`}`));
      const waiting = this.queue.indexOf(pending);
      if (waiting !== -1) this.queue.splice(waiting, 1);
      // A sent command that gets no answer: the connection is stuck (a half-open
      // socket, a frozen server). Start over rather than wait behind it.
      if (sent) this.socket?.destroy(new Error('a command timed out'));
    }, this.commandTimeout);
    return pending;
  }

  /**
   * @param {Pending} pending
   * @param {Error} err
   */
  fail(pending, err) {
    if (pending.settled) return;
    pending.settled = true;
    clearTimeout(pending.timer);
    pending.reject(err);
  }

  /** @param {Reply} reply */
  onReply(reply) {
    // Pushed messages of a subscription are not replies to a command.
    if (Array.isArray(reply) && reply[0] === 'message' && this.channels.size > 0) {
      this.emit('message', String(reply[1]), String(reply[2]));
      return;
    }
    const pending = this.inFlight.shift();
    if (!pending || pending.settled) return;
    pending.settled = true;
    clearTimeout(pending.timer);
    if (reply instanceof RedisError) {
      pending.reject(TRANSIENT.has(reply.code) ? new RedisUnavailableError(`Redis is not ready: ${reply.message}`) : reply);
    } else {
      pending.resolve(reply);
    }
  }

  /** Writes the queued commands at the end of this turn of the event loop, with those of the other requests handled in it. */
  flushSoon() {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Writes every queued command in one go. */
  flush() {
    if (!this.ready || !this.socket) return;
    const batch = this.queue.splice(0).filter((p) => !p.settled);
    if (batch.length === 0) return;
    this.inFlight.push(...batch);
    this.socket.write(Buffer.concat(batch.map((p) => p.bytes)));
  }

  /**
   * Runs one command: `await client.command(['SET', 'k', 'v', 'PX', 1000])`.
   * @param {Arg[]} args
   * @returns {Promise<Reply>}
   */
  command(args) {
    return this.pipeline([args]).then((replies) => {
      if (replies[0] instanceof RedisError) throw replies[0];
      return replies[0];
    });
  }

  /**
   * Several commands written together; resolves with every reply in order
   * (an error reply is a RedisError in its place), rejects when Redis is
   * unavailable.
   * @param {Arg[][]} commands
   * @returns {Promise<Reply[]>}
   */
  pipeline(commands) {
    if (this.closed) return Promise.reject(new RedisUnavailableError('Redis client closed'));
    if (!this.ready && this.queue.length + commands.length > this.maxQueue) {
      return Promise.reject(new RedisUnavailableError(`Redis unavailable (${this.lastError}) and ${this.queue.length} commands already waiting`));
    }
    const replies = commands.map(
      /** @returns {Promise<Reply>} */
      (args) =>
        new Promise((resolve, reject) => {
          this.queue.push(this.pending(args, resolve, (err) => (err instanceof RedisError ? resolve(err) : reject(err))));
        }),
    );
    this.flushSoon();
    return Promise.all(replies);
  }

  /**
   * Runs a Lua script: EVALSHA, and EVAL when Redis does not know the
   * script yet (after a restart or SCRIPT FLUSH), which also caches it there.
   * @param {string} script
   * @param {Arg[]} keys
   * @param {Arg[]} args
   */
  async evalScript(script, keys, args) {
    let sha = this.scripts.get(script);
    if (sha === undefined) {
      sha = createHash('sha1').update(script).digest('hex');
      this.scripts.set(script, sha);
    }
    try {
      return await this.command(['EVALSHA', sha, keys.length, ...keys, ...args]);
    } catch (err) {
      if (!(err instanceof RedisError) || err.code !== 'NOSCRIPT') throw err;
      return this.command(['EVAL', script, keys.length, ...keys, ...args]);
    }
  }

  /**
   * Subscribes this client to `channel` (use a client only for
   * subscriptions: a subscribed connection cannot run other commands).
   * Subscriptions are renewed on every reconnect.
   * @param {string} channel
   */
  async subscribe(channel) {
    if (this.channels.has(channel)) return;
    this.channels.add(channel);
    // Also in the handshake of every later connection; subscribing twice is harmless
    // (one confirmation per SUBSCRIBE), missing one during a handshake would not be.
    await this.command(['SUBSCRIBE', channel]);
  }

  /** Closes the connection; pending commands are rejected. */
  close() {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    for (const pending of [...this.queue.splice(0), ...this.inFlight.splice(0)]) this.fail(pending, new RedisUnavailableError('Redis client closed'));
    this.socket?.destroy();
    this.socket = null;
    this.ready = false;
  }
}
