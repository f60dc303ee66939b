// @ts-check
import { createRouter } from './lib/router.js';
import { health, ready } from './lib/health.js';
import { metricsEndpoint } from './lib/metrics.js';

/**
 * The route table. Features register their endpoints here
 * (`create-nodeserver add` appends them); add your own below.
 * @param {import('./config.js').Config} config
 */
export function routes(config) {
  const router = createRouter(config.router);
  router.get('/health', health);
  router.get('/ready', ready);
  router.get('/metrics', metricsEndpoint(config.metrics, config.env));
  return router.middleware();
}
