// @ts-check
import { createHmac, randomBytes } from 'node:crypto';
import { ConfigError } from './config-loader.js';
import { HttpError } from './http-error.js';
import { loadUsers } from './credentials.js';
import { LruCache } from './lru.js';

/**
 * HTTP Basic authentication (RFC 7617): the client sends
 * `Authorization: Basic base64(user:password)` with every request.
 *
 * - Passwords are checked against scrypt hashes from `AUTH_USERS`
 *   (src/lib/credentials.js): name and password are always both compared,
 *   an unknown name against a dummy hash, so response times do not reveal
 *   which names exist.
 * - A verified name:password pair is remembered for `cacheTtl` ms (keyed by
 *   an HMAC, never the password itself), because Basic sends the password on
 *   every request and scrypt is deliberately slow.
 * - Wrong, unknown or malformed credentials get 401 with the challenge
 *   `WWW-Authenticate: Basic realm="...", charset="UTF-8"`. Malformed ones
 *   (bad base64, no `:`, invalid UTF-8) get 401 rather than 400: RFC 7617
 *   leaves it open, and a 401 makes a browser ask for the credentials again,
 *   while a 400 would leave it stuck with the bad ones.
 * - Requests without credentials pass through with `req.user = null`; put
 *   `requireUser(config)` in front of the handlers that need a user.
 *
 * Basic sends the password itself: only use it over HTTPS.
 */

/**
 * @typedef {object} BasicAuthOwnSettings
 * @property {string} realm shown by browsers in the login prompt
 * @property {number} cacheTtl ms a verified name:password pair is remembered; 0 for never
 */

/** @typedef {import('./credentials.js').AuthSettings & BasicAuthOwnSettings} BasicAuthSettings */

/**
 * @typedef {object} BasicAuthConfig
 * @property {string} env
 * @property {boolean} trustProxy
 * @property {BasicAuthSettings} auth
 */

/** Pairs remembered at most, so the cache cannot grow without bound. */
const CACHE_ENTRIES = 1000;

/**
 * The middleware that reads `Authorization: Basic ...` and sets `req.user`.
 * @param {BasicAuthConfig} config
 * @returns {import('./pipeline.js').Middleware}
 */
export function basicAuth(config) {
  const challenge = basicChallenge(config.auth.realm);
  const users = loadUsers(config);
  const cacheTtl = config.auth.cacheTtl;
  if (!Number.isSafeInteger(cacheTtl) || cacheTtl < 0) throw new ConfigError(`AUTH_CACHE_TTL must be a whole number of ms (0 turns the cache off), got ${cacheTtl}`);
  /** @type {LruCache<string, string> | null} HMAC of the credentials -> user name */
  const verified = cacheTtl > 0 ? new LruCache({ maxEntries: CACHE_ENTRIES, ttl: cacheTtl }) : null;
  const cacheKey = randomBytes(32);
  const loginRequired = () => unauthorized(challenge, 'Log in with HTTP Basic authentication');

  return async function basicAuthMiddleware(req, res, next) {
    // What requireLogin (src/lib/guards.js) answers when this request needs a user.
    req.loginError = loginRequired;
    const header = req.headers.authorization;
    if (header === undefined || !/^basic(?:\s|$)/i.test(header)) return next();
    const credentials = parseBasic(header);
    if (credentials === null) throw unauthorized(challenge, 'Malformed Basic credentials');

    const key = createHmac('sha256', cacheKey).update(`${credentials.name}\0${credentials.password}`).digest('base64url');
    const cached = verified?.get(key);
    if (cached !== undefined) {
      req.user = { name: cached };
      return next();
    }
    const user = await users.verify(credentials.name, credentials.password, req);
    if (user === null) throw unauthorized(challenge, 'Wrong user name or password');
    verified?.set(key, user.name);
    req.user = user;
    next();
  };
}

/**
 * Guards a route: 401 with the Basic challenge unless a user is logged in.
 * `router.get('/admin', requireUser(config), handler)`
 * @param {BasicAuthConfig} config
 * @returns {import('./pipeline.js').Middleware}
 */
export function requireUser(config) {
  const challenge = basicChallenge(config.auth.realm);
  return function requireBasicUser(req, res, next) {
    if (req.user === null) throw unauthorized(challenge, 'Log in with HTTP Basic authentication');
    next();
  };
}

/**
 * `GET /me`: the logged-in user.
 * @param {import('./pipeline.js').Request} req
 * @param {import('./response.js').Response} res
 */
export function currentUser(req, res) {
  // Personal data: never stored by a cache on the way.
  res.setHeader('Cache-Control', 'private, no-store');
  res.json(req.user);
}

/**
 * Decodes `Basic <base64(name:password)>`; null for anything malformed.
 * @param {string} header
 * @returns {{ name: string, password: string } | null}
 */
export function parseBasic(header) {
  const match = /^basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (!match) return null;
  const encoded = match[1];
  const bytes = Buffer.from(encoded, 'base64');
  // Node's decoder skips junk; re-encoding shows whether the text was exact base64 (RFC 4648 §3.5).
  if (bytes.toString('base64') !== encoded) return null;
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
  const colon = text.indexOf(':');
  // RFC 7617 §2: the user-id cannot contain ":", neither part control characters.
  if (colon < 1 || /[\x00-\x1F\x7F]/.test(text)) return null;
  return { name: text.slice(0, colon).normalize('NFC'), password: text.slice(colon + 1) };
}

/**
 * The `WWW-Authenticate` value; the realm must fit in a quoted-string.
 * @param {string} realm
 */
function basicChallenge(realm) {
  if (typeof realm !== 'string' || !/^[\x20-\x21\x23-\x5B\x5D-\x7E]{1,100}$/.test(realm)) {
    throw new ConfigError(`AUTH_REALM must be 1-100 printable ASCII characters without quotes or backslashes, got ${JSON.stringify(realm)}`);
  }
  return `Basic realm="${realm}", charset="UTF-8"`;
}

/**
 * @param {string} challenge
 * @param {string} message
 */
function unauthorized(challenge, message) {
  return new HttpError(401, message, { headers: { 'WWW-Authenticate': challenge } });
}
