// @ts-check

/*
 * Plain text bodies: `text/plain` by default, or the media types listed in
 * `config.body.text.types` (`BODY_TEXT_TYPES=text/plain,text/csv`, `text/*`
 * for every text type) -> `req.body` is a string.
 *
 * - Decoded with the request's charset (UTF-8 when it names none): any
 *   charset the runtime's TextDecoder knows, such as iso-8859-1, utf-16le
 *   or shift_jis. An unknown charset -> 415; bytes that are not valid in
 *   the charset -> 400 (never silently replaced).
 * - A byte order mark (UTF-8, UTF-16LE, UTF-16BE) names the charset itself
 *   and wins over the `charset` parameter (body.js); the mark is removed.
 * - The size limit is `body.limit` (or `body.text.limit`), 413 above.
 */

/** @type {import('./body.js').TextParser<null>} */
export const parseText = {
  reads: 'text',
  types: ['text/plain'],
  charsets: 'any',
  // Its settings (`types`, `limit`) are the ones every format has; body.js checks them.
  configure: () => null,
  parse: (text) => text,
};
