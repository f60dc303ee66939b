// @ts-check
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ConfigError } from './config-loader.js';
import { clearCookie, getCookie, setCookie } from './cookies.js';
import { deriveKey, resolveSecrets } from './secrets.js';
import { LruCache } from './lru.js';
import { createStore } from './session-store.js';

/**
 * Cookie sessions, following OWASP's Session Management cheat sheet:
 *
 * - The id is 256 random bits (at least 128 are needed), unguessable.
 * - The cookie is `<id>.<HMAC-SHA256(id)>`: a changed or made-up id fails
 *   the signature before the store is even asked. The HMAC key comes from
 *   SESSION_SECRETS (the first signs, all verify: rotate without logging
 *   everyone out).
 * - `HttpOnly` (no JavaScript access), `SameSite=Lax`, `Path=/`; over HTTPS
 *   or in production also `Secure` and the `__Host-` name prefix, which
 *   stops subdomains from planting or overwriting the cookie.
 * - Idle timeout (no request for `idleTimeout` ms) and absolute timeout
 *   (`absoluteTimeout` ms after login, however active).
 * - An id the store does not know is never adopted (session fixation): a
 *   fresh one is made. `regenerate()` on login gives a new id, `destroy()`
 *   on logout deletes it.
 * - A visitor gets a cookie only once the session holds something, so
 *   anonymous traffic costs no storage and stays cacheable.
 *
 * Changes to `req.session.data` are saved when the response ends, before
 * the client gets its last byte, so the next request sees them whichever
 * process serves it. Change the session before you start sending a body:
 * a new session's cookie goes out with the headers.
 */

/**
 * @typedef {object} SessionSettings
 * @property {readonly string[]} secrets HMAC secrets (SESSION_SECRETS); the first signs
 * @property {string} cookieName e.g. `sid` (`__Host-sid` when secure)
 * @property {string} secure `auto` (HTTPS requests; always in production), `always` or `never`
 * @property {number} idleTimeout ms without a request before the session ends
 * @property {number} absoluteTimeout ms after its start before the session ends
 * @property {string} store `auto`, `memory` or `file`
 * @property {string} dir folder of the file store
 * @property {number} maxSessions most sessions kept
 */

/**
 * @typedef {object} SessionConfig
 * @property {string} env
 * @property {boolean} trustProxy trust X-Forwarded-Proto for "is this HTTPS?"
 * @property {SessionSettings} session
 */

/**
 * One visitor's session, as `req.session`. Implements the `Session`
 * contract of src/lib/pipeline.js.
 */
export class SessionHandle {
  /**
   * @param {import('./session-store.js').SessionStore} store
   * @param {string} id
   * @param {import('./session-store.js').SessionRecord} record
   * @param {boolean} isNew not in the store yet
   */
  constructor(store, id, record, isNew) {
    this.store = store;
    /** The session id (secret: never log it). */
    this.id = id;
    /** @type {Record<string, unknown>} what you keep across requests; JSON values only */
    this.data = record.data;
    /** @type {number} ms since epoch when the session started (absolute timeout). */
    this.createdAt = record.createdAt;
    /** Not saved yet: its cookie still has to be sent. */
    this.isNew = isNew;
    /** Ended by `destroy()`. */
    this.destroyed = false;
    /** Save at the end even if `data` looks unchanged (a new id). */
    this.mustSave = false;
    /** Saved by `save()` while new: the cookie still has to go out. */
    this.needsCookie = false;
    /** @type {string} `data` as JSON when last loaded or saved, to see whether it changed. */
    this.savedJson = isNew ? '{}' : JSON.stringify(record.data);
  }

  /** A new id for the same data: call it on login (and on any change of privilege). */
  async regenerate() {
    if (!this.isNew) await this.store.destroy(this.id);
    this.id = newSessionId();
    this.createdAt = Date.now();
    this.isNew = true;
    this.destroyed = false;
    this.mustSave = true;
  }

  /** Ends the session: its data is deleted and the browser told to drop the cookie. */
  async destroy() {
    if (!this.isNew) await this.store.destroy(this.id);
    this.data = {};
    this.destroyed = true;
    this.mustSave = false;
  }

  /** Saves now, even an empty session (e.g. to give an anonymous visitor a stable id). */
  async save() {
    await this.store.set(this.id, { data: this.data, createdAt: this.createdAt, lastSeen: Date.now() });
    this.savedJson = JSON.stringify(this.data);
    this.mustSave = false;
    this.needsCookie = this.needsCookie || this.isNew;
    this.isNew = false;
  }

  /** Whether the end of the response has to write to the store. */
  isDirty() {
    return !this.destroyed && (this.mustSave || JSON.stringify(this.data) !== this.savedJson);
  }
}

/**
 * The session middleware: sets `req.session` on every request.
 * @param {SessionConfig} config
 * @returns {import('./pipeline.js').Middleware}
 */
export function session(config) {
  const settings = config.session;
  const keys = resolveSecrets(settings.secrets, 'SESSION_SECRETS', config.env).map((s) => deriveKey(s, 'session-cookie'));
  if (typeof settings.cookieName !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(settings.cookieName) || settings.cookieName.startsWith('__')) {
    throw new ConfigError(
      `SESSION_COOKIE_NAME must be 1-64 letters, digits, "_" or "-" and not start with "__" (the __Host- prefix is added when needed), got ${JSON.stringify(settings.cookieName)}`,
    );
  }
  const isSecure = secureCookies(config);
  if (config.env === 'production' && settings.secure === 'never') {
    console.warn('SESSION_SECURE=never in production: session cookies travel over plain HTTP and can be stolen on the way.');
  }
  for (const [name, value] of [
    ['SESSION_IDLE_TIMEOUT', settings.idleTimeout],
    ['SESSION_ABSOLUTE_TIMEOUT', settings.absoluteTimeout],
  ]) {
    if (!Number.isSafeInteger(value) || /** @type {number} */ (value) < 1) throw new ConfigError(`${name} must be a whole number of ms (1 or more), got ${value}`);
  }
  const local = createStore(settings);
  /** @type {WeakMap<import('./pipeline.js').SharedStore, import('./pipeline.js').SessionStorage>} */
  const sharedStores = new WeakMap();
  /**
   * Where this request's session lives. With SESSION_STORE=auto: the shared
   * store's sessions when the app has one (every instance sees every
   * session); a shared store without sessions of its own (the file store)
   * makes it the session file store. Otherwise the store the settings name.
   * @param {import('./pipeline.js').Request} req
   */
  const storeFor = (req) => {
    const shared = req.store;
    if (shared === null) return local;
    let store = sharedStores.get(shared);
    if (store === undefined) {
      // SESSION_STORE=memory or file still wins: only auto follows the shared store.
      if (settings.store !== 'auto') store = local;
      else if (shared.sessions) store = shared.sessions({ ttl: settings.idleTimeout, maxSessions: settings.maxSessions });
      else store = createStore({ ...settings, store: shared.kind === 'file' ? 'file' : 'auto' });
      sharedStores.set(shared, store);
    }
    return store;
  };
  // Touching the store on every request would be a write per request; a tenth of the idle time is precise enough.
  const touchEvery = Math.floor(settings.idleTimeout / 10);

  return async function sessionMiddleware(req, res, next) {
    const secure = isSecure(req);
    const cookieName = secure ? `__Host-${settings.cookieName}` : settings.cookieName;
    const cookie = getCookie(req, cookieName);
    const id = cookie === undefined ? null : unsign(cookie, keys);
    const now = Date.now();
    const store = storeFor(req);

    let record = id === null ? undefined : await store.get(id);
    if (record !== undefined && id !== null && isExpired(record, now, settings)) {
      await store.destroy(id);
      record = undefined;
    }
    /** @type {SessionHandle} */
    let handle;
    if (record !== undefined && id !== null) {
      handle = new SessionHandle(store, id, record, false);
      if (now - record.lastSeen >= touchEvery) await store.touch(id, now);
    } else {
      handle = new SessionHandle(store, newSessionId(), { data: {}, createdAt: now, lastSeen: now }, true);
    }
    req.session = handle;

    const cookieOptions = { httpOnly: true, secure, sameSite: /** @type {const} */ ('Lax'), path: '/' };
    onHeaders(res, () => {
      if (saveFailed) return;
      if (handle.destroyed || (handle.isNew && !handle.isDirty() && !handle.needsCookie)) {
        // Logged out, or the browser holds a cookie we no longer honour: tell it to forget it.
        if (cookie !== undefined) clearCookie(res, cookieName, cookieOptions);
        return;
      }
      if (handle.isNew || handle.needsCookie) {
        const remaining = settings.absoluteTimeout - (Date.now() - handle.createdAt);
        setCookie(res, cookieName, sign(handle.id, keys[0]), { ...cookieOptions, maxAge: Math.max(1, Math.ceil(remaining / 1000)) });
      }
    });
    // A failed save leaves the cookie alone: the browser keeps the session it had.
    let saveFailed = false;
    beforeEnd(res, () =>
      handle.isDirty()
        ? handle.save().catch((err) => {
            saveFailed = true;
            throw err;
          })
        : undefined,
    );
    next();
  };
}

/** 32 random bytes as base64url: 256 bits, 43 characters. */
export function newSessionId() {
  return randomBytes(32).toString('base64url');
}

/**
 * `<id>.<signature>` for the cookie.
 * @param {string} id
 * @param {Buffer} key
 */
export function sign(id, key) {
  return `${id}.${createHmac('sha256', key).update(id).digest('base64url')}`;
}

/**
 * The id of a signed cookie value, or null when the signature matches none
 * of the keys. Every key is tried (no early exit), each with a
 * constant-time comparison.
 * @param {string} value
 * @param {Buffer[]} keys
 * @returns {string | null}
 */
export function unsign(value, keys) {
  const known = verified.get(value);
  if (known !== undefined && known.keys === keys) return known.id;
  const id = verify(value, keys);
  if (id !== null) verified.set(value, { keys, id });
  return id;
}

/**
 * Cookie values whose signature was checked lately, with the keys that
 * checked them: a browser sends the same cookie with every request, and an
 * HMAC per request was a visible part of a session request's time. Only
 * valid values are kept, so a flood of forged cookies cannot fill it.
 * @type {LruCache<string, { keys: Buffer[], id: string }>}
 */
const verified = new LruCache({ maxEntries: 10_000 });

/**
 * @param {string} value
 * @param {Buffer[]} keys
 * @returns {string | null}
 */
function verify(value, keys) {
  const match = /^([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!match) return null;
  const [, id, signature] = match;
  const given = Buffer.from(signature, 'base64url');
  // Only the canonical text of the signature: the last character has 2 unused bits.
  if (given.toString('base64url') !== signature) return null;
  let valid = false;
  for (const key of keys) {
    const expected = createHmac('sha256', key).update(id).digest();
    valid = timingSafeEqual(expected, given) || valid;
  }
  return valid ? id : null;
}

/**
 * @param {import('./session-store.js').SessionRecord} record
 * @param {number} now
 * @param {SessionSettings} settings
 */
function isExpired(record, now, settings) {
  return now - record.lastSeen > settings.idleTimeout || now - record.createdAt > settings.absoluteTimeout;
}

/**
 * Decides per request whether cookies are `Secure` (and get the `__Host-`
 * prefix), from SESSION_SECURE: `always`, `never`, or `auto` = in
 * production always, elsewhere when the request came over HTTPS.
 * @param {SessionConfig} config
 * @returns {(req: import('./pipeline.js').Request) => boolean}
 */
export function secureCookies(config) {
  const mode = config.session.secure === 'auto' && config.env === 'production' ? 'always' : config.session.secure;
  if (mode === 'always') return () => true;
  if (mode === 'never') return () => false;
  if (mode === 'auto') return (req) => isHttps(req, config.trustProxy);
  throw new ConfigError(`SESSION_SECURE must be auto, always or never, got ${JSON.stringify(config.session.secure)}`);
}

/**
 * Whether the request came over HTTPS: a TLS socket, or (behind a proxy we
 * trust) `X-Forwarded-Proto: https`.
 * @param {import('./pipeline.js').Request} req
 * @param {boolean} trustProxy
 */
function isHttps(req, trustProxy) {
  if (/** @type {import('node:tls').TLSSocket} */ (req.socket).encrypted) return true;
  const proto = req.headers['x-forwarded-proto'];
  return trustProxy && typeof proto === 'string' && proto.split(',')[0].trim().toLowerCase() === 'https';
}

/**
 * Runs `fn` just before the status line and headers are written (the last
 * moment to add a Set-Cookie), however the response is sent. Node writes
 * headers through `writeHead`, explicitly or from the first `write`/`end`
 * (the `on-headers` package does the same).
 * @param {import('node:http').ServerResponse} res
 * @param {() => void} fn
 */
export function onHeaders(res, fn) {
  const writeHead = res.writeHead;
  let done = false;
  res.writeHead = /** @type {any} */ (
    function writeHeadWithSession(/** @type {any[]} */ ...args) {
      if (!done) {
        done = true;
        fn();
      }
      return writeHead.apply(res, /** @type {any} */ (args));
    }
  );
}

/**
 * Runs the async `fn` before the response ends (express-session does the
 * same): the client's last byte arrives only after the session is saved,
 * so its next request finds it. If saving fails the connection is cut, so
 * the client does not believe a login that was not kept.
 * @param {import('node:http').ServerResponse} res
 * @param {() => Promise<void> | undefined} fn
 */
function beforeEnd(res, fn) {
  const end = res.end;
  let done = false;
  res.end = /** @type {any} */ (
    function endAfterSave(/** @type {any[]} */ ...args) {
      if (done) return end.apply(res, /** @type {any} */ (args));
      done = true;
      const pending = fn();
      if (pending === undefined) return end.apply(res, /** @type {any} */ (args));
      pending.then(
        () => end.apply(res, /** @type {any} */ (args)),
        (err) => {
          if (res.headersSent) {
            console.error(`session: saving failed, connection closed: ${err?.stack ?? err}`);
            res.destroy();
            return;
          }
          // Nothing sent yet: answer the store's error instead (a 503 with
          // Retry-After when it is unreachable), so the client can retry.
          console.error(`session: saving failed: ${err?.message ?? err}`);
          const status = typeof err?.status === 'number' ? err.status : 500;
          for (const name of res.getHeaderNames()) if (name !== 'x-request-id' && name !== 'x-instance-id') res.removeHeader(name);
          for (const [name, value] of Object.entries(err?.headers ?? {})) res.setHeader(name, /** @type {string} */ (value));
          res.statusCode = status;
          res.setHeader('Content-Type', 'application/json; charset=utf-8');
          end.apply(res, /** @type {any} */ ([JSON.stringify({ error: status === 503 ? 'Service Unavailable' : 'Internal Server Error', status })]));
        },
      );
      return res;
    }
  );
}
