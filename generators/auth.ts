import { appEdits, configDefault, routeStatements, statements } from './engine/snippets.js';
import type { Edit, Endpoint, Group } from './types.js';

const APP = 'src/app.js';
const ROUTES = 'src/routes.js';
/** The users example's tests log in through this extension point (startUsersApp). */
const USERS_TESTS = 'test/users-helpers.js';

/** The login step of the users tests, from the style's test/<feature>-helpers.js. */
function usersTestsLogin(feature: string, step: string): Edit[] {
  return [{ kind: 'import', file: USERS_TESTS, from: `./${feature}-helpers.js`, names: [step] }, ...statements(feature, USERS_TESTS, 'startUsersApp')];
}

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
          ...appEdits('auth-basic'),
          { kind: 'import', file: ROUTES, from: './lib/auth-basic.js', names: ['requireUser', 'currentUser'] },
          ...routeStatements('auth-basic'),
          ...usersTestsLogin('auth-basic', 'basicLogin'),
          configDefault('auth-basic', 'auth'),
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
          ...appEdits('auth-session', 'session'),
          { kind: 'import', file: APP, from: './lib/auth-session.js', names: ['sessionAuth'] },
          ...appEdits('auth-session', 'auth'),
          { kind: 'import', file: ROUTES, from: './lib/auth-session.js', names: ['login', 'logout', 'requireUser', 'currentUser'] },
          ...routeStatements('auth-session'),
          ...usersTestsLogin('auth-session', 'sessionLogin'),
          configDefault('auth-session', 'auth'),
          configDefault('auth-session', 'session'),
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
        endpoints: [{ method: 'POST', path: '/login', description: 'username and password (JSON or form) -> { access_token, token_type, expires_in }' }, ME],
        edits: (): Edit[] => [
          { kind: 'import', file: APP, from: './lib/auth-token.js', names: ['tokenAuth'] },
          ...appEdits('auth-token'),
          { kind: 'import', file: ROUTES, from: './lib/auth-token.js', names: ['login', 'requireUser', 'currentUser'] },
          ...routeStatements('auth-token'),
          ...usersTestsLogin('auth-token', 'tokenLogin'),
          configDefault('auth-token', 'auth'),
          configDefault('auth-token', 'token'),
        ],
      },
    },
  ],
};
