// @ts-check
import fs from 'node:fs';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { requireSetting } from './config-loader.js';

/**
 * Heap snapshots for hunting memory leaks: `kill -USR2 <pid>` (and, if
 * `heap.interval` is set in src/config.js, every so many ms) writes
 * `heapdumps/heap-<time>-<process>-<pid>-<n>.heapsnapshot`, to open in
 * Chrome DevTools (Memory tab, Load). `<process>` is `main` (one process),
 * `master` or `worker<slot>`; the newest `heap.maxFiles` are kept for each,
 * so one process's snapshots never push out another's.
 *
 * The cost: writing a snapshot stops the process (no request is answered)
 * for about a second per 100 MB of heap, and needs about as much memory
 * again while it runs. Take them on purpose, not on a short interval.
 * With several processes the master keeps the schedule, and SIGUSR2 to the
 * master does the same at once: the master writes one, then each worker,
 * one after the other, so they never all stop at once (the supervisor of
 * the cluster and master-worker process models).
 */

/**
 * @typedef {object} HeapSettings
 * @property {string} dir
 * @property {boolean} onSignal on SIGUSR2
 * @property {number} interval ms; 0 never
 * @property {number} maxFiles snapshots kept
 */

let installed = false;
let sequence = 0;

/**
 * Installs the SIGUSR2 handler and the interval (once per process; later
 * calls do nothing). Takes the whole configuration; without a `heap`
 * section it does nothing. A worker passes `{ schedule: false }`: its
 * master runs the schedule for every process, one after the other.
 * @param {{ heap?: HeapSettings, [key: string]: unknown }} config
 * @param {{ schedule?: boolean }} [options]
 */
export function installHeapSnapshots(config, { schedule = true } = {}) {
  const settings = config.heap;
  if (!settings) return;
  checkHeapSettings(settings);
  if (installed) return;
  installed = true;
  if (settings.onSignal) process.on('SIGUSR2', () => takeHeapSnapshotAndReport(settings));
  // unref: an interval must not keep a process alive that is otherwise done.
  if (schedule && settings.interval > 0) setInterval(() => takeHeapSnapshotAndReport(settings), settings.interval).unref();
}

/**
 * The name of this process in snapshot file names: `worker<slot>` in a
 * worker (its slot stays when it is replaced), else `main`. The master
 * passes `master` itself.
 */
export function processName() {
  const slot = process.env.NODESERVER_WORKER;
  return slot ? `worker${slot}` : 'main';
}

/**
 * Writes a heap snapshot now (blocking), deletes this process's oldest
 * beyond `maxFiles`, and returns its path.
 * @param {HeapSettings} settings
 * @param {string} [name] the process, see processName()
 * @returns {string}
 */
export function takeHeapSnapshot(settings, name = processName()) {
  fs.mkdirSync(settings.dir, { recursive: true });
  sequence += 1;
  // An ISO time without colons sorts by time and is a valid file name everywhere.
  const time = new Date().toISOString().replace(/:/g, '-');
  const path = join(settings.dir, `heap-${time}-${name}-${process.pid}-${sequence}.heapsnapshot`);
  writeHeapSnapshot(path);
  pruneSnapshots(settings.dir, name, settings.maxFiles);
  return path;
}

/**
 * @param {HeapSettings} settings
 * @param {string} [name] the process, see processName()
 * @returns {string | null} the path, or null when it failed (reported)
 */
export function takeHeapSnapshotAndReport(settings, name = processName()) {
  const started = Date.now();
  try {
    const path = takeHeapSnapshot(settings, name);
    console.log(`Heap snapshot written to ${path} in ${Date.now() - started} ms (pid ${process.pid})`);
    return path;
  } catch (err) {
    // A full disk must not take the server down with it.
    console.error(`Heap snapshot failed (pid ${process.pid}): ${/** @type {Error} */ (err).message}`);
    return null;
  }
}

/**
 * Deletes the oldest snapshots of process `name` beyond `maxFiles`; other
 * processes' snapshots are theirs to prune.
 * @param {string} dir
 * @param {string} name
 * @param {number} maxFiles
 */
function pruneSnapshots(dir, name, maxFiles) {
  const ours = new RegExp(`^heap-[\\d.TZ-]+-${name}-\\d+-\\d+\\.heapsnapshot$`);
  const snapshots = fs.readdirSync(dir).filter((file) => ours.test(file));
  // Newest first: the names start with the time.
  snapshots.sort((a, b) => (a < b ? 1 : -1));
  for (const file of snapshots.slice(maxFiles)) {
    fs.rmSync(join(dir, file), { force: true });
  }
}

/** @param {HeapSettings} settings */
export function checkHeapSettings(settings) {
  requireSetting(typeof settings.dir === 'string' && settings.dir !== '', 'HEAP_DIR must name the folder of the heap snapshots (default: heapdumps)');
  requireSetting(Number.isInteger(settings.interval) && settings.interval >= 0, `HEAP_INTERVAL must be a number of milliseconds (0: never), got ${settings.interval}`);
  requireSetting(settings.interval === 0 || settings.interval >= 1000, `HEAP_INTERVAL must be 0 or at least 1000 ms: each snapshot pauses the process, got ${settings.interval}`);
  requireSetting(Number.isInteger(settings.maxFiles) && settings.maxFiles >= 1, `HEAP_MAX_FILES must be 1 or more, got ${settings.maxFiles}`);
}
