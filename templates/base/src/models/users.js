// @ts-check
import { randomUUID } from 'node:crypto';
import { HttpError } from '../lib/http-error.js';

/*
 * The example users, kept in memory (empty again after a restart). The
 * example controller of your routing option (users.js in src/resources/ or
 * src/controllers/) decides URLs, methods and headers; this module
 * decides what a valid user is and keeps them. Keeping the two apart means
 * a second way in (a page, a script, another routing) cannot skip the checks.
 *
 * Problems are thrown as HttpError: the error handler turns them into the
 * right 4xx answer, so a controller can simply let them pass.
 *
 * This file is yours: change it, or copy it for your own data (a real
 * database would go here). `create-nodeserver regenerate` never overwrites it.
 */

/**
 * @typedef {object} User
 * @property {string} id assigned by the server, never taken from the client
 * @property {string} name
 * @property {string} email
 */

/**
 * The users by id. Whatever a server keeps in memory needs a bound, or
 * enough POSTs would use up the memory of the process.
 */
export const store = {
  /** @type {Map<string, User>} */
  users: new Map(),
  max: 10_000,
};

/** The fields a client may send. */
const FIELDS = /** @type {const} */ (['name', 'email']);

/**
 * Problems named in one 422 at most; the others are only counted. A body
 * with 70,000 unknown keys must not get an answer larger than itself.
 */
const MAX_PROBLEMS = 20;

/**
 * A page of users, as `?offset=0&limit=20` in `query` asks (bad values: 400).
 * @param {URLSearchParams} query `req.query`
 */
export function listUsers(query) {
  const offset = readNumber(query.get('offset'), 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
  const limit = readNumber(query.get('limit'), 'limit', 20, 1, 100);
  const users = [...store.users.values()].slice(offset, offset + limit);
  return { users, total: store.users.size, offset, limit };
}

/**
 * The user with this id, or a 404.
 * @param {string | undefined} id from the URL; undefined when the URL has none
 * @returns {User}
 */
export function findUser(id) {
  // A Map, not a plain object: ids like `__proto__` or `constructor` find nothing.
  const user = id === undefined ? undefined : store.users.get(id);
  if (!user) throw new HttpError(404, 'No user with this id');
  return user;
}

/**
 * Makes a user from a JSON body: both fields required, the id made here.
 * @param {unknown} body `req.body`
 * @returns {User}
 */
export function createUser(body) {
  const fields = readFields(body, { partial: false });
  if (store.users.size >= store.max) {
    // A 5xx: its message goes to the log, not to the client.
    throw new HttpError(507, `The example user store is full (${store.max} users)`);
  }
  const user = { id: randomUUID(), name: '', email: '', ...fields };
  checkEmailIsFree(user.email, user.id);
  store.users.set(user.id, user);
  return user;
}

/**
 * Changes a user from a JSON body and returns the changed user.
 * @param {string | undefined} id
 * @param {unknown} body `req.body`
 * @param {{ partial: boolean }} options partial: fields may be left out
 *   (PATCH); otherwise the body replaces both (PUT)
 * @returns {User}
 */
export function updateUser(id, body, { partial }) {
  const user = findUser(id);
  const fields = readFields(body, { partial });
  if (fields.email !== undefined) checkEmailIsFree(fields.email, user.id);
  const updated = { ...user, ...fields };
  store.users.set(user.id, updated);
  return updated;
}

/**
 * Deletes a user (404 if there is none).
 * @param {string | undefined} id
 */
export function deleteUser(id) {
  const user = findUser(id);
  store.users.delete(user.id);
}

/**
 * Checks a JSON body and returns the fields it sets. Not an object -> 400
 * (the request is malformed); wrong or missing fields -> 422 (well-formed,
 * but not acceptable), the problems in one message: the first
 * MAX_PROBLEMS of them, and how many more there are.
 * @param {unknown} body `req.body`, as the body parser left it
 * @param {{ partial: boolean }} options partial: fields may be left out
 * @returns {Partial<Pick<User, 'name' | 'email'>>}
 */
function readFields(body, { partial }) {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'Send a JSON object such as {"name": "First User", "email": "first@example.com"} with Content-Type: application/json');
  }
  const input = /** @type {Record<string, unknown>} */ (body);
  /** @type {string[]} */
  const problems = [];
  let unlisted = 0;
  /** @param {string} problem */
  const report = (problem) => {
    if (problems.length < MAX_PROBLEMS) problems.push(problem);
    else unlisted += 1;
  };
  for (const key of Object.keys(input)) {
    if (key === 'id') report('id is assigned by the server and cannot be sent');
    else if (!FIELDS.includes(/** @type {any} */ (key))) report(`unknown field ${JSON.stringify(key.slice(0, 40))}`);
  }
  /** @type {Partial<Pick<User, 'name' | 'email'>>} */
  const fields = {};
  for (const name of FIELDS) {
    const value = input[name];
    if (value === undefined) {
      if (!partial) report(`${name} is required`);
      continue;
    }
    const problem = name === 'name' ? checkName(value) : checkEmail(value);
    if (problem) report(problem);
    else fields[name] = /** @type {string} */ (value).trim();
  }
  if (partial && problems.length === 0 && Object.keys(fields).length === 0) report('send at least one of: name, email');
  if (unlisted > 0) throw new HttpError(422, `${problems.join('; ')}; and ${unlisted} more problems`);
  if (problems.length > 0) throw new HttpError(422, problems.join('; '));
  return fields;
}

/** @param {unknown} value @returns {string | null} the problem, if any */
function checkName(value) {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 100) return 'name must be a text of 1 to 100 characters';
  // Control characters would end up in logs and pages.
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'name must not contain control characters';
  return null;
}

/** @param {unknown} value @returns {string | null} the problem, if any */
function checkEmail(value) {
  if (typeof value !== 'string' || value.length > 254) return 'email must be a text of at most 254 characters';
  const email = value.trim();
  const at = email.indexOf('@');
  // A plain check on purpose: the only real test of an address is sending it a mail.
  const valid = at > 0 && at === email.lastIndexOf('@') && email.indexOf('.', at + 2) !== -1 && !email.endsWith('.') && !/\s/.test(email);
  return valid ? null : 'email must look like name@example.com';
}

/**
 * Two users cannot share an email address (compared without case): 409 Conflict.
 * @param {string} email
 * @param {string} ownId the user being saved, who may keep their own address
 */
function checkEmailIsFree(email, ownId) {
  const wanted = email.toLowerCase();
  for (const user of store.users.values()) {
    if (user.id !== ownId && user.email.toLowerCase() === wanted) throw new HttpError(409, 'Another user has this email address');
  }
}

/**
 * A whole number from the query string, within bounds; absent -> fallback.
 * @param {string | null} text
 * @param {string} name
 * @param {number} fallback
 * @param {number} min
 * @param {number} max
 */
function readNumber(text, name, fallback, min, max) {
  if (text === null) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw new HttpError(400, `${name} must be a whole number from ${min} to ${max}`);
  return value;
}
