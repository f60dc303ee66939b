import type { Edit, Endpoint, Group } from './types.js';

const APP = 'src/app.js';
const CONFIG = 'src/config.js';
const ROUTES = 'src/routes.js';
/** The users example's tests log in through this extension point (startUsersApp). */
const USERS_TESTS = 'test/users-helpers.js';

/** The login step of the users tests, from the style's test/<feature>-helpers.js. */
function usersTestsLogin(feature: string, step: string): Edit[] {
  return [
    { kind: 'import', file: USERS_TESTS, from: `./${feature}-helpers.js`, names: [step] },
    { kind: 'statement', file: USERS_TESTS, function: 'startUsersApp', code: `steps.push(${step});` },
  ];
}

/**
 * Every style checks logins with the `credentials` support feature (users
 * from the configuration, scrypt hashes made by `npm run hash-password`).
 */

/** `auth.users`: the same setting for every style (AUTH_USERS). */
const USERS_PROPERTY = `/** Users as name:scrypt:... entries, comma-separated in AUTH_USERS (npm run hash-password -- <name>). */
    users: /** @type {string[]} */ ([]),`;

/**
 * The login limits, the same for every style (AUTH_HASH_CONCURRENCY, ...),
 * read by templates/credentials/src/lib/credentials.js. They come first in `auth`,
 * so each style's own keys keep their places around `users`.
 */
const LIMITS_PROPERTY = `/** Password hashes computed at once: they share libuv's thread pool (4 threads) with file reads and DNS. */
    hashConcurrency: 2,
    /** Logins waiting for a hash; more get 503 with Retry-After. */
    hashQueue: 16,
    /** Failed login attempts per client address within attemptWindow; more get 429 with Retry-After. */
    attemptsPerAddress: 50,
    /** Failed login attempts per user name within attemptWindow, from any address; more get 429. */
    attemptsPerUser: 10,
    /** ms over which failed login attempts are counted (15 minutes). */
    attemptWindow: 900_000,`;

const ME: Endpoint = { method: 'GET', path: '/me', description: 'the logged-in user (401 without one)' };

/**
 * How users log in. Each style is one module in the `auth` slot that sets
 * `req.user`, plus its routes in src/routes.js; the users and their scrypt
 * hashes come from the configuration (the `credentials` support feature).
 */
export const auth: Group = {
  id: 'auth',
  message: 'How do users log in?',
  description: 'HTTP Basic, cookie sessions or signed bearer tokens (JWT HS256), with users from the configuration',
  kind: 'single',
  default: 'none',
  options: [
    { value: 'none', title: 'No login', description: 'every route is public' },
    {
      value: 'basic',
      title: 'HTTP Basic',
      description: 'Authorization: Basic on every request, scrypt hashes, constant-time checks',
      feature: {
        id: 'auth-basic',
        needs: ['credentials'],
        endpoints: [ME],
        edits: (): Edit[] => [
          { kind: 'import', file: APP, from: './lib/auth-basic.js', names: ['basicAuth'] },
          { kind: 'use', file: APP, slot: 'auth', call: 'basicAuth(config)' },
          { kind: 'import', file: ROUTES, from: './lib/auth-basic.js', names: ['requireUser', 'currentUser'] },
          { kind: 'statement', file: ROUTES, function: 'routes', code: "router.get('/me', requireUser(config), currentUser);" },
          ...usersTestsLogin('auth-basic', 'basicLogin'),
          {
            kind: 'property',
            file: CONFIG,
            object: 'defaults',
            name: 'auth',
            doc: 'HTTP Basic login; see docs/auth-basic.md.',
            value: `{
    ${LIMITS_PROPERTY}
    /** Shown by browsers in the login prompt. */
    realm: 'Restricted',
    ${USERS_PROPERTY}
    /** ms a verified name and password are remembered (scrypt is slow on purpose); 0: check every request. */
    cacheTtl: 60_000,
  }`,
          },
        ],
      },
    },
    {
      value: 'session',
      title: 'Cookie sessions',
      description: 'login form -> signed HttpOnly session cookie; memory or file store, idle and absolute timeouts',
      feature: {
        id: 'auth-session',
        // The session cookie is signed with rotating secrets.
        needs: ['credentials', 'cookies', 'secrets'],
        // POST /login reads its credentials from a JSON body (its tests do too).
        requires: [{ group: 'body', values: ['json'], message: '--auth session logs in with a JSON body: keep json in --body' }],
        endpoints: [
          { method: 'POST', path: '/login', description: 'log in with username and password (JSON or form); sets the session cookie' },
          { method: 'POST', path: '/logout', description: 'end the session (204)' },
          ME,
        ],
        edits: (): Edit[] => [
          { kind: 'import', file: APP, from: './lib/session.js', names: ['session'] },
          { kind: 'use', file: APP, slot: 'session', call: 'session(config)' },
          { kind: 'import', file: APP, from: './lib/auth-session.js', names: ['sessionAuth'] },
          { kind: 'use', file: APP, slot: 'auth', call: 'sessionAuth(config)' },
          { kind: 'import', file: ROUTES, from: './lib/auth-session.js', names: ['login', 'logout', 'requireUser', 'currentUser'] },
          { kind: 'statement', file: ROUTES, function: 'routes', code: "router.post('/login', login(config));" },
          { kind: 'statement', file: ROUTES, function: 'routes', code: "router.post('/logout', logout);" },
          { kind: 'statement', file: ROUTES, function: 'routes', code: "router.get('/me', requireUser, currentUser);" },
          ...usersTestsLogin('auth-session', 'sessionLogin'),
          {
            kind: 'property',
            file: CONFIG,
            object: 'defaults',
            name: 'auth',
            doc: 'Who may log in; see docs/auth-session.md.',
            value: `{
    ${LIMITS_PROPERTY}
    ${USERS_PROPERTY}
  }`,
          },
          {
            kind: 'property',
            file: CONFIG,
            object: 'defaults',
            name: 'session',
            doc: 'Cookie sessions; see docs/auth-session.md.',
            value: `{
    /** HMAC secrets, comma-separated in SESSION_SECRETS: the first signs, all verify. Required in production. */
    secrets: /** @type {string[]} */ ([]),
    /** Cookie name; \`__Host-\` is put in front when the cookie is Secure. */
    cookieName: 'sid',
    /** Secure cookie: auto (on HTTPS requests, always in production), always or never. */
    secure: 'auto',
    /** ms without a request after which the session ends (30 minutes). */
    idleTimeout: 1_800_000,
    /** ms after login after which the session ends however active (8 hours). */
    absoluteTimeout: 28_800_000,
    /** auto (the shared store when the app has one, else memory in one process and file in a cluster worker), memory or file. */
    store: 'auto',
    /** Folder of the file store. */
    dir: 'sessions',
    /** Most sessions kept; the least recently used go first. */
    maxSessions: 10_000,
  }`,
          },
        ],
      },
    },
    {
      value: 'token',
      title: 'Bearer tokens (JWT HS256)',
      description: 'POST /login returns a signed token; Authorization: Bearer; key rotation by kid',
      feature: {
        id: 'auth-token',
        // Tokens are signed with rotating keys.
        needs: ['credentials', 'secrets'],
        // POST /login reads its credentials from a JSON body (its tests do too).
        requires: [{ group: 'body', values: ['json'], message: '--auth token logs in with a JSON body: keep json in --body' }],
        endpoints: [
          { method: 'POST', path: '/login', description: 'username and password (JSON or form) -> { access_token, token_type, expires_in }' },
          ME,
        ],
        edits: (): Edit[] => [
          { kind: 'import', file: APP, from: './lib/auth-token.js', names: ['tokenAuth'] },
          { kind: 'use', file: APP, slot: 'auth', call: 'tokenAuth(config)' },
          { kind: 'import', file: ROUTES, from: './lib/auth-token.js', names: ['login', 'requireUser', 'currentUser'] },
          { kind: 'statement', file: ROUTES, function: 'routes', code: "router.post('/login', login(config));" },
          { kind: 'statement', file: ROUTES, function: 'routes', code: "router.get('/me', requireUser(config), currentUser);" },
          ...usersTestsLogin('auth-token', 'tokenLogin'),
          {
            kind: 'property',
            file: CONFIG,
            object: 'defaults',
            name: 'auth',
            doc: 'Who may log in; see docs/auth-token.md.',
            value: `{
    ${LIMITS_PROPERTY}
    ${USERS_PROPERTY}
  }`,
          },
          {
            kind: 'property',
            file: CONFIG,
            object: 'defaults',
            name: 'token',
            doc: 'Signed bearer tokens (JWT HS256); see docs/auth-token.md.',
            value: `{
    /** Keys as kid:secret, comma-separated in TOKEN_KEYS: the first signs, all verify. Required in production. */
    keys: /** @type {string[]} */ ([]),
    /** Seconds a token is valid (15 minutes); tokens cannot be revoked earlier. */
    ttl: 900,
    /** Seconds of clock difference tolerated when checking exp, nbf and iat. */
    clockSkew: 30,
    /** iss claim to set and require; empty for none. */
    issuer: '',
    /** aud claim to set and require; empty for none. */
    audience: '',
    /** realm of the WWW-Authenticate: Bearer challenge. */
    realm: 'api',
  }`,
          },
        ],
      },
    },
  ],
};
