// @ts-check
import { isUtf8 } from 'node:buffer';
import { HttpError } from './http-error.js';
import { ConfigError, envName } from './config-loader.js';
import { isTypePattern, parseMediaType, typeMatches } from './media-type.js';

/*
 * Request body parsing: `app.use(body(config.body, { json: parseJson }))`
 * sets `req.body`. Each format is a parser; the request's media type picks
 * one. The statuses are those of Express's body-parser:
 *
 * - Only requests that carry a body (Content-Length above 0, or
 *   Transfer-Encoding) are read, and never GET or HEAD: a body there has no
 *   defined meaning (RFC 9110 §9.3.1), so it is left unread and Node throws it
 *   away after the response, which keeps the connection in step (the
 *   server's `requestTimeout` bounds how long that can take).
 * - No Content-Type, or one no parser reads -> 415. A compressed body
 *   (Content-Encoding) -> 415: decompressing is where "zip bombs" hide, and
 *   clients rarely compress requests.
 * - A charset the parser does not decode -> 415; bytes that are not valid in
 *   that charset -> 400. A byte order mark names the charset itself and
 *   outranks the `charset` parameter, as in browsers.
 * - Larger than the limit (`limit`, or the format's own `limit`) -> 413: at
 *   once from Content-Length, or as soon as a chunked body grows past it.
 * - The client stops sending, or fewer bytes than Content-Length -> 400.
 * - Malformed for its format -> 400.
 * - A refusal is answered at once, never after waiting for the rest of the
 *   body. Whatever still arrives is thrown away; if the body has not fully
 *   arrived by then, the answer says `Connection: close` and the connection
 *   ends (the error handler in pipeline.js does that), since reading a body
 *   nobody wants could take as long as the client likes.
 * - `Expect: 100-continue`: the 100 goes out only once the body is read
 *   (Request#_read in pipeline.js), so a request refused here, or by any
 *   middleware before, never invites its body.
 * - An empty body leaves `req.body` undefined.
 */

/**
 * What a parser gets besides the body.
 * @template S
 * @typedef {object} ParseContext
 * @property {import('./pipeline.js').Request} req
 * @property {import('./response.js').Response} res
 * @property {string} type the request's media type, e.g. `application/json`
 * @property {Record<string, string>} params its parameters, e.g. `charset` or `boundary`
 * @property {S} settings the format's settings, as returned by its `configure`
 */

/**
 * A parser that receives the whole body as text (decoded with the request's
 * charset) and returns the value for `req.body`.
 * @template S
 * @typedef {object} TextParser
 * @property {'text'} reads
 * @property {string[]} types media types it reads: exact (`application/json`), a suffix (`+json`) or a family (`text/*`); the format's `types` setting replaces them
 * @property {string[] | 'any'} charsets the charsets it accepts (WHATWG names such as `utf-8`), or `any` that TextDecoder knows
 * @property {(settings: Record<string, unknown>, name: string) => S} configure checks the format's settings (`config.body.<name>`) at startup and throws ConfigError
 * @property {(text: string, context: ParseContext<S>) => unknown} parse throws HttpError(400) for malformed input
 * @property {(settings: S) => (chunk: Buffer) => void} [watch] optional: makes a function that sees each
 *   chunk as it arrives and throws HttpError (413) for a limit of the format the body has already passed
 *   (too many form fields), so it is refused without waiting for the rest; `parse` still decides
 */

/**
 * A parser that reads the body chunk by chunk, for bodies too large to hold
 * in memory. The chunks already respect the limit: iterating them throws
 * HttpError 413 past it, and 400 when the client aborts.
 * @template S
 * @typedef {object} StreamParser
 * @property {'stream'} reads
 * @property {string[]} types
 * @property {(settings: Record<string, unknown>, name: string) => S} configure
 * @property {(chunks: AsyncIterable<Buffer>, context: ParseContext<S>) => Promise<unknown>} parse
 */

/** @typedef {TextParser<any> | StreamParser<any>} BodyParser */

/**
 * @typedef {object} BodyOptions
 * @property {number} limit bytes a body may have, unless its format sets its own `limit`
 */

/**
 * @typedef {object} Format a parser with its checked settings
 * @property {string} name
 * @property {BodyParser} parser
 * @property {number} limit
 * @property {string[]} types
 * @property {unknown} settings
 */

/**
 * The body middleware.
 * @param {BodyOptions & Record<string, unknown>} options `config.body`; `options.<format>` holds a format's own settings
 * @param {Record<string, BodyParser>} parsers by format name, e.g. `{ json: parseJson }`; the first whose types match is used
 * @returns {import('./pipeline.js').Middleware}
 */
export function body(options, parsers) {
  const limit = checkBytes(options.limit, ['body', 'limit']);
  const formats = Object.entries(parsers).map(([name, parser]) => configureFormat(name, parser, options[name], limit));
  const readers = new Readers(formats);

  // Not an async function: most requests have no body to read, and for them
  // an async function would cost a promise (and the pipeline a `then`) each.
  return function parseBody(req, res, next) {
    // Skipped: GET/HEAD, no body, or a body an earlier middleware has already parsed or read.
    if (req.method === 'GET' || req.method === 'HEAD' || !hasBody(req) || req.body !== undefined || req.readableEnded) return next();
    return readInto(req, res, readers).then(() => next());
  };
}

/**
 * Sets `req.body`; on failure, reads what is left of the body before rejecting.
 * @param {import('./pipeline.js').Request} req
 * @param {import('./response.js').Response} res
 * @param {Readers} readers
 */
async function readInto(req, res, readers) {
  try {
    req.body = await readBody(req, res, readers);
  } catch (err) {
    await throwAwayRest(req);
    throw err;
  }
}

/**
 * @param {string} name
 * @param {BodyParser} parser
 * @param {unknown} raw `config.body.<name>`
 * @param {number} defaultLimit
 * @returns {Format}
 */
function configureFormat(name, parser, raw, defaultLimit) {
  const settings = raw ?? {};
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
    throw new ConfigError(`body.${name} must be an object of settings for the ${name} body format`);
  }
  const own = /** @type {Record<string, unknown>} */ (settings);
  const limit = own.limit === undefined ? defaultLimit : checkBytes(own.limit, ['body', name, 'limit']);
  const types = own.types === undefined ? parser.types : own.types;
  const typesSetting = envName(['body', name, 'types']);
  if (!Array.isArray(types) || types.length === 0 || !types.every((t) => typeof t === 'string' && isTypePattern(t.toLowerCase()))) {
    throw new ConfigError(`${typesSetting} must list media types such as text/plain, text/* or +json, got ${JSON.stringify(types)}`);
  }
  return { name, parser, limit, types: types.map((t) => t.toLowerCase()), settings: parser.configure(own, name) };
}

/**
 * @param {unknown} value
 * @param {string[]} path the setting's path, for the message
 */
function checkBytes(value, path) {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ConfigError(`${envName(path)} must be a whole number of bytes, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Whether the request carries a body (RFC 9112 §6.3).
 * @param {import('node:http').IncomingMessage} req
 */
function hasBody(req) {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length']) > 0;
}

/**
 * The announced body size; none for chunked bodies.
 * @param {import('node:http').IncomingMessage} req
 */
function contentLength(req) {
  const header = req.headers['content-length'];
  // With both headers, Transfer-Encoding decides (RFC 9112 §6.3); Node refuses such requests anyway.
  if (header === undefined || req.headers['transfer-encoding'] !== undefined) return undefined;
  return Number(header);
}

/**
 * How to read a body of one Content-Type: its format, media type and charset.
 * @typedef {object} Reader
 * @property {Format} format
 * @property {string} type
 * @property {Record<string, string>} params frozen: one object serves every request with this header
 * @property {string} charset canonical name, for a text parser; '' for a stream parser
 */

/** At most this many Content-Type headers remembered, so varied headers cannot grow memory. */
const READERS_MAX = 100;

/**
 * The reader for each Content-Type header, worked out once per distinct
 * header: clients send the same few strings again and again. Headers that
 * are refused (415) are not remembered; they are checked again each time.
 */
class Readers {
  /** @param {Format[]} formats */
  constructor(formats) {
    this.formats = formats;
    /** @type {Map<string, Reader>} */
    this.byHeader = new Map();
  }

  /** @param {string | undefined} header */
  for(header) {
    if (header === undefined) throw new HttpError(415, 'A request body needs a valid Content-Type header');
    let reader = this.byHeader.get(header);
    if (reader === undefined) {
      reader = readerFor(header, this.formats);
      // Full: start over rather than track ages; a reader is cheap to work out again.
      if (this.byHeader.size >= READERS_MAX) this.byHeader.clear();
      this.byHeader.set(header, reader);
    }
    return reader;
  }
}

/**
 * Picks the parser and charset for a Content-Type header; 415 when none fits.
 * @param {string} header
 * @param {Format[]} formats
 * @returns {Reader}
 */
function readerFor(header, formats) {
  const mediaType = parseMediaType(header);
  if (mediaType === null) throw new HttpError(415, 'A request body needs a valid Content-Type header');
  const format = formats.find((f) => typeMatches(mediaType.type, f.types));
  if (format === undefined) {
    const accepted = formats.flatMap((f) => f.types).join(', ') || 'none';
    throw new HttpError(415, `Unsupported media type ${mediaType.type}; accepted: ${accepted}`);
  }
  const { parser } = format;
  const charset = parser.reads === 'text' ? pickCharset(mediaType.params.charset, parser.charsets) : '';
  return { format, type: mediaType.type, params: Object.freeze(mediaType.params), charset };
}

/**
 * Picks the parser, checks everything that can be checked before reading,
 * then reads and parses.
 * @param {import('./pipeline.js').Request} req
 * @param {import('./response.js').Response} res
 * @param {Readers} readers
 */
async function readBody(req, res, readers) {
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    throw new HttpError(415, 'Compressed request bodies (Content-Encoding) are not accepted; send the body uncompressed');
  }
  const { format, type, params, charset } = readers.for(req.headers['content-type']);
  const declared = contentLength(req);
  if (declared !== undefined && declared > format.limit) throw tooLarge(format.limit);

  const { parser } = format;
  const context = { req, res, type, params, settings: format.settings };
  if (parser.reads === 'stream') return parser.parse(limitedChunks(req, format.limit, declared), context);
  const bytes = await readAll(req, format.limit, declared, parser.watch?.(format.settings));
  if (bytes.length === 0) return undefined;
  const bom = byteOrderMark(bytes);
  return parser.parse(decode(bytes, bom === undefined ? charset : pickCharset(bom, parser.charsets, 'byte order mark'), bom !== undefined), context);
}

/** @param {number} limit */
function tooLarge(limit) {
  return new HttpError(413, `Request body is larger than the limit of ${limit} bytes`);
}

/**
 * The charset to decode with: the request's (default UTF-8, which is what
 * clients send today) under its canonical name, if the parser accepts it.
 * @param {string | undefined} label
 * @param {string[] | 'any'} accepted
 * @param {string} [source] where the label comes from, for the message
 */
function pickCharset(label = 'utf-8', accepted, source = 'charset') {
  let name = '';
  try {
    name = new TextDecoder(label).encoding;
  } catch {
    // Not a charset TextDecoder knows: refused below.
  }
  if (name === '' || (accepted !== 'any' && !accepted.includes(name))) {
    const list = accepted === 'any' ? '' : `; accepted: ${accepted.join(', ')}`;
    throw new HttpError(415, `Unsupported charset ${JSON.stringify(label.slice(0, 40))} (from the ${source})${list}`);
  }
  return name;
}

/**
 * The charset a byte order mark at the start of the body names, if any. The
 * mark outranks the `charset` parameter: that is the "decode" algorithm of
 * the WHATWG Encoding Standard (§6), which browsers follow, and the mark is
 * in the bytes themselves while a label can be wrong (`charset=utf-16` is
 * little-endian to TextDecoder, whatever the sender meant).
 * @param {Buffer} bytes
 * @returns {'utf-8' | 'utf-16be' | 'utf-16le' | undefined}
 */
function byteOrderMark(bytes) {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  return undefined;
}

/**
 * @param {Buffer} bytes
 * @param {string} charset
 * @param {boolean} bom whether the bytes start with a byte order mark (of this charset)
 */
function decode(bytes, charset, bom) {
  if (charset === 'utf-8') {
    // The common case, without a TextDecoder per request: the same check, done by Node in native code.
    if (!isUtf8(bytes)) throw new HttpError(400, 'Request body is not valid utf-8');
    return bytes.toString('utf8', bom ? 3 : 0);
  }
  try {
    // fatal: invalid bytes are an error, not silently replaced with U+FFFD.
    // A byte order mark of this charset is dropped (TextDecoder's default).
    return new TextDecoder(charset, { fatal: true }).decode(bytes);
  } catch {
    throw new HttpError(400, `Request body is not valid ${charset}`);
  }
}

/**
 * The body's chunks, counted: past `limit` -> 413, aborted or shorter than
 * announced -> 400.
 * @param {import('node:http').IncomingMessage} req
 * @param {number} limit
 * @param {number | undefined} declared Content-Length
 * @returns {AsyncGenerator<Buffer>}
 */
async function* limitedChunks(req, limit, declared) {
  let received = 0;
  try {
    // destroyOnReturn: false, because stopping early (an error) must not
    // destroy the socket: the client still has to receive the error response.
    for await (const chunk of req.iterator({ destroyOnReturn: false })) {
      received += chunk.length;
      // Checked on every chunk, the first one included: a chunk of any size
      // is refused the moment it arrives, not when the body ends.
      if (received > limit) throw tooLarge(limit);
      yield chunk;
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(400, 'Request aborted before its body was complete', { cause: err });
  }
  if (declared !== undefined && received !== declared) {
    throw new HttpError(400, `Request body has ${received} bytes but Content-Length announced ${declared}`);
  }
}

/**
 * The whole body, with the checks of limitedChunks (413 past `limit`, 400
 * when aborted or shorter than announced) and the parser's `watch` on every
 * chunk. Listens to the stream's events rather than iterating it: a body
 * of one chunk, the usual case, then costs one promise, not a few per chunk.
 * @param {import('node:http').IncomingMessage} req
 * @param {number} limit
 * @param {number | undefined} declared Content-Length
 * @param {((chunk: Buffer) => void) | undefined} watch the parser's, if it has one
 * @returns {Promise<Buffer>}
 */
function readAll(req, limit, declared, watch) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const parts = [];
    let received = 0;
    /** @param {Buffer} chunk */
    const onData = (chunk) => {
      received += chunk.length;
      // Checked on every chunk, the first one included: a chunk of any size
      // is refused the moment it arrives, not when the body ends.
      if (received > limit) return stop(tooLarge(limit));
      try {
        watch?.(chunk);
      } catch (err) {
        return stop(err);
      }
      parts.push(chunk);
    };
    const onEnd = () => {
      if (declared !== undefined && received !== declared) {
        return stop(new HttpError(400, `Request body has ${received} bytes but Content-Length announced ${declared}`));
      }
      stop(null);
      resolve(parts.length === 1 ? parts[0] : Buffer.concat(parts, received));
    };
    // 'close' before 'end': the client went away (an 'error' comes first only when someone listens for it).
    /** @param {Error} [err] */
    const onAbort = (err) => stop(new HttpError(400, 'Request aborted before its body was complete', { cause: err }));
    /**
     * Stops listening; the stream is left as it is (not destroyed): the
     * client still has to receive the answer, and throwAwayRest reads on.
     * @param {unknown} err
     */
    const stop = (err) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('close', onAbort);
      if (err !== null) reject(err);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('close', onAbort);
  });
}

/**
 * After a refusal: never ask for the rest of the body, and never wait for
 * the client to send it. No 100 Continue goes out any more, and whatever
 * has arrived or still arrives is read and thrown away.
 *
 * Resolves after one turn of the event loop, so that bytes this process
 * has already received are parsed first: Node runs the middleware as soon
 * as the head is parsed, before the body that came in the same read. A
 * small body sent in one piece is then complete, and the connection stays
 * open for the client's next request. A body still on its way is not
 * waited for: the error handler in pipeline.js answers with `Connection: close`
 * (RFC 9110 §15.5.14) and the connection ends with the answer.
 * @param {import('./pipeline.js').Request} req
 * @returns {Promise<void>}
 */
function throwAwayRest(req) {
  req.sendContinue = null;
  req.resume();
  return new Promise((resolve) => setImmediate(resolve));
}

/** @typedef {{ strict: boolean }} JsonSettings */

/**
 * JSON bodies (`application/json`, `+json`), UTF-8 only (RFC 8259 §8.1).
 * Keys `__proto__` and `constructor.prototype` anywhere -> 400: they are
 * harmless in the parsed value itself but pollute prototypes the moment
 * code merges the body into another object (`Object.assign`, deep merge).
 * @type {TextParser<JsonSettings>}
 */
export const parseJson = {
  reads: 'text',
  types: ['application/json', '+json'],
  charsets: ['utf-8'],
  configure(settings, name) {
    const strict = settings.strict ?? true;
    if (typeof strict !== 'boolean') throw new ConfigError(`${envName(['body', name, 'strict'])} must be true or false, got ${JSON.stringify(strict)}`);
    return { strict };
  },
  parse(text, { settings }) {
    // Strict, like body-parser: a bare `"text"` or `42` is almost always a client bug.
    if (settings.strict && !/^[ \t\n\r]*[{[]/.test(text)) {
      throw new HttpError(400, 'JSON body must be an object or an array');
    }
    let value;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new HttpError(400, `Malformed JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    // A `__proto__` or `constructor` key can only come from text that spells it or
    // uses a \u escape: skip the walk over the parsed value for every other body.
    if (/__proto__|constructor|\\u/.test(text) && hasPollutingKey(value)) throw new HttpError(400, 'JSON body must not contain "__proto__" or "constructor.prototype" keys');
    return value;
  },
};

/**
 * Looks through a parsed JSON value, without recursion (deep nesting cannot
 * overflow the stack), for a `__proto__` key or a `constructor` key whose
 * value has a `prototype` key.
 * @param {unknown} root
 */
function hasPollutingKey(root) {
  const pending = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (Array.isArray(value)) {
      for (const item of value) if (typeof item === 'object' && item !== null) pending.push(item);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        if (key === '__proto__') return true;
        const isObject = typeof child === 'object' && child !== null;
        if (key === 'constructor' && isObject && Object.hasOwn(child, 'prototype')) return true;
        if (isObject) pending.push(child);
      }
    }
  }
  return false;
}
