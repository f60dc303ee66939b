// @ts-check

/**
 * `Last-Modified` on static files, so a client can ask "changed since?"
 * (`If-Modified-Since`) and get a bodiless 304 when the file is older.
 *
 * The 304 is decided in src/lib/conditional.js: If-None-Match, when the
 * request has one, takes precedence over If-Modified-Since (RFC 9110
 * §13.2.2), and `Cache-Control: no-cache` forces a full answer. Handlers
 * may set `Last-Modified` themselves; `res.send()` honours it the same way.
 */

/**
 * The cache hook: a file's modification time, unless a Last-Modified is set.
 * Handler bodies have no modification time: theirs is the handler's to set.
 * @type {import('./conditional.js').CacheHook}
 */
function lastModifiedHook(_req, res, entity) {
  if (entity.kind !== 'file' || !entity.mtime || res.hasHeader('Last-Modified')) return;
  // HTTP dates have whole seconds; toUTCString() gives the IMF-fixdate format of RFC 9110 §5.6.7.
  res.setHeader('Last-Modified', entity.mtime.toUTCString());
}

/**
 * The middleware: adds the hook to every response, so the static files
 * served after it carry their Last-Modified.
 * @returns {import('./pipeline.js').Middleware}
 */
export function lastModified() {
  return function addLastModified(_req, res, next) {
    res.cacheHooks.push(lastModifiedHook);
    next();
  };
}
