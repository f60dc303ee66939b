// @ts-check
import { loadUsers, readLoginBody } from './credentials.js';
import { HttpError } from './http-error.js';

/**
 * Login with a cookie session (src/lib/session.js):
 *
 * - `POST /login` with `username` and `password` (a JSON object, or form
 *   fields when the form body parser is installed) checks them against the
 *   scrypt hashes of AUTH_USERS, gives the session a new id (so an id
 *   planted before login is worthless) and remembers the user in it.
 * - `POST /logout` destroys the session and clears the cookie.
 * - `sessionAuth` (in the `auth` slot) sets `req.user` from the session on
 *   every request; `requireUser` guards routes; `GET /me` shows the user.
 *
 * Wrong name and wrong password give the same 401 after the same work
 * (src/lib/credentials.js).
 */

/**
 * @typedef {object} SessionAuthConfig
 * @property {string} env
 * @property {boolean} trustProxy
 * @property {import('./credentials.js').AuthSettings} auth
 */

/**
 * 401 must name a way to authenticate (RFC 9110 §15.5.2). There is no
 * registered scheme for login forms; this is the `Cookie` scheme of
 * draft-broyer-http-cookie-auth, which says where to log in. Clients that
 * do not know it simply ignore it.
 */
const CHALLENGE = 'Cookie realm="app", form-action="/login"';

/**
 * Sets `req.user` from the session. A user removed from AUTH_USERS is
 * logged out at their next request.
 * @param {SessionAuthConfig} config
 * @returns {import('./pipeline.js').Middleware}
 */
export function sessionAuth(config) {
  const users = loadUsers(config);
  const loginRequired = () => new HttpError(401, 'Log in first: POST /login', { headers: { 'WWW-Authenticate': CHALLENGE } });
  return function sessionAuthMiddleware(req, res, next) {
    // What requireLogin (src/lib/guards.js) answers when this request needs a user.
    req.loginError = loginRequired;
    const user = /** @type {{ name?: unknown } | undefined} */ (sessionOf(req).data.user);
    req.user = user && typeof user.name === 'string' && users.has(user.name) ? { name: user.name } : null;
    next();
  };
}

/**
 * `POST /login`
 * @param {SessionAuthConfig} config
 * @returns {import('./pipeline.js').Middleware}
 */
export function login(config) {
  const users = loadUsers(config);
  return async function loginHandler(req, res) {
    const { username, password } = readLoginBody(req);
    const user = await users.verify(username, password, req);
    if (user === null) throw new HttpError(401, 'Wrong user name or password', { headers: { 'WWW-Authenticate': CHALLENGE } });
    const session = sessionOf(req);
    // A new id at every login: whoever knew the old one (fixation) gets nothing.
    await session.regenerate();
    session.data.user = { name: user.name };
    req.user = user;
    res.setHeader('Cache-Control', 'no-store');
    res.json(user);
  };
}

/**
 * `POST /logout`: 204, whether or not anyone was logged in.
 * @param {import('./pipeline.js').Request} req
 * @param {import('./response.js').Response} res
 */
export async function logout(req, res) {
  await sessionOf(req).destroy();
  req.user = null;
  res.status(204).end();
}

/**
 * Guards a route: 401 unless a user is logged in.
 * `router.get('/account', requireUser, handler)`
 * @param {import('./pipeline.js').Request} req
 * @param {import('./response.js').Response} res
 * @param {(err?: unknown) => void} next
 */
export function requireUser(req, res, next) {
  if (req.user === null) throw new HttpError(401, 'Log in first: POST /login', { headers: { 'WWW-Authenticate': CHALLENGE } });
  next();
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
 * `req.session`, which the session middleware sets.
 * @param {import('./pipeline.js').Request} req
 */
function sessionOf(req) {
  if (req.session === null) throw new Error('No req.session: app.use(session(config)) must come before the auth middleware and routes in src/app.js');
  return req.session;
}
