// @ts-check
import fs from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

/**
 * Log files that rotate themselves.
 *
 * - Writes are buffered and asynchronous: `write()` only queues the text, one
 *   write at a time goes to the file with what is queued so far. A request
 *   never waits for the disk, and because there is only ever one write in
 *   flight, lines written at the same time never interleave or get lost.
 * - A `buffered` file (the access log) gathers its lines in a block of
 *   memory that goes to the file when it is full, or 200 ms after its first
 *   line (nginx's `access_log ... buffer= flush=`, pino's `minLength`): one
 *   write per few hundred lines under load instead of one per turn of the
 *   event loop. The lines still queued are written when the process exits
 *   (`flushLogFiles`, and the `exit` hook below); a process killed with
 *   SIGKILL loses at most the last 200 ms of them.
 * - Rotation happens between two writes, never during one: when the (UTC)
 *   day has changed since the file was started (`daily`), or when the next
 *   write would grow the file past `maxSize` bytes. `access.log` is renamed
 *   to `access.2024-05-01.1.log` (the day its lines were written, then a
 *   counter), a fresh `access.log` is opened, and the oldest rotated files
 *   beyond `maxFiles` are deleted.
 * - External rotation (logrotate and friends): after moving the file away,
 *   send SIGUSR1 and every log file of the process is reopened at its path.
 *   (Node also uses SIGUSR1 to start the inspector on demand; with this
 *   handler installed, start the inspector with `--inspect` instead.)
 * - Several processes (the cluster and master-worker process models): a
 *   worker does not open files itself; its lines go to the
 *   master over IPC (`forwardLogsTo`), and the master, the only process with
 *   the file open, writes and rotates it. No two processes ever rotate the
 *   same file.
 */

/**
 * @typedef {object} RotationOptions
 * @property {number} maxSize rotate before the file would grow past this many bytes; 0 never
 * @property {boolean} daily rotate when the UTC day changes
 * @property {number} maxFiles rotated files kept (older ones are deleted); 0 keeps them all
 */

/**
 * @typedef {RotationOptions & { buffered?: boolean }} LogFileOptions
 * `buffered`: gather lines in a block written when full or after 200 ms
 * (for many small lines: the access log), instead of once per turn of the event loop
 */

/**
 * Anything log lines can be written to: a file here, or the master process.
 * @typedef {object} LogWriter
 * @property {(text: string) => void} write queue text (whole lines, ending in "\n")
 * @property {() => Promise<void>} flush resolves when everything queued so far is written
 */

/**
 * @typedef {object} LogMessage what a worker sends to its master
 * @property {'log'} type
 * @property {string} path absolute path of the log file
 * @property {LogFileOptions} options
 * @property {string} text
 */

/** Above this many queued characters the disk cannot keep up: lines are dropped and counted. */
const MAX_QUEUED_LENGTH = 16 * 1024 * 1024;
/** Bytes a buffered file gathers before they go out in one write (about 600 access lines). */
const BLOCK_SIZE = 64 * 1024;
/** Longest a line waits in a buffered file's block, ms: under little traffic the block fills slowly. */
const FLUSH_AFTER_MS = 200;

const write = promisify(fs.write);
const open = promisify(fs.open);
const close = promisify(fs.close);
const fstat = promisify(fs.fstat);

/**
 * Lines gathered in a block of memory and handed on when the block is full,
 * or FLUSH_AFTER_MS after the first line in it. Each line is copied into the
 * block at once, so no line object outlives its request. (A queue of strings
 * held that long was slower than one write per event-loop turn; the garbage
 * collector moving them to the old generation is the likely reason.) Two
 * blocks take turns, one filling while the other is written, so a steady load
 * allocates nothing.
 */
export class LineBuffer {
  /** @param {(bytes: Buffer) => void} handOff receives the filled part of a block; `reuse` gives the block back once done with it */
  constructor(handOff) {
    /** @type {(bytes: Buffer) => void} */
    this.handOff = handOff;
    /** @type {Buffer} the block being filled */
    this.block = Buffer.allocUnsafeSlow(BLOCK_SIZE);
    /** @type {number} bytes of it filled */
    this.used = 0;
    /** @type {Buffer | null} a block handed off and given back, to fill next */
    this.spare = null;
    /** @type {NodeJS.Timeout | null} */
    this.timer = null;
  }

  /**
   * Adds text (whole lines) to the block, handing the block off first when the text might not fit.
   * @param {string} text
   * @returns {boolean} false, adding nothing, when the text could be too long for any block
   */
  append(text) {
    // A UTF-16 code unit is at most 3 bytes of UTF-8: room is checked without encoding.
    const most = text.length * 3;
    if (most > BLOCK_SIZE) return false;
    if (this.used + most > BLOCK_SIZE) this.flush();
    this.used += this.block.write(text, this.used);
    // Unreferenced: a pending flush does not keep the process alive (the exit hook writes the rest).
    this.timer ??= setTimeout(() => this.flush(), FLUSH_AFTER_MS).unref();
    return true;
  }

  /** Hands off what the block holds, now. */
  flush() {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.used === 0) return;
    const bytes = this.block.subarray(0, this.used);
    this.block = this.spare ?? Buffer.allocUnsafeSlow(BLOCK_SIZE);
    this.spare = null;
    this.used = 0;
    this.handOff(bytes);
  }

  /**
   * Takes back the memory of a block handed off earlier, when nothing of it is still to be written.
   * @param {ArrayBufferLike} memory `bytes.buffer` of what `handOff` received
   */
  reuse(memory) {
    if (memory.byteLength === BLOCK_SIZE && memory !== this.block.buffer) this.spare = Buffer.from(memory);
  }
}

/** A log file of this process, rotated by this process. */
export class LogFile {
  /**
   * Opens (creating it and its folder) the file now, so that a folder that
   * cannot be written is reported when the server starts, not at the first request.
   * @param {string} path
   * @param {LogFileOptions} options
   */
  constructor(path, options) {
    /** @type {string} */
    this.path = resolve(path);
    this.options = options;
    fs.mkdirSync(dirname(this.path), { recursive: true });
    /** @type {number} */
    this.fd = fs.openSync(this.path, 'a');
    const stat = fs.fstatSync(this.fd);
    /** @type {number} */
    this.size = stat.size;
    // A file left from an earlier day is rotated under that day's name at the first write.
    /** @type {string} */
    this.day = utcDay(stat.size > 0 ? stat.mtime : new Date());
    /** @type {(string | Buffer)[]} texts, and blocks of a buffered file, waiting for the next write */
    this.queue = [];
    this.queuedLength = 0;
    this.dropped = 0;
    this.reopenRequested = false;
    /** @type {Promise<void> | null} the running write loop, if any */
    this.writing = null;
    /** @type {Set<string>} error codes already reported, to report each only once */
    this.reported = new Set();
    /** @type {LineBuffer | null} where a buffered file's lines gather */
    this.lines = options.buffered ? new LineBuffer((bytes) => this.enqueue(bytes)) : null;
  }

  /** @param {string} text whole lines, each ending in "\n" */
  write(text) {
    if (this.queuedLength > MAX_QUEUED_LENGTH) {
      this.dropped += 1;
      return;
    }
    if (this.lines?.append(text)) return;
    // Too long for a block: what the block holds goes first, to keep the order.
    this.lines?.flush();
    this.enqueue(text);
  }

  /** @param {string | Buffer} item */
  enqueue(item) {
    this.queue.push(item);
    this.queuedLength += item.length;
    this.startWriting();
  }

  /** Resolves when everything written before the call has reached the file. */
  async flush() {
    this.lines?.flush();
    while (this.writing) await this.writing;
  }

  /** Closes and opens the file again at its path (after an external tool moved it). */
  async reopen() {
    this.reopenRequested = true;
    this.startWriting();
    await this.flush();
  }

  /**
   * Writes whatever is queued right now, synchronously. Only for the moment
   * the process exits, when asynchronous writes would never finish.
   */
  writeQueuedSync() {
    this.lines?.flush();
    if (this.queue.length === 0) return;
    try {
      fs.writeSync(this.fd, Buffer.concat(this.queue.map((item) => (typeof item === 'string' ? Buffer.from(item) : item))));
    } catch {
      // The process is exiting: nowhere left to report to.
    }
    this.queue = [];
  }

  startWriting() {
    if (this.writing) return;
    this.writing = this.writeLoop().finally(() => {
      this.writing = null;
      // Text queued while the last write was failing starts a new loop.
      if (this.queue.length > 0 || this.reopenRequested) this.startWriting();
    });
  }

  /**
   * One write at a time, each with as many queued lines as fit in the file
   * (everything queued, without a size limit).
   */
  async writeLoop() {
    while (this.queue.length > 0 || this.reopenRequested) {
      try {
        if (this.reopenRequested) {
          this.reopenRequested = false;
          await this.reopenNow();
          continue;
        }
        // Wait for the end of this turn of the event loop: the lines of every
        // request answered in it then go out in one write, instead of one
        // write (and one thread-pool trip) for the first line of a burst.
        await new Promise((resolve) => setImmediate(resolve));
        // Everything may have been written synchronously meanwhile (writeQueuedSync at exit).
        if (this.queue.length === 0) continue;
        if (this.dropped > 0) {
          this.queue.unshift(`${new Date().toISOString()} log-file: ${this.dropped} lines dropped because the disk was too slow\n`);
          this.dropped = 0;
        }
        await this.rotateIfDue(firstLineBytes(this.queue[0]));
        const batch = this.takeBatch();
        this.size += await writeAll(this.fd, batch);
        // A block is filled again once none of it waits in the queue (what did not fit before a rotation).
        if (typeof batch !== 'string' && (typeof this.queue[0] === 'string' || this.queue[0]?.buffer !== batch.buffer)) this.lines?.reuse(batch.buffer);
      } catch (err) {
        this.report(/** @type {NodeJS.ErrnoException} */ (err));
      }
    }
  }

  /**
   * Takes queued texts, in order, while they fit in the room left before
   * `maxSize` (at least one, so a line longer than `maxSize` still gets
   * written); or a block, or the whole lines at its start that fit.
   * @returns {string | Buffer}
   */
  takeBatch() {
    const room = this.options.maxSize > 0 ? this.options.maxSize - this.size : Infinity;
    const head = this.queue[0];
    if (typeof head !== 'string') {
      const fits = head.length <= room ? head.length : head.lastIndexOf(NEWLINE, room - 1) + 1;
      const cut = fits || firstLineBytes(head);
      if (cut < head.length) this.queue[0] = head.subarray(cut);
      else this.queue.shift();
      this.queuedLength -= cut;
      return head.subarray(0, cut);
    }
    let taken = 0;
    let bytes = 0;
    while (taken < this.queue.length) {
      const text = this.queue[taken];
      if (typeof text !== 'string') break;
      const length = Buffer.byteLength(text);
      if (taken > 0 && bytes + length > room) break;
      bytes += length;
      taken += 1;
    }
    const texts = /** @type {string[]} */ (this.queue.splice(0, taken));
    for (const text of texts) this.queuedLength -= text.length;
    return texts.join('');
  }

  /** @param {number} incoming bytes of the next text to write */
  async rotateIfDue(incoming) {
    const today = utcDay(new Date());
    if (this.size === 0) {
      // Nothing to move away: the empty file simply becomes today's.
      this.day = today;
      return;
    }
    const newDay = this.options.daily && today !== this.day;
    const tooBig = this.options.maxSize > 0 && this.size + incoming > this.options.maxSize;
    if (!newDay && !tooBig) return;
    await this.rotate();
    this.day = today;
  }

  /** Renames the file to its rotated name, opens a fresh one, deletes the oldest. */
  async rotate() {
    const dir = dirname(this.path);
    const names = await fs.promises.readdir(dir);
    let next = 1;
    for (const file of rotatedFiles(this.path, names)) {
      if (file.day === this.day) next = Math.max(next, file.index + 1);
    }
    const { stem, ext } = splitName(this.path);
    await fs.promises.rename(this.path, join(dir, `${stem}.${this.day}.${next}${ext}`));
    const old = this.fd;
    this.fd = await open(this.path, 'a');
    this.size = 0;
    await close(old);
    await pruneRotated(this.path, this.options.maxFiles);
  }

  async reopenNow() {
    const old = this.fd;
    this.fd = await open(this.path, 'a');
    const stat = await fstat(this.fd);
    this.size = stat.size;
    this.day = utcDay(stat.size > 0 ? stat.mtime : new Date());
    await close(old);
  }

  /** @param {NodeJS.ErrnoException} err */
  report(err) {
    // Logging must never take the server down; say once what is wrong.
    const code = err.code ?? err.message;
    if (this.reported.has(code)) return;
    this.reported.add(code);
    console.error(`log-file: cannot write ${this.path}: ${err.message} (lines are dropped until it works again)`);
  }
}

const NEWLINE = 0x0a;

/**
 * Bytes of the first line of a queued text or block (its whole length when it has no newline).
 * @param {string | Buffer} item
 */
function firstLineBytes(item) {
  if (typeof item === 'string') return Buffer.byteLength(item);
  return item.indexOf(NEWLINE) + 1 || item.length;
}

/**
 * Writes all of `text` and returns its length in bytes. A text goes to
 * `fs.write` as a string: Node copies it into memory it frees as soon as the
 * write is done, where a new Buffer per batch would wait for the garbage
 * collector (under a long load those Buffers made the process grow); a
 * buffered file's blocks are reused. A write may be partial (a full disk):
 * the rest goes as bytes.
 * @param {number} fd
 * @param {string | Buffer} text
 */
async function writeAll(fd, text) {
  if (typeof text !== 'string') {
    await writeBytes(fd, text);
    return text.length;
  }
  const length = Buffer.byteLength(text);
  const { bytesWritten } = await write(fd, text, null, 'utf8');
  if (bytesWritten < length) await writeBytes(fd, Buffer.from(text).subarray(bytesWritten));
  return length;
}

/**
 * @param {number} fd
 * @param {Buffer} bytes
 */
async function writeBytes(fd, bytes) {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await write(fd, bytes, offset, bytes.length - offset, null);
    offset += bytesWritten;
  }
}

/**
 * `access.log` -> `{ stem: 'access', ext: '.log' }`
 * @param {string} path
 */
function splitName(path) {
  const ext = extname(path);
  return { stem: basename(path, ext), ext };
}

/**
 * The rotated siblings of `path` among `names`, newest first.
 * @param {string} path
 * @param {string[]} names file names in the folder of `path`
 * @returns {{ name: string, day: string, index: number }[]}
 */
export function rotatedFiles(path, names) {
  const { stem, ext } = splitName(path);
  const pattern = new RegExp(`^${escapeRegExp(stem)}\\.(\\d{4}-\\d{2}-\\d{2})\\.(\\d+)${escapeRegExp(ext)}$`);
  /** @type {{ name: string, day: string, index: number }[]} */
  const files = [];
  for (const name of names) {
    const match = pattern.exec(name);
    if (match) files.push({ name, day: match[1], index: Number(match[2]) });
  }
  return files.sort((a, b) => (a.day === b.day ? b.index - a.index : a.day < b.day ? 1 : -1));
}

/**
 * Deletes the oldest rotated files of `path` beyond `maxFiles` (0 keeps all).
 * @param {string} path
 * @param {number} maxFiles
 */
async function pruneRotated(path, maxFiles) {
  if (maxFiles <= 0) return;
  const dir = dirname(path);
  const old = rotatedFiles(path, await fs.promises.readdir(dir)).slice(maxFiles);
  for (const file of old) {
    await fs.promises.rm(join(dir, file.name), { force: true });
  }
}

/** @param {string} text */
function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** @param {Date} date @returns {string} `2024-05-01` */
function utcDay(date) {
  return date.toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------
// The log files of this process

/** @type {Map<string, LogFile>} one writer per file, whoever asks for it */
const files = new Map();

/** @type {((message: LogMessage) => Promise<void>) | null} set in a worker: send lines to the master */
let sendToMaster = null;
/** @type {Map<string, LogWriter>} writers of a worker, by path */
const forwarded = new Map();

/**
 * The writer for the log file at `path`: the same one for every caller in
 * this process (so one process never has two writers on one file), or, in a
 * worker that forwards its logs, one that sends the lines to the master.
 * @param {string} path
 * @param {LogFileOptions} options used by the first caller
 * @returns {LogWriter}
 */
export function openLogFile(path, options) {
  const absolute = resolve(path);
  if (sendToMaster) {
    let writer = forwarded.get(absolute);
    if (!writer) {
      writer = forwardingWriter(absolute, options, sendToMaster);
      forwarded.set(absolute, writer);
    }
    return writer;
  }
  let file = files.get(absolute);
  if (!file) {
    file = new LogFile(absolute, options);
    files.set(absolute, file);
    if (files.size === 1) installProcessHooks();
  }
  return file;
}

/**
 * From now on, log files opened by this process send their lines through
 * `send` (a worker's IPC channel) instead of writing files.
 * @param {(message: LogMessage) => Promise<void>} send
 */
export function forwardLogsTo(send) {
  sendToMaster = send;
}

/**
 * Writes a worker's lines (master side).
 * @param {unknown} message a `{ type: 'log' }` message from a worker
 * @returns {boolean} whether it was a log message
 */
export function writeForwardedLog(message) {
  const m = /** @type {Partial<LogMessage>} */ (message);
  if (typeof m !== 'object' || m === null || m.type !== 'log') return false;
  if (typeof m.path !== 'string' || typeof m.text !== 'string' || !isLogFileOptions(m.options)) return false;
  openLogFile(m.path, m.options).write(m.text);
  return true;
}

/** @param {unknown} value @returns {value is LogFileOptions} */
function isLogFileOptions(value) {
  const o = /** @type {Record<string, unknown>} */ (value);
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.maxSize === 'number' &&
    typeof o.daily === 'boolean' &&
    typeof o.maxFiles === 'number' &&
    (o.buffered === undefined || typeof o.buffered === 'boolean')
  );
}

/**
 * Sends a worker's lines to the master: a buffered file's a block at a
 * time, any other's those of one event-loop turn in one IPC message.
 * @param {string} path
 * @param {LogFileOptions} options
 * @param {(message: LogMessage) => Promise<void>} send
 * @returns {LogWriter}
 */
function forwardingWriter(path, options, send) {
  /** @type {Promise<void>} the last send */
  let sent = Promise.resolve();
  /** @param {string} text */
  const sendText = (text) => {
    // A failed send means the master is gone; the worker is about to exit anyway.
    sent = sent.then(() => send({ type: 'log', path, options, text })).catch(() => {});
  };
  if (options.buffered) {
    // The message holds a copy of the block's text, so the block is free again at once.
    const lines = new LineBuffer((bytes) => {
      sendText(bytes.toString());
      lines.reuse(bytes.buffer);
    });
    return {
      write(text) {
        if (lines.append(text)) return;
        lines.flush();
        sendText(text);
      },
      async flush() {
        lines.flush();
        await sent;
      },
    };
  }
  /** @type {string[]} */
  let queue = [];
  let scheduled = false;
  const sendQueued = () => {
    scheduled = false;
    if (queue.length === 0) return;
    const text = queue.join('');
    queue = [];
    sendText(text);
  };
  return {
    write(text) {
      queue.push(text);
      if (!scheduled) {
        scheduled = true;
        setImmediate(sendQueued);
      }
    },
    async flush() {
      sendQueued();
      await sent;
    },
  };
}

/** Reopens every log file of this process (SIGUSR1, after logrotate moved them). */
export async function reopenLogFiles() {
  await Promise.all([...files.values()].map((file) => file.reopen()));
}

/** Resolves when every queued line of this process is written (or sent to the master). */
export async function flushLogFiles() {
  await Promise.all([...files.values(), ...forwarded.values()].map((file) => file.flush()));
}

function installProcessHooks() {
  process.on('SIGUSR1', () => {
    reopenLogFiles().catch(() => {});
  });
  // Last resort for `process.exit()` called without `await flushLogFiles()`:
  // asynchronous writes cannot finish any more, synchronous ones can.
  process.on('exit', () => {
    for (const file of files.values()) file.writeQueuedSync();
  });
}
