// @ts-check
import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigError } from './config-loader.js';
import { HttpError } from './http-error.js';
import { DEFAULT_COST, MAX_PASSWORD_LENGTH, dummyPasswordHash, parsePasswordHash, verifyPassword } from './password.js';

/**
 * The users who may log in, from the configuration (`AUTH_USERS`): a list
 * of `name:scrypt:...` entries made with `npm run hash-password -- <name>`.
 */

/**
 * @typedef {object} User
 * @property {string} name
 */

/**
 * @typedef {object} Users
 * @property {(name: string, password: string) => Promise<User | null>} verify the user, or null for a wrong name or password
 * @property {(name: string) => boolean} has whether a user of that name is configured
 * @property {number} count how many users there are
 */

/** Where users come from, for messages. */
const ENV_NAME = 'AUTH_USERS';

/** What a user name may be: no `:` (RFC 7617 §2), no `,` (the list separator), no control characters. */
const USER_NAME = /^[^:,\x00-\x1F\x7F]{1,100}$/;

/** Shown once per process when nobody can log in outside production. */
let warnedEmpty = false;

/**
 * Reads the user list. Malformed entries stop the server at start; an
 * empty list does too in production (nobody could ever log in).
 * @param {readonly string[]} entries `auth.users`
 * @param {string} env `config.env`
 * @returns {Users}
 */
export function loadUsers(entries, env) {
  /** @type {{ name: string, nameDigest: Buffer, hash: import('./password.js').PasswordHash }[]} */
  const users = [];
  for (const entry of entries.map((e) => e.trim()).filter(Boolean)) {
    const colon = entry.indexOf(':');
    const name = entry.slice(0, colon).normalize('NFC');
    const hash = colon > 0 ? parsePasswordHash(entry.slice(colon + 1)) : null;
    if (!USER_NAME.test(name) || hash === null) {
      throw new ConfigError(`${ENV_NAME}: each entry must be name:scrypt:... as printed by npm run hash-password -- <name>; got one starting with ${JSON.stringify(entry.slice(0, 12))}`);
    }
    if (users.some((u) => u.name === name)) throw new ConfigError(`${ENV_NAME}: the user ${JSON.stringify(name)} appears twice`);
    users.push({ name, nameDigest: digest(name), hash });
  }
  if (users.length === 0) {
    if (env === 'production') {
      throw new ConfigError(`${ENV_NAME} is empty; production needs at least one user: set it to name:hash entries made with npm run hash-password -- <name>`);
    }
    if (env !== 'test' && !warnedEmpty) {
      warnedEmpty = true;
      console.warn(`${ENV_NAME} is empty: nobody can log in. Make an entry with npm run hash-password -- <name>`);
    }
  }
  // Same cost as the real hashes, so an unknown name takes as long as a wrong password.
  const dummy = dummyPasswordHash(users[0]?.hash.cost ?? DEFAULT_COST);

  return {
    count: users.length,
    has: (name) => users.some((u) => u.name === name),
    async verify(name, password) {
      const wanted = digest(String(name).normalize('NFC'));
      let match = null;
      // Compare against every user, without stopping at the first match:
      // the time taken must not tell which names exist.
      for (const user of users) {
        const same = timingSafeEqual(user.nameDigest, wanted);
        match = same && match === null ? user : match;
      }
      // An unknown name is checked against the dummy hash: same work, always false.
      const passwordOk = await verifyPassword(String(password), match ? match.hash : dummy);
      return passwordOk && match !== null ? { name: match.name } : null;
    },
  };
}

/**
 * `username` and `password` from a login request body: JSON or an HTML
 * form, whichever body parser read it. Anything else is a 400 that says
 * what to send.
 * @param {import('./app.js').Request} req
 * @returns {{ username: string, password: string }}
 */
export function readLoginBody(req) {
  const body = /** @type {Record<string, unknown> | null | undefined} */ (req.body);
  const username = typeof body === 'object' && body !== null ? body.username : undefined;
  const password = typeof body === 'object' && body !== null ? body.password : undefined;
  if (typeof username !== 'string' || typeof password !== 'string' || username === '' || password === '') {
    throw new HttpError(400, 'Send username and password as a JSON object or as form fields');
  }
  if (username.length > 100 || password.length > MAX_PASSWORD_LENGTH) {
    throw new HttpError(400, `username (100) or password (${MAX_PASSWORD_LENGTH} characters) too long`);
  }
  return { username, password };
}

/**
 * Names are compared as fixed-length digests, so `timingSafeEqual` never
 * sees different lengths (which it refuses, and which would leak the length).
 * @param {string} text
 */
function digest(text) {
  return createHash('sha256').update(text).digest();
}
