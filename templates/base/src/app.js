// @ts-check
import { createApp } from './lib/pipeline.js';
import { accessLog, errorLog } from './lib/access-log.js';
import { requestMetrics } from './lib/metrics.js';
import { instanceId } from './lib/instance-id.js';
import { securityHeaders } from './lib/security-headers.js';
import { staticFiles } from './lib/static-files.js';
import { views } from './lib/views.js';
import { rateLimit } from './lib/rate-limit.js';
import { body } from './lib/body.js';
import { routes } from './routes.js';

/**
 * The composition root: every middleware in its canonical order
 * (request log -> cache headers -> static -> store -> cache -> cookies ->
 * session -> csrf -> auth -> rate limit -> body -> router).
 * `create-nodeserver add` inserts a feature's middleware in its slot here,
 * wherever you have moved things; your own `app.use(...)` lines are kept as
 * they are.
 * @param {import('./config.js').Config} config
 */
export function buildApp(config) {
  const app = createApp({ env: config.env, trustProxy: config.trustProxy, logError: errorLog(config.log) });
  app.use(accessLog(config.log));
  app.use(requestMetrics(config.metrics));
  app.use(instanceId(config.instanceId));
  app.use(securityHeaders(config.securityHeaders));
  app.use(staticFiles(config.static));
  app.use(views(config.views));
  app.use(rateLimit(config.rateLimit, { trustProxy: config.trustProxy }));
  app.use(body(config.body, {}));
  app.use(routes(config));
  return app;
}
