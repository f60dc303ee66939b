// @ts-check
import { hashPassword } from '../src/lib/password.js';

/*
 * How the users tests log in with a cookie session (startUsersApp in
 * test/users-helpers.js): POST /login once, then send its cookies.
 */

const USER = { name: 'tester', password: 'tester password' };

/** @type {import('./users-helpers.js').LoginStep} */
export const sessionLogin = {
  // A cheap scrypt cost keeps the tests fast; the code path is the production one.
  settings: async () => ({ auth: { users: [`${USER.name}:${await hashPassword(USER.password, { N: 1024, r: 8, p: 1 })}`] } }),
  async logIn(app) {
    const res = await app.fetch('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: USER.name, password: USER.password }),
    });
    if (res.status !== 200) throw new Error(`the users tests could not log in: ${res.status} ${await res.text()}`);
    // Every cookie the login sets: the session's, and the CSRF token's when the app has one.
    app.headers.cookie = res.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ');
  },
};
