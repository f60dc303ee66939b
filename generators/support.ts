import type { Feature } from './types.js';

/**
 * Support features: code several features share, in a project only while a
 * feature that imports it is (each such feature lists them in `needs`).
 * They are not options: no prompt, no flag, no `add`/`remove` of their own;
 * render, add and remove bring and take them with the features that need
 * them (generators/engine/render.ts, `featuresOf`). Their files live in
 * templates/<id>/ like any feature's; a support feature may need another.
 */
export const support: Feature[] = [
  /** Cookie parsing and Set-Cookie serialisation (sessions, CSRF). */
  { id: 'cookies' },
  /** HMAC secrets with rotation, read from the environment (sessions, tokens, CSRF). */
  { id: 'secrets' },
  /**
   * Users from the configuration, scrypt password hashes, login limits and
   * the `hash-password` script: what every auth style checks logins with.
   */
  {
    id: 'credentials',
    scripts: { 'hash-password': 'node scripts/hash-password.js' },
  },
  /**
   * A worker's IPC channel to its master (send, broadcast, messages from
   * the master): the worker runtime and the file store's broadcasts.
   */
  { id: 'master-channel' },
  /**
   * What `cluster` and `master-worker` share: the supervisor in the master
   * (restart policy, IPC messages, reload, give-up hook) and the worker side,
   * with the process tests both run.
   */
  { id: 'process-support', needs: ['master-channel'] },
];
