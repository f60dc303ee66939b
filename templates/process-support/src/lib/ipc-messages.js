// @ts-check
import { writeForwardedLog } from './log-file.js';

/**
 * The messages between the master and its workers, over the IPC channel of
 * each worker (plain objects with a `type`; a worker's log lines travel as
 * their own kind, see src/lib/log-file.js):
 *
 *   worker -> master                        master -> worker
 *   listening {url}      it accepts now     shutdown             drain and exit 0
 *   crashing {error}     start my           config {config}      read again on SIGHUP
 *                        replacement now    metrics-collect      send your numbers
 *   metrics {id}         GET /metrics:        {collection}
 *                        every worker's     reply {id, ...}      to metrics and flush
 *   metrics-snapshot     my numbers, for    broadcast            another worker's
 *     {collection,         a collection       {channel, data}    broadcast()
 *      snapshot}                            heap-snapshot        write one now
 *   flush {id}           answer once all
 *                        sent before arrived
 *   broadcast            relay to the
 *     {channel, data}    other workers
 *   heap-snapshot-done
 *
 * The master's side is the table below; the worker's is in src/lib/worker.js.
 */

/** @typedef {import('./supervisor.js').Supervisor} Supervisor */
/** @typedef {import('./supervisor.js').WorkerProcess} WorkerProcess */

/**
 * What the master does with each message of a worker.
 * @type {Record<string, (supervisor: Supervisor, worker: WorkerProcess, message: Record<string, any>) => void>}
 */
const fromWorker = {
  listening: (supervisor, worker, m) => supervisor.onListening(worker, String(m.url)),
  crashing: (supervisor, worker, m) => supervisor.onCrashing(worker, String(m.error)),
  metrics: (supervisor, worker, m) => supervisor.metrics.collect(worker, m.id, supervisor.workers, supervisor.restarts),
  'metrics-snapshot': (supervisor, worker, m) => supervisor.metrics.receive(m.collection, worker.slot, m.snapshot),
  // Nothing to do but answer: the answer follows everything sent to this worker before.
  flush: (_supervisor, worker, m) => send(worker, { type: 'reply', id: m.id }),
  broadcast: (supervisor, worker, m) => {
    // State shared between workers goes through the master: it relays to everyone else.
    for (const other of supervisor.workers) {
      if (other !== worker) send(other, { type: 'broadcast', channel: m.channel, data: m.data });
    }
  },
  'heap-snapshot-done': (_supervisor, worker) => worker.heapSnapshotDone?.(),
};

/**
 * Handles one message of a worker: a log line, a message of the table, or
 * (for the process model's own messages) `onMessage` of the supervisor's options.
 * @param {Supervisor} supervisor
 * @param {WorkerProcess} worker
 * @param {unknown} message
 * @param {unknown} handle
 */
export function handleWorkerMessage(supervisor, worker, message, handle) {
  if (writeForwardedLog(message)) return;
  const m = /** @type {Record<string, any>} */ (message);
  const type = typeof m === 'object' && m !== null ? m.type : undefined;
  const handler = typeof type === 'string' && Object.hasOwn(fromWorker, type) ? fromWorker[type] : undefined;
  if (handler) handler(supervisor, worker, m);
  else supervisor.options.onMessage?.(worker, message, handle);
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
