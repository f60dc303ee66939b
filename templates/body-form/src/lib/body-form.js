// @ts-check
import { HttpError } from './http-error.js';
import { ConfigError, envName } from './config-loader.js';

/*
 * URL-encoded form bodies (`application/x-www-form-urlencoded`), what an
 * HTML `<form method="post">` sends: `name=Ada&tag=a&tag=b` ->
 * `{ name: 'Ada', tag: ['a', 'b'] }`.
 *
 * - The result has no prototype, and a field called `__proto__` -> 400: no
 *   field name can reach Object.prototype, even when your code later copies
 *   the fields into another object.
 * - Flat: `user[name]=Ada` is the field "user[name]", not a nested object.
 *   Nested bracket syntax (qs's "extended" mode) is where prototype
 *   pollution bugs have lived, and a flat object is what the browser sent.
 * - A repeated name gives an array of its values, in order.
 * - More than `parameterLimit` fields -> 413 (like body-parser), as soon
 *   as that many have arrived, not once the whole body has.
 * - UTF-8 only, as browsers encode forms today; another charset -> 415.
 * - Broken percent-encoding (`%zz`, or bytes that are not UTF-8) -> 400.
 */

/** @typedef {{ parameterLimit: number }} FormSettings */

/** @typedef {Record<string, string | string[]>} FormFields */

/** @type {import('./body.js').TextParser<FormSettings>} */
export const parseForm = {
  reads: 'text',
  types: ['application/x-www-form-urlencoded'],
  charsets: ['utf-8'],
  configure(settings, name) {
    const parameterLimit = settings.parameterLimit ?? 1000;
    if (typeof parameterLimit !== 'number' || !Number.isSafeInteger(parameterLimit) || parameterLimit < 1) {
      throw new ConfigError(`${envName(['body', name, 'parameterLimit'])} must be a whole number of fields (1 or more), got ${JSON.stringify(parameterLimit)}`);
    }
    return { parameterLimit };
  },
  parse(text, { settings }) {
    return parseFields(text, settings.parameterLimit);
  },
  watch: ({ parameterLimit }) => fieldCounter(parameterLimit),
};

/**
 * Counts fields in the raw bytes as they arrive, the way parseFields counts
 * them (`&`-separated, empty ones skipped), and throws 413 past the limit.
 * The byte `&` is never part of another character in UTF-8, so counting
 * bytes before decoding is exact.
 * @param {number} parameterLimit
 * @returns {(chunk: Buffer) => void}
 */
function fieldCounter(parameterLimit) {
  let count = 0;
  // Whether the last byte seen belongs to a field, which may go on in the next chunk.
  let inField = false;
  return (chunk) => {
    let position = 0;
    while (position < chunk.length) {
      const ampersand = chunk.indexOf(0x26, position);
      const end = ampersand === -1 ? chunk.length : ampersand;
      if (end > position && !inField) {
        inField = true;
        count += 1;
        if (count > parameterLimit) throw tooManyFields(parameterLimit);
      }
      if (ampersand === -1) break;
      inField = false;
      position = ampersand + 1;
    }
  };
}

/** @param {number} parameterLimit */
function tooManyFields(parameterLimit) {
  return new HttpError(413, `Form has more than ${parameterLimit} fields`);
}

/**
 * Parses `a=1&b=2&a=3` into `{ a: ['1', '3'], b: '2' }` (no prototype).
 * @param {string} text
 * @param {number} parameterLimit most fields accepted
 * @returns {FormFields}
 */
export function parseFields(text, parameterLimit) {
  /** @type {FormFields} */
  const fields = Object.create(null);
  // `+` is a space in forms (HTML's encoding, not RFC 3986's). Replaced in the
  // whole body at once: a `+` that is data arrives as `%2B`, and `&` and `=` stay.
  const spaced = text.includes('+') ? text.replaceAll('+', ' ') : text;
  let count = 0;
  let start = 0;
  while (start < spaced.length) {
    const ampersand = spaced.indexOf('&', start);
    const end = ampersand === -1 ? spaced.length : ampersand;
    if (end > start) {
      // Counted before decoding: a flood of fields costs nothing before it is refused.
      count += 1;
      if (count > parameterLimit) throw tooManyFields(parameterLimit);
      const found = spaced.indexOf('=', start);
      const equals = found === -1 || found > end ? end : found;
      const name = decodeComponent(spaced.slice(start, equals));
      const value = equals === end ? '' : decodeComponent(spaced.slice(equals + 1, end));
      if (name === '__proto__') throw new HttpError(400, 'Form field name "__proto__" is not allowed');
      addField(fields, name, value);
    }
    start = end + 1;
  }
  return fields;
}

/**
 * Adds a value; a second value for the same name turns it into an array.
 * @param {FormFields} fields
 * @param {string} name
 * @param {string} value
 */
export function addField(fields, name, value) {
  const existing = fields[name];
  if (existing === undefined) fields[name] = value;
  else if (Array.isArray(existing)) existing.push(value);
  else fields[name] = [existing, value];
}

/**
 * `%xx` are UTF-8 bytes (`+` is already a space).
 * @param {string} text
 */
function decodeComponent(text) {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    throw new HttpError(400, 'Form has malformed percent-encoding (or bytes that are not UTF-8)');
  }
}
