// @ts-check
import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * JSON Web Tokens (RFC 7519) signed with HMAC-SHA256 (`HS256`, RFC 7518
 * §3.2), checked the strict way RFC 8725 (JWT Best Current Practices) asks:
 *
 * - The algorithm is pinned: only `HS256` is accepted. `none` (unsigned
 *   tokens) and everything else is refused, whatever the header says, so a
 *   token cannot pick a weaker check for itself.
 * - `typ` must be `JWT`; a `crit` header (extensions we do not implement)
 *   is refused.
 * - The key is chosen by `kid` among the configured keys (rotation); an
 *   unknown `kid` is refused.
 * - base64url is decoded strictly: no padding, no `+`/`/`, no stray bits.
 * - The signature is compared in constant time, before the payload is even
 *   parsed.
 * - `exp` is required; `exp`, `nbf` and `iat` are checked with a small
 *   clock skew; `iss` and `aud` when configured.
 */

/**
 * @typedef {object} SigningKey
 * @property {string} kid key id, written into the header
 * @property {Buffer} secret
 */

/**
 * @typedef {object} VerifyOptions
 * @property {Map<string, Buffer>} keys secrets by kid
 * @property {number} now seconds since epoch
 * @property {number} clockSkew seconds of tolerance for exp, nbf and iat
 * @property {string} [issuer] required `iss`, if set
 * @property {string} [audience] required in `aud`, if set
 */

/** Longer tokens are refused unread (ours are a few hundred bytes). */
export const MAX_TOKEN_LENGTH = 8192;

/** Why a token was refused; the message is safe to show the client. */
export class TokenError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'TokenError';
  }
}

/**
 * Signs `payload` as an HS256 JWT with `key`.
 * @param {Record<string, unknown>} payload claims, e.g. `{ sub, iat, exp }`
 * @param {SigningKey} key
 * @returns {string}
 */
export function signJwt(payload, key) {
  const header = encodeJson({ alg: 'HS256', typ: 'JWT', kid: key.kid });
  const body = encodeJson(payload);
  return `${header}.${body}.${hmac(key.secret, `${header}.${body}`).toString('base64url')}`;
}

/**
 * The claims of a valid token; throws a TokenError for anything else.
 * @param {string} token
 * @param {VerifyOptions} options
 * @returns {Record<string, unknown>}
 */
export function verifyJwt(token, options) {
  if (token.length > MAX_TOKEN_LENGTH) throw new TokenError('The token is too long');
  const parts = token.split('.');
  if (parts.length !== 3) throw new TokenError('The token is not a signed JWT (header.payload.signature)');
  const [headerPart, payloadPart, signaturePart] = parts;
  const headerBytes = decodeBase64url(headerPart);
  const payloadBytes = decodeBase64url(payloadPart);
  const signature = decodeBase64url(signaturePart);
  if (headerBytes === null || payloadBytes === null || signature === null) throw new TokenError('The token is not valid base64url');

  const header = parseJsonObject(headerBytes);
  if (header === null) throw new TokenError('The token header is not a JSON object');
  if (header.alg !== 'HS256') throw new TokenError('Only HS256 tokens are accepted');
  if (typeof header.typ !== 'string' || header.typ.toUpperCase() !== 'JWT') throw new TokenError('The token type must be JWT');
  if (header.crit !== undefined) throw new TokenError('The token has critical extensions this server does not support');
  const secret = typeof header.kid === 'string' ? options.keys.get(header.kid) : undefined;
  if (secret === undefined) throw new TokenError('The token is signed with an unknown key');

  const expected = hmac(secret, `${headerPart}.${payloadPart}`);
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) throw new TokenError('The token signature is invalid');

  const claims = parseJsonObject(payloadBytes);
  if (claims === null) throw new TokenError('The token payload is not a JSON object');
  checkTimes(claims, options.now, options.clockSkew);
  if (options.issuer && claims.iss !== options.issuer) throw new TokenError('The token has the wrong issuer');
  if (options.audience) {
    const audience = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audience.includes(options.audience)) throw new TokenError('The token is not meant for this audience');
  }
  return claims;
}

/**
 * @param {Record<string, unknown>} claims
 * @param {number} now
 * @param {number} skew
 */
function checkTimes(claims, now, skew) {
  const { exp, nbf, iat } = claims;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new TokenError('The token has no expiry time (exp)');
  if (now - skew >= exp) throw new TokenError('The token expired');
  if (nbf !== undefined && (typeof nbf !== 'number' || now + skew < nbf)) throw new TokenError('The token is not valid yet (nbf)');
  if (iat !== undefined && (typeof iat !== 'number' || now + skew < iat)) throw new TokenError('The token was issued in the future (iat)');
}

/**
 * Strict base64url (RFC 7515 §2): only the URL-safe alphabet, no padding,
 * and only the canonical encoding (re-encoding gives the same text, so the
 * unused low bits of the last character are zero).
 * @param {string} text
 * @returns {Buffer | null}
 */
export function decodeBase64url(text) {
  if (!/^[A-Za-z0-9_-]+$/.test(text) || text.length % 4 === 1) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}

/**
 * @param {Buffer} bytes
 * @returns {Record<string, unknown> | null}
 */
function parseJsonObject(bytes) {
  try {
    const value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

/** @param {unknown} value */
function encodeJson(value) {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * @param {Buffer} secret
 * @param {string} data
 */
function hmac(secret, data) {
  return createHmac('sha256', secret).update(data).digest();
}
