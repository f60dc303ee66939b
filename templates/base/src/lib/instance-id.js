// @ts-check
import { ConfigError } from './config-loader.js';

/**
 * Sends `X-Instance-Id: <id>` on every response (INSTANCE_ID), so behind a
 * load balancer you can tell which instance answered. Error responses keep
 * it (handleError in src/lib/pipeline.js). Empty: nothing is sent.
 * @param {unknown} id
 * @returns {import('./pipeline.js').Middleware}
 */
export function instanceId(id) {
  if (typeof id !== 'string' || /[^\x21-\x7e]/.test(id)) throw new ConfigError(`INSTANCE_ID must be printable ASCII without spaces, got ${JSON.stringify(id)}`);
  return function instanceIdHeader(req, res, next) {
    if (id) res.setHeader('X-Instance-Id', id);
    next();
  };
}
