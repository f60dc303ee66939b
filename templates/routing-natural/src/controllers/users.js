// @ts-check
import { allowMethods } from '../lib/natural-router.js';
import { requireLogin } from '../lib/guards.js';
import { listUsers, findUser, createUser, updateUser, deleteUser } from '../models/users.js';

/*
 * The example controller `users`. With natural routing every exported
 * function is an action at /users/<action>/<arguments>:
 *
 *   GET    /users?offset=0&limit=20     index    the users, a page at a time
 *   POST   /users/create                create   {"name": "...", "email": "..."} -> 201 + Location
 *   GET    /users/show/<id>             show
 *   PUT    /users/update/<id>           update   replaces name and email
 *   PATCH  /users/update/<id>           update   changes the fields it is sent (POST too, for HTML forms)
 *   DELETE /users/destroy/<id>          destroy  -> 204 (POST too, for HTML forms)
 *
 * This file is the HTTP side only (statuses, headers, which methods each
 * action takes, who may call it); src/models/users.js keeps the users and
 * checks them, and throws the 4xx errors this file lets pass to the error
 * handler.
 *
 * Reading is public. Changing needs a logged-in user once the app has a
 * login (auth): `requireLogin(req)` answers 401 otherwise, and does nothing
 * in an app without login. Add it to `index` and `show` to make reading
 * private too, or remove it to let anyone change users.
 *
 * Only export what should be a URL: the helper below and the functions
 * imported from the model are not exported, so /users/findUser does not
 * exist. This file is yours: change it, or copy it for your own
 * controllers. `create-nodeserver regenerate` never overwrites it.
 */

/** @typedef {import('../lib/pipeline.js').Request} Request */
/** @typedef {import('../lib/response.js').Response} Response */

/**
 * The users, re-exported: the tests empty the store before each test
 * through this file, so they work with whatever store the controller
 * uses. (An object, not a function, so it is not an action.)
 */
export { store } from '../models/users.js';

/**
 * Marks an answer as not to be kept by any cache. With natural routing a
 * change happens at another URL than the one that shows it
 * (`/users/update/7` changes `/users/show/7`), so no cache can tell which
 * stored answers a change makes stale.
 * @param {Response} res
 */
function doNotCache(res) {
  res.setHeader('Cache-Control', 'no-store');
}

/**
 * GET /users: a page of users.
 * @param {Request} req
 * @param {Response} res
 */
export function index(req, res) {
  allowMethods(req, 'GET');
  const page = listUsers(req.query);
  doNotCache(res);
  res.json(page);
}

/**
 * GET /users/show/<id>
 * @param {Request} req
 * @param {Response} res
 * @param {string} [id]
 */
export function show(req, res, id) {
  allowMethods(req, 'GET');
  const user = findUser(id);
  doNotCache(res);
  res.json(user);
}

/**
 * POST /users/create: 201 with the new user and its URL in Location.
 * @param {Request} req
 * @param {Response} res
 */
export function create(req, res) {
  allowMethods(req, 'POST');
  requireLogin(req);
  const user = createUser(req.body);
  res.status(201).setHeader('Location', `/users/show/${user.id}`);
  res.json(user);
}

/**
 * PUT /users/update/<id> replaces both fields; PATCH (or POST) changes some.
 * @param {Request} req
 * @param {Response} res
 * @param {string} [id]
 */
export function update(req, res, id) {
  allowMethods(req, 'PUT', 'PATCH', 'POST');
  requireLogin(req);
  res.json(updateUser(id, req.body, { partial: req.method !== 'PUT' }));
}

/**
 * DELETE (or POST) /users/destroy/<id>: 204, no body.
 * @param {Request} req
 * @param {Response} res
 * @param {string} [id]
 */
export function destroy(req, res, id) {
  allowMethods(req, 'DELETE', 'POST');
  requireLogin(req);
  deleteUser(id);
  res.status(204).end();
}
