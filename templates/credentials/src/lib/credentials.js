// @ts-check
import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigError, envName } from './config-loader.js';
import { HttpError } from './http-error.js';
import { Limiter, LimiterFullError } from './limiter.js';
import { clientAddress, memoryCounter } from './rate-limit.js';
import { DEFAULT_COST, MAX_PASSWORD_LENGTH, dummyPasswordHash, parsePasswordHash, verifyPassword } from './password.js';

/**
 * The users who may log in, from the configuration (`AUTH_USERS`): a list
 * of `name:scrypt:...` entries made with `npm run hash-password -- <name>`.
 *
 * Checking a password is slow on purpose, which makes it a target: every
 * check goes through two limits (`config.auth`), whatever the login style.
 * - Attempts per client address and per user name, over a window: beyond
 *   them 429 with Retry-After, before any hashing (online guessing). They
 *   are counted in the shared store when there is one (`req.store`), so
 *   every instance of the server counts against the same limit.
 * - Hashes in flight (a concurrency limiter with a bounded queue): beyond
 *   it 503 with Retry-After, so a burst of logins cannot take every thread
 *   of libuv's pool from file reads and DNS (src/lib/limiter.js).
 */

/**
 * @typedef {object} User
 * @property {string} name
 */

/**
 * @typedef {object} Users
 * @property {(name: string, password: string, req: import('./pipeline.js').Request) => Promise<User | null>} verify the user, or null for a wrong name or password; throws 429 or 503 HttpErrors when the login limits say no
 * @property {(name: string) => boolean} has whether a user of that name is configured
 * @property {number} count how many users there are
 */

/**
 * `config.auth`: the users, and the limits on checking their passwords.
 * @typedef {object} AuthSettings
 * @property {readonly string[]} users `name:scrypt:...` entries (AUTH_USERS)
 * @property {number} hashConcurrency password hashes computed at once
 * @property {number} hashQueue logins waiting for a hash; more get 503
 * @property {number} attemptsPerAddress login attempts per client address in `attemptWindow`; more get 429
 * @property {number} attemptsPerUser login attempts per user name in `attemptWindow`; more get 429
 * @property {number} attemptWindow ms over which attempts are counted
 */

/**
 * @typedef {object} CredentialsConfig
 * @property {string} env
 * @property {boolean} trustProxy take the client address from X-Forwarded-For
 * @property {AuthSettings} auth
 */

/** Where users come from, for messages. */
const ENV_NAME = 'AUTH_USERS';

/** What a user name may be: no `:` (RFC 7617 §2), no `,` (the list separator), no control characters. */
const USER_NAME = /^[^:,\x00-\x1F\x7F]{1,100}$/;

/** Addresses and names whose attempts are counted at most: the counters cannot grow without bound. */
const COUNTED_KEYS = 10_000;

/** Seconds a client is asked to wait when every hash slot is taken: a hash takes well under one. */
const BUSY_RETRY_AFTER = 1;

/** Shown once per process when nobody can log in outside production. */
let warnedEmpty = false;

/**
 * Reads the user list and sets up the login limits. Malformed entries stop
 * the server at start; an empty list does too in production (nobody could
 * ever log in).
 * @param {CredentialsConfig} config
 * @returns {Users}
 */
export function loadUsers(config) {
  const { auth: settings, env } = config;
  /** @type {{ name: string, nameDigest: Buffer, hash: import('./password.js').PasswordHash }[]} */
  const users = [];
  for (const entry of settings.users.map((e) => e.trim()).filter(Boolean)) {
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
  const hashing = new Limiter({ concurrency: count(settings, 'hashConcurrency', 1), queue: count(settings, 'hashQueue', 0) });
  const attempts = new AttemptCounter(settings);

  return {
    count: users.length,
    has: (name) => users.some((u) => u.name === name),
    async verify(name, password, req) {
      const userName = String(name).normalize('NFC');
      // Counted before any work, so a burst cannot slip in while the first hashes run.
      const counted = await attempts.start(clientAddress(req, config.trustProxy), userName, req.store);
      const wanted = digest(userName);
      let match = null;
      // Compare against every user, without stopping at the first match:
      // the time taken must not tell which names exist.
      for (const user of users) {
        const same = timingSafeEqual(user.nameDigest, wanted);
        match = same && match === null ? user : match;
      }
      let passwordOk;
      try {
        // An unknown name is checked against the dummy hash: same work, always false.
        passwordOk = await hashing.run(() => verifyPassword(String(password), match ? match.hash : dummy));
      } catch (err) {
        if (!(err instanceof LimiterFullError)) throw err;
        await counted.forgive();
        throw new HttpError(503, 'Too many logins are being checked right now: try again in a moment', { headers: { 'Retry-After': String(BUSY_RETRY_AFTER) } });
      }
      if (!passwordOk || match === null) return null;
      // Whoever knows the password is not guessing: the attempt does not count against the name or the address.
      await counted.forgive();
      return { name: match.name };
    },
  };
}

/**
 * Counts login attempts per client address and per user name over a fixed
 * window: in the shared store when the request has one, else in this
 * process's memory. An attempt counts when it starts and is forgiven when
 * it succeeds, so only wrong guesses use up the allowance, however many
 * arrive at once. Over the limit: 429 with Retry-After until the window
 * ends, before any password is hashed.
 */
class AttemptCounter {
  /** @param {AuthSettings} settings */
  constructor(settings) {
    /** @type {number} */
    this.perAddress = count(settings, 'attemptsPerAddress', 1);
    /** @type {number} */
    this.perUser = count(settings, 'attemptsPerUser', 1);
    /** @type {number} */
    this.window = count(settings, 'attemptWindow', 1);
    /** @type {ReturnType<typeof memoryCounter>} */
    this.local = memoryCounter(COUNTED_KEYS);
  }

  /**
   * @param {string} address
   * @param {string} userName
   * @param {import('./pipeline.js').SharedStore | null} store
   * @returns {Promise<{ forgive: () => Promise<void> }>}
   */
  async start(address, userName, store) {
    const counter = store ?? this.local;
    const keys = [`login:address:${address}`, `login:user:${digest(userName).toString('base64url')}`];
    const limits = [this.perAddress, this.perUser];
    const counts = await Promise.all(keys.map((key) => counter.hit(key, this.window)));
    const full = counts.findIndex((entry, i) => entry.count > limits[i]);
    if (full !== -1) {
      // A refused attempt is not an attempt: nothing was checked, so it uses up nothing.
      await Promise.all(keys.map((key) => counter.hit(key, this.window, -1)));
      const seconds = Math.max(1, Math.ceil(counts[full].resetIn / 1000));
      throw new HttpError(429, `Too many login attempts${full === 0 ? ' from this address' : ' for this user'}: try again in ${seconds} s`, { headers: { 'Retry-After': String(seconds) } });
    }
    let forgiven = false;
    return {
      forgive: async () => {
        if (forgiven) return;
        forgiven = true;
        await Promise.all(keys.map((key) => counter.hit(key, this.window, -1)));
      },
    };
  }
}

/**
 * A login limit from `config.auth`: a whole number of at least `min`.
 * @param {AuthSettings} settings
 * @param {'hashConcurrency' | 'hashQueue' | 'attemptsPerAddress' | 'attemptsPerUser' | 'attemptWindow'} key
 * @param {number} min
 */
function count(settings, key, min) {
  const value = settings[key];
  if (!Number.isSafeInteger(value) || value < min) throw new ConfigError(`${envName(['auth', key])} must be a whole number of ${min} or more, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * `username` and `password` from a login request body: JSON or an HTML
 * form, whichever body parser read it. Anything else is a 400 that says
 * what to send.
 * @param {import('./pipeline.js').Request} req
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
