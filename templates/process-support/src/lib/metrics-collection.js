// @ts-check
import { send } from './ipc-messages.js';
import { renderMetrics } from './metrics.js';

/**
 * `GET /metrics` with several processes: the worker that answers asks the
 * master, which asks every worker for its numbers (one per slot, so every
 * series is unique) and sends the rendered text back to the one that asked.
 */

/** ms the workers get to send their numbers for one `GET /metrics`. */
const METRICS_TIMEOUT = 1000;

/** @typedef {import('./supervisor.js').WorkerProcess} WorkerProcess */

export class MetricsCollections {
  constructor() {
    this.count = 0;
    /** @type {Map<number, { snapshots: Map<number, import('./metrics.js').MetricsSnapshot>, finish: () => void }>} */
    this.running = new Map();
  }

  /**
   * Starts a collection for `requester`.
   * @param {WorkerProcess} requester
   * @param {unknown} id the requester's id of the request
   * @param {Set<WorkerProcess>} workers every worker of the master
   * @param {number} restarts restarts so far (a series of its own)
   */
  collect(requester, id, workers, restarts) {
    // One worker per slot, so every series is unique: a listening one, else the one asking.
    /** @type {Map<number, WorkerProcess>} */
    const bySlot = new Map();
    for (const worker of workers) {
      if (worker.state === 'listening' && !bySlot.has(worker.slot)) bySlot.set(worker.slot, worker);
    }
    if (!bySlot.has(requester.slot)) bySlot.set(requester.slot, requester);
    const collection = ++this.count;
    /** @type {Map<number, import('./metrics.js').MetricsSnapshot>} */
    const snapshots = new Map();
    let done = false;
    const answer = () => {
      done = true;
      clearTimeout(timer);
      this.running.delete(collection);
      const processes = [...snapshots].sort(([a], [b]) => a - b).map(([slot, snapshot]) => ({ labels: { worker: String(slot) }, snapshot }));
      const live = [...workers].filter((w) => w.state !== 'stopping').length;
      send(requester, { type: 'reply', id, text: renderMetrics(processes, { restarts, workers: live }) });
    };
    // A worker that does not answer in time (busy, dying) is left out of this scrape.
    const timer = setTimeout(answer, METRICS_TIMEOUT);
    this.running.set(collection, {
      snapshots,
      finish: () => {
        if (!done && snapshots.size >= bySlot.size) answer();
      },
    });
    for (const worker of bySlot.values()) send(worker, { type: 'metrics-collect', collection });
  }

  /**
   * A worker's numbers for a collection (one that timed out is gone: ignored).
   * @param {number} collection
   * @param {number} slot
   * @param {import('./metrics.js').MetricsSnapshot} snapshot
   */
  receive(collection, slot, snapshot) {
    this.running.get(collection)?.snapshots.set(slot, snapshot);
    this.running.get(collection)?.finish();
  }
}
