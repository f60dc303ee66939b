// @ts-check
import net from 'node:net';
import { ConfigError, envName, requireSetting } from './config-loader.js';
import { setReadiness } from './health.js';
import { installHeapSnapshots } from './heap-snapshot.js';

/**
 * Runs the application in this one process: listen, log where, and shut
 * down gracefully on SIGTERM (sent by process managers, Docker, Kubernetes)
 * or SIGINT (Ctrl-C). The pieces are exported so a multi-process model
 * (cluster, master-worker) can run the same server in each worker.
 */

/**
 * @typedef {object} ServeConfig the part of the configuration serving needs
 * @property {string} env
 * @property {number} port
 * @property {string} host
 * @property {{ headersTimeout: number, requestTimeout: number, keepAliveTimeout: number, shutdownTimeout: number }} server
 */

/** @typedef {import('node:http').Server} Server */

/**
 * Responses being answered, per server, to mark them `Connection: close` when draining.
 * @type {WeakMap<Server, Set<import('node:http').ServerResponse>>}
 */
const inFlight = new WeakMap();
/** @type {WeakSet<Server>} servers that are shutting down */
const draining = new WeakSet();

/**
 * Builds the app, listens on `config.port`/`config.host`, and closes
 * gracefully on SIGTERM/SIGINT. A bad setting found while building (a
 * middleware factory throws ConfigError) ends the process with one line and
 * exit code 1.
 * @param {() => import('./pipeline.js').App} buildApp
 * @param {ServeConfig} config
 * @returns {Server}
 */
export function serve(buildApp, config) {
  /** @type {Server} */
  let server;
  try {
    installHeapSnapshots(config);
    server = createHttpServer(buildApp(), config);
  } catch (err) {
    exitOnConfigError(err);
  }

  server.on('error', (err) => {
    // Listening failed (port taken, no permission): an operator's problem, one line.
    console.error(listenErrorMessage(/** @type {NodeJS.ErrnoException} */ (err), config));
    process.exit(1);
  });
  server.listen(config.port, config.host, () => {
    setReadiness('serving');
    console.log(`Listening on ${serverUrl(server, config.host)} (${config.env}, pid ${process.pid})`);
  });

  let shuttingDown = false;
  /** @param {NodeJS.Signals} signal */
  const shutdown = async (signal) => {
    if (shuttingDown) {
      // A second Ctrl-C means "now": cut the connections that are still open.
      console.log(`${signal} again: closing all connections now`);
      server.closeAllConnections();
      return;
    }
    shuttingDown = true;
    setReadiness('draining');
    const closing = gracefulClose(server, config.server.shutdownTimeout);
    // Logged once the port is closed, so whoever reads it can rely on that.
    console.log(`${signal} received: finishing in-flight requests (at most ${config.server.shutdownTimeout} ms)`);
    const { forced } = await closing;
    console.log(forced ? 'Shutdown timeout reached: remaining connections were cut' : 'All requests finished: bye');
    exitWhenIdle(0);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  return server;
}

/**
 * Creates the HTTP server of `app` with the timeouts of `config.server`,
 * checked first (ConfigError with the setting to fix).
 * @param {import('./pipeline.js').App} app
 * @param {ServeConfig} config
 * @returns {Server}
 */
export function createHttpServer(app, config) {
  const { headersTimeout, requestTimeout, keepAliveTimeout, shutdownTimeout } = config.server;
  for (const [name, value] of Object.entries({ headersTimeout, requestTimeout, keepAliveTimeout })) {
    requireSetting(Number.isInteger(value) && value > 0, `${envName(['server', name])} must be a positive number of milliseconds, got ${value}`);
  }
  requireSetting(Number.isInteger(shutdownTimeout) && shutdownTimeout >= 0, `SERVER_SHUTDOWN_TIMEOUT must be a number of milliseconds (0 or more), got ${shutdownTimeout}`);
  requireSetting(headersTimeout <= requestTimeout, `SERVER_HEADERS_TIMEOUT (${headersTimeout}) must not be larger than SERVER_REQUEST_TIMEOUT (${requestTimeout})`);

  const server = app.createServer({
    headersTimeout,
    requestTimeout,
    // Node checks both timeouts on this interval (default 30 s); check often
    // enough that a slow-headers (slowloris) client is cut close to the limit.
    connectionsCheckingInterval: Math.min(1000, headersTimeout),
  });
  // Longer than a proxy's idle timeout, so the proxy closes first and never
  // sends a request on a socket we are closing.
  server.keepAliveTimeout = keepAliveTimeout;

  /** @type {Set<import('node:http').ServerResponse>} */
  const responses = new Set();
  inFlight.set(server, responses);
  // Runs before the app's own listener, so every response is seen.
  server.prependListener('request', (req, res) => {
    if (draining.has(server)) res.setHeader('Connection', 'close');
    responses.add(res);
    // `on`, not `once`: `close` comes once per response, and `once` would
    // wrap the listener in another closure on every request.
    res.on('close', () => responses.delete(res));
  });
  return server;
}

/**
 * Stops accepting connections, lets in-flight requests finish (their
 * responses say `Connection: close`, so clients do not reuse the socket),
 * and cuts whatever is left after `timeout` ms.
 *
 * Idle keep-alive connections are not closed early. A client may be sending
 * its next request on one at this very moment; closing it would make that
 * request fail with ECONNRESET, and the client cannot tell whether it was
 * processed (the race RFC 9112, section 9.5 describes).
 * Instead each one closes after its next response (`Connection: close`),
 * or when the client lets it go (it knows our `Keep-Alive: timeout` and
 * leaves before it), or at `server.keepAliveTimeout` at the latest. Keep
 * that below `timeout` and no connection is ever cut.
 * @param {Server} server
 * @param {number} timeout
 * @returns {Promise<{ forced: boolean }>} forced: connections had to be cut
 */
export function gracefulClose(server, timeout) {
  draining.add(server);
  for (const res of inFlight.get(server) ?? []) {
    if (!res.headersSent) res.setHeader('Connection', 'close');
  }
  return new Promise((resolve) => {
    let forced = false;
    const timer = setTimeout(() => {
      forced = true;
      server.closeAllConnections();
    }, timeout);
    // net.Server's close, not http.Server's: since Node 19 the latter also
    // closes idle keep-alive connections (see above). This one only stops
    // accepting, and calls back once the last connection is gone.
    net.Server.prototype.close.call(server, () => {
      clearTimeout(timer);
      resolve({ forced });
    });
  });
}

/**
 * Lets the process end on its own once pending work (log writes, for
 * example) is flushed, with `code`; if something keeps it alive (a timer
 * someone forgot to `unref()`), exits anyway after a second.
 * @param {number} code
 */
export function exitWhenIdle(code) {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 1000).unref();
}

/**
 * A ConfigError becomes one clear line and exit code 1 (no stack: the
 * operator has a setting to fix, not a bug to report). Anything else is a
 * bug and is rethrown, stack and all.
 * @param {unknown} err
 * @returns {never}
 */
export function exitOnConfigError(err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`Configuration error: ${err.message}`);
  process.exit(1);
}

/**
 * @param {NodeJS.ErrnoException} err
 * @param {ServeConfig} config
 */
function listenErrorMessage(err, config) {
  const where = `${config.host}:${config.port}`;
  if (err.code === 'EADDRINUSE') return `Cannot listen on ${where}: the port is already in use. Stop the other server or set PORT.`;
  if (err.code === 'EACCES') return `Cannot listen on ${where}: permission denied (ports below 1024 need privileges). Set PORT to 1024 or above.`;
  if (err.code === 'EADDRNOTAVAIL') return `Cannot listen on ${where}: this machine has no such address. Check HOST.`;
  return `Cannot listen on ${where}: ${err.message}`;
}

/**
 * `http://127.0.0.1:3000`, with the port actually bound (PORT=0 picks one).
 * @param {Server} server
 * @param {string} host
 */
export function serverUrl(server, host) {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
