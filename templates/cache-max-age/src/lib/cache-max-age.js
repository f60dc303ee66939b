// @ts-check
import { ConfigError } from './config-loader.js';

/**
 * `Cache-Control` and `Expires`: how long a browser (or a CDN) may reuse a
 * response without asking the server again.
 *
 * - Static files: `public, max-age=<static>`; fingerprinted file names
 *   (`app.3f2a1c.js`, a new name for every new content) get
 *   `max-age=<fingerprinted>, immutable`, so browsers never revalidate them.
 * - Handler responses: `no-cache` (always revalidate) unless a rule says
 *   otherwise, and `private` instead of `public` whenever the answer may be
 *   personal (the request carried credentials or the response sets a cookie).
 * - `paths`: rules by URL path prefix ("/docs/=600"), the longest match wins.
 * - A handler that sets its own Cache-Control keeps it. Error responses
 *   never get these headers: the hooks only run for 2xx answers, and the
 *   error handler drops caching headers.
 */

/**
 * @typedef {object} MaxAgeOptions
 * @property {number} static seconds for static files
 * @property {number} dynamic seconds for handler responses; 0 sends `no-cache`
 * @property {number} fingerprinted seconds for fingerprinted static files (sent `immutable`); 0 treats them like other files
 * @property {string[]} paths rules `"<path prefix>=<seconds>"`, e.g. `"/docs/=600"`
 */

/**
 * A fingerprint is 6+ hex digits with at least one digit and one letter
 * between dots or after a dash: `app.3f2a1c.js`, `chunk-9b8e7f6a.css`, but
 * not `report-2024.pdf` or `cafe-facade.png`.
 */
const FINGERPRINT = /[.-](?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{6,}\.[A-Za-z0-9]+$/i;

/**
 * The cache hook, for static files and handler bodies alike.
 * @param {MaxAgeOptions} options
 * @returns {import('./conditional.js').CacheHook}
 */
function maxAgeHook(options) {
  const rules = parseRules(options);
  return function setMaxAge(req, res, entity) {
    if (res.hasHeader('Cache-Control')) return;
    const isFile = entity.kind === 'file';
    const fingerprinted = isFile && options.fingerprinted > 0 && FINGERPRINT.test(req.path);
    const rule = rules.find((r) => req.path.startsWith(r.prefix));
    const seconds = fingerprinted ? options.fingerprinted : rule ? rule.seconds : isFile ? options.static : options.dynamic;
    res.setHeader('Expires', expiresIn(seconds));
    if (seconds === 0) {
      res.setHeader('Cache-Control', 'no-cache');
      return;
    }
    const personal = !isFile && (req.headers.authorization !== undefined || req.headers.cookie !== undefined || res.hasHeader('Set-Cookie'));
    const directives = [personal ? 'private' : 'public', `max-age=${seconds}`];
    if (fingerprinted) directives.push('immutable');
    res.setHeader('Cache-Control', directives.join(', '));
  };
}

let expiresAt = 0;
let expiresText = '';

/**
 * The HTTP date `seconds` from now. A date has whole seconds, so it is
 * formatted once per second (and value of `seconds`), not once per response.
 * @param {number} seconds a whole number
 */
function expiresIn(seconds) {
  const at = Math.floor(Date.now() / 1000) + seconds;
  if (at !== expiresAt) {
    expiresAt = at;
    expiresText = new Date(at * 1000).toUTCString();
  }
  return expiresText;
}

/**
 * The middleware: adds the hook to every response, so the static files and
 * the handler bodies sent after it get Cache-Control and Expires.
 * @param {MaxAgeOptions} options
 * @returns {import('./pipeline.js').Middleware}
 */
export function maxAge(options) {
  const hook = maxAgeHook(options);
  return function addMaxAge(_req, res, next) {
    res.cacheHooks.push(hook);
    next();
  };
}

/**
 * Checks the settings and sorts the path rules, longest prefix first.
 * @param {MaxAgeOptions} options
 */
function parseRules(options) {
  for (const key of /** @type {const} */ (['static', 'dynamic', 'fingerprinted'])) {
    const value = options?.[key];
    if (!Number.isInteger(value) || value < 0) {
      throw new ConfigError(`cacheMaxAge.${key} must be a whole number of seconds >= 0 (CACHE_MAX_AGE_${key.toUpperCase()}), got ${value}`);
    }
  }
  if (!Array.isArray(options.paths)) throw new ConfigError('cacheMaxAge.paths must be a list of "<path prefix>=<seconds>" rules (CACHE_MAX_AGE_PATHS)');
  return options.paths
    .map((text) => {
      const match = /^(\/[^=\s]*)=(\d+)$/.exec(String(text).trim());
      if (match === null) {
        throw new ConfigError(`cacheMaxAge.paths: ${JSON.stringify(text)} is not a rule; write "<path prefix>=<seconds>", e.g. CACHE_MAX_AGE_PATHS=/docs/=600,/api/=0`);
      }
      return { prefix: match[1], seconds: Number(match[2]) };
    })
    .sort((a, b) => b.prefix.length - a.prefix.length);
}
