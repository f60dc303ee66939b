// @ts-check
import { setTimeout as sleep } from 'node:timers/promises';
import { checkHeapSettings } from './heap-snapshot.js';
import { send } from './ipc-messages.js';
import { checkClusterSettings, workerCount } from './restart-policy.js';

/**
 * SIGHUP: a zero-downtime reload. The master reads src/config.js again (so
 * the number of workers and the limits can change), then replaces the
 * workers one by one, each new worker listening before the old one drains,
 * and sends the new configuration to the workers (`{ type: 'config' }`).
 * The workers it replaces are not restarts, and the restarts counted so far
 * still count, under the limits just read: a reload cannot hide a crash
 * loop. A SIGHUP during a reload runs one more reload after it.
 */

/** @typedef {import('./supervisor.js').Supervisor} Supervisor */

export class Reload {
  /** @param {Supervisor} supervisor */
  constructor(supervisor) {
    this.supervisor = supervisor;
    this.running = false;
    this.again = false;
  }

  async run() {
    const supervisor = this.supervisor;
    if (supervisor.stopping) return;
    if (this.running) {
      this.again = true;
      supervisor.log('SIGHUP during a reload: another reload follows this one');
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        await this.replaceWorkers();
      } while (this.again && !supervisor.stopping);
    } finally {
      this.running = false;
    }
  }

  async replaceWorkers() {
    const supervisor = this.supervisor;
    supervisor.log(`SIGHUP: reloading ${supervisor.count} workers one by one`);
    await this.rereadConfig();
    for (let slot = 1; slot <= supervisor.count; slot++) {
      if (supervisor.stopping) return;
      const fresh = supervisor.spawnWorker(slot);
      const { startTimeout, shutdownTimeout } = supervisor.config.cluster;
      const listening = await Promise.race([fresh.listening, sleep(startTimeout, false, { ref: false })]);
      if (!listening) {
        supervisor.error(`reload stopped: the new worker ${slot} did not start listening within ${startTimeout} ms; the running workers keep serving`);
        if (supervisor.workers.has(fresh)) supervisor.stopWorker(fresh, 0);
        return;
      }
      // Only now that its replacement accepts connections does the old worker stop accepting.
      for (const old of supervisor.workers) {
        if (old.slot === slot && old !== fresh) supervisor.stopWorker(old, shutdownTimeout);
      }
    }
    // Fewer workers than before: the slots above the new count go.
    for (const old of supervisor.workers) {
      if (old.slot > supervisor.count) supervisor.stopWorker(old, supervisor.config.cluster.shutdownTimeout);
    }
    supervisor.log(`reload finished: ${supervisor.count} new workers listening`);
    // Tell every worker the configuration of this reload (the new ones read it themselves too).
    for (const worker of supervisor.workers) {
      if (worker.state === 'listening') send(worker, { type: 'config', config: supervisor.config });
    }
  }

  /** Reads the configuration again; a bad one is reported and the current one kept. */
  async rereadConfig() {
    const supervisor = this.supervisor;
    if (!supervisor.options.rereadConfig) return;
    try {
      const next = await supervisor.options.rereadConfig();
      checkClusterSettings(next.cluster);
      checkHeapSettings(next.heap);
      supervisor.config = next;
      supervisor.count = workerCount(next.cluster);
      // The restarts so far still count (under the new limits): a SIGHUP must not hide a crash loop.
      supervisor.restartPolicy.update(next.cluster);
      supervisor.scheduleHeapSnapshots();
    } catch (err) {
      supervisor.error(`the configuration could not be read again, keeping the current one: ${err instanceof Error ? err.message : err}`);
    }
  }
}
