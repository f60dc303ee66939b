import { printError } from './output.js';

/**
 * Ctrl-C and SIGTERM end a command with exit 130 and the project as before
 * or as after. Every write of a project is one synchronous transaction
 * (generators/engine/transaction.ts), so a signal is only ever handled
 * between transactions: before one (nothing written) or after it (all
 * written), never in the middle.
 */
export function onSignal(): void {
  const stop = () => {
    printError('cancelled', 'E_CANCELLED');
    process.exit(130);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
