// @ts-check
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Password hashing with scrypt (RFC 7914), a memory-hard function: guessing
 * passwords from a stolen hash costs memory as well as time, which is what
 * makes GPUs and ASICs expensive for an attacker.
 *
 * A hash is one line of text that carries its own parameters, so the cost
 * can be raised later without breaking existing hashes:
 *
 *     scrypt:<N>:<r>:<p>:<salt, base64url>:<derived key, base64url>
 *
 * It contains no `$`, `,` or spaces, so it can sit in an environment
 * variable list (`AUTH_USERS=name:scrypt:...`) without shell quoting.
 */

/**
 * @typedef {object} ScryptCost
 * @property {number} N CPU/memory cost, a power of two (memory = 128 * N * r bytes)
 * @property {number} r block size
 * @property {number} p parallelisation
 */

/**
 * @typedef {object} PasswordHash
 * @property {ScryptCost} cost
 * @property {Buffer} salt
 * @property {Buffer} key the derived key to compare with
 */

/** 2^15 * 8 * 128 bytes = 32 MiB and ~50-100 ms per hash on a laptop (OWASP asks 2^17 where memory allows). */
export const DEFAULT_COST = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });

const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Longer passwords are refused: hashing megabytes would be a cheap way to burn our CPU. */
export const MAX_PASSWORD_LENGTH = 1024;

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Hashes a password with a fresh random salt.
 * @param {string} password
 * @param {ScryptCost} [cost]
 * @returns {Promise<string>} `scrypt:N:r:p:salt:key`
 */
export async function hashPassword(password, cost = DEFAULT_COST) {
  checkCost(cost);
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join(':');
}

/**
 * Reads a hash made by `hashPassword`; `null` when it is not one.
 * @param {string} text
 * @returns {PasswordHash | null}
 */
export function parsePasswordHash(text) {
  const parts = text.split(':');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = parts.slice(1, 4).map((n) => (/^\d{1,10}$/.test(n) ? Number(n) : NaN));
  const cost = { N, r, p };
  try {
    checkCost(cost);
  } catch {
    return null;
  }
  if (!BASE64URL.test(parts[4]) || !BASE64URL.test(parts[5])) return null;
  const salt = Buffer.from(parts[4], 'base64url');
  const key = Buffer.from(parts[5], 'base64url');
  if (salt.length < SALT_BYTES || key.length !== KEY_BYTES) return null;
  return { cost, salt, key };
}

/**
 * Whether `password` matches `hash`. The comparison takes the same time
 * wherever the first differing byte is (no early exit to measure).
 * @param {string} password
 * @param {PasswordHash} hash
 */
export async function verifyPassword(password, hash) {
  const key = await derive(password.slice(0, MAX_PASSWORD_LENGTH + 1), hash.salt, hash.cost);
  const same = timingSafeEqual(key, hash.key);
  return same && password.length <= MAX_PASSWORD_LENGTH;
}

/**
 * A hash of nothing anyone knows, with the given cost: checking a password
 * against it takes as long as against a real one and always fails. Used for
 * unknown user names, so their answer is not faster than a wrong password.
 * @param {ScryptCost} [cost]
 * @returns {PasswordHash}
 */
export function dummyPasswordHash(cost = DEFAULT_COST) {
  return { cost, salt: randomBytes(SALT_BYTES), key: randomBytes(KEY_BYTES) };
}

/**
 * scrypt in the libuv thread pool (never blocks the event loop). Passwords
 * are NFC-normalised first (RFC 8265 OpaqueString), so "é" typed as one or
 * as two code points is the same password.
 * @param {string} password
 * @param {Buffer} salt
 * @param {ScryptCost} cost
 * @returns {Promise<Buffer>}
 */
function derive(password, salt, cost) {
  return new Promise((resolve, reject) => {
    // Node's default memory limit (32 MiB) is exactly 2^15 * 8 * 128: allow the documented maximum.
    const maxmem = 256 * cost.N * cost.r;
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, { N: cost.N, r: cost.r, p: cost.p, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/**
 * Costs below 2^10 are too cheap to slow anyone down; more than 256 MiB per
 * login (128 * N * r bytes) would let a few requests exhaust the memory.
 * @param {ScryptCost} cost
 */
function checkCost({ N, r, p }) {
  const powerOfTwo = Number.isInteger(N) && N >= 2 ** 10 && (N & (N - 1)) === 0;
  const sane = powerOfTwo && Number.isInteger(r) && r >= 1 && Number.isInteger(p) && p >= 1 && p <= 16;
  if (!sane || 128 * N * r > 2 ** 28) {
    throw new RangeError(`scrypt cost out of range: N a power of two from 2^10, r 1 or more, 128 * N * r at most 256 MiB, p 1-16 (got N=${N}, r=${r}, p=${p})`);
  }
}
