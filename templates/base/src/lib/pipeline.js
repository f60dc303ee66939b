// @ts-check
/**
 * The request pipeline every request goes through: node's server with our
 * own Request and Response classes, the middleware list run in order, a 404
 * at its end and the one error handler. `createApp()` makes one; src/app.js
 * (the composition root) fills it. The contracts features fill on a request
 * (session, shared store, uploaded files) are typed here, on the Request.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { HttpError } from './http-error.js';
import { Response } from './response.js';
import { SECURITY_HEADER_NAMES } from './security-headers.js';

/**
 * @typedef {object} Session
 * The contract a session middleware fulfils; the session feature implements it.
 * @property {string} id
 * @property {Record<string, unknown>} data values kept across requests
 * @property {() => Promise<void>} regenerate new id, same data (call on login)
 * @property {() => Promise<void>} destroy forget the session (call on logout)
 */

/**
 * @typedef {object} SessionRecord
 * @property {Record<string, unknown>} data
 * @property {number} createdAt ms since epoch
 * @property {number} lastSeen ms since epoch
 */

/**
 * @typedef {object} SessionStorage
 * Where sessions live between requests (the session feature's stores and a shared store's).
 * @property {string} kind
 * @property {(id: string) => Promise<SessionRecord | undefined>} get undefined when unknown or idle too long
 * @property {(id: string, record: SessionRecord) => Promise<void>} set create or replace
 * @property {(id: string) => Promise<void>} destroy
 * @property {(id: string, lastSeen: number) => Promise<void>} touch
 * @property {() => void} close
 */

/**
 * @typedef {object} SharedStore
 * The contract of a store shared by several processes (the `store` feature:
 * file or redis), set as `req.store`. Without one, each process keeps its
 * own sessions, counters and broadcasts in memory.
 * @property {string} kind `file` or `redis`
 * @property {((options: { ttl: number, maxSessions: number }) => SessionStorage) | undefined} sessions the shared session storage; undefined: the session settings decide
 * @property {(name: string, window: number, by?: number) => Promise<{ count: number, resetIn: number }>} hit adds `by` (1) to the counter `name`, which starts at 0 for `window` ms; the new count and the ms left
 * @property {(channel: string, data: unknown) => Promise<void>} broadcast sends JSON data to every process's `onBroadcast` listeners, this one's included
 * @property {(channel: string, fn: (data: unknown) => void) => void} onBroadcast
 * @property {() => void} close
 */

/**
 * @typedef {object} UploadedFile
 * @property {string} field form field name
 * @property {string} filename sanitized original name (metadata only)
 * @property {string} path where the bytes were written (random name)
 * @property {string} type declared media type
 * @property {number} size bytes
 */

/** The request every middleware and handler receives. */
export class Request extends http.IncomingMessage {
  /** @param {import('node:net').Socket} socket */
  constructor(socket) {
    super(socket);
    /** Request id, from a trusted `x-request-id` or generated. */
    this.id = '';
    /** Path part of the URL, not decoded. */
    this.path = '/';
    /** Query string parameters. */
    this.query = new URLSearchParams();
    /** @type {Record<string, string>} route parameters, decoded */
    this.params = Object.create(null);
    /** @type {unknown} parsed body, set by the body parsers */
    this.body = undefined;
    /** @type {UploadedFile[]} files of a multipart body */
    this.files = [];
    /** @type {{ name: string } | null} the authenticated user, set by auth */
    this.user = null;
    /**
     * @type {(() => HttpError) | null} the 401 for a route that needs a user
     * and has none, with the login style's challenge; set by the auth
     * middleware on every request. null: the app has no login.
     */
    this.loginError = null;
    /** @type {Session | null} set by the session middleware */
    this.session = null;
    /** @type {SharedStore | null} set by the store middleware; null: everything stays in this process */
    this.store = null;
    /** @type {Record<string, unknown>} per-request values for handlers and views */
    this.locals = Object.create(null);
    /** When the request arrived, in ms from `performance.now()`: for the access log and metrics. */
    this.startTime = 0;
    /**
     * Sends the `100 Continue` a client that sent `Expect: 100-continue` is
     * waiting for before it sends the body; null when there is none to send.
     * @type {(() => void) | null}
     */
    this.sendContinue = null;
  }

  /**
   * Node calls this when someone starts reading the body. That is the one
   * moment to invite a held-back body with 100 Continue (RFC 9110 §10.1.1):
   * a request refused before its body is read (by auth, CSRF, a size or
   * media type check, whatever middleware runs first) never gets a 100, and
   * the client never sends a body nobody will read.
   * @param {number} size
   */
  _read(size) {
    const sendContinue = this.sendContinue;
    if (sendContinue !== null) {
      this.sendContinue = null;
      sendContinue();
    }
    super._read(size);
  }
}

/**
 * @typedef {(req: Request, res: Response, next: (err?: unknown) => void) => unknown} Middleware
 * A middleware may answer (and not call `next`), call `next()` to pass on,
 * call `next(err)` or throw/reject to reach the error handler.
 */

/**
 * @typedef {object} App
 * @property {(fn: Middleware) => App} use append a middleware
 * @property {(req: Request, res: Response) => void} handle the `request` listener
 * @property {(options?: import('node:http').ServerOptions) => import('node:http').Server} createServer
 */

/**
 * @typedef {object} AppOptions
 * @property {string} [env] `development` shows stacks in error responses
 * @property {boolean} [trustProxy] trust `x-request-id` (and forwarded headers) from a proxy
 * @property {(err: unknown, req: Request) => void} [logError] where 5xx errors go
 */

/**
 * Creates an application: an ordered list of middleware, a 404 at the end
 * and one error handler.
 * @param {AppOptions} [options]
 * @returns {App}
 */
export function createApp(options = {}) {
  /** @type {Middleware[]} */
  const stack = [];
  const development = options.env === 'development';
  const logError = options.logError ?? defaultLogError;

  /** @type {App} */
  const app = {
    use(fn) {
      if (typeof fn !== 'function') throw new TypeError('app.use() expects a middleware function');
      stack.push(fn);
      return app;
    },
    handle(req, res) {
      prepare(req, res, options.trustProxy === true);
      run(stack, req, res, (err) => {
        if (err === undefined) err = new HttpError(404);
        handleError(err, req, res, development, logError);
      });
    },
    createServer(serverOptions = {}) {
      const server = http.createServer(
        // Our own classes instead of decorating every request: cheaper, and typed.
        { ...serverOptions, IncomingMessage: Request, ServerResponse: /** @type {any} */ (Response) },
        /** @type {any} */ (app.handle),
      );
      // Without a `checkContinue` listener Node answers `Expect: 100-continue`
      // with 100 before any middleware has looked at the request. With one, the
      // 100 waits until the body is read (Request#_read); the request itself
      // takes the usual way, through every `request` listener.
      server.on('checkContinue', (/** @type {Request} */ req, /** @type {Response} */ res) => {
        req.sendContinue = () => {
          // Once a final answer has started, a 100 would be out of order.
          if (!res.headersSent) res.writeContinue();
        };
        server.emit('request', req, res);
      });
      return server;
    },
  };
  return app;
}

/**
 * @param {Request} req
 * @param {Response} res
 * @param {boolean} trustProxy
 */
function prepare(req, res, trustProxy) {
  req.startTime = performance.now();
  const target = req.url ?? '/';
  // A server must accept the absolute form `GET http://host/path` too (RFC 9112 §3.2.2): keep its path.
  // Almost every target is a path: only look for a scheme when it does not start with `/`.
  const authority = target.startsWith('/') ? null : /^https?:\/\/[^/?#]*/i.exec(target);
  const url = authority ? `/${target.slice(authority[0].length).replace(/^\//, '')}` : target;
  const q = url.indexOf('?');
  req.path = q === -1 ? url : url.slice(0, q);
  if (q !== -1) req.query = new URLSearchParams(url.slice(q + 1));
  const incoming = req.headers['x-request-id'];
  // A client-chosen id is only trusted behind a proxy that sets it, and only if it is short and plain.
  req.id = trustProxy && typeof incoming === 'string' && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
}

/**
 * Runs `stack` in order. Each middleware gets a `next` that may be called once.
 * @param {Middleware[]} stack
 * @param {Request} req
 * @param {Response} res
 * @param {(err?: unknown) => void} done called when the stack is exhausted or on error
 */
export function run(stack, req, res, done) {
  /** @param {number} i @param {unknown} [err] */
  function dispatch(i, err) {
    if (err !== undefined) return done(err);
    if (i >= stack.length) return done();
    const fn = stack[i];
    let called = false;
    /** @param {unknown} [nextErr] */
    const next = (nextErr) => {
      if (called) return done(new Error(`next() called multiple times in middleware #${i} (${fn.name || 'anonymous'})`));
      called = true;
      dispatch(i + 1, nextErr);
    };
    try {
      const result = fn(req, res, next);
      // Async middleware: a rejection becomes next(err) instead of an unhandled rejection.
      if (result && typeof (/** @type {any} */ (result).then) === 'function') {
        /** @type {Promise<unknown>} */ (result).then(undefined, (e) => (called ? done(e) : next(e ?? new Error('rejected without a reason'))));
      }
    } catch (e) {
      if (called) done(e);
      else next(e ?? new Error('thrown without a value'));
    }
  }
  dispatch(0);
}

/**
 * The one error handler: the status and message of an HttpError, otherwise
 * 500. Stacks reach the client only in development.
 * @param {unknown} err
 * @param {Request} req
 * @param {Response} res
 * @param {boolean} development
 * @param {(err: unknown, req: Request) => void} logError
 */
export function handleError(err, req, res, development, logError) {
  const httpError = err instanceof HttpError ? err : null;
  const status = httpError ? httpError.status : 500;
  if (status >= 500) {
    logError(err, req);
  }
  if (res.headersSent) {
    // Too late for a clean answer: cut the connection so the client sees a failure,
    // not a truncated body that looks complete (Node does the same for a throwing handler).
    res.destroy();
    return;
  }
  /** @type {Record<string, unknown>} */
  const body = { error: http.STATUS_CODES[status] ?? 'Error', status };
  if (httpError?.expose && httpError.message !== body.error) body.message = httpError.message;
  // A stack helps whoever debugs a server error; a 4xx is the client's mistake and its
  // message says everything, so its stack would only show internals.
  if (development && status >= 500 && err instanceof Error) body.stack = err.stack;
  for (const name of res.getHeaderNames()) {
    // Drop headers set for the answer we are no longer sending (content, caching, cookies);
    // keep `Connection: close` from a server that is shutting down.
    // Security headers protect error pages too (security-headers.js).
    if (SECURITY_HEADER_NAMES.has(name)) continue;
    if (name !== 'x-request-id' && name !== 'x-instance-id' && !name.startsWith('x-content-type') && name !== 'vary' && name !== 'connection') res.removeHeader(name);
  }
  if (httpError) for (const [name, value] of Object.entries(httpError.headers)) res.setHeader(name, value);
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody && !req.complete) {
    // The rest of an unread body would have to be received and thrown away
    // before the next request on this socket; closing is cheaper and safer.
    // Requests without a body are left alone: their `complete` is still false
    // while the middleware runs, yet nothing is left to read.
    res.setHeader('Connection', 'close');
  }
  res.status(status).json(body);
}

/** @param {unknown} err @param {Request} req */
function defaultLogError(err, req) {
  const detail = err instanceof Error ? err.stack : String(err);
  console.error(`[${new Date().toISOString()}] ${req.id} ${req.method} ${req.path} failed: ${detail}`);
}
