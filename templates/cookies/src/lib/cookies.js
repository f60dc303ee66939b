// @ts-check

/**
 * Cookies by RFC 6265 (and the parts of its successor draft, RFC 6265bis,
 * that browsers already enforce: SameSite, prefixes, the 4096-byte limit).
 *
 * Reading is lenient where the web is messy (other code on your domain may set
 * odd cookies: those are skipped, never an exception). Writing is strict: a
 * bad name, value or attribute throws a TypeError at the call site, because
 * a `;` smuggled into a value, Path or Domain would let whoever controls that
 * text add attributes of their own (`; Domain=evil.example`).
 */

/** RFC 9110 §5.6.2 token: what a cookie name may be. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** RFC 6265 §4.1.1 cookie-octet: printable ASCII except space, `"`, `,`, `;` and `\`. */
const COOKIE_OCTETS = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;

/** RFC 6265 §4.1.1 path-value: any CHAR except control characters and `;`. */
const PATH_VALUE = /^\/[\x20-\x3A\x3C-\x7E]*$/;

/** RFC 1034 §3.5 host name, with the leading dot RFC 6265 §4.1.2.3 tolerates. */
const DOMAIN_VALUE = /^\.?[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Control characters (and DEL): never part of a cookie we accept. */
const CONTROL = /[\x00-\x1F\x7F]/;

/** RFC 6265bis §5.6: browsers drop a cookie whose name plus value exceed this. */
const MAX_NAME_VALUE_BYTES = 4096;

const SAME_SITE = new Map([
  ['strict', 'Strict'],
  ['lax', 'Lax'],
  ['none', 'None'],
]);
const PRIORITY = new Map([
  ['low', 'Low'],
  ['medium', 'Medium'],
  ['high', 'High'],
]);

/**
 * @typedef {object} CookieOptions
 * @property {number} [maxAge] seconds until it expires (an integer; 0 or less deletes it)
 * @property {Date} [expires] when it expires (Max-Age wins in browsers that know both)
 * @property {string} [domain] send it to this domain and its subdomains too (omit: this host only)
 * @property {string} [path] send it only below this path (`/` for the whole site)
 * @property {boolean} [httpOnly] hide it from JavaScript in the page
 * @property {boolean} [secure] send it over HTTPS only
 * @property {'Strict' | 'Lax' | 'None' | 'strict' | 'lax' | 'none'} [sameSite] cross-site sending; `None` needs `secure`
 * @property {boolean} [partitioned] CHIPS: one jar per top-level site; needs `secure`
 * @property {'Low' | 'Medium' | 'High' | 'low' | 'medium' | 'high'} [priority] eviction priority (Chromium)
 * @property {(value: string) => string} [encode] turns the value into cookie-octets; `encodeURIComponent` by default
 */

/**
 * Parses a `Cookie` request header into a null-prototype object: no
 * `__proto__` or `constructor` surprises, whatever names a client sends.
 * The first occurrence of a name wins: browsers send the cookie with the
 * most specific path first (RFC 6265 §5.4). Pairs without `=`, with a name
 * that is not a token or with control characters are skipped; values are
 * percent-decoded when that works and kept as they are when it does not.
 * @param {string | string[] | undefined} header `req.headers.cookie`
 * @returns {Record<string, string>}
 */
export function parseCookies(header) {
  /** @type {Record<string, string>} */
  const cookies = Object.create(null);
  if (header === undefined) return cookies;
  // HTTP/2 may split the Cookie header into several fields (RFC 9113 §8.2.3).
  const text = Array.isArray(header) ? header.join('; ') : header;
  for (const pair of text.split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1) continue;
    const name = pair.slice(0, eq).trim();
    if (!TOKEN.test(name) || name in cookies) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (CONTROL.test(value)) continue;
    cookies[name] = decode(value);
  }
  return cookies;
}

/**
 * The value of one cookie of a request, or `undefined`.
 * @param {import('node:http').IncomingMessage} req
 * @param {string} name
 */
export function getCookie(req, name) {
  const header = req.headers.cookie;
  let parsed = parsedCookies.get(req);
  // Parsed once per request (session and CSRF both read a cookie), and again
  // only if something changed the header in between.
  if (parsed === undefined || parsed.header !== header) {
    parsed = { header, cookies: parseCookies(header) };
    parsedCookies.set(req, parsed);
  }
  return parsed.cookies[name];
}

/** @type {WeakMap<import('node:http').IncomingMessage, { header: string | string[] | undefined, cookies: Record<string, string> }>} */
const parsedCookies = new WeakMap();

/**
 * Builds a `Set-Cookie` header value. Throws a TypeError for anything a
 * browser would misread or that could inject attributes.
 * @param {string} name a token (RFC 9110 §5.6.2)
 * @param {string} value any text; percent-encoded unless `encode` says otherwise
 * @param {CookieOptions} [options]
 * @returns {string}
 */
export function serializeCookie(name, value, options = {}) {
  if (typeof name !== 'string' || !TOKEN.test(name)) {
    throw new TypeError(`Cookie name must be a token (letters, digits and !#$%&'*+-.^_\`|~), got ${JSON.stringify(name)}`);
  }
  if (typeof value !== 'string') throw new TypeError(`Cookie value must be a string, got ${typeof value}`);
  const encoded = (options.encode ?? encodeURIComponent)(value);
  if (!COOKIE_OCTETS.test(encoded)) {
    throw new TypeError(`Cookie ${name}: the encoded value may only contain cookie-octets (no space, quote, comma, semicolon or backslash)`);
  }
  if (Buffer.byteLength(name) + Buffer.byteLength(encoded) > MAX_NAME_VALUE_BYTES) {
    throw new TypeError(`Cookie ${name}: name and value together exceed ${MAX_NAME_VALUE_BYTES} bytes, browsers would drop it`);
  }
  let cookie = `${name}=${encoded}`;

  if (options.maxAge !== undefined) {
    if (!Number.isSafeInteger(options.maxAge)) throw new TypeError(`Cookie ${name}: maxAge must be a whole number of seconds, got ${options.maxAge}`);
    cookie += `; Max-Age=${options.maxAge}`;
  }
  if (options.expires !== undefined) {
    if (!(options.expires instanceof Date) || Number.isNaN(options.expires.getTime())) {
      throw new TypeError(`Cookie ${name}: expires must be a valid Date`);
    }
    cookie += `; Expires=${options.expires.toUTCString()}`;
  }
  if (options.domain !== undefined) {
    if (typeof options.domain !== 'string' || !DOMAIN_VALUE.test(options.domain)) {
      throw new TypeError(`Cookie ${name}: domain must be a host name like example.com, got ${JSON.stringify(options.domain)}`);
    }
    cookie += `; Domain=${options.domain}`;
  }
  if (options.path !== undefined) {
    if (typeof options.path !== 'string' || !PATH_VALUE.test(options.path)) {
      throw new TypeError(`Cookie ${name}: path must start with "/" and contain no ";" or control characters, got ${JSON.stringify(options.path)}`);
    }
    cookie += `; Path=${options.path}`;
  }
  if (options.httpOnly) cookie += '; HttpOnly';
  if (options.secure) cookie += '; Secure';
  if (options.partitioned) {
    if (!options.secure) throw new TypeError(`Cookie ${name}: partitioned cookies must also be secure`);
    cookie += '; Partitioned';
  }
  if (options.sameSite !== undefined) {
    const sameSite = SAME_SITE.get(String(options.sameSite).toLowerCase());
    if (!sameSite) throw new TypeError(`Cookie ${name}: sameSite must be Strict, Lax or None, got ${JSON.stringify(options.sameSite)}`);
    // Browsers reject SameSite=None without Secure (RFC 6265bis §5.6.7).
    if (sameSite === 'None' && !options.secure) throw new TypeError(`Cookie ${name}: sameSite None must also be secure`);
    cookie += `; SameSite=${sameSite}`;
  }
  if (options.priority !== undefined) {
    const priority = PRIORITY.get(String(options.priority).toLowerCase());
    if (!priority) throw new TypeError(`Cookie ${name}: priority must be Low, Medium or High, got ${JSON.stringify(options.priority)}`);
    cookie += `; Priority=${priority}`;
  }
  checkPrefix(name, options);
  return cookie;
}

/**
 * Cookie name prefixes (RFC 6265bis §4.1.3): browsers only store `__Secure-`
 * cookies with Secure, and `__Host-` cookies with Secure, `Path=/` and no
 * Domain. Failing here is clearer than a cookie that silently never arrives.
 * @param {string} name
 * @param {CookieOptions} options
 */
function checkPrefix(name, options) {
  const lower = name.toLowerCase();
  if (lower.startsWith('__secure-') && !options.secure) {
    throw new TypeError(`Cookie ${name}: the __Secure- prefix needs secure: true`);
  }
  if (lower.startsWith('__host-') && (!options.secure || options.path !== '/' || options.domain !== undefined)) {
    throw new TypeError(`Cookie ${name}: the __Host- prefix needs secure: true, path: '/' and no domain`);
  }
}

/**
 * Adds a `Set-Cookie` header to a response, keeping the ones already set
 * (`res.setHeader('Set-Cookie', ...)` would replace them).
 * @param {import('node:http').ServerResponse} res
 * @param {string} cookie a value from `serializeCookie`
 */
export function appendSetCookie(res, cookie) {
  const current = res.getHeader('Set-Cookie');
  /** @type {string[]} */
  const list = current === undefined ? [] : Array.isArray(current) ? [...current] : [String(current)];
  list.push(cookie);
  res.setHeader('Set-Cookie', list);
}

/**
 * Sets a cookie on a response (see `serializeCookie` for the options).
 * @param {import('node:http').ServerResponse} res
 * @param {string} name
 * @param {string} value
 * @param {CookieOptions} [options]
 */
export function setCookie(res, name, value, options) {
  appendSetCookie(res, serializeCookie(name, value, options));
}

/**
 * Tells the browser to delete a cookie. Pass the same `path` and `domain`
 * it was set with: a cookie is identified by name, domain and path.
 * @param {import('node:http').ServerResponse} res
 * @param {string} name
 * @param {Omit<CookieOptions, 'maxAge' | 'expires' | 'encode'>} [options]
 */
export function clearCookie(res, name, options = {}) {
  appendSetCookie(res, serializeCookie(name, '', { ...options, maxAge: 0, expires: new Date(0) }));
}

/**
 * Percent-decodes a value; a malformed escape (`%E0%A4%A`) keeps the raw
 * text instead of throwing, so a bad cookie cannot fail a request.
 * @param {string} value
 */
function decode(value) {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
