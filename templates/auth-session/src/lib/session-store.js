// @ts-check
import cluster from 'node:cluster';
import { createHash, randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from './config-loader.js';
import { LruCache } from './lru.js';

/**
 * Where sessions live between requests. Two stores share one interface:
 *
 * - memory: a bounded LRU map in this process. Fast, gone at restart, and
 *   private to one process: with several workers a session made by one is
 *   unknown to the others.
 * - file: one JSON file per session in a folder. Survives restarts and is
 *   shared by every process on the machine, so any worker can serve any
 *   session. Writes are atomic (temporary file + rename), and a file is
 *   named after a hash of the session id, never the id itself: a directory
 *   listing or a log of file names gives nobody a usable session.
 *
 * Both hold at most `maxSessions` at every moment: a new session first
 * makes room by dropping the least recently used ones (the file store does
 * that under a lock that every process respects), so a flood of logins
 * cannot fill the memory or the disk between two sweeps.
 *
 * `store: 'auto'` picks memory in a single process and file when this
 * process is a worker of a cluster (node:cluster or a forked child with an
 * IPC channel), because only the file store works across processes.
 */

/**
 * @typedef {object} SessionRecord
 * @property {Record<string, unknown>} data what the application keeps (JSON values only)
 * @property {number} createdAt ms since epoch: start of the session (absolute timeout)
 * @property {number} lastSeen ms since epoch: last request (idle timeout)
 */

/**
 * @typedef {object} SessionStore
 * @property {(id: string) => Promise<SessionRecord | undefined>} get undefined when unknown or idle too long
 * @property {(id: string, record: SessionRecord) => Promise<void>} set create or replace
 * @property {(id: string) => Promise<void>} destroy forget it (no error when unknown)
 * @property {(id: string, lastSeen: number) => Promise<void>} touch mark it as used, keeping the data
 * @property {() => void} close stop the background sweep
 * @property {string} kind `memory` or `file`
 */

/**
 * @typedef {object} StoreSettings
 * @property {string} store `auto`, `memory` or `file`
 * @property {string} dir folder of the file store
 * @property {number} maxSessions most sessions kept
 * @property {number} idleTimeout ms: sessions unused for longer are dropped
 */

/** Warn once per process about a memory store in a multi-process setup. */
let warnedMemoryInWorker = false;

/**
 * The store the settings ask for.
 * @param {StoreSettings} settings
 * @returns {SessionStore}
 */
export function createStore(settings) {
  const inWorker = cluster.isWorker || typeof process.send === 'function';
  const kind = settings.store === 'auto' ? (inWorker ? 'file' : 'memory') : settings.store;
  if (!Number.isSafeInteger(settings.maxSessions) || settings.maxSessions < 1) {
    throw new ConfigError(`SESSION_MAX_SESSIONS must be a whole number of 1 or more, got ${settings.maxSessions}`);
  }
  const options = { ttl: settings.idleTimeout, maxSessions: settings.maxSessions };
  if (kind === 'memory') {
    if (inWorker && !warnedMemoryInWorker) {
      warnedMemoryInWorker = true;
      console.warn('SESSION_STORE=memory in a worker process: each worker has its own sessions. Use SESSION_STORE=file (or auto) with several processes.');
    }
    return createMemoryStore(options);
  }
  if (kind === 'file') {
    if (typeof settings.dir !== 'string' || settings.dir.trim() === '') throw new ConfigError('SESSION_DIR must name a folder for the file store');
    return createFileStore({ ...options, dir: settings.dir });
  }
  throw new ConfigError(`SESSION_STORE must be auto, memory or file, got ${JSON.stringify(settings.store)}`);
}

/**
 * Sessions in this process's memory: at most `maxSessions` (the least
 * recently used go first), each dropped `ttl` ms after its last use.
 * Records are kept as JSON text, so they behave exactly like the file
 * store's (no shared objects, only JSON values survive).
 * @param {{ ttl: number, maxSessions: number }} options
 * @returns {SessionStore}
 */
export function createMemoryStore({ ttl, maxSessions }) {
  /** @type {LruCache<string, string>} */
  const entries = new LruCache({ maxEntries: maxSessions, ttl });
  // Expired entries are never returned; the sweep frees their memory. unref: it never keeps the process alive.
  const timer = setInterval(() => entries.prune(), sweepInterval(ttl));
  timer.unref();
  return {
    kind: 'memory',
    async get(id) {
      const text = entries.get(id);
      return text === undefined ? undefined : parseRecord(text);
    },
    async set(id, record) {
      entries.set(id, JSON.stringify(record));
    },
    async destroy(id) {
      entries.delete(id);
    },
    async touch(id, lastSeen) {
      const text = entries.get(id);
      const record = text === undefined ? undefined : parseRecord(text);
      // Storing it again restarts its ttl.
      if (record) entries.set(id, JSON.stringify({ ...record, lastSeen }));
    },
    close() {
      clearInterval(timer);
    },
  };
}

/**
 * Sessions as files in `dir`, one `<sha256(id)>.json` each. The last use is
 * the file's modification time, so `touch` is one `utimes` call and never
 * rewrites data another process may have just saved.
 * @param {{ dir: string, ttl: number, maxSessions: number }} options
 * @returns {SessionStore}
 */
export function createFileStore({ dir, ttl, maxSessions }) {
  const root = resolve(dir);
  /** @param {string} id */
  const fileOf = (id) => join(root, `${createHash('sha256').update(id).digest('hex')}.json`);

  const timer = setInterval(() => {
    sweep(root, ttl, maxSessions).catch((err) => console.error(`session file store: sweep of ${root} failed: ${err.message}`));
  }, sweepInterval(ttl));
  timer.unref();

  /**
   * Writes the whole record beside its file, then renames it over it:
   * readers see the old or the new file, never half of one.
   * @param {string} file
   * @param {SessionRecord} record
   */
  async function write(file, record) {
    const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temporary, JSON.stringify(record), { mode: 0o600, flag: 'wx' });
      await rename(temporary, file);
    } catch (err) {
      await removeFile(temporary);
      throw err;
    }
  }

  // One new session at a time in this process; the lock folder orders the processes.
  let creating = Promise.resolve();

  /**
   * Texts of session files read lately, with the identity of the file they
   * were read from. Every save renames a new file over the old one (a new
   * inode, a new ctime) and `touch` changes the ctime too, so an unchanged
   * inode number, size and ctime mean unchanged content: a session read on
   * every request then costs one `stat` instead of open, fstat, read and close.
   * Kept by session id, with the file's name: hashing the id into the name
   * was the next largest cost.
   * @type {LruCache<string, { file: string, identity: string, text: string }>}
   */
  const recent = new LruCache({ maxEntries: Math.min(maxSessions, 10_000) });

  /**
   * The text of a session's file and its modification time (its last use).
   * @param {string} id
   */
  async function readSession(id) {
    const cached = recent.get(id);
    const file = cached?.file ?? fileOf(id);
    let info;
    try {
      // Synchronous on purpose: the folder is on this machine (the store is
      // shared by the processes of one machine; across machines use Redis),
      // and the stat of a file the kernel has cached takes a microsecond,
      // where an asynchronous one costs a trip through the thread pool: that
      // trip was the largest single cost of a request with a session.
      info = statSync(file);
    } catch (err) {
      recent.delete(id);
      throw err;
    }
    const identity = `${info.ino}:${info.size}:${info.ctimeMs}`;
    if (cached !== undefined && cached.identity === identity) return { file, text: cached.text, modified: info.mtimeMs };
    // Read after the stat: if a newer file replaced it in between, the text
    // is newer than `identity`, which no later stat of the file will return.
    const text = await readFile(file, 'utf8');
    recent.set(id, { file, identity, text });
    return { file, text, modified: info.mtimeMs };
  }

  return {
    kind: 'file',
    async get(id) {
      let file;
      let text;
      let modified;
      try {
        ({ file, text, modified } = await readSession(id));
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw err;
      }
      const record = parseRecord(text);
      if (record === undefined) {
        // A damaged file (disk full, edited by hand) ends that session, not the server.
        await removeFile(file);
        return undefined;
      }
      record.lastSeen = Math.max(record.lastSeen, modified);
      if (Date.now() - record.lastSeen > ttl) {
        await removeFile(file);
        return undefined;
      }
      return record;
    },
    async set(id, record) {
      const file = fileOf(id);
      // Made on demand (a no-op when it exists): a server that never saves a session leaves no folder behind.
      await mkdir(root, { recursive: true, mode: 0o700 });
      if (await exists(file)) return write(file, record);
      // A new session: make room first, under the lock, so no moment sees more than maxSessions files.
      const turn = creating.then(() =>
        withLock(root, async () => {
          await dropOldest(root, maxSessions - 1);
          await write(file, record);
        }),
      );
      creating = turn.catch(() => {});
      return turn;
    },
    async destroy(id) {
      await removeFile(fileOf(id));
    },
    async touch(id, lastSeen) {
      const seconds = lastSeen / 1000;
      try {
        await utimes(fileOf(id), seconds, seconds);
      } catch (err) {
        if (!isMissing(err)) throw err;
      }
    },
    close() {
      clearInterval(timer);
    },
  };
}

/** ms after which a lock is taken to be left behind by a process that died holding it. */
const STALE_LOCK = 10_000;

/**
 * Runs `fn` while holding the store's lock, a `.lock` folder in it:
 * `mkdir` either creates it or fails, atomically, for every process on the
 * machine. Other processes wait their turn.
 * @template T
 * @param {string} root
 * @param {() => Promise<T>} fn
 * @returns {Promise<T>}
 */
async function withLock(root, fn) {
  const lock = join(root, '.lock');
  for (let waited = 0; ;) {
    try {
      await mkdir(lock, { mode: 0o700 });
      break;
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'EEXIST') throw err;
    }
    // Holding it takes milliseconds: an old lock belongs to a process that died.
    const age = await stat(lock).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > STALE_LOCK) {
      await rm(lock, { recursive: true, force: true });
      continue;
    }
    if (waited > 2 * STALE_LOCK) throw new Error(`session file store: ${lock} stays locked; remove it if no server is running`);
    // A random pause, so waiting processes do not retry in step.
    const pause = 2 + Math.floor(Math.random() * 8);
    await sleep(pause);
    waited += pause;
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/**
 * Deletes the least recently used sessions until at most `keep` are left.
 * @param {string} root
 * @param {number} keep
 */
async function dropOldest(root, keep) {
  const names = (await readdir(root)).filter((name) => name.endsWith('.json'));
  if (names.length <= keep) return;
  /** @type {{ file: string, modified: number }[]} */
  const sessions = [];
  for (const name of names) {
    const file = join(root, name);
    const modified = await stat(file).then(
      (s) => s.mtimeMs,
      () => null,
    );
    if (modified !== null) sessions.push({ file, modified });
  }
  sessions.sort((a, b) => a.modified - b.modified);
  for (const { file } of sessions.slice(0, Math.max(0, sessions.length - keep))) await removeFile(file);
}

/**
 * Deletes sessions idle for longer than `ttl`, leftovers of interrupted
 * writes, and the least recently used sessions above `maxSessions` (there
 * are more only after SESSION_MAX_SESSIONS was lowered: new sessions make
 * room for themselves).
 * @param {string} root
 * @param {number} ttl
 * @param {number} maxSessions
 */
export async function sweep(root, ttl, maxSessions) {
  let names;
  try {
    names = await readdir(root);
  } catch (err) {
    if (isMissing(err)) return;
    throw err;
  }
  const now = Date.now();
  /** @type {{ file: string, modified: number }[]} */
  const live = [];
  for (const name of names) {
    const file = join(root, name);
    const isSession = name.endsWith('.json');
    if (!isSession && !name.endsWith('.tmp')) continue;
    let modified;
    try {
      modified = (await stat(file)).mtimeMs;
    } catch {
      continue; // removed meanwhile by another process
    }
    // A temporary file older than a minute belongs to a write that died.
    const limit = isSession ? ttl : Math.max(ttl, 60_000);
    if (now - modified > limit) await removeFile(file);
    else if (isSession) live.push({ file, modified });
  }
  if (live.length > maxSessions) {
    live.sort((a, b) => a.modified - b.modified);
    for (const { file } of live.slice(0, live.length - maxSessions)) await removeFile(file);
  }
}

/**
 * A stored record, or undefined for anything that is not one.
 * @param {string} text
 * @returns {SessionRecord | undefined}
 */
function parseRecord(text) {
  try {
    const value = JSON.parse(text);
    const ok =
      typeof value === 'object' &&
      value !== null &&
      typeof value.data === 'object' &&
      value.data !== null &&
      !Array.isArray(value.data) &&
      Number.isFinite(value.createdAt) &&
      Number.isFinite(value.lastSeen);
    return ok ? { data: value.data, createdAt: value.createdAt, lastSeen: value.lastSeen } : undefined;
  } catch {
    return undefined;
  }
}

/** Sweep as often as sessions can expire, but between once a second and once a minute. @param {number} ttl */
function sweepInterval(ttl) {
  return Math.min(Math.max(ttl, 1000), 60_000);
}

/** @param {string} file */
async function removeFile(file) {
  try {
    await unlink(file);
  } catch (err) {
    if (!isMissing(err)) throw err;
  }
}

/** @param {string} file */
async function exists(file) {
  try {
    await stat(file);
    return true;
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}

/** @param {unknown} err */
function isMissing(err) {
  return /** @type {NodeJS.ErrnoException} */ (err)?.code === 'ENOENT';
}
