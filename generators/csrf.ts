import { appEdits, configDefault, routeStatements, statements } from './engine/snippets.js';
import type { Edit, Group } from './types.js';

const APP = 'src/app.js';
const ROUTES = 'src/routes.js';

/**
 * CSRF protection for cookie sessions. Two middleware: `csrf(config)` in
 * its slot (before the body is read) checks Origin, Sec-Fetch-Site and the
 * `x-csrf-token` header; `csrfFormField()` right after `body(...)` checks a
 * `_csrf` field of URL-encoded and JSON bodies, which only exists once the
 * body is parsed (uploads need the header: their files are stored while
 * they are parsed).
 */
export const csrf: Group = {
  id: 'csrf',
  message: 'Protect the cookie sessions against cross-site request forgery (CSRF)?',
  title: 'CSRF protection',
  description: 'signed double-submit tokens bound to the session, plus Origin and Sec-Fetch-Site checks (403)',
  kind: 'boolean',
  default: false,
  // Only asked when it can apply; `requires` below also guards answers files and `add`.
  when: { group: 'auth', values: ['session'] },
  whenText: 'only with cookie sessions: --auth session',
  feature: {
    id: 'csrf',
    // The token cookie is signed with rotating secrets; its tests log in with hashed passwords.
    needs: ['cookies', 'secrets', 'credentials'],
    requires: [{ group: 'auth', values: ['session'], message: '--csrf needs cookie sessions: --auth session' }],
    endpoints: [{ method: 'GET', path: '/csrf-token', description: 'a CSRF token ({ token } and the csrf cookie); before login a signed one, nothing stored' }],
    edits: (): Edit[] => [
      { kind: 'import', file: APP, from: './lib/csrf.js', names: ['csrf', 'csrfFormField'] },
      ...appEdits('csrf'),
      { kind: 'import', file: ROUTES, from: './lib/csrf.js', names: ['sendCsrfToken'] },
      ...routeStatements('csrf'),
      // The users example's tests send the token after their login step (test/users-helpers.js).
      { kind: 'import', file: 'test/users-helpers.js', from: './csrf-helpers.js', names: ['csrfHeader'] },
      ...statements('csrf', 'test/users-helpers.js', 'startUsersApp'),
      configDefault('csrf', 'csrf'),
    ],
  },
};
