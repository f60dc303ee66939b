// @ts-check
import { EventEmitter } from 'node:events';

/**
 * A worker's side of the IPC channel to its master, on its own so that code
 * which only shares data between workers (the file store's broadcasts) does
 * not pull in the whole worker runtime of the multi-process models. In a
 * process that has no master (one process, a test) nothing is sent and
 * nothing arrives: every send resolves `false`.
 */

/**
 * Events from the master, emitted by the worker runtime: `config` (config)
 * after a SIGHUP, and `broadcast` (channel, data) from another worker's
 * `broadcast()`.
 */
export const fromMaster = new EventEmitter();

/**
 * Sends a message to the master. Resolves `true` once it is handed to the
 * channel, `false` when there is no master or the channel failed.
 * @param {Record<string, unknown>} message a plain object with a `type`
 * @returns {Promise<boolean>}
 */
export function sendToMaster(message) {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve(false);
    process.send(message, undefined, {}, (err) => resolve(!err));
  });
}

/**
 * Shares `data` with every other worker, through the master (for state all
 * workers must know, such as a revoked session). Receive it with
 * `fromMaster.on('broadcast', (channel, data) => ...)`.
 * @param {string} channel what the data is about, e.g. `session-destroyed`
 * @param {unknown} data anything JSON can carry
 */
export function broadcast(channel, data) {
  return sendToMaster({ type: 'broadcast', channel, data });
}
