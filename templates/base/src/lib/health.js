// @ts-check

/**
 * Liveness and readiness, the two questions a load balancer or an
 * orchestrator asks:
 * - `GET /health` (liveness): is the process alive and answering? Always 200
 *   while it can answer at all; a failing liveness check means "restart me".
 * - `GET /ready` (readiness): should new traffic come here? 503 while the
 *   server is starting or draining for a shutdown, 200 while serving. A
 *   failing readiness check only takes the instance out of rotation.
 * `serve()` (src/lib/serve.js) moves the state: starting -> serving when it
 * listens, serving -> draining on SIGTERM/SIGINT.
 */

/** @typedef {'starting' | 'serving' | 'draining'} Readiness */

/** @type {Readiness} */
let readiness = 'starting';

/**
 * Sets the readiness state (one per process).
 * @param {Readiness} state
 */
export function setReadiness(state) {
  readiness = state;
}

/** The current readiness state. */
export function getReadiness() {
  return readiness;
}

/**
 * `GET /health`: 200 with the process uptime in seconds.
 * @param {import('./pipeline.js').Request} req
 * @param {import('./response.js').Response} res
 */
export function health(req, res) {
  // Probes must see the live answer, never one kept by a cache or proxy.
  res.setHeader('Cache-Control', 'no-store');
  res.json({ status: 'ok', uptime: Math.floor(process.uptime()) });
}

/**
 * `GET /ready`: 200 while serving, 503 while starting or draining.
 * @param {import('./pipeline.js').Request} req
 * @param {import('./response.js').Response} res
 */
export function ready(req, res) {
  res.setHeader('Cache-Control', 'no-store');
  if (readiness !== 'serving') {
    // A plain status answer, not an error: nothing went wrong, so nothing is logged.
    res.setHeader('Retry-After', '1');
    res.status(503);
  }
  res.json({ status: readiness });
}
