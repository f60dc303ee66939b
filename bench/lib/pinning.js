// Which CPUs the servers and the load generator get. With taskset and at
// least 2 usable CPUs, the servers (and their workers) run on all but the
// last CPU and the load generator on the last one, so the two never fight
// for one core; otherwise nothing is pinned and the report says so.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

/**
 * @typedef {object} Pinning
 * @property {boolean} pinned
 * @property {string | null} serverCpus a taskset CPU list, e.g. "0" or "0-2"; null when not pinned
 * @property {string | null} loaderCpus
 * @property {string} description for the report's Settings line
 */

/**
 * The CPUs this process may run on (`Cpus_allowed_list` of /proc/self/status).
 * @returns {number[]}
 */
export function allowedCpus() {
  try {
    const line = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (line) {
      return line.split(',').flatMap((part) => {
        const [from, to = from] = part.split('-').map(Number);
        return Array.from({ length: to - from + 1 }, (_, i) => from + i);
      });
    }
  } catch {
    // not Linux: fall through
  }
  return Array.from({ length: os.availableParallelism() }, (_, i) => i);
}

/** @param {number[]} cpus */
function cpuList(cpus) {
  const last = cpus[cpus.length - 1];
  return cpus.length > 1 && last - cpus[0] === cpus.length - 1 ? `${cpus[0]}-${last}` : cpus.join(',');
}

/**
 * @param {boolean} wanted false with --no-pin
 * @returns {Pinning}
 */
export function choosePinning(wanted) {
  const cpus = allowedCpus();
  const unpinned = (/** @type {string} */ why) => ({
    pinned: false,
    serverCpus: null,
    loaderCpus: null,
    description: `not pinned (${why}): servers and load generator share ${cpus.length === 1 ? 'the only CPU' : `all ${cpus.length} CPUs`}`,
  });
  if (!wanted) return unpinned('--no-pin');
  if (cpus.length < 2) return unpinned('only 1 CPU');
  if (spawnSync('taskset', ['-c', String(cpus[0]), 'true']).status !== 0) return unpinned('no taskset');
  const serverCpus = cpuList(cpus.slice(0, -1));
  const loaderCpus = String(cpus.at(-1));
  return {
    pinned: true,
    serverCpus,
    loaderCpus,
    description: `pinned with taskset: servers (and their workers) on CPU ${serverCpus}, load generator and harness on CPU ${loaderCpus}`,
  };
}

/**
 * The command and arguments that run `node <args>` on `cpus` (or unpinned).
 * @param {string | null} cpus
 * @param {string[]} args
 * @returns {[string, string[]]}
 */
export function pinnedNode(cpus, args) {
  return cpus === null ? [process.execPath, args] : ['taskset', ['-c', cpus, process.execPath, ...args]];
}

/**
 * Moves this process (the harness: its own clients of scenarios 6 and 7) to `cpus`.
 * @param {string | null} cpus
 */
export function pinSelf(cpus) {
  if (cpus !== null) spawnSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' });
}

/** Every CPU this process could use before it pinned itself. */
const allowedList = cpuList(allowedCpus());

/** @type {Pinning} the placement of this run, set once by run.js */
let active = { pinned: false, serverCpus: null, loaderCpus: null, description: 'not pinned' };

/** @param {Pinning} pinning */
export function usePinning(pinning) {
  active = pinning;
  pinSelf(pinning.loaderCpus);
}

export function activePinning() {
  return active;
}

/**
 * The command that runs `node <args>` on every CPU, whatever the harness is
 * pinned to (the generator's own timings of scenario 9 are not a server's).
 * @param {string} node the Node binary
 * @param {string[]} args
 * @returns {[string, string[]]}
 */
export function unpinnedNode(node, args) {
  return active.pinned ? ['taskset', ['-c', allowedList, node, ...args]] : [node, args];
}
