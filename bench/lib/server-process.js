// Starts a server under test as its own child process and stops it again.
// Every server (contender or generated project) runs with the same Node
// binary, on the servers' CPUs (pinning.js), NODE_ENV=production, on 127.0.0.1 with port 0, and prints one line
// `Listening on http://127.0.0.1:<port> ...` (the generated server's own
// startup line; the contenders in bench/servers/ print the same).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { processTree, cpuSeconds, memory } from './proc-stats.js';
import { activePinning, pinnedNode } from './pinning.js';

const LISTENING = /Listening on (http:\/\/127\.0\.0\.1:\d+)/;
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;

/** Servers still running, stopped on exit even if the harness fails. */
const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * @typedef {object} ServerSpec
 * @property {string} name shown in reports and errors
 * @property {string[]} args arguments of `node` (script and its arguments)
 * @property {string} cwd working directory
 * @property {Record<string, string>} [env] added to the environment
 * @property {number[]} [companionPids] processes the server needs to answer (a Redis it keeps its
 *   sessions in): their CPU counts as the server's, since a store in memory would do that work in it
 */

/**
 * @typedef {object} RunningServer
 * @property {string} name
 * @property {string} url e.g. http://127.0.0.1:40123
 * @property {number} pid
 * @property {() => number[]} pids the process and its workers
 * @property {() => number} cpuSeconds CPU time used so far by all its processes
 * @property {() => { peak: number, current: number } | null} memory of the main process
 * @property {() => string} output what it printed so far (last 4 KiB)
 * @property {() => Promise<void>} stop
 */

/**
 * @param {ServerSpec} spec
 * @returns {Promise<RunningServer>}
 */
export async function startServer(spec) {
  // On the servers' CPUs when pinned: taskset execs node, so the child's pid is the server's.
  const [command, args] = pinnedNode(activePinning().serverCpus, spec.args);
  const child = spawn(command, args, {
    cwd: spec.cwd,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'production',
      ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      ...spec.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  const keep = (/** @type {Buffer} */ chunk) => {
    output = (output + chunk.toString()).slice(-4096);
  };
  child.stderr.on('data', keep);

  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${spec.name} did not print its port within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    /** @param {Error} err */
    const fail = (err) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${err.message}\n${output.trim()}`));
    };
    child.stdout.on('data', (chunk) => {
      keep(chunk);
      const match = LISTENING.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code, signal) => fail(new Error(`${spec.name} exited before listening (code ${code}, signal ${signal})`)));
    child.once('error', fail);
  });
  child.removeAllListeners('exit');
  const exited = once(child, 'exit');

  return {
    name: spec.name,
    url,
    pid: /** @type {number} */ (child.pid),
    pids: () => processTree(/** @type {number} */ (child.pid)),
    cpuSeconds() {
      return cpuSeconds([...processTree(/** @type {number} */ (child.pid)), ...(spec.companionPids ?? [])]);
    },
    memory: () => memory(/** @type {number} */ (child.pid)),
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) {
        running.delete(child);
        return;
      }
      const workers = processTree(/** @type {number} */ (child.pid)).slice(1);
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
      running.delete(child);
      // A worker left behind by a primary that was killed: end it too.
      for (const pid of workers) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone: the usual case
        }
      }
    },
  };
}
