// @ts-check
import { requireLogin } from '../lib/guards.js';
import { listUsers, findUser, createUser, updateUser, deleteUser } from '../models/users.js';

/*
 * The example resource `/users`. src/routes.js routes it with
 * `router.resource('/users', users)`:
 *
 *   GET    /users?offset=0&limit=20  index    the users, a page at a time
 *   POST   /users                    create   {"name": "...", "email": "..."} -> 201 + Location
 *   GET    /users/:id                show
 *   PUT    /users/:id                update   replaces name and email
 *   PATCH  /users/:id                update   changes the fields it is sent
 *   DELETE /users/:id                destroy  -> 204
 *
 * This file is the HTTP side only (statuses, headers, which method does
 * what, who may call it); src/models/users.js keeps the users and checks
 * them, and throws the 4xx errors this file lets pass to the error handler.
 *
 * Reading is public. Changing needs a logged-in user once the app has a
 * login (auth): `requireLogin(req)` answers 401 otherwise, and does nothing
 * in an app without login. Add it to `index` and `show` to make reading
 * private too, or remove it to let anyone change users.
 *
 * This file is yours: change it, or copy it for your own resources.
 * `create-nodeserver regenerate` never overwrites it.
 */

/** @typedef {import('../lib/pipeline.js').Request} Request */
/** @typedef {import('../lib/response.js').Response} Response */

/**
 * The users, re-exported: the tests empty the store before each test
 * through this file, so they work with whatever store the controller uses.
 */
export { store } from '../models/users.js';

/**
 * GET /users: a page of users.
 * @param {Request} req
 * @param {Response} res
 */
export function index(req, res) {
  res.json(listUsers(req.query));
}

/**
 * GET /users/:id
 * @param {Request} req
 * @param {Response} res
 */
export function show(req, res) {
  res.json(findUser(req.params.id));
}

/**
 * POST /users: 201 with the new user and its URL in Location.
 * @param {Request} req
 * @param {Response} res
 */
export function create(req, res) {
  requireLogin(req);
  const user = createUser(req.body);
  res.status(201).setHeader('Location', `/users/${user.id}`);
  res.json(user);
}

/**
 * PUT /users/:id replaces both fields; PATCH /users/:id changes some.
 * @param {Request} req
 * @param {Response} res
 */
export function update(req, res) {
  requireLogin(req);
  res.json(updateUser(req.params.id, req.body, { partial: req.method === 'PATCH' }));
}

/**
 * DELETE /users/:id: 204, no body.
 * @param {Request} req
 * @param {Response} res
 */
export function destroy(req, res) {
  requireLogin(req);
  deleteUser(req.params.id);
  res.status(204).end();
}

/** The controller `router.resource()` takes: its own functions become routes. */
export const users = { index, show, create, update, destroy };
