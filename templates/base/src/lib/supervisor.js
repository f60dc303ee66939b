// @ts-check
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { accessLogPath, checkLogSettings, errorLogPath, rotationOf } from './access-log.js';
import { requireSetting } from './config-loader.js';
import { runGiveUpHook } from './give-up-hook.js';
import { checkHeapSettings, takeHeapSnapshotAndReport } from './heap-snapshot.js';
import { flushLogFiles, openLogFile, writeForwardedLog } from './log-file.js';
import { renderMetrics } from './metrics.js';

/**
 * The master of a multi-process server (src/lib/cluster.js and
 * src/lib/master-worker.js differ only in how workers are started and how
 * they get connections; everything else is here):
 *
 * - keeps `cluster.workers` workers running, each in a numbered slot (1..N);
 * - restarts a worker that exits unexpectedly, at once the first time, then
 *   with exponential back-off (`backoffInitial`, doubled per restart, at most
 *   `backoffMax`); more than `maxRestarts` restarts within `restartWindow` ms
 *   means something is broken for good: it logs "giving up", runs the
 *   `onGiveUp` hook with the reason (src/lib/give-up-hook.js), stops the
 *   other workers and exits with code 1, so a process manager notices;
 * - a crashing worker first says so over IPC (`{ type: 'crashing' }`): its
 *   replacement is started right away while it finishes its in-flight
 *   requests, and it is killed if it takes longer than `killTimeout` ms;
 * - SIGTERM / SIGINT: every worker drains (finishes in-flight requests), then
 *   the master exits 0; workers still running after `shutdownTimeout` ms are
 *   killed; a second signal kills them at once;
 * - SIGHUP: zero-downtime reload. The master reads src/config.js again (so
 *   the number of workers and these limits can change), then replaces the
 *   workers one by one, each new worker listening before the old one drains,
 *   and sends the new configuration to the workers (`{ type: 'config' }`).
 *   The workers it replaces are not restarts, and the restarts counted so
 *   far still count, under the limits just read: a reload cannot hide a
 *   crash loop;
 * - SIGUSR2, and every `heap.interval` ms if set: heap snapshots of the
 *   master and then each worker, one after the other (each one pauses its
 *   process, so never all at once);
 * - SIGUSR1: the master reopens the log files (after logrotate);
 * - the workers' log lines come here (only the master writes and rotates
 *   the files), and `GET /metrics` in any worker shows every worker.
 *
 * The IPC messages (all plain objects with a `type`):
 *   worker -> master: listening {url}, crashing {error}, log, metrics {id},
 *                     flush {id}, metrics-snapshot {collection, snapshot},
 *                     broadcast {channel, data}, heap-snapshot-done
 *   master -> worker: shutdown, config {config}, metrics-collect
 *                     {collection}, reply {id, ...} (to metrics and flush),
 *                     broadcast {channel, data}, heap-snapshot
 */

/**
 * @typedef {object} ClusterSettings
 * @property {number} workers worker processes; 0: one per CPU
 * @property {string} [sched] `rr` or `os` (node:cluster only)
 * @property {number} maxRestarts restarts allowed within `restartWindow`
 * @property {number} restartWindow ms
 * @property {number} backoffInitial ms before the second restart within the window
 * @property {number} backoffMax ms, the longest wait before a restart
 * @property {number} killTimeout ms a crashing worker gets to finish its requests
 * @property {number} startTimeout ms a new worker gets to listen during a reload
 * @property {number} shutdownTimeout ms workers get to drain on SIGTERM/SIGINT/reload
 * @property {string} [onGiveUp] module or shell command run when the master gives up (src/lib/give-up-hook.js)
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

/** Exit code of a worker whose configuration is wrong (sysexits' EX_CONFIG): restarting cannot help. */
export const EXIT_CONFIG = 78;
/** Extra ms after a worker's own deadline before the master kills it (it may be stuck in a loop). */
const KILL_GRACE = 2000;
/** ms the workers get to send their numbers for one `GET /metrics`. */
const METRICS_TIMEOUT = 1000;
/** ms a worker gets to write one heap snapshot. */
const HEAP_SNAPSHOT_TIMEOUT = 120_000;

export class Supervisor {
  /** @param {SupervisorOptions} options */
  constructor(options) {
    checkClusterSettings(options.config.cluster);
    this.options = options;
    this.config = options.config;
    this.count = workerCount(this.config.cluster);
    /** @type {Set<WorkerProcess>} */
    this.workers = new Set();
    /** @type {Map<number, NodeJS.Timeout>} slot -> timer of a restart waiting for its back-off */
    this.pendingRestarts = new Map();
    this.budget = new RestartBudget(this.config.cluster.maxRestarts, this.config.cluster.restartWindow);
    this.restarts = 0;
    this.stopping = false;
    this.finished = false;
    this.exitCode = 0;
    this.announced = false;
    /** @type {Promise<void>} the give-up hook, once it runs */
    this.giveUpHook = Promise.resolve();
    this.reloading = false;
    this.reloadAgain = false;
    this.collections = 0;
    /** @type {Map<number, { snapshots: Map<number, import('./metrics.js').MetricsSnapshot>, finish: () => void }>} */
    this.metricsCollections = new Map();
    /** @type {NodeJS.Timeout | null} the heap snapshot schedule */
    this.heapTimer = null;
    this.heapRunning = false;
    checkHeapSettings(this.config.heap);
    // Only the master writes the log files; open them now so a bad LOG_DIR shows at start.
    checkLogSettings(this.config.log);
    if (this.config.log.access) openLogFile(accessLogPath(this.config.log), rotationOf(this.config.log));
    this.errorFile = openLogFile(errorLogPath(this.config.log), rotationOf(this.config.log));
  }

  /** Starts the workers and takes over the signals. */
  start() {
    this.log(`master pid ${process.pid}: starting ${this.count} workers`);
    // Without configured secrets, development makes random ones (src/lib/secrets.js);
    // one shared seed makes every worker derive the same, so a session or token
    // made by one worker is valid on the others. Production requires real secrets.
    if (this.config.env !== 'production') process.env.NODESERVER_DEV_SECRET ??= randomBytes(32).toString('base64url');
    for (let slot = 1; slot <= this.count; slot++) this.spawnWorker(slot);
    process.on('SIGTERM', () => this.shutdown('SIGTERM', 0));
    process.on('SIGINT', () => this.shutdown('SIGINT', 0));
    process.on('SIGHUP', () => {
      this.reload().catch((err) => this.error(`reload failed: ${err instanceof Error ? err.message : err}`));
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
    const listening = new Promise((resolve) => (settle = resolve));
    /** @type {WorkerProcess} */
    const worker = { slot, child, pid: child.pid ?? 0, state: 'starting', exitExpected: false, killTimer: null, listening, settle, heapSnapshotDone: null };
    this.workers.add(worker);
    child.on('message', (message, handle) => this.onMessage(worker, message, handle));
    child.once('exit', (code, signal) => this.onExit(worker, code, signal));
    // An IPC write to a worker that just died: its `exit` follows and is handled there.
    child.on('error', () => {});
    return worker;
  }

  /**
   * @param {WorkerProcess} worker
   * @param {unknown} message
   * @param {unknown} handle
   */
  onMessage(worker, message, handle) {
    if (writeForwardedLog(message)) return;
    const m = /** @type {Record<string, any>} */ (message);
    switch (typeof m === 'object' && m !== null ? m.type : undefined) {
      case 'listening':
        this.onListening(worker, String(m.url));
        return;
      case 'crashing':
        this.onCrashing(worker, String(m.error));
        return;
      case 'metrics':
        this.collectMetrics(worker, m.id);
        return;
      case 'flush':
        // Nothing to do but answer: the answer follows everything sent to this worker before.
        send(worker, { type: 'reply', id: m.id });
        return;
      case 'metrics-snapshot':
        this.metricsCollections.get(m.collection)?.snapshots.set(worker.slot, m.snapshot);
        this.metricsCollections.get(m.collection)?.finish();
        return;
      case 'broadcast':
        // State shared between workers goes through the master: it relays to everyone else.
        for (const other of this.workers) {
          if (other !== worker) send(other, { type: 'broadcast', channel: m.channel, data: m.data });
        }
        return;
      case 'heap-snapshot-done':
        worker.heapSnapshotDone?.();
        return;
      default:
        this.options.onMessage?.(worker, message, handle);
    }
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
    const recent = this.budget.record(Date.now());
    if (recent > this.config.cluster.maxRestarts) {
      const seconds = this.config.cluster.restartWindow / 1000;
      this.giveUp(`${recent} worker restarts within ${seconds} s, more than the limit of ${this.config.cluster.maxRestarts} (cluster.maxRestarts / CLUSTER_MAX_RESTARTS)`);
      return;
    }
    this.restarts += 1;
    const delay = backoffDelay(recent, this.config.cluster.backoffInitial, this.config.cluster.backoffMax);
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
   * SIGHUP: reads the configuration again and replaces every worker, one at
   * a time. A SIGHUP during a reload runs one more reload after it.
   */
  async reload() {
    if (this.stopping) return;
    if (this.reloading) {
      this.reloadAgain = true;
      this.log('SIGHUP during a reload: another reload follows this one');
      return;
    }
    this.reloading = true;
    try {
      do {
        this.reloadAgain = false;
        await this.replaceWorkers();
      } while (this.reloadAgain && !this.stopping);
    } finally {
      this.reloading = false;
    }
  }

  async replaceWorkers() {
    this.log(`SIGHUP: reloading ${this.count} workers one by one`);
    await this.rereadConfig();
    for (let slot = 1; slot <= this.count; slot++) {
      if (this.stopping) return;
      const fresh = this.spawnWorker(slot);
      const listening = await Promise.race([fresh.listening, delay(this.config.cluster.startTimeout, false)]);
      if (!listening) {
        this.error(`reload stopped: the new worker ${slot} did not start listening within ${this.config.cluster.startTimeout} ms; the running workers keep serving`);
        if (this.workers.has(fresh)) this.stopWorker(fresh, 0);
        return;
      }
      // Only now that its replacement accepts connections does the old worker stop accepting.
      for (const old of this.workers) {
        if (old.slot === slot && old !== fresh) this.stopWorker(old, this.config.cluster.shutdownTimeout);
      }
    }
    // Fewer workers than before: the slots above the new count go.
    for (const old of this.workers) {
      if (old.slot > this.count) this.stopWorker(old, this.config.cluster.shutdownTimeout);
    }
    this.log(`reload finished: ${this.count} new workers listening`);
    // Tell every worker the configuration of this reload (the new ones read it themselves too).
    for (const worker of this.workers) {
      if (worker.state === 'listening') send(worker, { type: 'config', config: this.config });
    }
  }

  /** Reads the configuration again; a bad one is reported and the current one kept. */
  async rereadConfig() {
    if (!this.options.rereadConfig) return;
    try {
      const next = await this.options.rereadConfig();
      checkClusterSettings(next.cluster);
      checkHeapSettings(next.heap);
      this.config = next;
      this.count = workerCount(next.cluster);
      // The restarts so far still count (under the new limits): a SIGHUP must not hide a crash loop.
      this.budget.max = next.cluster.maxRestarts;
      this.budget.windowMs = next.cluster.restartWindow;
      this.scheduleHeapSnapshots();
    } catch (err) {
      this.error(`the configuration could not be read again, keeping the current one: ${err instanceof Error ? err.message : err}`);
    }
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
      await Promise.race([done, delay(HEAP_SNAPSHOT_TIMEOUT, undefined)]);
      worker.heapSnapshotDone = null;
    }
  }

  /**
   * `GET /metrics` in one worker: ask every worker for its numbers and send
   * the rendered text back to the one that asked.
   * @param {WorkerProcess} requester
   * @param {unknown} id the requester's id of the request
   */
  collectMetrics(requester, id) {
    // One worker per slot, so every series is unique: a listening one, else the one asking.
    /** @type {Map<number, WorkerProcess>} */
    const bySlot = new Map();
    for (const worker of this.workers) {
      if (worker.state === 'listening' && !bySlot.has(worker.slot)) bySlot.set(worker.slot, worker);
    }
    if (!bySlot.has(requester.slot)) bySlot.set(requester.slot, requester);
    const collection = ++this.collections;
    /** @type {Map<number, import('./metrics.js').MetricsSnapshot>} */
    const snapshots = new Map();
    let done = false;
    const answer = () => {
      done = true;
      clearTimeout(timer);
      this.metricsCollections.delete(collection);
      const processes = [...snapshots].sort(([a], [b]) => a - b).map(([slot, snapshot]) => ({ labels: { worker: String(slot) }, snapshot }));
      const live = [...this.workers].filter((w) => w.state !== 'stopping').length;
      send(requester, { type: 'reply', id, text: renderMetrics(processes, { restarts: this.restarts, workers: live }) });
    };
    // A worker that does not answer in time (busy, dying) is left out of this scrape.
    const timer = setTimeout(answer, METRICS_TIMEOUT);
    this.metricsCollections.set(collection, {
      snapshots,
      finish: () => {
        if (!done && snapshots.size >= bySlot.size) answer();
      },
    });
    for (const worker of bySlot.values()) send(worker, { type: 'metrics-collect', collection });
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

/**
 * Sends a message to a worker; a worker that is gone is not an error here
 * (its `exit` event is handled on its own).
 * @param {WorkerProcess} worker
 * @param {unknown} message
 */
export function send(worker, message) {
  if (worker.child.connected) worker.child.send(/** @type {any} */ (message), () => {});
}

/**
 * Counts restarts within a sliding time window.
 */
export class RestartBudget {
  /**
   * @param {number} max restarts allowed within `windowMs`
   * @param {number} windowMs
   */
  constructor(max, windowMs) {
    this.max = max;
    this.windowMs = windowMs;
    /** @type {number[]} times of the restarts within the window */
    this.times = [];
  }

  /**
   * Records a restart at `now` and returns how many happened within the
   * window, this one included (more than `max`: give up).
   * @param {number} now ms
   */
  record(now) {
    this.times = this.times.filter((t) => now - t < this.windowMs);
    this.times.push(now);
    return this.times.length;
  }
}

/**
 * ms to wait before the `n`th restart within the window: none for the
 * first (a crash is usually a one-off: replace the worker at once), then
 * `initial`, doubling each time, at most `max`.
 * @param {number} n 1 for the first restart
 * @param {number} initial
 * @param {number} max
 */
export function backoffDelay(n, initial, max) {
  if (n <= 1) return 0;
  return Math.min(max, initial * 2 ** (n - 2));
}

/**
 * `cluster.workers`, with 0 meaning one per CPU the process may use.
 * @param {ClusterSettings} settings
 */
export function workerCount(settings) {
  return settings.workers === 0 ? os.availableParallelism() : settings.workers;
}

/**
 * @template T
 * @param {number} ms
 * @param {T} value
 * @returns {Promise<T>}
 */
function delay(ms, value) {
  return new Promise((resolve) => setTimeout(resolve, ms, value).unref());
}

/** @param {ClusterSettings} settings */
export function checkClusterSettings(settings) {
  requireSetting(Number.isInteger(settings.workers) && settings.workers >= 0 && settings.workers <= 64, `CLUSTER_WORKERS must be a whole number from 0 (one per CPU) to 64, got ${settings.workers}`);
  requireSetting(Number.isInteger(settings.maxRestarts) && settings.maxRestarts >= 0, `CLUSTER_MAX_RESTARTS must be a whole number (0 or more), got ${settings.maxRestarts}`);
  /** @type {[string, number][]} */
  const durations = [
    ['CLUSTER_RESTART_WINDOW', settings.restartWindow],
    ['CLUSTER_BACKOFF_INITIAL', settings.backoffInitial],
    ['CLUSTER_BACKOFF_MAX', settings.backoffMax],
    ['CLUSTER_KILL_TIMEOUT', settings.killTimeout],
    ['CLUSTER_START_TIMEOUT', settings.startTimeout],
    ['CLUSTER_SHUTDOWN_TIMEOUT', settings.shutdownTimeout],
  ];
  for (const [name, value] of durations) {
    requireSetting(Number.isInteger(value) && value >= 0, `${name} must be a number of milliseconds (0 or more), got ${value}`);
  }
  requireSetting(settings.onGiveUp === undefined || typeof settings.onGiveUp === 'string', `CLUSTER_ON_GIVE_UP must name a module (.js, .mjs) or a shell command, got ${settings.onGiveUp}`);
  requireSetting(settings.backoffInitial <= settings.backoffMax, `CLUSTER_BACKOFF_INITIAL (${settings.backoffInitial}) must not be larger than CLUSTER_BACKOFF_MAX (${settings.backoffMax})`);
}
