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
 * Anything log lines can be written to: a file here, or the master process.
 * @typedef {object} LogWriter
 * @property {(text: string) => void} write queue text (whole lines, ending in "\n")
 * @property {() => Promise<void>} flush resolves when everything queued so far is written
 */

/**
 * @typedef {object} LogMessage what a worker sends to its master
 * @property {'log'} type
 * @property {string} path absolute path of the log file
 * @property {RotationOptions} options
 * @property {string} text
 */

/** Above this many queued characters the disk cannot keep up: lines are dropped and counted. */
const MAX_QUEUED_LENGTH = 16 * 1024 * 1024;

const write = promisify(fs.write);
const open = promisify(fs.open);
const close = promisify(fs.close);
const fstat = promisify(fs.fstat);

/** A log file of this process, rotated by this process. */
export class LogFile {
  /**
   * Opens (creating it and its folder) the file now, so that a folder that
   * cannot be written is reported when the server starts, not at the first request.
   * @param {string} path
   * @param {RotationOptions} options
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
    /** @type {string[]} texts waiting for the next write */
    this.queue = [];
    this.queuedLength = 0;
    this.dropped = 0;
    this.reopenRequested = false;
    /** @type {Promise<void> | null} the running write loop, if any */
    this.writing = null;
    /** @type {Set<string>} error codes already reported, to report each only once */
    this.reported = new Set();
  }

  /** @param {string} text whole lines, each ending in "\n" */
  write(text) {
    if (this.queuedLength > MAX_QUEUED_LENGTH) {
      this.dropped += 1;
      return;
    }
    this.queue.push(text);
    this.queuedLength += text.length;
    this.startWriting();
  }

  /** Resolves when everything queued before the call has reached the file. */
  async flush() {
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
    if (this.queue.length === 0) return;
    try {
      fs.writeSync(this.fd, this.queue.join(''));
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
        await this.rotateIfDue(Buffer.byteLength(this.queue[0]));
        this.size += await writeAll(this.fd, this.takeBatch());
      } catch (err) {
        this.report(/** @type {NodeJS.ErrnoException} */ (err));
      }
    }
  }

  /**
   * Takes queued texts, in order, while they fit in the room left before
   * `maxSize` (at least one, so a line longer than `maxSize` still gets written).
   */
  takeBatch() {
    const room = this.options.maxSize > 0 ? this.options.maxSize - this.size : Infinity;
    let taken = 0;
    let bytes = 0;
    while (taken < this.queue.length) {
      const length = Buffer.byteLength(this.queue[taken]);
      if (taken > 0 && bytes + length > room) break;
      bytes += length;
      taken += 1;
    }
    const texts = this.queue.splice(0, taken);
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

/**
 * Writes all of `text` and returns its length in bytes. The text goes to
 * `fs.write` as a string: Node copies it into memory it frees as soon as the
 * write is done, where a Buffer per batch would wait for the garbage
 * collector (under a long load those Buffers made the process grow). A write
 * may be partial (a full disk): the rest goes as bytes.
 * @param {number} fd
 * @param {string} text
 */
async function writeAll(fd, text) {
  const length = Buffer.byteLength(text);
  let { bytesWritten: offset } = await write(fd, text, null, 'utf8');
  if (offset < length) {
    const bytes = Buffer.from(text);
    while (offset < length) {
      const { bytesWritten } = await write(fd, bytes, offset, length - offset, null);
      offset += bytesWritten;
    }
  }
  return length;
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
 * @param {RotationOptions} options used by the first caller
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
  if (typeof m.path !== 'string' || typeof m.text !== 'string' || !isRotationOptions(m.options)) return false;
  openLogFile(m.path, m.options).write(m.text);
  return true;
}

/** @param {unknown} value @returns {value is RotationOptions} */
function isRotationOptions(value) {
  const o = /** @type {Record<string, unknown>} */ (value);
  return typeof o === 'object' && o !== null && typeof o.maxSize === 'number' && typeof o.daily === 'boolean' && typeof o.maxFiles === 'number';
}

/**
 * Batches the lines of one event-loop turn into one IPC message.
 * @param {string} path
 * @param {RotationOptions} options
 * @param {(message: LogMessage) => Promise<void>} send
 * @returns {LogWriter}
 */
function forwardingWriter(path, options, send) {
  /** @type {string[]} */
  let queue = [];
  /** @type {Promise<void>} the last send */
  let sent = Promise.resolve();
  let scheduled = false;
  const sendQueued = () => {
    scheduled = false;
    if (queue.length === 0) return;
    const text = queue.join('');
    queue = [];
    // A failed send means the master is gone; the worker is about to exit anyway.
    sent = sent.then(() => send({ type: 'log', path, options, text })).catch(() => {});
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
