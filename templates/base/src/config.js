// @ts-check
import { loadConfig, requireSetting } from './lib/config-loader.js';

/**
 * Every setting of the server with its default. Each one can be overridden
 * by an environment variable named after its path: `port` -> `PORT`,
 * `body.limit` -> `BODY_LIMIT` (see src/lib/config-loader.js).
 */
export const defaults = {
  env: 'development',
  port: 3000,
  host: '127.0.0.1',
  /** Trust X-Forwarded-* and X-Request-Id: only behind your own proxy. */
  trustProxy: false,
  server: {
    /** ms to receive the request headers (slowloris protection). */
    headersTimeout: 10_000,
    /** ms to receive the whole request. */
    requestTimeout: 30_000,
    /** ms an idle keep-alive connection stays open; above a proxy's own. */
    keepAliveTimeout: 5_000,
    /** ms a graceful shutdown may take before connections are cut. */
    shutdownTimeout: 10_000,
  },
  router: {
    /** Longest URL parameter (characters) a route matches; longer ones get 404. */
    maxParamLength: 100,
  },
};

/** @typedef {typeof defaults} Config */

/**
 * Reads the configuration from the environment and checks it.
 * @param {Record<string, string | undefined>} [env]
 * @returns {Config}
 */
export function readConfig(env = process.env) {
  const config = loadConfig(defaults, { ...env, ENV: env.ENV ?? env.NODE_ENV });
  requireSetting(Number.isInteger(config.port) && config.port >= 0 && config.port < 65536, `PORT must be an integer from 0 to 65535, got ${config.port}`);
  return config;
}
