// @ts-check
import fs from 'node:fs';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { requireSetting } from './config-loader.js';

/**
 * Heap snapshots for hunting memory leaks: `kill -USR2 <pid>` (and, if
 * `heap.interval` is set, every so many ms) writes
 * `heapdumps/heap-<time>-<pid>-<n>.heapsnapshot`, to open in Chrome DevTools
 * (Memory tab, Load). Only the newest `heap.maxFiles` are kept.
 *
 * The cost: writing a snapshot stops the process (no request is answered)
 * for about a second per 100 MB of heap, and needs about as much memory
 * again while it runs. Take them on purpose, not on a short interval.
 * With several processes, SIGUSR2 to the master makes the workers write one
 * each, one after the other, so they never all stop at once.
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
 * section it does nothing.
 * @param {{ heap?: HeapSettings, [key: string]: unknown }} config
 */
export function installHeapSnapshots(config) {
  const settings = config.heap;
  if (!settings) return;
  checkHeapSettings(settings);
  if (installed) return;
  installed = true;
  if (settings.onSignal) process.on('SIGUSR2', () => takeHeapSnapshotAndReport(settings));
  // unref: an interval must not keep a process alive that is otherwise done.
  if (settings.interval > 0) setInterval(() => takeHeapSnapshotAndReport(settings), settings.interval).unref();
}

/**
 * Writes a heap snapshot now (blocking), deletes the oldest beyond
 * `maxFiles`, and returns its path.
 * @param {HeapSettings} settings
 * @returns {string}
 */
export function takeHeapSnapshot(settings) {
  fs.mkdirSync(settings.dir, { recursive: true });
  sequence += 1;
  // An ISO time without colons sorts by time and is a valid file name everywhere.
  const time = new Date().toISOString().replace(/:/g, '-');
  const path = join(settings.dir, `heap-${time}-${process.pid}-${sequence}.heapsnapshot`);
  writeHeapSnapshot(path);
  pruneSnapshots(settings.dir, settings.maxFiles);
  return path;
}

/**
 * @param {HeapSettings} settings
 * @returns {string | null} the path, or null when it failed (reported)
 */
export function takeHeapSnapshotAndReport(settings) {
  const started = Date.now();
  try {
    const path = takeHeapSnapshot(settings);
    console.log(`Heap snapshot written to ${path} in ${Date.now() - started} ms (pid ${process.pid})`);
    return path;
  } catch (err) {
    // A full disk must not take the server down with it.
    console.error(`Heap snapshot failed (pid ${process.pid}): ${/** @type {Error} */ (err).message}`);
    return null;
  }
}

/**
 * @param {string} dir
 * @param {number} maxFiles
 */
function pruneSnapshots(dir, maxFiles) {
  const snapshots = fs.readdirSync(dir).filter((name) => name.startsWith('heap-') && name.endsWith('.heapsnapshot'));
  // Newest first: the names start with the time.
  snapshots.sort((a, b) => (a < b ? 1 : -1));
  for (const name of snapshots.slice(maxFiles)) {
    fs.rmSync(join(dir, name), { force: true });
  }
}

/** @param {HeapSettings} settings */
export function checkHeapSettings(settings) {
  requireSetting(typeof settings.dir === 'string' && settings.dir !== '', 'HEAP_DIR must name the folder of the heap snapshots (default: heapdumps)');
  requireSetting(Number.isInteger(settings.interval) && settings.interval >= 0, `HEAP_INTERVAL must be a number of milliseconds (0: never), got ${settings.interval}`);
  requireSetting(settings.interval === 0 || settings.interval >= 1000, `HEAP_INTERVAL must be 0 or at least 1000 ms: each snapshot pauses the process, got ${settings.interval}`);
  requireSetting(Number.isInteger(settings.maxFiles) && settings.maxFiles >= 1, `HEAP_MAX_FILES must be 1 or more, got ${settings.maxFiles}`);
}
