// One measurement: autocannon sends keep-alive requests over N connections
// for a fixed time, while we read the server's CPU time from /proc.
// autocannon runs in its own process (loader-process.js), started once and
// pinned to the load generator's CPU when the machine allows (pinning.js), so
// it neither shares the harness's event loop nor the server's core.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { activePinning, pinnedNode } from './pinning.js';

/**
 * @typedef {object} LoadSpec
 * @property {string} [method] GET by default
 * @property {string} [path] one path, or
 * @property {{ method?: string, path: string, headers?: Record<string, string>, body?: string }[]} [requests] several, sent in turn
 * @property {Record<string, string>} [headers]
 * @property {string} [body]
 * @property {number} [expectStatus] 200 by default: other statuses are counted as errors
 */

/**
 * @typedef {object} LoadResult
 * @property {number} rps completed requests per second (only those with the expected status)
 * @property {number} p50 latency in ms
 * @property {number} p99 latency in ms
 * @property {number} cpu server CPU use in cores (1 = one core fully busy)
 * @property {number} perCpuSecond requests the server answers per CPU-second
 * @property {number} loaderCpu the load generator's own CPU use in cores, reported by its process
 * @property {number} unexpected responses with another status, errors and timeouts
 */

const LOADER = fileURLToPath(new URL('./loader-process.js', import.meta.url));

/** @type {Promise<import('node:child_process').ChildProcess> | null} */
let loader = null;
let nextId = 0;
/** @type {Map<number, { resolve: (result: any) => void, reject: (err: Error) => void }>} measurements waiting for their answer */
const pending = new Map();

/** The load generator's process, started on first use. */
function loaderProcess() {
  loader ??= new Promise((resolve, reject) => {
    const [command, args] = pinnedNode(activePinning().loaderCpus, [LOADER]);
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], cwd: fileURLToPath(new URL('..', import.meta.url)) });
    child.on('message', (/** @type {any} */ message) => {
      if (message?.type === 'ready') {
        idle(child);
        resolve(child);
        return;
      }
      const waiting = pending.get(message?.id);
      if (!waiting) return;
      pending.delete(message.id);
      if (pending.size === 0) idle(child);
      if (message.type === 'error') waiting.reject(new Error(`autocannon: ${message.message}`));
      else waiting.resolve(message.result);
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const err = new Error(`the load generator exited (code ${code}, signal ${signal})`);
      reject(err);
      for (const waiting of pending.values()) waiting.reject(err);
      pending.clear();
      loader = null;
    });
  });
  return loader;
}

/**
 * An idle loader must not keep the harness alive (it is ended by stopLoader, or with the harness).
 * @param {import('node:child_process').ChildProcess} child
 */
function idle(child) {
  child.unref();
  /** @type {any} */ (child).channel?.unref();
}

/** Ends the load generator's process (at the end of a run). */
export async function stopLoader() {
  if (!loader) return;
  const child = await loader.catch(() => null);
  loader = null;
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.ref(); // else the harness could end before the loader has
    child.kill('SIGTERM');
    await exited;
  }
}

/**
 * Runs autocannon in the loader process once.
 * @param {object} options autocannon's options (plain data)
 * @returns {Promise<any>}
 */
async function runLoad(options) {
  const child = await loaderProcess();
  const id = nextId++;
  /** @type {any} */ (child).channel?.ref();
  const answer = new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
  child.send({ type: 'measure', id, options });
  return answer;
}

/**
 * @param {import('./server-process.js').RunningServer} server
 * @param {LoadSpec} spec
 * @param {{ duration: number, connections: number }} settings
 * @param {(elapsed: number) => void} [onSecond] called about once a second while the load runs
 * @returns {Promise<LoadResult>}
 */
export async function measure(server, spec, settings, onSecond) {
  const expectStatus = spec.expectStatus ?? 200;
  // Plain data for the other process: header getters (a session cookie) are read now.
  const options = {
    // autocannon takes the path of a single request from the URL.
    url: server.url + (spec.path ?? ''),
    method: spec.method ?? 'GET',
    requests: spec.requests,
    headers: spec.headers ? { ...spec.headers } : undefined,
    body: spec.body,
    connections: settings.connections,
    pipelining: 1,
    duration: settings.duration,
    timeout: 10,
  };
  await loaderProcess();
  const cpuBefore = server.cpuSeconds();
  const started = process.hrtime.bigint();
  const timer = onSecond ? setInterval(() => onSecond(Number(process.hrtime.bigint() - started) / 1e9), 1000) : null;
  let result;
  try {
    result = await runLoad(options);
  } finally {
    if (timer) clearInterval(timer);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = (server.cpuSeconds() - cpuBefore) / seconds;
  const statuses = /** @type {Record<string, { count: number }>} */ (result.statusCodeStats);
  const expected = statuses[String(expectStatus)]?.count ?? 0;
  const total = Object.values(statuses).reduce((sum, s) => sum + s.count, 0);
  const rps = expected / result.duration;
  return {
    rps,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpu,
    perCpuSecond: cpu > 0 ? rps / cpu : NaN,
    loaderCpu: result.cpu,
    unexpected: total - expected + result.errors + result.timeouts,
  };
}
