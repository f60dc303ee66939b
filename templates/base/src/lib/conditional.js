// @ts-check

/**
 * Conditional requests (RFC 9110 §13) and the cache hooks that feed them.
 *
 * Whoever sends a representation (static-files.js for files, `res.send()`
 * for handler bodies) first runs the cache hooks, which may set validators
 * (ETag, Last-Modified) and freshness headers (Cache-Control, Expires), and
 * then asks this module whether the client's copy is still good. With no
 * cache feature installed no validator is set, so nothing here ever fires:
 * senders never need to know which cache features exist.
 */

/**
 * What is about to be sent.
 * @typedef {object} Entity
 * @property {'file' | 'body'} kind a static file, or a body sent by a handler through `res.send()`
 * @property {number} size bytes of the whole representation
 * @property {Date} [mtime] last change of a file
 * @property {Uint8Array} [body] the bytes of a handler's body
 */

/**
 * Called before the headers of a GET/HEAD 2xx response are sent; sets
 * headers on `res` (validators, Cache-Control, Expires) or remembers the
 * body. Must not send anything.
 * @typedef {(req: import('./pipeline.js').Request, res: import('./response.js').Response, entity: Entity) => void} CacheHook
 */

/**
 * Runs `hooks` in order.
 * @param {Iterable<CacheHook>} hooks
 * @param {import('./pipeline.js').Request} req
 * @param {import('./response.js').Response} res
 * @param {Entity} entity
 */
export function runCacheHooks(hooks, req, res, entity) {
  for (const hook of hooks) hook(req, res, entity);
}

/**
 * Entity tags of an If-None-Match / If-Match value. A tag may itself
 * contain commas (RFC 9110 §8.8.3), so split by tag, not by comma.
 * @param {string} value
 * @returns {string[]} e.g. `['"abc"', 'W/"1f-2a"']`
 */
export function parseEtagList(value) {
  return value.match(/(?:W\/)?"[^"]*"/g) ?? [];
}

/**
 * Weak comparison (RFC 9110 §8.8.3.2): equal opaque tags, `W/` ignored.
 * Used for If-None-Match.
 * @param {string} a
 * @param {string} b
 */
export function weakMatch(a, b) {
  return a.replace(/^W\//, '') === b.replace(/^W\//, '');
}

/**
 * Strong comparison: both tags strong and equal. Used for If-Match and
 * If-Range, where a weak tag never matches.
 * @param {string} a
 * @param {string} b
 */
export function strongMatch(a, b) {
  return !a.startsWith('W/') && a === b;
}

/**
 * Parses an HTTP date; NaN for anything else (an invalid date is ignored,
 * RFC 9110 §13.1.3).
 * @param {string | undefined} value
 */
function parseHttpDate(value) {
  return value === undefined ? NaN : Date.parse(value);
}

/**
 * Should the response be a 412 (RFC 9110 §13.2.2 steps 1-2)? If-Match
 * needs a strongly matching ETag (or `*`); without If-Match,
 * If-Unmodified-Since fails when the representation changed later.
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res headers already set by the cache hooks
 */
export function preconditionFailed(req, res) {
  const ifMatch = req.headers['if-match'];
  if (ifMatch !== undefined) {
    if (ifMatch.trim() === '*') return false;
    const etag = headerString(res, 'ETag');
    return etag === undefined || !parseEtagList(ifMatch).some((tag) => strongMatch(tag, etag));
  }
  const ifUnmodifiedSince = req.headers['if-unmodified-since'];
  // Most requests carry no precondition: nothing to look up or parse.
  if (ifUnmodifiedSince === undefined) return false;
  const since = parseHttpDate(ifUnmodifiedSince);
  const lastModified = parseHttpDate(headerString(res, 'Last-Modified'));
  // Without a Last-Modified the condition cannot be evaluated and is ignored (RFC 9110 §13.1.4).
  return !Number.isNaN(since) && !Number.isNaN(lastModified) && lastModified > since;
}

/**
 * May a GET/HEAD be answered with 304 Not Modified (RFC 9110 §13.2.2 steps
 * 3-4)? If-None-Match takes precedence over If-Modified-Since. A request
 * with `Cache-Control: no-cache` wants a full answer, so it always gets one
 * (as `fresh`, used by Express, does).
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res headers already set by the cache hooks
 */
export function notModified(req, res) {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const ifNoneMatch = req.headers['if-none-match'];
  const ifModifiedSince = req.headers['if-modified-since'];
  if (ifNoneMatch === undefined && ifModifiedSince === undefined) return false;
  if (/(?:^|,)\s*no-cache\s*(?:,|$)/i.test(req.headers['cache-control'] ?? '')) return false;
  if (ifNoneMatch !== undefined) {
    const etag = headerString(res, 'ETag');
    if (etag === undefined) return false;
    // `*` matches any current representation; we are about to send one.
    if (ifNoneMatch.trim() === '*') return true;
    return parseEtagList(ifNoneMatch).some((tag) => weakMatch(tag, etag));
  }
  const since = parseHttpDate(ifModifiedSince);
  const lastModified = parseHttpDate(headerString(res, 'Last-Modified'));
  return !Number.isNaN(since) && !Number.isNaN(lastModified) && lastModified <= since;
}

/**
 * Does If-Range allow a partial answer (RFC 9110 §13.1.5)? Without
 * If-Range, yes. An entity tag must match strongly (a weak ETag never
 * does); a date must equal Last-Modified exactly. Otherwise the whole
 * representation is sent, so a client never glues parts of two versions.
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 */
export function ifRangeAllowsPartial(req, res) {
  const ifRange = req.headers['if-range'];
  if (ifRange === undefined) return true;
  const value = String(ifRange).trim();
  if (value.startsWith('"') || value.startsWith('W/')) {
    const etag = headerString(res, 'ETag');
    return etag !== undefined && strongMatch(value, etag);
  }
  const lastModified = headerString(res, 'Last-Modified');
  const date = parseHttpDate(value);
  return lastModified !== undefined && !Number.isNaN(date) && date === parseHttpDate(lastModified);
}

/**
 * Turns the response into a bodiless 304. It keeps the headers a 200 would
 * have had that caches need (ETag, Last-Modified, Cache-Control, Expires,
 * Vary) and drops the ones describing the body (RFC 9110 §15.4.5).
 * @param {import('node:http').ServerResponse} res
 */
export function sendNotModified(res) {
  for (const name of ['content-type', 'content-length', 'content-range', 'content-encoding', 'accept-ranges']) {
    res.removeHeader(name);
  }
  res.statusCode = 304;
  res.end();
}

/**
 * A response header as one string (undefined when absent).
 * @param {import('node:http').ServerResponse} res
 * @param {string} name
 */
function headerString(res, name) {
  const value = res.getHeader(name);
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}
