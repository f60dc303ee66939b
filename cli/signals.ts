import { wroteChanges } from '../generators/engine/transaction.js';
import { printError } from './output.js';

/**
 * Ctrl-C and SIGTERM end a command with exit 130 and the project as before
 * or as after. Every write of a project is one synchronous transaction
 * (generators/engine/transaction.ts), so a signal is only ever handled
 * between transactions: before one (nothing written) or after it (all
 * written), never in the middle; the message says which.
 */
export function onSignal(): void {
  const stop = () => {
    printError(wroteChanges() ? 'cancelled after the change was written in full: the project is as after it' : 'cancelled', 'E_CANCELLED');
    process.exit(130);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/**
 * Lets a signal that arrived during the last synchronous write be handled
 * before the process ends: without these turns of the event loop the
 * process would exit 0 as if it had not been interrupted. Two turns, so a
 * poll phase (where the signal is read) comes between.
 */
export async function handlePendingSignals(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
}
