// The supervision keys both multi-process models put into their `cluster` defaults in
// src/config.js (spread there), read by src/lib/supervisor.js; the generator reads this file
// (generators/engine/snippets.ts), it is not copied into projects.

/** Restarts, back-off and timeouts of the workers. */
export const supervision = {
  /** More restarts than this within restartWindow ms: the master gives up and exits 1. */
  maxRestarts: 10,
  restartWindow: 60_000,
  /** Run when the master gives up: a module (.js, .mjs, .ts; default export gets { reason }) or a shell command (reason in $NODESERVER_GIVE_UP_REASON); '' for none. */
  onGiveUp: '',
  /** ms before the second restart within the window, doubled for each further one, at most backoffMax. */
  backoffInitial: 100,
  backoffMax: 10_000,
  /** ms a crashing worker gets to finish its in-flight requests before it is killed. */
  killTimeout: 5_000,
  /** ms a new worker gets to listen during a reload (SIGHUP) before the reload is abandoned. */
  startTimeout: 30_000,
  /** ms workers get to drain on SIGTERM/SIGINT and reload before they are killed. */
  shutdownTimeout: 10_000,
};
