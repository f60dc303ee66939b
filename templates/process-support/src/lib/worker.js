// @ts-check
import { errorLog } from './access-log.js';
import { ConfigError } from './config-loader.js';
import { fromMaster, sendToMaster } from './master-channel.js';
import { setReadiness } from './health.js';
import { installHeapSnapshots, takeHeapSnapshotAndReport } from './heap-snapshot.js';
import { flushLogFiles, forwardLogsTo } from './log-file.js';
import { collectMetricsWith, renderMetrics, takeSnapshot } from './metrics.js';
import { createHttpServer, gracefulClose, serverUrl } from './serve.js';
import { EXIT_CONFIG } from './restart-policy.js';

/**
 * The worker side of a multi-process server: builds the app, listens the
 * way the process model says (`listen`), and then:
 *
 * - crash (`uncaughtException`, `unhandledRejection`): logs the error, tells
 *   the master (which starts the replacement right away), stops accepting,
 *   lets its in-flight requests finish (their responses carry
 *   `Connection: close`), then exits 1; after `cluster.killTimeout` ms the
 *   remaining connections are cut;
 * - `{ type: 'shutdown' }` from the master (SIGTERM/SIGINT, reload): the same
 *   drain within `cluster.shutdownTimeout` ms, then exit 0;
 * - the master is gone (IPC disconnected): drain and exit 0, no orphans;
 * - SIGINT/SIGTERM/SIGHUP sent to the worker itself are ignored while its
 *   master lives: Ctrl-C, a terminal's hang-up and `systemctl stop` signal
 *   the whole process group, and the master acts for everyone.
 *
 * Its log lines go to the master (src/lib/log-file.js), `GET /metrics`
 * asks the master for every worker's numbers, and `fromMaster`
 * (src/lib/master-channel.js) emits what the master sends: `config` (the
 * configuration read again on SIGHUP) and `broadcast` (data another worker
 * shared with `broadcast()`).
 */

/** @typedef {import('./supervisor.js').ProcessConfig} ProcessConfig */
/** @typedef {import('node:http').Server} Server */

/** This worker's slot (1..N), given by the master in the environment. */
export function workerSlot() {
  return Number(process.env.NODESERVER_WORKER ?? 0);
}

/**
 * Runs this worker process.
 * @param {() => import('./pipeline.js').App} buildApp
 * @param {ProcessConfig} config
 * @param {(server: Server) => Promise<void>} listen starts accepting connections
 */
export async function runWorker(buildApp, config, listen) {
  forwardLogsTo(async (message) => {
    await sendToMaster(message);
  });
  collectMetricsWith(askMasterForMetrics);

  /** @type {Server | null} null until it listens */
  let server = null;
  /** @type {ReturnType<typeof trackSockets> | null} */
  let sockets = null;
  let stopping = false;

  /**
   * @param {number} exitCode
   * @param {number} timeout ms for the in-flight requests
   */
  const stop = async (exitCode, timeout) => {
    if (stopping) return;
    stopping = true;
    // Not listening yet: nothing is in flight.
    if (!server || !sockets) return process.exit(exitCode);
    setReadiness('draining');
    // Whatever happens below (a log flush that never ends), the process ends.
    setTimeout(() => process.exit(exitCode), timeout + 1000);
    const deadline = Date.now() + timeout;
    await gracefulClose(server, timeout);
    // Connections the master handed over before it learned that this worker
    // stops may still be on their way (and node:cluster loses one whose
    // worker exits before answering it). IPC keeps the order of messages:
    // once the master has answered this one, everything it sent before has arrived.
    await askMaster({ type: 'flush' }, Math.max(0, deadline - Date.now()));
    await sockets.closed(deadline);
    await flushLogFiles();
    process.exit(exitCode);
  };

  // The master runs shutdown and reload for the whole group (a terminal's
  // Ctrl-C or hang-up reaches every process of it); an orphan stops by itself.
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
    process.on(signal, () => {
      if (!process.connected) stop(0, config.cluster.shutdownTimeout);
    });
  }
  process.on('disconnect', () => stop(0, config.cluster.shutdownTimeout));
  // Listening from the start: a message that arrives while nobody listens is lost.
  process.on('message', (message) => {
    const m = /** @type {Record<string, any>} */ (message);
    if (typeof m !== 'object' || m === null) return;
    switch (m.type) {
      case 'shutdown':
        stop(0, config.cluster.shutdownTimeout);
        break;
      case 'config':
        fromMaster.emit('config', m.config);
        break;
      case 'broadcast':
        fromMaster.emit('broadcast', m.channel, m.data);
        break;
      case 'metrics-collect':
        sendToMaster({ type: 'metrics-snapshot', collection: m.collection, snapshot: takeSnapshot() });
        break;
      case 'reply':
        waitingForMaster.get(m.id)?.(m);
        break;
      case 'heap-snapshot':
        takeHeapSnapshotAndReport(config.heap);
        sendToMaster({ type: 'heap-snapshot-done' });
        break;
    }
  });

  /** @type {(err: unknown) => void} */
  let logError;
  try {
    logError = errorLog(config.log);
    // The master runs the schedule, one process at a time (src/lib/supervisor.js).
    installHeapSnapshots(config, { schedule: false });
    const httpServer = createHttpServer(buildApp(), config);
    const tracked = trackSockets(httpServer);
    await listen(httpServer);
    server = httpServer;
    sockets = tracked;
  } catch (err) {
    return startFailed(err, config);
  }
  // Errors of the listening socket itself (e.g. too many open files) are logged, not fatal.
  server.on('error', (err) => logError(err));

  /** @param {unknown} err */
  const crash = (err) => {
    logError(err);
    if (stopping) return;
    sendToMaster({ type: 'crashing', error: describe(err) });
    stop(1, config.cluster.killTimeout);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);

  setReadiness('serving');
  await sendToMaster({ type: 'listening', url: serverUrl(server, config.host) });
}

/**
 * The worker could not start: one clear line, and an exit code that tells
 * the master whether restarting can help.
 * @param {unknown} err
 * @param {ProcessConfig} config
 */
async function startFailed(err, config) {
  const code = /** @type {NodeJS.ErrnoException} */ (err)?.code;
  if (err instanceof ConfigError) {
    console.error(`Configuration error: ${err.message}`);
    process.exitCode = EXIT_CONFIG;
  } else if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    console.error(`Cannot listen on ${config.host}:${config.port}: ${code}. Set HOST/PORT to a free address this user may bind.`);
    process.exitCode = EXIT_CONFIG;
  } else {
    console.error(`Worker ${workerSlot()} (pid ${process.pid}) failed to start:`, err);
    process.exitCode = 1;
  }
  await flushLogFiles();
  process.exit();
}

/**
 * Keeps the open sockets of `server`, including those handed over with
 * `server.emit('connection')` (master-worker), which `server.close()` does
 * not wait for.
 * @param {Server} server
 */
function trackSockets(server) {
  /** @type {Set<import('node:net').Socket>} */
  const open = new Set();
  /** @type {(() => void) | null} */
  let onEmpty = null;
  server.on('connection', (socket) => {
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      if (open.size === 0) onEmpty?.();
    });
  });
  return {
    /**
     * Resolves once every socket is closed, or at `deadline` after cutting the rest.
     * @param {number} deadline ms since the epoch
     * @returns {Promise<void>}
     */
    closed(deadline) {
      if (open.size === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(
          () => {
            for (const socket of open) socket.destroy();
            resolve();
          },
          Math.max(0, deadline - Date.now()),
        );
        onEmpty = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    },
  };
}

/** @type {Map<number, (reply: Record<string, any> | null) => void>} questions to the master waiting for its reply, by id */
const waitingForMaster = new Map();
let lastQuestion = 0;

/**
 * Sends `message` with a new `id`; resolves with the master's
 * `{ type: 'reply', id, ... }`, or null after `timeout` ms or without a master.
 * @param {Record<string, unknown>} message
 * @param {number} timeout ms
 * @returns {Promise<Record<string, any> | null>}
 */
function askMaster(message, timeout) {
  const id = ++lastQuestion;
  return new Promise((resolve) => {
    /** @param {Record<string, any> | null} reply */
    const done = (reply) => {
      clearTimeout(timer);
      waitingForMaster.delete(id);
      resolve(reply);
    };
    const timer = setTimeout(() => done(null), timeout);
    waitingForMaster.set(id, done);
    sendToMaster({ ...message, id }).then((sent) => {
      if (!sent) done(null);
    });
  });
}

/**
 * Asks the master for the metrics of every worker; if it does not answer,
 * this worker's own numbers are better than nothing.
 * @returns {Promise<string>}
 */
async function askMasterForMetrics() {
  const reply = await askMaster({ type: 'metrics' }, 3000);
  if (reply) return String(reply.text);
  return renderMetrics([{ labels: { worker: String(workerSlot()) }, snapshot: takeSnapshot() }]);
}

/** @param {unknown} err */
function describe(err) {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
