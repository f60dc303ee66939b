// @ts-check
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from './config-loader.js';
import { broadcast as toOtherWorkers, fromMaster } from './master-channel.js';

/**
 * The shared store in files, for several processes on one machine (the
 * workers of a cluster, or servers started side by side with the same
 * STORE_FILE_DIR). It sets `req.store` (the `SharedStore` contract of
 * src/lib/pipeline.js) on every request:
 *
 * - counters (rate limits, the login throttle): one small file each under
 *   `<dir>/counters/`, changed under a lock every process respects, so
 *   every process counts against the same limit;
 * - sessions: the session file store (SESSION_STORE=auto means file);
 * - broadcasts: to this process and, through the master, to the other
 *   workers of a cluster (the file system has no way to wake another
 *   process; servers started side by side do not hear each other).
 *
 * Use the redis store for several machines.
 */

/**
 * @typedef {object} FileStoreSettings
 * @property {string} dir folder of the counters (STORE_FILE_DIR)
 */

/** ms after which a lock is taken to be left behind by a process that died holding it. */
const STALE_LOCK = 5_000;

/**
 * @param {{ storeFile: FileStoreSettings }} config
 */
export function fileStore(config) {
  const { dir } = config.storeFile;
  if (typeof dir !== 'string' || dir.trim() === '') throw new ConfigError('STORE_FILE_DIR must name a folder for the shared store');
  const store = createFileStore(resolve(dir));
  /** @type {import('./pipeline.js').Middleware} */
  const middleware = function sharedStore(req, res, next) {
    req.store = store;
    return next();
  };
  return Object.assign(middleware, { store });
}

/**
 * @param {string} root
 * @returns {import('./pipeline.js').SharedStore}
 */
export function createFileStore(root) {
  const counters = join(root, 'counters');
  /** @type {Map<string, Set<(data: unknown) => void>>} */
  const listeners = new Map();
  /** @param {string} channel @param {unknown} data */
  const deliver = (channel, data) => {
    for (const fn of listeners.get(channel) ?? []) fn(data);
  };
  /** @param {string} channel @param {unknown} data */
  const fromOthers = (channel, data) => deliver(channel, data);
  let listeningToWorkers = false;
  // Counters whose window ended are deleted once a minute, so clients that come and go leave nothing behind.
  const timer = setInterval(() => {
    sweepCounters(counters).catch((err) => console.error(`store: sweep of ${counters} failed: ${err.message}`));
  }, 60_000);
  timer.unref();

  return {
    kind: 'file',
    sessions: undefined,
    async hit(name, window, by = 1) {
      await mkdir(counters, { recursive: true, mode: 0o700 });
      const file = join(counters, `${createHash('sha256').update(name).digest('hex')}.json`);
      return withLock(root, async () => {
        const now = Date.now();
        let entry = await readFile(file, 'utf8').then(
          (text) => JSON.parse(text),
          () => null,
        );
        if (!entry || !(entry.until > now) || !Number.isFinite(entry.count)) entry = { count: 0, until: now + window };
        entry.count = Math.max(0, entry.count + by);
        // Whole file or nothing: a reader never sees half a counter.
        const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
        await writeFile(temporary, JSON.stringify(entry), { mode: 0o600 });
        await rename(temporary, file);
        return { count: entry.count, resetIn: entry.until - now };
      });
    },
    async broadcast(channel, data) {
      // JSON both ways, so this process gets what the others get.
      const copy = JSON.parse(JSON.stringify(data ?? null));
      deliver(channel, copy);
      await toOtherWorkers(channel, copy);
    },
    onBroadcast(channel, fn) {
      if (!listeningToWorkers) {
        listeningToWorkers = true;
        fromMaster.on('broadcast', fromOthers);
      }
      let set = listeners.get(channel);
      if (!set) listeners.set(channel, (set = new Set()));
      set.add(fn);
    },
    close() {
      clearInterval(timer);
      fromMaster.off('broadcast', fromOthers);
    },
  };
}

/**
 * Runs `fn` holding the store's lock, a `.lock` folder: `mkdir` creates it
 * or fails, atomically, for every process on the machine.
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
    const age = await stat(lock).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > STALE_LOCK) {
      await rm(lock, { recursive: true, force: true });
      continue;
    }
    if (waited > 2 * STALE_LOCK) throw new Error(`store: ${lock} stays locked; remove it if no server is running`);
    // A random pause, so waiting processes do not retry in step.
    const pause = 1 + Math.floor(Math.random() * 4);
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
 * Deletes the counters whose window has ended.
 * @param {string} dir
 */
export async function sweepCounters(dir) {
  const names = await readdir(dir).catch(() => /** @type {string[]} */ ([]));
  const now = Date.now();
  for (const name of names) {
    const file = join(dir, name);
    const until = await readFile(file, 'utf8').then(
      (text) => Number(JSON.parse(text).until),
      () => 0,
    );
    // A .tmp file or an unreadable counter is dropped once it is a minute old.
    const old = await stat(file).then(
      (s) => now - s.mtimeMs > 60_000,
      () => false,
    );
    if (until ? until <= now : old) await unlink(file).catch(() => {});
  }
}
