// @ts-check

/**
 * Reading `Content-Type` and `Content-Disposition` headers (RFC 9110 §8.3.1,
 * RFC 6266): a value followed by `; name=value` parameters, where a value is a
 * token or a "quoted string". A header that does not follow this grammar is
 * rejected (null) rather than guessed at: a guess is how two programs end up
 * reading the same bytes differently.
 */

/** Characters allowed in a token (RFC 9110 §5.6.2). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * One `; name=value` parameter. The quoted-string alternative only takes
 * escaped pairs or non-quote characters, so matching cannot backtrack badly.
 */
const PARAMETER = /[\s;]*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([!#$%&'*+.^_`|~0-9A-Za-z-]+))\s*(?:;|$)/y;

/** Nothing but separators left. */
const REST_IS_EMPTY = /[\s;]*$/y;

/**
 * @typedef {object} MediaType
 * @property {string} type lower-case `type/subtype`, e.g. `application/json`
 * @property {Record<string, string>} params parameters by lower-case name, e.g. `charset`, `boundary`
 */

/**
 * Parses a Content-Type header: `text/plain; charset=utf-8` ->
 * `{ type: 'text/plain', params: { charset: 'utf-8' } }`. Null when missing
 * or malformed.
 * @param {string | undefined} header
 * @returns {MediaType | null}
 */
export function parseMediaType(header) {
  if (typeof header !== 'string') return null;
  const semicolon = header.indexOf(';');
  const type = (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase();
  const [main, sub, extra] = type.split('/');
  if (extra !== undefined || !TOKEN.test(main ?? '') || !TOKEN.test(sub ?? '')) return null;
  const params = semicolon === -1 ? Object.create(null) : parseParameters(header.slice(semicolon + 1));
  return params === null ? null : { type, params };
}

/**
 * Parses `name=value; other="quoted value"` into an object without a
 * prototype (so a parameter called `__proto__` is just a name). Names are
 * lower-cased, values kept as sent (a multipart boundary is case-sensitive).
 * A repeated name makes the header ambiguous: null.
 * @param {string} text
 * @returns {Record<string, string> | null}
 */
export function parseParameters(text) {
  /** @type {Record<string, string>} */
  const params = Object.create(null);
  let position = 0;
  while (position < text.length) {
    REST_IS_EMPTY.lastIndex = position;
    if (REST_IS_EMPTY.test(text)) break;
    PARAMETER.lastIndex = position;
    const match = PARAMETER.exec(text);
    if (match === null) return null;
    const name = match[1].toLowerCase();
    if (name in params) return null;
    params[name] = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3];
    position = PARAMETER.lastIndex;
  }
  return params;
}

/**
 * Whether `type` is one of `patterns`: an exact type (`application/json`),
 * a structured-syntax suffix (`+json` matches `application/ld+json`) or a
 * whole family (`text/*`).
 * @param {string} type lower-case `type/subtype`
 * @param {readonly string[]} patterns lower-case patterns
 */
export function typeMatches(type, patterns) {
  return patterns.some((pattern) => {
    if (pattern.startsWith('+')) return type.endsWith(pattern) && type.indexOf('/') < type.length - pattern.length;
    if (pattern.endsWith('/*')) return type.startsWith(pattern.slice(0, -1));
    return type === pattern;
  });
}

/**
 * Whether `pattern` is something `typeMatches` understands.
 * @param {string} pattern
 */
export function isTypePattern(pattern) {
  if (pattern.startsWith('+')) return TOKEN.test(pattern.slice(1));
  const [main, sub, extra] = pattern.split('/');
  return extra === undefined && TOKEN.test(main ?? '') && (sub === '*' || TOKEN.test(sub ?? ''));
}
