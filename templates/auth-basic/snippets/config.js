// Keys this feature adds to `defaults` in src/config.js, each export one key with its comment.
// The generator reads this file (generators/engine/snippets.ts); it is not copied into projects.

import { limits, users } from '../../credentials/snippets/config.js';

/** HTTP Basic login; see docs/auth-basic.md. */
export const auth = {
  ...limits,
  /** Shown by browsers in the login prompt. */
  realm: 'Restricted',
  ...users,
  /** ms a verified name and password are remembered (scrypt is slow on purpose); 0: check every request. */
  cacheTtl: 60_000,
};
