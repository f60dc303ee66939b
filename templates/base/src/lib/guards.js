// @ts-check

/**
 * Guards for handlers. The login features (auth) fill in what they need:
 * their middleware sets `req.user` and `req.loginError` on every request.
 */

/**
 * Throws the 401 of the app's login style (with its challenge) unless a
 * user is logged in. An app without a login feature has nobody to ask for:
 * there it lets every request through, and the routes that call it stay
 * public until you add one (`create-nodeserver add auth session`).
 * @param {import('./pipeline.js').Request} req
 */
export function requireLogin(req) {
  if (req.user === null && req.loginError !== null) throw req.loginError();
}
