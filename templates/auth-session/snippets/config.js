// Keys this feature adds to `defaults` in src/config.js, each export one key with its comment.
// The generator reads this file (generators/engine/snippets.ts); it is not copied into projects.

import { limits, users } from '../../credentials/snippets/config.js';

/** Who may log in; see docs/auth-session.md. */
export const auth = {
  ...limits,
  ...users,
};

/** Cookie sessions; see docs/auth-session.md. */
export const session = {
  /** HMAC secrets, comma-separated in SESSION_SECRETS: the first signs, all verify. Required in production. */
  secrets: /** @type {string[]} */ ([]),
  /** Cookie name; `__Host-` is put in front when the cookie is Secure. */
  cookieName: 'sid',
  /** Secure cookie: auto (on HTTPS requests, always in production), always or never. */
  secure: 'auto',
  /** ms without a request after which the session ends (30 minutes). */
  idleTimeout: 1_800_000,
  /** ms after login after which the session ends however active (8 hours). */
  absoluteTimeout: 28_800_000,
  /** auto (the shared store when the app has one, else memory in one process and file in a cluster worker), memory or file. */
  store: 'auto',
  /** Folder of the file store. */
  dir: 'sessions',
  /** Most sessions kept; the least recently used go first. */
  maxSessions: 10_000,
};
