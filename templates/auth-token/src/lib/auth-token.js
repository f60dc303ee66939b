// @ts-check
import { randomBytes } from 'node:crypto';
import { ConfigError } from './config-loader.js';
import { loadUsers, readLoginBody } from './credentials.js';
import { HttpError } from './http-error.js';
import { TokenError, signJwt, verifyJwt } from './jwt.js';
import { checkSecret, developmentSecret } from './secrets.js';

/**
 * Bearer tokens (RFC 6750) that are HS256 JWTs (src/lib/jwt.js):
 *
 * - `POST /login` with `username` and `password` (JSON, or form fields
 *   when the form parser is installed) answers
 *   `{ access_token, token_type: "Bearer", expires_in }` (RFC 6749 §5.1).
 * - Clients send `Authorization: Bearer <token>`; `tokenAuth` checks it and
 *   sets `req.user`. No token: `req.user = null`, and `requireUser` answers
 *   401 `WWW-Authenticate: Bearer realm="..."`. A bad token: 401 with
 *   `error="invalid_token"`; a malformed header: 400 `invalid_request`
 *   (RFC 6750 §3.1).
 * - Keys come from TOKEN_KEYS as `kid:secret` entries: the first signs, all
 *   verify (by the `kid` in the token header), so keys rotate without
 *   invalidating the tokens already out.
 *
 * Tokens cannot be revoked before they expire: keep `ttl` short.
 */

/**
 * @typedef {object} TokenSettings
 * @property {readonly string[]} keys `kid:secret` entries (TOKEN_KEYS); the first signs
 * @property {number} ttl seconds a token is valid
 * @property {number} clockSkew seconds of clock difference tolerated
 * @property {string} issuer `iss` to set and require; empty for none
 * @property {string} audience `aud` to set and require; empty for none
 * @property {string} realm the realm of the Bearer challenge
 */

/**
 * @typedef {object} TokenAuthConfig
 * @property {string} env
 * @property {boolean} trustProxy
 * @property {import('./credentials.js').AuthSettings} auth
 * @property {TokenSettings} token
 */

/** RFC 6750 §2.1 b64token: what may follow `Bearer `. */
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * The middleware that reads `Authorization: Bearer ...` and sets `req.user`.
 * @param {TokenAuthConfig} config
 * @returns {import('./pipeline.js').Middleware}
 */
export function tokenAuth(config) {
  const settings = checkSettings(config.token);
  const { verifying } = loadKeys(config.token.keys, config.env);
  const users = loadUsers(config);
  const realm = `Bearer realm="${settings.realm}"`;
  // No error code when no token was sent at all (RFC 6750 §3.1).
  const noToken = () => new HttpError(401, 'Send a token: Authorization: Bearer <token> (POST /login gives one)', { headers: { 'WWW-Authenticate': realm } });

  return function tokenAuthMiddleware(req, res, next) {
    req.loginError = noToken;
    const header = req.headers.authorization;
    if (header === undefined || !/^bearer(?:\s|$)/i.test(header)) return next();
    // A Bearer header that is not one of our tokens leaves the request anonymous
    // instead of failing here: other routes take bearer credentials of their
    // own (GET /metrics with METRICS_TOKEN). Only a route that needs a user
    // answers with the reason (requireUser).
    const match = BEARER.exec(header);
    if (!match) {
      const error = new HttpError(400, 'Malformed Authorization header: use "Bearer <token>"', {
        headers: { 'WWW-Authenticate': `${realm}, error="invalid_request", error_description="Malformed Bearer header"` },
      });
      req.loginError = () => error;
      return next();
    }
    let claims;
    try {
      claims = verifyJwt(match[1], {
        keys: verifying,
        now: Math.floor(Date.now() / 1000),
        clockSkew: settings.clockSkew,
        issuer: settings.issuer,
        audience: settings.audience,
      });
    } catch (err) {
      if (!(err instanceof TokenError)) throw err;
      const error = invalidToken(realm, err.message);
      req.loginError = () => error;
      return next();
    }
    // A user removed from AUTH_USERS loses access at once, whatever tokens they still hold.
    if (typeof claims.sub !== 'string' || !users.has(claims.sub)) {
      const error = invalidToken(realm, 'The token names no known user');
      req.loginError = () => error;
      return next();
    }
    req.user = { name: claims.sub };
    next();
  };
}

/**
 * `POST /login`: a token for a right name and password.
 * @param {TokenAuthConfig} config
 * @returns {import('./pipeline.js').Middleware}
 */
export function login(config) {
  const settings = checkSettings(config.token);
  const { signing } = loadKeys(config.token.keys, config.env);
  const users = loadUsers(config);
  return async function loginHandler(req, res) {
    const { username, password } = readLoginBody(req);
    const user = await users.verify(username, password, req);
    if (user === null) {
      throw new HttpError(401, 'Wrong user name or password', { headers: { 'WWW-Authenticate': `Bearer realm="${settings.realm}"` } });
    }
    const now = Math.floor(Date.now() / 1000);
    /** @type {Record<string, unknown>} */
    const claims = { sub: user.name, iat: now, nbf: now, exp: now + settings.ttl, jti: randomBytes(16).toString('base64url') };
    if (settings.issuer) claims.iss = settings.issuer;
    if (settings.audience) claims.aud = settings.audience;
    // Tokens are credentials: no cache may keep this answer (RFC 6749 §5.1).
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    res.json({ access_token: signJwt(claims, signing), token_type: 'Bearer', expires_in: settings.ttl });
  };
}

/**
 * Guards a route: 401 with the Bearer challenge unless a valid token came
 * (`error="invalid_token"` and the reason when a bad one came).
 * `router.get('/reports', requireUser(config), handler)`
 * @param {TokenAuthConfig} config
 * @returns {import('./pipeline.js').Middleware}
 */
export function requireUser(config) {
  const { realm } = checkSettings(config.token);
  return function requireTokenUser(req, res, next) {
    if (req.user !== null) return next();
    throw req.loginError?.() ?? new HttpError(401, 'Send a token: Authorization: Bearer <token>', { headers: { 'WWW-Authenticate': `Bearer realm="${realm}"` } });
  };
}

/**
 * `GET /me`: the user the token belongs to.
 * @param {import('./pipeline.js').Request} req
 * @param {import('./response.js').Response} res
 */
export function currentUser(req, res) {
  res.setHeader('Cache-Control', 'private, no-store');
  res.json(req.user);
}

/**
 * The keys of TOKEN_KEYS: `kid:secret` entries, the first signs. Outside
 * production an empty list gives one random key for this run.
 * @param {readonly string[]} entries
 * @param {string} env
 */
export function loadKeys(entries, env) {
  const list = entries.map((e) => e.trim()).filter(Boolean);
  if (list.length === 0) list.push(`dev:${developmentSecret('TOKEN_KEYS', env)}`);
  /** @type {Map<string, Buffer>} */
  const verifying = new Map();
  for (const entry of list) {
    const colon = entry.indexOf(':');
    const kid = entry.slice(0, colon);
    if (colon < 1 || !/^[A-Za-z0-9._-]{1,64}$/.test(kid)) {
      throw new ConfigError('TOKEN_KEYS: each entry must be kid:secret, with a key id of letters, digits, ".", "_" or "-"');
    }
    if (verifying.has(kid)) throw new ConfigError(`TOKEN_KEYS: the key id ${JSON.stringify(kid)} appears twice`);
    const secret = entry.slice(colon + 1);
    checkSecret(secret, 'TOKEN_KEYS');
    verifying.set(kid, Buffer.from(secret));
  }
  const [kid, secret] = /** @type {[string, Buffer]} */ (verifying.entries().next().value);
  return { signing: { kid, secret }, verifying };
}

/**
 * @param {TokenSettings} settings
 */
function checkSettings(settings) {
  const { ttl, clockSkew, realm, issuer, audience } = settings;
  if (!Number.isSafeInteger(ttl) || ttl < 1) throw new ConfigError(`TOKEN_TTL must be a whole number of seconds (1 or more), got ${ttl}`);
  if (!Number.isSafeInteger(clockSkew) || clockSkew < 0 || clockSkew > 300) {
    throw new ConfigError(`TOKEN_CLOCK_SKEW must be a whole number of seconds from 0 to 300, got ${clockSkew}`);
  }
  if (typeof realm !== 'string' || !/^[\x20-\x21\x23-\x5B\x5D-\x7E]{1,100}$/.test(realm)) {
    throw new ConfigError(`TOKEN_REALM must be 1-100 printable ASCII characters without quotes or backslashes, got ${JSON.stringify(realm)}`);
  }
  return { ttl, clockSkew, realm, issuer: String(issuer ?? ''), audience: String(audience ?? '') };
}

/**
 * 401 with `error="invalid_token"` and a description (RFC 6750 §3).
 * @param {string} realm `Bearer realm="..."`
 * @param {string} description a fixed message of jwt.js: no quotes or backslashes
 */
function invalidToken(realm, description) {
  return new HttpError(401, description, {
    headers: { 'WWW-Authenticate': `${realm}, error="invalid_token", error_description="${description}"` },
  });
}
