// @ts-check
import { hash } from 'node:crypto';

/**
 * ETags, so a client that already has a response can ask "has it
 * changed?" (`If-None-Match`) and get a bodiless 304 when it has not.
 *
 * - Bodies sent by handlers through `res.send()`/`res.json()` get a strong
 *   ETag from a hash of their bytes: equal bytes, equal tag.
 * - Static files get a weak ETag from their size and modification time:
 *   cheap (no reading the file) and right for "same file version".
 *
 * The 304 itself is decided in src/lib/conditional.js (If-None-Match lists,
 * `*`, weak comparison, `Cache-Control: no-cache` forcing a full answer),
 * which the senders call after the cache hooks ran.
 */

/**
 * The cache hook: sets the ETag unless the handler set its own.
 * @type {import('./conditional.js').CacheHook}
 */
function etagHook(_req, res, entity) {
  if (res.hasHeader('ETag')) return;
  if (entity.kind === 'file' && entity.mtime) res.setHeader('ETag', weakEtag(entity.size, entity.mtime));
  else if (entity.body) res.setHeader('ETag', strongEtag(entity.body));
}

/**
 * The middleware: adds the ETag hook to every response, so the static
 * files and the handler bodies sent after it get their ETag.
 * @returns {import('./pipeline.js').Middleware}
 */
export function etag() {
  return function addEtag(_req, res, next) {
    res.cacheHooks.push(etagHook);
    next();
  };
}

/**
 * `"<length>-<sha1>"`: the length makes a collision even less likely and
 * shows at a glance which responses differ in size.
 * @param {Uint8Array} body
 */
export function strongEtag(body) {
  // One-shot hash(): no Hash object per response, about half the time of createHash() for a small body.
  return `"${body.byteLength.toString(16)}-${hash('sha1', body, 'base64url')}"`;
}

/**
 * `W/"<size>-<mtime>"` in hex, as Express's `send` does.
 * @param {number} size
 * @param {Date} mtime
 */
export function weakEtag(size, mtime) {
  return `W/"${size.toString(16)}-${mtime.getTime().toString(16)}"`;
}
