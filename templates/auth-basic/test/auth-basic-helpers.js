// @ts-check
import { hashPassword } from '../src/lib/password.js';

/*
 * How the users tests log in with HTTP Basic (startUsersApp in
 * test/users-helpers.js): a user of their own, sent on every request.
 */

const USER = { name: 'tester', password: 'tester password' };

/** @type {import('./users-helpers.js').LoginStep} */
export const basicLogin = {
  // A cheap scrypt cost keeps the tests fast; the code path is the production one.
  settings: async () => ({ auth: { users: [`${USER.name}:${await hashPassword(USER.password, { N: 1024, r: 8, p: 1 })}`] } }),
  async logIn(app) {
    app.headers.authorization = `Basic ${Buffer.from(`${USER.name}:${USER.password}`).toString('base64')}`;
  },
};
