// @ts-check
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { accessLogOptions, accessLogPath, checkLogSettings, errorLogPath, rotationOf } from './access-log.js';
import { runGiveUpHook } from './give-up-hook.js';
import { checkHeapSettings, takeHeapSnapshotAndReport } from './heap-snapshot.js';
import { handleWorkerMessage, send } from './ipc-messages.js';
import { flushLogFiles, openLogFile } from './log-file.js';
import { MetricsCollections } from './metrics-collection.js';
import { Reload } from './reload.js';
import { EXIT_CONFIG, RestartPolicy, checkClusterSettings, workerCount } from './restart-policy.js';

/**
 * The master of a multi-process server (the cluster and master-worker
 * process models differ only in how workers are started and how they get
 * connections; everything else is here and in the modules it imports):
 *
 * - keeps `cluster.workers` workers running, each in a numbered slot (1..N);
 * - restarts a worker that exits unexpectedly (src/lib/restart-policy.js:
 *   back-off, limits); when the limits are passed it logs "giving up", runs
 *   the `onGiveUp` hook with the reason (src/lib/give-up-hook.js), stops the
 *   other workers and exits with code 1, so a process manager notices;
 * - a crashing worker first says so over IPC (`{ type: 'crashing' }`): its
 *   replacement is started right away while it finishes its in-flight
 *   requests, and it is killed if it takes longer than `killTimeout` ms;
 * - SIGTERM / SIGINT: every worker drains (finishes in-flight requests), then
 *   the master exits 0; workers still running after `shutdownTimeout` ms are
 *   killed; a second signal kills them at once;
 * - SIGHUP: zero-downtime reload, worker by worker (src/lib/reload.js);
 * - SIGUSR2, and every `heap.interval` ms if set: heap snapshots of the
 *   master and then each worker, one after the other (each one pauses its
 *   process, so never all at once);
 * - SIGUSR1: the master reopens the log files (after logrotate);
 * - the workers' log lines come here (only the master writes and rotates
 *   the files), and `GET /metrics` in any worker shows every worker
 *   (src/lib/metrics-collection.js).
 *
 * The messages between the master and its workers: src/lib/ipc-messages.js.
 */

/**
 * The configuration a multi-process server needs (the project's Config has it all).
 * @typedef {import('./serve.js').ServeConfig & {
 *   cluster: ClusterSettings,
 *   log: import('./access-log.js').LogSettings,
 *   heap: import('./heap-snapshot.js').HeapSettings,
 * }} ProcessConfig
 */

/**
 * @typedef {object} WorkerProcess
 * @property {number} slot 1..N; a replacement takes the slot of the worker it replaces
 * @property {import('node:child_process').ChildProcess} child
 * @property {number} pid
 * @property {'starting' | 'listening' | 'stopping'} state
 * @property {boolean} exitExpected its exit is planned (asked to stop, or announced a crash)
 * @property {NodeJS.Timeout | null} killTimer
 * @property {Promise<boolean>} listening resolves true once it listens, false if it exits first
 * @property {(listening: boolean) => void} settle
 * @property {(() => void) | null} heapSnapshotDone
 */

/**
 * @typedef {object} SupervisorOptions
 * @property {string} name `cluster` or `master-worker`: the prefix of the master's log lines
 * @property {ProcessConfig} config
 * @property {(slot: number) => import('node:child_process').ChildProcess} spawn starts the worker of a slot
 * @property {() => Promise<ProcessConfig>} [rereadConfig] reads the configuration again (SIGHUP)
 * @property {(worker: WorkerProcess, message: unknown, handle: unknown) => void} [onMessage] messages the supervisor does not know
 * @property {(worker: WorkerProcess) => void} [onListening] a worker started listening
 * @property {() => void} [onStop] the master is shutting down (stop accepting)
 */

/** @typedef {import('./restart-policy.js').ClusterSettings} ClusterSettings */

/** Extra ms after a worker's own deadline before the master kills it (it may be stuck in a loop). */
const KILL_GRACE = 2000;
/** ms a worker gets to write one heap snapshot. */
const HEAP_SNAPSHOT_TIMEOUT = 120_000;

export class Supervisor {
  /** @param {SupervisorOptions} options */
  constructor(options) {
    checkClusterSettings(options.config.cluster);
    this.options = options;
    /** @type {ProcessConfig} */
    this.config = options.config;
    /** @type {number} */
    this.count = workerCount(this.config.cluster);
    /** @type {Set<WorkerProcess>} */
    this.workers = new Set();
    /** @type {Map<number, NodeJS.Timeout>} slot -> timer of a restart waiting for its back-off */
    this.pendingRestarts = new Map();
    this.restartPolicy = new RestartPolicy(this.config.cluster);
    this.restarts = 0;
    this.stopping = false;
    this.finished = false;
    this.exitCode = 0;
    this.announced = false;
    /** @type {Promise<void>} the give-up hook, once it runs */
    this.giveUpHook = Promise.resolve();
    this.reload = new Reload(this);
    this.metrics = new MetricsCollections();
    /** @type {NodeJS.Timeout | null} the heap snapshot schedule */
    this.heapTimer = null;
    this.heapRunning = false;
    checkHeapSettings(this.config.heap);
    // Only the master writes the log files; open them now so a bad LOG_DIR shows at start.
    checkLogSettings(this.config.log);
    if (this.config.log.access) openLogFile(accessLogPath(this.config.log), accessLogOptions(this.config.log));
    /** @type {import('./log-file.js').LogWriter} */
    this.errorFile = openLogFile(errorLogPath(this.config.log), rotationOf(this.config.log));
  }

  /** Starts the workers and takes over the signals. */
  start() {
    this.log(`master pid ${process.pid}: starting ${this.count} workers`);
    // Without configured secrets (sessions, tokens, CSRF), development makes random ones;
    // one shared seed makes every worker derive the same, so a session or token
    // made by one worker is valid on the others. Production requires real secrets.
    if (this.config.env !== 'production') process.env.NODESERVER_DEV_SECRET ??= randomBytes(32).toString('base64url');
    for (let slot = 1; slot <= this.count; slot++) this.spawnWorker(slot);
    process.on('SIGTERM', () => this.shutdown('SIGTERM', 0));
    process.on('SIGINT', () => this.shutdown('SIGINT', 0));
    process.on('SIGHUP', () => {
      this.reload.run().catch((err) => this.error(`reload failed: ${err instanceof Error ? err.message : err}`));
    });
    process.on('SIGUSR2', () => {
      if (this.config.heap.onSignal) this.runHeapSnapshots();
    });
    this.scheduleHeapSnapshots();
  }

  /** (Re)starts the heap snapshot schedule of `heap.interval` (0: none). */
  scheduleHeapSnapshots() {
    if (this.heapTimer) clearInterval(this.heapTimer);
    this.heapTimer = null;
    const { interval } = this.config.heap;
    // unref: the schedule must not keep a master alive that is otherwise done.
    if (interval > 0) this.heapTimer = setInterval(() => this.runHeapSnapshots(), interval).unref();
  }

  runHeapSnapshots() {
    // A round still running (a big heap, a short interval) is not doubled.
    if (this.heapRunning || this.stopping) return;
    this.heapRunning = true;
    this.heapSnapshots()
      .catch((err) => this.error(`heap snapshots failed: ${err instanceof Error ? err.message : err}`))
      .finally(() => (this.heapRunning = false));
  }

  /**
   * @param {number} slot
   * @returns {WorkerProcess}
   */
  spawnWorker(slot) {
    const child = this.options.spawn(slot);
    /** @type {(listening: boolean) => void} */
    let settle = () => {};
    /** @type {Promise<boolean>} */
    const listening = new Promise((resolve) => (settle = resolve));
    /** @type {WorkerProcess} */
    const worker = { slot, child, pid: child.pid ?? 0, state: 'starting', exitExpected: false, killTimer: null, listening, settle, heapSnapshotDone: null };
    this.workers.add(worker);
    child.on('message', (message, handle) => handleWorkerMessage(this, worker, message, handle));
    child.once('exit', (code, signal) => this.onExit(worker, code, signal));
    // An IPC write to a worker that just died: its `exit` follows and is handled there.
    child.on('error', () => {});
    return worker;
  }

  /**
   * @param {WorkerProcess} worker
   * @param {string} url
   */
  onListening(worker, url) {
    if (worker.state !== 'starting') return;
    worker.state = 'listening';
    worker.settle(true);
    this.log(`worker ${worker.slot} (pid ${worker.pid}) listening`);
    this.options.onListening?.(worker);
    if (this.stopping) {
      // Started while we were shutting down: it only came up to go.
      this.stopWorker(worker, this.config.cluster.shutdownTimeout);
      return;
    }
    const listeningSlots = new Set([...this.workers].filter((w) => w.state === 'listening').map((w) => w.slot));
    if (!this.announced && listeningSlots.size === this.count) {
      this.announced = true;
      // The same first words as a single process prints, for whoever waits for them.
      this.log(`Listening on ${url} (${this.config.env}, ${this.count} workers, master pid ${process.pid})`);
    }
  }

  /**
   * @param {WorkerProcess} worker
   * @param {string} error
   */
  onCrashing(worker, error) {
    this.error(`worker ${worker.slot} (pid ${worker.pid}) crashed: ${error}; it finishes its requests (at most ${this.config.cluster.killTimeout} ms) while a replacement starts`);
    worker.state = 'stopping';
    worker.exitExpected = true;
    this.armKillTimer(worker, this.config.cluster.killTimeout + KILL_GRACE);
    this.restart(worker.slot);
  }

  /**
   * @param {WorkerProcess} worker
   * @param {number | null} code
   * @param {NodeJS.Signals | null} signal
   */
  onExit(worker, code, signal) {
    if (worker.killTimer) clearTimeout(worker.killTimer);
    this.workers.delete(worker);
    worker.settle(false);
    worker.heapSnapshotDone?.();
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    if (this.stopping || worker.exitExpected) {
      this.log(`worker ${worker.slot} (pid ${worker.pid}) ${how}`);
      if (this.stopping && this.workers.size === 0) this.finish();
      return;
    }
    const when = worker.state === 'starting' ? ' before it was listening' : '';
    this.error(`worker ${worker.slot} (pid ${worker.pid}) ${how}${when}`);
    if (code === EXIT_CONFIG) {
      this.giveUp(`worker ${worker.slot} stopped with a configuration error (see above); restarting cannot fix that`);
      return;
    }
    this.restart(worker.slot);
  }

  /**
   * Starts a new worker in `slot` unless one is there already, within the
   * restart budget and after the back-off.
   * @param {number} slot
   */
  restart(slot) {
    if (this.stopping || this.pendingRestarts.has(slot) || this.slotFilled(slot)) return;
    const decision = this.restartPolicy.next(Date.now());
    if (decision.giveUp) {
      this.giveUp(decision.reason);
      return;
    }
    this.restarts += 1;
    const { delay, recent } = decision;
    if (delay > 0) this.log(`restarting worker ${slot} in ${delay} ms (restart ${recent} of at most ${this.config.cluster.maxRestarts} within ${this.config.cluster.restartWindow} ms)`);
    const timer = setTimeout(() => {
      this.pendingRestarts.delete(slot);
      // A reload may have filled the slot during the back-off.
      if (!this.stopping && !this.slotFilled(slot)) this.spawnWorker(slot);
    }, delay);
    this.pendingRestarts.set(slot, timer);
  }

  /**
   * Whether a worker that is not stopping holds `slot`.
   * @param {number} slot
   */
  slotFilled(slot) {
    return [...this.workers].some((w) => w.slot === slot && w.state !== 'stopping');
  }

  /** @param {string} reason */
  giveUp(reason) {
    this.error(`giving up: ${reason}. Fix the cause (see the errors above and ${errorLogPath(this.config.log)}), then start the server again.`);
    if (!this.stopping) this.giveUpHook = runGiveUpHook(this.config.cluster.onGiveUp, `giving up: ${reason}`, (message) => this.error(message));
    this.shutdown(null, 1);
  }

  /**
   * Drains every worker, then exits with `exitCode`.
   * @param {NodeJS.Signals | null} signal
   * @param {number} exitCode
   */
  shutdown(signal, exitCode) {
    if (this.stopping) {
      if (signal) {
        // A second Ctrl-C means "now".
        this.log(`${signal} again: killing the workers now`);
        for (const worker of this.workers) worker.child.kill('SIGKILL');
      }
      return;
    }
    this.stopping = true;
    this.exitCode = exitCode;
    for (const timer of this.pendingRestarts.values()) clearTimeout(timer);
    this.pendingRestarts.clear();
    this.options.onStop?.();
    const timeout = this.config.cluster.shutdownTimeout;
    if (signal) this.log(`${signal} received: draining ${this.workers.size} workers (at most ${timeout} ms)`);
    for (const worker of this.workers) this.stopWorker(worker, timeout);
    if (this.workers.size === 0) this.finish();
  }

  finish() {
    if (this.finished) return;
    this.finished = true;
    this.log(this.exitCode === 0 ? 'all workers stopped: bye' : `all workers stopped: exiting with code ${this.exitCode}`);
    const exit = () => process.exit(this.exitCode);
    // The last log lines of the workers (and of the hook) are still on their way to the files.
    this.giveUpHook.then(() => flushLogFiles()).then(exit, exit);
  }

  /**
   * Asks a worker to drain and exit; kills it if it is still there `timeout` (+ grace) ms later.
   * @param {WorkerProcess} worker
   * @param {number} timeout
   */
  stopWorker(worker, timeout) {
    worker.exitExpected = true;
    if (worker.state !== 'stopping') {
      worker.state = 'stopping';
      send(worker, { type: 'shutdown' });
    }
    this.armKillTimer(worker, timeout + KILL_GRACE);
  }

  /**
   * @param {WorkerProcess} worker
   * @param {number} ms
   */
  armKillTimer(worker, ms) {
    if (worker.killTimer) return;
    worker.killTimer = setTimeout(() => {
      this.error(`worker ${worker.slot} (pid ${worker.pid}) did not stop within ${ms} ms: killing it`);
      worker.child.kill('SIGKILL');
    }, ms);
  }

  /**
   * One heap snapshot of the master, then one per worker, one process at a
   * time (each one pauses its process). The master's is small, but while it
   * is written no connection is handed out (node:cluster's round-robin).
   */
  async heapSnapshots() {
    takeHeapSnapshotAndReport(this.config.heap, 'master');
    for (const worker of [...this.workers].filter((w) => w.state === 'listening')) {
      /** @type {Promise<void>} */
      const done = new Promise((resolve) => (worker.heapSnapshotDone = resolve));
      send(worker, { type: 'heap-snapshot' });
      await Promise.race([done, sleep(HEAP_SNAPSHOT_TIMEOUT, undefined, { ref: false })]);
      worker.heapSnapshotDone = null;
    }
  }

  /** @param {string} message */
  log(message) {
    console.log(`[${this.options.name}] ${message}`);
  }

  /** @param {string} message */
  error(message) {
    const line = `[${this.options.name}] ${message}`;
    console.error(line);
    this.errorFile.write(`${new Date().toISOString()} master ${process.pid} ${line}\n`);
  }

  /** The workers that accept connections now. */
  listeningWorkers() {
    return [...this.workers].filter((w) => w.state === 'listening');
  }
}
