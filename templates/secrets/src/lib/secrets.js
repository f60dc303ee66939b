// @ts-check
import { createHmac, randomBytes } from 'node:crypto';
import { ConfigError } from './config-loader.js';

/**
 * Secrets (keys that sign cookies and tokens) come from the environment and
 * nowhere else: a default written in the code would be the same in every
 * copy of it, and anyone who read it could sign their own sessions.
 *
 * - In production a missing secret stops the server at start, with the name
 *   of the variable to set.
 * - Elsewhere (development, test) a random secret is made for the run and a
 *   warning says so: nothing to set up to try things out, but whatever it
 *   signed is invalid after a restart.
 *
 * Several processes (a cluster) must share their secrets, or one worker
 * refuses what another signed. A supervising process may set
 * `NODESERVER_DEV_SECRET` for its workers; the development secrets are then
 * derived from it and agree everywhere. In production, set the variables.
 */

/** Shortest secret we accept: 32 characters of random text are ~190 bits. */
export const MIN_SECRET_LENGTH = 32;

export const MAKE_SECRET_HINT = `make one with: node -e "console.log(require('node:crypto').randomBytes(32).toString('base64url'))"`;

/** @type {Map<string, string>} development secrets of this process, by variable */
const developmentSecrets = new Map();

/**
 * The secrets of a comma-separated list setting (`SESSION_SECRETS=new,old`):
 * the first one signs, all of them verify, so a secret can be replaced
 * without logging everyone out (put the new one first, drop the old one
 * after the longest session or token lifetime).
 * @param {readonly string[] | string} value the setting
 * @param {string} envName the variable that sets it, for messages
 * @param {string} env `config.env`
 * @returns {string[]} at least one secret
 */
export function resolveSecrets(value, envName, env) {
  const secrets = (typeof value === 'string' ? value.split(',') : [...value]).map((s) => s.trim()).filter(Boolean);
  if (secrets.length === 0) return [developmentSecret(envName, env)];
  for (const secret of secrets) checkSecret(secret, envName);
  return secrets;
}

/**
 * Throws unless `secret` is long enough to resist guessing.
 * @param {string} secret
 * @param {string} envName
 */
export function checkSecret(secret, envName) {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(`${envName}: every secret needs at least ${MIN_SECRET_LENGTH} characters of random text; ${MAKE_SECRET_HINT}`);
  }
}

/**
 * A random secret for this run (the same one for every caller asking for
 * `envName`), or a ConfigError in production.
 * @param {string} envName
 * @param {string} env `config.env`
 */
export function developmentSecret(envName, env) {
  if (env === 'production') {
    throw new ConfigError(`${envName} is not set; production needs it (a comma-separated list: the first signs, all verify); ${MAKE_SECRET_HINT}`);
  }
  let secret = developmentSecrets.get(envName);
  if (secret === undefined) {
    const shared = process.env.NODESERVER_DEV_SECRET;
    // Derived per variable, so two settings never share a key.
    secret = shared ? createHmac('sha256', shared).update(envName).digest('base64url') : randomBytes(32).toString('base64url');
    developmentSecrets.set(envName, secret);
    if (env !== 'test') {
      console.warn(`${envName} is not set: using a random secret for this run, so what it signs is invalid after a restart (${MAKE_SECRET_HINT})`);
    }
  }
  return secret;
}

/**
 * A key for one purpose, derived from a secret (HMAC as a key derivation
 * function), so the same secret can sign session cookies and CSRF tokens
 * without one ever being accepted as the other.
 * @param {string} secret
 * @param {string} purpose e.g. `session-cookie`
 * @returns {Buffer}
 */
export function deriveKey(secret, purpose) {
  return createHmac('sha256', secret).update(`create-nodeserver:${purpose}`).digest();
}
