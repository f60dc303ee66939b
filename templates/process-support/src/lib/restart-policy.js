// @ts-check
import os from 'node:os';
import { requireSetting } from './config-loader.js';

/**
 * When the master restarts a worker that exited unexpectedly, and when it
 * gives up: at once the first time (a crash is usually a one-off), then
 * with exponential back-off (`backoffInitial`, doubled per restart, at most
 * `backoffMax`); more than `maxRestarts` restarts within `restartWindow` ms
 * means something is broken for good. A worker that exits with EXIT_CONFIG
 * is not restarted at all: its configuration is wrong, and a new one would
 * read the same.
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

/** Exit code of a worker whose configuration is wrong (sysexits' EX_CONFIG): restarting cannot help. */
export const EXIT_CONFIG = 78;

/**
 * The restart decisions of one master. A reload changes the limits
 * (`update`), but the restarts counted so far still count: a SIGHUP must
 * not hide a crash loop.
 */
export class RestartPolicy {
  /** @param {ClusterSettings} settings */
  constructor(settings) {
    this.settings = settings;
    this.budget = new RestartBudget(settings.maxRestarts, settings.restartWindow);
  }

  /** @param {ClusterSettings} settings the limits read again on SIGHUP */
  update(settings) {
    this.settings = settings;
    this.budget.max = settings.maxRestarts;
    this.budget.windowMs = settings.restartWindow;
  }

  /**
   * Counts one more restart at `now` and says what to do: restart after
   * `delay` ms (`recent`: restarts within the window, this one included),
   * or give up, with the reason.
   * @param {number} now ms
   * @returns {{ giveUp: false, recent: number, delay: number } | { giveUp: true, reason: string }}
   */
  next(now) {
    const { maxRestarts, restartWindow, backoffInitial, backoffMax } = this.settings;
    const recent = this.budget.record(now);
    if (recent > maxRestarts) {
      return { giveUp: true, reason: `${recent} worker restarts within ${restartWindow / 1000} s, more than the limit of ${maxRestarts} (cluster.maxRestarts / CLUSTER_MAX_RESTARTS)` };
    }
    return { giveUp: false, recent, delay: backoffDelay(recent, backoffInitial, backoffMax) };
  }
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

/** @param {ClusterSettings} settings */
export function checkClusterSettings(settings) {
  requireSetting(
    Number.isInteger(settings.workers) && settings.workers >= 0 && settings.workers <= 64,
    `CLUSTER_WORKERS must be a whole number from 0 (one per CPU) to 64, got ${settings.workers}`,
  );
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
  requireSetting(
    settings.onGiveUp === undefined || typeof settings.onGiveUp === 'string',
    `CLUSTER_ON_GIVE_UP must name a module (.js, .mjs, .ts) or a shell command, got ${settings.onGiveUp}`,
  );
  requireSetting(settings.backoffInitial <= settings.backoffMax, `CLUSTER_BACKOFF_INITIAL (${settings.backoffInitial}) must not be larger than CLUSTER_BACKOFF_MAX (${settings.backoffMax})`);
}
