// @ts-check
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ConfigError } from './config-loader.js';
import { clearCookie, getCookie, setCookie } from './cookies.js';
import { HttpError } from './http-error.js';
import { LruCache } from './lru.js';
import { parseMediaType } from './media-type.js';
import { deriveKey, resolveSecrets } from './secrets.js';
import { SessionHandle, onHeaders, secureCookies } from './session.js';

/**
 * Cross-site request forgery protection (OWASP CSRF Prevention cheat
 * sheet), for cookie sessions. A forged request abuses the cookies a
 * browser sends by itself, so every state-changing request (anything but
 * GET, HEAD, OPTIONS, TRACE) is checked, and one that belongs to an
 * existing session must also carry a token:
 *
 * 1. Fetch metadata: `Sec-Fetch-Site: cross-site` or `same-site` is refused
 *    unless the `Origin` is in CSRF_TRUSTED_ORIGINS (browsers set this
 *    header; an attacker's page cannot change it).
 * 2. Origin: when present, `Origin` must be our own origin or a trusted
 *    one; `Origin: null` (sandboxed frames, some redirects) is refused.
 * 3. Signed double-submit token: `<random>.<HMAC(session id + random)>`,
 *    kept in a `csrf` cookie that page scripts can read, and sent back in
 *    the `x-csrf-token` header or a `_csrf` body field. It must equal the
 *    cookie (constant-time) and carry a valid HMAC for *this* session, so a
 *    token from another session, a forged cookie or an old token fail.
 *
 * A request without an existing session (no or an unknown session cookie)
 * needs no token: it acts as nobody. That covers API clients and a first
 * login. A visitor still gets a token (a login form should send one), but
 * it costs the server nothing: `<random>.<HMAC("anonymous" + random)>`
 * lives only in the visitor's cookie, so no session is stored before login
 * and anonymous traffic cannot fill the session store. When such a token
 * is sent, it is checked like any other.
 *
 * Failures are 403. Get a token with `GET /csrf-token` (or
 * `await issueCsrfToken(req, res)` in a handler that renders a form; views
 * see it as `csrfToken`). Tokens are bound to the session id, which changes
 * at login: the login response carries a new token cookie.
 *
 * The header is checked here, before the body is read. A `_csrf` field
 * can only be checked once a body parser has run, so that check is
 * `csrfFormField()`, placed right after `body(...)` in src/app.js. That is
 * allowed only for bodies the parsers keep in memory (URL-encoded forms and
 * JSON, within the body limit): a multipart upload writes its files to disk
 * while it is parsed, so a session's upload without the header is refused
 * here, before a single byte of it is read. Uploads send the token in the
 * header (see docs/csrf.md).
 */

/**
 * @typedef {object} CsrfSettings
 * @property {readonly string[]} trustedOrigins other origins allowed to send requests, e.g. `https://app.example.com`
 * @property {string} cookieName name of the token cookie (`__Host-` is added when secure)
 */

/**
 * @typedef {object} CsrfConfig
 * @property {string} env
 * @property {boolean} trustProxy
 * @property {CsrfSettings} csrf
 * @property {import('./session.js').SessionSettings} session its secrets key the tokens
 */

/**
 * @typedef {object} CsrfContext
 * @property {SessionHandle} session
 * @property {string} binding what the request's tokens are bound to: the session id, or ANONYMOUS
 * @property {Buffer[]} keys the first creates tokens, all verify
 * @property {string} cookieName with its prefix for this request
 * @property {boolean} secure
 * @property {string | undefined} cookieToken the token cookie the request came with
 */

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);
/**
 * Bodies whose `_csrf` field may stand in for the header: their parsers hold
 * them in memory and store nothing, so checking after parsing is safe. Any
 * other body (multipart uploads above all) needs the header.
 */
const FIELD_TYPES = new Set(['application/x-www-form-urlencoded', 'application/json']);
/** What tokens of visitors without a session are bound to; never a session id (those are 43 characters). */
const ANONYMOUS = 'anonymous';
const TOKEN = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

/** @type {WeakMap<import('./pipeline.js').Request, CsrfContext>} what `issueCsrfToken` and `csrfFormField` need, per request */
const contexts = new WeakMap();
/** @type {WeakMap<import('./pipeline.js').Request, boolean>} unsafe requests whose token may come in the body -> whether it must */
const awaitingFormField = new WeakMap();
/** Whether `csrfFormField()` is part of the app: without it, a request without the header cannot pass. */
let formFieldCheckInstalled = false;

/**
 * The CSRF middleware: checks unsafe requests, sets `res.locals.csrfToken`.
 * @param {CsrfConfig} config
 * @returns {import('./pipeline.js').Middleware}
 */
export function csrf(config) {
  const keys = resolveSecrets(config.session.secrets, 'SESSION_SECRETS', config.env).map((s) => deriveKey(s, 'csrf-token'));
  const trusted = new Set(config.csrf.trustedOrigins.map((o) => o.trim().toLowerCase()).filter(Boolean));
  for (const origin of trusted) {
    if (!/^https?:\/\/[a-z0-9.-]+(?::\d{1,5})?$/.test(origin)) {
      throw new ConfigError(`CSRF_TRUSTED_ORIGINS: ${JSON.stringify(origin)} is not an origin like https://app.example.com (scheme, host, optional port; no path)`);
    }
  }
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(config.csrf.cookieName) || config.csrf.cookieName.startsWith('__')) {
    throw new ConfigError(`CSRF_COOKIE_NAME must be 1-64 letters, digits, "_" or "-" and not start with "__", got ${JSON.stringify(config.csrf.cookieName)}`);
  }
  const isSecure = secureCookies(config);

  return function csrfMiddleware(req, res, next) {
    const session = req.session;
    if (!(session instanceof SessionHandle)) throw new Error('csrf() needs req.session: app.use(session(config)) must come before it in src/app.js');
    const secure = isSecure(req);
    const cookieName = secure ? `__Host-${config.csrf.cookieName}` : config.csrf.cookieName;
    const cookieToken = getCookie(req, cookieName);
    const anonymous = session.isNew;
    /** @type {CsrfContext} */
    const context = { session, binding: anonymous ? ANONYMOUS : session.id, keys, cookieName, secure, cookieToken };
    contexts.set(req, context);
    if (cookieToken !== undefined && isValidToken(cookieToken, context.binding, keys)) res.locals.csrfToken = cookieToken;

    // The session id changes at login and ends at logout: the token, bound to the old id, is replaced or dropped.
    const idAtStart = session.id;
    onHeaders(res, () => {
      if (session.destroyed) {
        if (cookieToken !== undefined) clearCookie(res, cookieName, { secure, sameSite: 'Strict', path: '/' });
      } else if (session.id !== idAtStart) {
        context.binding = session.id;
        writeToken(res, context);
      }
    });

    if (SAFE_METHODS.has(req.method ?? 'GET')) return next();
    checkOrigin(req, trusted, secure, config.trustProxy);
    const header = req.headers['x-csrf-token'];
    if (header !== undefined) {
      checkToken(context, header);
      return next();
    }
    // The token may wait for the body only where reading the body stores nothing.
    const fieldAllowed = formFieldCheckInstalled && FIELD_TYPES.has(parseMediaType(req.headers['content-type'])?.type ?? '');
    // No existing session, no ambient authority to abuse: such a request acts
    // as nobody (API clients, first login) and needs no token; one in the
    // body is still checked. Browsers' cross-site attempts were already
    // stopped by the checks above.
    if (!anonymous && !fieldAllowed) {
      throw forbidden('CSRF token missing: send it in the x-csrf-token header (a _csrf field is read only from URL-encoded forms and JSON, never from uploads)');
    }
    if (fieldAllowed) awaitingFormField.set(req, !anonymous);
    next();
  };
}

/**
 * Checks the `_csrf` field of a parsed body (HTML forms) for requests that
 * came without the header. Place it right after `body(...)`.
 * @returns {import('./pipeline.js').Middleware}
 */
export function csrfFormField() {
  formFieldCheckInstalled = true;
  return function csrfFormFieldMiddleware(req, res, next) {
    const required = awaitingFormField.get(req);
    if (required === undefined) return next();
    awaitingFormField.delete(req);
    const context = /** @type {CsrfContext} */ (contexts.get(req));
    const body = /** @type {Record<string, unknown> | null | undefined} */ (req.body);
    const field = typeof body === 'object' && body !== null ? body._csrf : undefined;
    if (required || field !== undefined) checkToken(context, field);
    next();
  };
}

/**
 * The CSRF token of this session, or of this visitor before login (sets
 * the cookie when needed). Stores nothing on the server.
 * @param {import('./pipeline.js').Request} req
 * @param {import('./response.js').Response} res
 * @returns {Promise<string>}
 */
export async function issueCsrfToken(req, res) {
  const existing = res.locals.csrfToken;
  if (typeof existing === 'string') return existing;
  const context = contexts.get(req);
  if (context === undefined) throw new Error('issueCsrfToken() needs app.use(csrf(config)) in src/app.js');
  return writeToken(res, context);
}

/**
 * `GET /csrf-token`: `{ token }`, and the token cookie.
 * @param {import('./pipeline.js').Request} req
 * @param {import('./response.js').Response} res
 */
export async function sendCsrfToken(req, res) {
  const token = await issueCsrfToken(req, res);
  res.setHeader('Cache-Control', 'no-store');
  res.json({ token });
}

/**
 * Makes a token for the session (or the anonymous visitor) and sets it as
 * the cookie. Not HttpOnly: page scripts read it to send the header (double submit).
 * @param {import('./response.js').Response} res
 * @param {CsrfContext} context
 */
function writeToken(res, context) {
  const random = randomBytes(16).toString('base64url');
  const token = `${random}.${mac(context.keys[0], context.binding, random)}`;
  setCookie(res, context.cookieName, token, { secure: context.secure, sameSite: 'Strict', path: '/' });
  res.locals.csrfToken = token;
  return token;
}

/**
 * 403 unless `submitted` equals the cookie and is valid for the session (or, before login, is an anonymous token).
 * @param {CsrfContext} context
 * @param {unknown} submitted
 */
function checkToken(context, submitted) {
  if (typeof submitted !== 'string' || submitted === '') throw forbidden('CSRF token missing: send it in the x-csrf-token header or a _csrf field');
  const matchesCookie = context.cookieToken !== undefined && sameText(submitted, context.cookieToken);
  const valid = isValidToken(submitted, context.binding, context.keys);
  if (!matchesCookie || !valid) throw forbidden('CSRF token invalid: get a new one from GET /csrf-token');
}

/**
 * Whether `token` carries a valid HMAC for `binding` (a session id or
 * ANONYMOUS) under any key; every key is tried without an early exit.
 * @param {string} token
 * @param {string} binding
 * @param {Buffer[]} keys
 */
function isValidToken(token, binding, keys) {
  const key = `${binding} ${token}`;
  if (validTokens.get(key) === keys) return true;
  const valid = checkMac(token, binding, keys);
  if (valid) validTokens.set(key, keys);
  return valid;
}

/**
 * Tokens found valid lately (with their binding), and the keys that checked
 * them: a browser sends the same token cookie with every request, and
 * checking it is an HMAC. Only valid tokens are kept, so forged ones cannot fill it.
 * @type {LruCache<string, Buffer[]>}
 */
const validTokens = new LruCache({ maxEntries: 10_000 });

/**
 * @param {string} token
 * @param {string} binding
 * @param {Buffer[]} keys
 */
function checkMac(token, binding, keys) {
  const match = TOKEN.exec(token);
  if (!match) return false;
  const given = Buffer.from(match[2], 'base64url');
  // Only the canonical text: the last character has 2 unused bits.
  if (given.toString('base64url') !== match[2]) return false;
  let valid = false;
  for (const key of keys) valid = timingSafeEqual(Buffer.from(mac(key, binding, match[1]), 'base64url'), given) || valid;
  return valid;
}

/**
 * @param {Buffer} key
 * @param {string} binding
 * @param {string} random
 */
function mac(key, binding, random) {
  return createHmac('sha256', key).update(`${binding}.${random}`).digest('base64url');
}

/**
 * Fetch metadata and Origin checks (defence in depth before the token).
 * @param {import('./pipeline.js').Request} req
 * @param {Set<string>} trusted
 * @param {boolean} secure
 * @param {boolean} trustProxy
 */
function checkOrigin(req, trusted, secure, trustProxy) {
  const origin = typeof req.headers.origin === 'string' ? req.headers.origin.toLowerCase() : undefined;
  const site = req.headers['sec-fetch-site'];
  if ((site === 'cross-site' || site === 'same-site') && (origin === undefined || !trusted.has(origin))) {
    throw forbidden('Cross-site request refused');
  }
  if (origin === undefined) return;
  const forwardedHost = trustProxy ? req.headers['x-forwarded-host'] : undefined;
  const host = (typeof forwardedHost === 'string' ? forwardedHost.split(',')[0].trim() : (req.headers.host ?? '')).toLowerCase();
  const own = `${secure ? 'https' : 'http'}://${host}`;
  if (origin !== own && !trusted.has(origin)) throw forbidden('Cross-origin request refused');
}

/**
 * Equal strings, compared in constant time (as fixed-length digests).
 * @param {string} a
 * @param {string} b
 */
function sameText(a, b) {
  const digest = (/** @type {string} */ s) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** @param {string} message */
function forbidden(message) {
  return new HttpError(403, message);
}
