// @ts-check
import http from 'node:http';
import { basename } from 'node:path';
import { mimeType } from './mime.js';
import { runCacheHooks, notModified, sendNotModified } from './conditional.js';

/**
 * The response every middleware and handler receives: node's ServerResponse
 * plus the few helpers every handler needs. Helpers return `this` or nothing,
 * and never swallow errors.
 */
export class Response extends http.ServerResponse {
  /** @param {import('node:http').IncomingMessage} req */
  constructor(req) {
    super(req);
    /** @type {Record<string, unknown>} values for views, merged into render data */
    this.locals = Object.create(null);
    /** @type {import('./conditional.js').CacheHook[]} run by send() for GET/HEAD 2xx bodies and by static-files.js for files; the cache features add theirs */
    this.cacheHooks = [];
    /** @type {import('./views.js').Views | null} set by the views middleware; used by render() */
    this.views = null;
  }

  /**
   * Sets the status code.
   * @param {number} code
   */
  status(code) {
    this.statusCode = code;
    return this;
  }

  /**
   * Sets Content-Type from a media type or a file extension.
   * @param {string} type `application/json`, `json` or `.json`
   */
  type(type) {
    this.setHeader('Content-Type', type.includes('/') ? type : mimeType(type));
    return this;
  }

  /**
   * Sends a body: strings as text/html unless a type is set, Buffers as
   * octet-stream, anything else as JSON. HEAD requests get headers only.
   * @param {string | Buffer | Uint8Array | object | null} body
   */
  send(body) {
    if (body === null || (typeof body === 'object' && !(body instanceof Uint8Array))) return this.json(body);
    if (!this.hasHeader('Content-Type')) {
      this.setHeader('Content-Type', typeof body === 'string' ? 'text/html; charset=utf-8' : 'application/octet-stream');
    }
    // A string stays a string unless a cache hook needs the bytes: Node then
    // writes the headers and the body with one `write` instead of a `writev`
    // of two chunks, which was the largest single cost of a small JSON answer.
    /** @type {string | Uint8Array} */
    let payload = body;
    const size = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    this.setHeader('Content-Length', size);
    const method = this.req.method;
    if ((method === 'GET' || method === 'HEAD') && this.statusCode >= 200 && this.statusCode < 300) {
      // Validators and caching headers first, then the client's conditional request (RFC 9110 §13.2).
      const req = /** @type {import('./pipeline.js').Request} */ (this.req);
      if (this.cacheHooks.length > 0) {
        const bytes = typeof body === 'string' ? Buffer.from(body) : body;
        payload = bytes;
        runCacheHooks(this.cacheHooks, req, this, { kind: 'body', size, body: bytes });
      }
      if (notModified(this.req, this)) return sendNotModified(this);
    }
    // 204 and 304 must not have a body (RFC 9110 §15.3.5, §15.4.5).
    if (this.statusCode === 204 || this.statusCode === 304) {
      this.removeHeader('Content-Type');
      this.removeHeader('Content-Length');
      this.end();
    } else if (this.req.method === 'HEAD') {
      this.end();
    } else {
      this.end(payload);
    }
  }

  /**
   * Sends a value as JSON.
   * @param {unknown} value
   */
  json(value) {
    if (!this.hasHeader('Content-Type')) this.setHeader('Content-Type', 'application/json; charset=utf-8');
    this.send(JSON.stringify(value) ?? 'null');
  }

  /**
   * Renders the template `views/<name>.html` with `data` (on top of
   * `res.locals`) and sends it as HTML. A broken template throws, which the
   * error handler answers with a 500 and a log line naming the template.
   * @param {string} name e.g. `users` or `users/show`
   * @param {Record<string, unknown>} [data]
   */
  render(name, data = {}) {
    if (this.views === null) throw new Error('res.render() needs the views middleware: app.use(views(config.views)) in src/app.js');
    const html = this.views.render(name, { ...this.locals, ...data });
    if (!this.hasHeader('Content-Type')) this.setHeader('Content-Type', 'text/html; charset=utf-8');
    this.send(html);
  }

  /**
   * Redirects to a same-site path or an absolute http(s) URL.
   * @param {string} location
   * @param {number} [code] 302 by default; 303 after a POST, 301/308 permanent
   */
  redirect(location, code = 302) {
    // Protocol-relative `//evil.example` and backslash tricks would leave the site.
    if (!/^\/(?![/\\])/.test(location) && !/^https?:\/\//i.test(location)) {
      throw new TypeError(`redirect() expects a path starting with "/" or an http(s) URL, got ${JSON.stringify(location)}`);
    }
    this.statusCode = code;
    this.setHeader('Location', encodeURI(decodeURIComponentSafe(location)));
    this.setHeader('Content-Type', 'text/plain; charset=utf-8');
    this.send(`Redirecting to ${this.getHeader('Location')}`);
  }

  /**
   * Marks the response as a download (`Content-Disposition: attachment`),
   * with an ASCII fallback name and the UTF-8 name of RFC 6266 / RFC 8187.
   * @param {string} [filename]
   */
  attachment(filename) {
    if (!filename) {
      this.setHeader('Content-Disposition', 'attachment');
      return this;
    }
    const name = basename(filename);
    this.type(name);
    const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
    const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    this.setHeader('Content-Disposition', `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`);
    return this;
  }
}

/** @param {string} value */
function decodeURIComponentSafe(value) {
  try {
    return decodeURI(value);
  } catch {
    return value;
  }
}
