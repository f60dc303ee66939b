// What this feature adds to `buildApp()` in src/app.js: each `app.use(...)` below is one line there. After
// `// slot: <slot>` it is middleware in that slot of the canonical order (SLOTS in generators/types.ts); after
// `// options:` the keys of its object argument go into that call, already in src/app.js.
// The generator reads this file (generators/engine/snippets.ts); it is not copied into projects. Its imports
// are written as from a folder at the top of a project and serve the type-check: the import edits are in the group's table.

import { accessLog } from '../src/lib/access-log.js';
import { requestMetrics } from '../src/lib/metrics.js';
import { instanceId } from '../src/lib/instance-id.js';
import { securityHeaders } from '../src/lib/security-headers.js';
import { staticFiles } from '../src/lib/static-files.js';
import { views } from '../src/lib/views.js';
import { rateLimit } from '../src/lib/rate-limit.js';
import { body } from '../src/lib/body.js';
import { routes } from '../src/routes.js';

/**
 * @param {import('../src/lib/pipeline.js').App} app the application `buildApp()` creates
 * @param {import('../src/config.js').Config} config
 */
export function buildApp(app, config) {
  // slot: request-log
  app.use(accessLog(config.log));
  app.use(requestMetrics(config.metrics));
  app.use(instanceId(config.instanceId));
  // slot: security-headers
  app.use(securityHeaders(config.securityHeaders));
  // slot: static
  app.use(staticFiles(config.static));
  app.use(views(config.views));
  // slot: rate-limit
  app.use(rateLimit(config.rateLimit, { trustProxy: config.trustProxy }));
  // slot: body
  app.use(body(config.body, {}));
  // slot: router
  app.use(routes(config));
}
