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
  /** Sent as X-Instance-Id on every response, to tell several instances apart behind a load balancer; empty: not sent. */
  instanceId: '',
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
  log: {
    /** Folder of access.log and error.log (LOG_DIR), relative to the working directory. */
    dir: 'logs',
    /** One line per request in access.log. */
    access: true,
    /** Also print errors to stderr (what `docker logs` and journald show). */
    errorsToStderr: true,
    /** Rotate a log file before it grows past this many bytes; 0: no size limit. */
    maxSize: 10_485_760,
    /** Rotate when the day (UTC) changes. */
    daily: true,
    /** Rotated files kept per log (older ones are deleted); 0 keeps all. */
    maxFiles: 14,
  },
  metrics: {
    /** Serve GET /metrics (Prometheus text format). */
    enabled: true,
    /** Bearer token a scraper sends (METRICS_TOKEN); without one, only loopback clients, and never in production. */
    token: '',
  },
  heap: {
    /** Folder of the heap snapshots. */
    dir: 'heapdumps',
    /** Write a heap snapshot when the process gets SIGUSR2 (kill -USR2 <pid>). */
    onSignal: true,
    /** Also write one every this many ms; 0: never. Each one pauses the process (see docs/operations.md). */
    interval: 0,
    /** Snapshots kept (older ones are deleted). */
    maxFiles: 3,
  },
  static: {
    /** Folder of the public files (served at `/`), relative to the working directory. */
    root: 'public',
    /** File served for a folder (`/` -> `public/index.html`); empty for none. */
    index: 'index.html',
  },
  views: {
    /** Folder of the templates of `res.render(name)`; partials in `<dir>/partials/`. */
    dir: 'views',
    /** Compile each template once; set VIEWS_CACHE=false while editing templates. */
    cache: true,
  },
  body: {
    /** Largest request body in bytes (413 above); a format may set its own `limit`. */
    limit: 1_048_576,
    json: {
      /** Only objects and arrays at the top level (like body-parser's `strict`). */
      strict: true,
    },
  },
  /** Requests per client over a window, for the whole app (src/lib/rate-limit.js); 429 above. */
  rateLimit: {
    /** Requests per window; 0: no limit. */
    limit: 0,
    /** ms over which requests are counted. */
    window: 60_000,
    /** Count per client address or per logged-in user (the address without one): address or user. */
    by: 'address',
  },
  router: {
    /** Longest URL parameter (characters) a route matches; longer ones get 404. */
    maxParamLength: 100,
  },
  /** Headers that make browsers safer (src/lib/security-headers.js); `off` turns one off. */
  securityHeaders: {
    /** Set on every response; `frame-ancestors` is added from frameOptions. */
    contentSecurityPolicy: "default-src 'self'; base-uri 'self'; form-action 'self'; object-src 'none'; script-src-attr 'none'; img-src 'self' data:",
    /** X-Frame-Options: DENY, SAMEORIGIN or off. */
    frameOptions: 'DENY',
    referrerPolicy: 'strict-origin-when-cross-origin',
    crossOriginOpenerPolicy: 'same-origin',
    crossOriginResourcePolicy: 'same-origin',
    /** Strict-Transport-Security: auto (only on HTTPS requests), always or off. */
    hsts: 'auto',
    /** Seconds browsers keep using HTTPS after seeing HSTS (one year). */
    hstsMaxAge: 31_536_000,
    hstsIncludeSubDomains: true,
    hstsPreload: false,
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
