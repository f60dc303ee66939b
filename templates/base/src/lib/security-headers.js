// @ts-check
import { ConfigError } from './config-loader.js';

/**
 * Response headers that make browsers handle our answers more safely,
 * helmet-style, set on every response before any handler runs:
 *
 * - `X-Content-Type-Options: nosniff`: browsers use the Content-Type we send
 *   instead of guessing (a guessed "HTML" upload would run scripts).
 * - `Content-Security-Policy`: which scripts, styles, images, forms and
 *   frames a page may use. It is set on every response, not only HTML: for
 *   JSON it costs nothing, and it also covers documents a browser renders
 *   that are not HTML (SVG and XML files can run scripts). `frame-ancestors`
 *   is added from `frameOptions` unless the policy has its own.
 * - `X-Frame-Options` (old browsers) and CSP `frame-ancestors` (new ones):
 *   nobody may put our pages in a frame, which stops clickjacking.
 * - `Referrer-Policy`: other sites see our origin, never our paths and
 *   query strings (they may hold ids or tokens).
 * - `Cross-Origin-Opener-Policy` / `Cross-Origin-Resource-Policy`: other
 *   sites can neither script a window of ours they opened nor embed our
 *   responses with `<img>`/`<script>` tags.
 * - `Strict-Transport-Security` (HSTS): once seen over HTTPS, the browser
 *   uses HTTPS for this host only (see `hsts`).
 *
 * Handlers may change any of them for one response (`res.setHeader` or
 * `res.removeHeader`), e.g. a page that must be framed by a partner. Error
 * responses keep them (see `handleError` in pipeline.js).
 */

/**
 * @typedef {object} SecurityHeadersOptions
 * @property {string} [contentSecurityPolicy] the policy; `off` (or empty) sends none
 * @property {string} [frameOptions] `DENY`, `SAMEORIGIN` or `off`
 * @property {string} [referrerPolicy] a Referrer-Policy value or `off`
 * @property {string} [crossOriginOpenerPolicy] a COOP value or `off`
 * @property {string} [crossOriginResourcePolicy] a CORP value or `off`
 * @property {string} [hsts] `auto`: on HTTPS requests only; `always`; `off`
 * @property {number} [hstsMaxAge] seconds browsers remember to use HTTPS
 * @property {boolean} [hstsIncludeSubDomains] HTTPS for every subdomain too
 * @property {boolean} [hstsPreload] ask to be built into browsers (hstspreload.org)
 */

/** The policy when none is configured: our own origin only, no plugins, no inline event handlers. */
export const DEFAULT_CONTENT_SECURITY_POLICY = "default-src 'self'; base-uri 'self'; form-action 'self'; object-src 'none'; script-src-attr 'none'; img-src 'self' data:";

/** Lower-case names of the headers this module sets; the error handler keeps them. */
export const SECURITY_HEADER_NAMES = new Set([
  'x-content-type-options',
  'content-security-policy',
  'x-frame-options',
  'referrer-policy',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'strict-transport-security',
]);

const REFERRER_POLICIES = new Set([
  'no-referrer',
  'no-referrer-when-downgrade',
  'origin',
  'origin-when-cross-origin',
  'same-origin',
  'strict-origin',
  'strict-origin-when-cross-origin',
  'unsafe-url',
]);
const OPENER_POLICIES = new Set(['same-origin', 'same-origin-allow-popups', 'noopener-allow-popups', 'unsafe-none']);
const RESOURCE_POLICIES = new Set(['same-origin', 'same-site', 'cross-origin']);

/**
 * Creates the middleware. The settings are checked here, so a typo stops
 * the server at start with the name of the variable to fix.
 * @param {SecurityHeadersOptions} [options]
 * @returns {import('./pipeline.js').Middleware}
 */
export function securityHeaders(options = {}) {
  /** @type {[string, string][]} headers every response gets */
  const headers = [['X-Content-Type-Options', 'nosniff']];

  const frameOptions = lower(options.frameOptions ?? 'DENY');
  if (frameOptions !== 'deny' && frameOptions !== 'sameorigin' && frameOptions !== 'off') {
    throw new ConfigError(`SECURITY_HEADERS_FRAME_OPTIONS must be DENY, SAMEORIGIN or off, got ${JSON.stringify(options.frameOptions)}`);
  }
  if (frameOptions !== 'off') headers.push(['X-Frame-Options', frameOptions.toUpperCase()]);

  const policy = (options.contentSecurityPolicy ?? DEFAULT_CONTENT_SECURITY_POLICY).trim();
  if (policy !== '' && lower(policy) !== 'off') {
    checkHeaderValue(policy, 'SECURITY_HEADERS_CONTENT_SECURITY_POLICY');
    headers.push(['Content-Security-Policy', withFrameAncestors(policy, frameOptions)]);
  }

  const referrerPolicy = lower(options.referrerPolicy ?? 'strict-origin-when-cross-origin');
  if (referrerPolicy !== 'off') {
    // A comma-separated list is allowed: browsers use the last value they know (fallbacks).
    const unknown = referrerPolicy
      .split(',')
      .map((p) => p.trim())
      .filter((p) => !REFERRER_POLICIES.has(p));
    if (unknown.length) {
      throw new ConfigError(`SECURITY_HEADERS_REFERRER_POLICY: unknown policy ${JSON.stringify(unknown[0])}; use one of ${[...REFERRER_POLICIES].join(', ')} or off`);
    }
    headers.push(['Referrer-Policy', referrerPolicy]);
  }

  const opener = lower(options.crossOriginOpenerPolicy ?? 'same-origin');
  if (opener !== 'off') {
    if (!OPENER_POLICIES.has(opener)) {
      throw new ConfigError(`SECURITY_HEADERS_CROSS_ORIGIN_OPENER_POLICY must be one of ${[...OPENER_POLICIES].join(', ')} or off, got ${JSON.stringify(opener)}`);
    }
    headers.push(['Cross-Origin-Opener-Policy', opener]);
  }

  const resource = lower(options.crossOriginResourcePolicy ?? 'same-origin');
  if (resource !== 'off') {
    if (!RESOURCE_POLICIES.has(resource)) {
      throw new ConfigError(`SECURITY_HEADERS_CROSS_ORIGIN_RESOURCE_POLICY must be one of ${[...RESOURCE_POLICIES].join(', ')} or off, got ${JSON.stringify(resource)}`);
    }
    headers.push(['Cross-Origin-Resource-Policy', resource]);
  }

  const hsts = lower(options.hsts ?? 'auto');
  if (hsts !== 'auto' && hsts !== 'always' && hsts !== 'off') {
    throw new ConfigError(`SECURITY_HEADERS_HSTS must be auto, always or off, got ${JSON.stringify(options.hsts)}`);
  }
  const maxAge = options.hstsMaxAge ?? 31_536_000;
  if (!Number.isSafeInteger(maxAge) || maxAge < 0) {
    throw new ConfigError(`SECURITY_HEADERS_HSTS_MAX_AGE must be a whole number of seconds (0 or more), got ${maxAge}`);
  }
  const hstsValue = `max-age=${maxAge}${options.hstsIncludeSubDomains === false ? '' : '; includeSubDomains'}${options.hstsPreload ? '; preload' : ''}`;

  return function securityHeadersMiddleware(req, res, next) {
    for (const [name, value] of headers) res.setHeader(name, value);
    if (hsts === 'always' || (hsts === 'auto' && overHttps(req))) res.setHeader('Strict-Transport-Security', hstsValue);
    next();
  };
}

/**
 * Whether the request came over HTTPS: a TLS socket, or a TLS-terminating
 * proxy saying so in `X-Forwarded-Proto`. Trusting that header here is safe
 * even without `trustProxy`: browsers ignore HSTS received over plain HTTP
 * (RFC 6797 §8.1), so a forged header changes nothing.
 * @param {import('./pipeline.js').Request} req
 */
function overHttps(req) {
  if (/** @type {import('node:tls').TLSSocket} */ (req.socket).encrypted) return true;
  const proto = req.headers['x-forwarded-proto'];
  return typeof proto === 'string' && proto.split(',')[0].trim().toLowerCase() === 'https';
}

/**
 * Adds `frame-ancestors` matching X-Frame-Options, unless the policy sets it.
 * @param {string} policy
 * @param {string} frameOptions `deny`, `sameorigin` or `off`
 */
function withFrameAncestors(policy, frameOptions) {
  const has = policy.split(';').some((d) => lower(d.trim().split(/\s+/)[0]) === 'frame-ancestors');
  if (has || frameOptions === 'off') return policy;
  const trimmed = policy.replace(/;\s*$/, '');
  return `${trimmed}; frame-ancestors ${frameOptions === 'deny' ? "'none'" : "'self'"}`;
}

/**
 * A header value must not contain control characters (a line break would
 * start a new header); Node would throw at the first request otherwise.
 * @param {string} value
 * @param {string} envName
 */
function checkHeaderValue(value, envName) {
  if (/[\x00-\x08\x0A-\x1F\x7F]/.test(value)) throw new ConfigError(`${envName} must not contain line breaks or control characters`);
}

/** @param {unknown} value */
function lower(value) {
  return String(value).trim().toLowerCase();
}
