// Keys this feature adds to `defaults` in src/config.js, each export one key with its comment.
// The generator reads this file (generators/engine/snippets.ts); it is not copied into projects.

import { supervision } from '../../process-support/snippets/config.js';

/** The worker processes and their supervision (see docs/master-worker.md). */
export const cluster = {
  /** Worker processes; 0: one per CPU (os.availableParallelism()). */
  workers: 0,
  ...supervision,
};
