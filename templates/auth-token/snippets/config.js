// Keys this feature adds to `defaults` in src/config.js, each export one key with its comment.
// The generator reads this file (generators/engine/snippets.ts); it is not copied into projects.

import { limits, users } from '../../credentials/snippets/config.js';

/** Who may log in; see docs/auth-token.md. */
export const auth = {
  ...limits,
  ...users,
};

/** Signed bearer tokens (JWT HS256); see docs/auth-token.md. */
export const token = {
  /** Keys as kid:secret, comma-separated in TOKEN_KEYS: the first signs, all verify. Required in production. */
  keys: /** @type {string[]} */ ([]),
  /** Seconds a token is valid (15 minutes); tokens cannot be revoked earlier. */
  ttl: 900,
  /** Seconds of clock difference tolerated when checking exp, nbf and iat. */
  clockSkew: 30,
  /** iss claim to set and require; empty for none. */
  issuer: '',
  /** aud claim to set and require; empty for none. */
  audience: '',
  /** realm of the WWW-Authenticate: Bearer challenge. */
  realm: 'api',
};
