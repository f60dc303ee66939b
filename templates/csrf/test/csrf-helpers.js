// @ts-check

/*
 * How the users tests pass the CSRF check (startUsersApp in
 * test/users-helpers.js): after the login step, send the session's token
 * in the header, as a page script would.
 */

/** @type {import('./users-helpers.js').LoginStep} */
export const csrfHeader = {
  async logIn(app) {
    const res = await app.fetch('/csrf-token', { headers: app.headers });
    if (res.status !== 200) throw new Error(`the users tests could not get a CSRF token: ${res.status}`);
    const { token } = await res.json();
    app.headers['x-csrf-token'] = token;
  },
};
