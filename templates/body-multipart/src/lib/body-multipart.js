// @ts-check
import { randomUUID } from 'node:crypto';
import { mkdir, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HttpError } from './http-error.js';
import { ConfigError, envName } from './config-loader.js';
import { parseMediaType, parseParameters } from './media-type.js';

/*
 * File uploads: `multipart/form-data` (RFC 7578), what a
 * `<form method="post" enctype="multipart/form-data">` sends.
 *
 * - Streamed: the body is split into parts as it arrives and each file is
 *   written straight to disk, so memory stays flat however large the
 *   upload. Only field values (up to `fieldSize` each) are held in memory.
 * - Files go to `uploadDir` under random names; `req.files` lists them
 *   (`UploadedFile` in pipeline.js). The name the client sent is kept only as
 *   metadata (`filename`), without folders, control characters or leading
 *   dots: never use it as a path. A name given as `filename*=UTF-8''...`
 *   (RFC 8187, as RFC 6266 allows) is decoded, and wins over `filename`.
 * - The files are deleted when the response is finished (or the request
 *   fails). To keep one, move it (`fs.promises.rename`) in your handler.
 * - Other fields go to `req.body`: an object without a prototype, a
 *   repeated name gives an array, a field called `__proto__` -> 400.
 * - A file input left empty (no file chosen, `filename=""`) is skipped.
 * - Limits (-> 413): the whole body (`limit`), each file (`fileSize`),
 *   number of files (`files`), fields (`fields`) and parts (`parts`), each
 *   field value (`fieldSize`) and each part's header block (`headerSize`).
 * - Malformed or truncated bodies, a missing or broken boundary, a part
 *   without `Content-Disposition: form-data; name=...` -> 400.
 */

/**
 * @typedef {object} MultipartSettings
 * @property {string} uploadDir absolute folder for uploaded files
 * @property {number} fileSize
 * @property {number} files
 * @property {number} fields
 * @property {number} fieldSize
 * @property {number} parts
 * @property {number} headerSize
 */

/** @typedef {Record<string, string | string[]>} Fields */

/** @type {import('./body.js').StreamParser<MultipartSettings>} */
export const parseMultipart = {
  reads: 'stream',
  types: ['multipart/form-data'],
  configure(settings, name) {
    const uploadDir = settings.uploadDir ?? '';
    if (typeof uploadDir !== 'string') throw new ConfigError(`${envName(['body', name, 'uploadDir'])} must be a folder path`);
    /** @param {string} key @param {number} fallback */
    const count = (key, fallback) => {
      const value = settings[key] ?? fallback;
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
        throw new ConfigError(`${envName(['body', name, key])} must be a whole number (1 or more), got ${JSON.stringify(value)}`);
      }
      return value;
    };
    return {
      uploadDir: resolve(uploadDir === '' ? join(tmpdir(), 'nodeserver-uploads') : uploadDir),
      fileSize: count('fileSize', 10_485_760),
      files: count('files', 10),
      fields: count('fields', 100),
      fieldSize: count('fieldSize', 65_536),
      parts: count('parts', 110),
      headerSize: count('headerSize', 8192),
    };
  },
  async parse(chunks, { req, res, params, settings }) {
    const boundary = params.boundary;
    // RFC 2046 §5.1.1: 1 to 70 characters from a small set, not ending in a space.
    if (boundary === undefined || !/^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/.test(boundary)) {
      throw new HttpError(400, 'multipart/form-data needs a boundary parameter of 1 to 70 allowed characters');
    }
    const upload = new Upload(settings);
    // Also when the client goes away or a later middleware fails: the response closes either way.
    res.once('close', () => upload.removeFiles());
    try {
      await splitParts(chunks, boundary, settings.headerSize, upload);
    } catch (err) {
      await upload.abandon();
      throw err;
    }
    req.files = upload.files;
    return upload.fields;
  },
};

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
const CR = 0x0d;
const LF = 0x0a;
const DASH = 0x2d;

/**
 * @typedef {object} PartHeaders
 * @property {string} name the form field
 * @property {string | undefined} filename set for file parts
 * @property {string} type the part's media type
 */

/**
 * @typedef {object} PartSink receives the parts as they are found
 * @property {(headers: PartHeaders) => Promise<void>} start
 * @property {(bytes: Buffer) => Promise<void>} data
 * @property {() => Promise<void>} end
 */

/**
 * Splits a multipart body into parts (RFC 2046 §5.1.1) while it arrives.
 * Every part ends at CRLF "--" boundary; the bytes kept back at any time are
 * at most one delimiter (or one header block), so memory does not grow with
 * the body.
 * @param {AsyncIterable<Buffer>} chunks
 * @param {string} boundary
 * @param {number} headerSize
 * @param {PartSink} sink
 */
export async function splitParts(chunks, boundary, headerSize, sink) {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  // The first boundary has no CRLF before it; pretending it had one makes every delimiter alike.
  let buffer = CRLF;
  // Typed through a cast so TypeScript does not assume it stays 'preamble' (step() changes it).
  let state = /** @type {'preamble' | 'after-boundary' | 'headers' | 'data' | 'done'} */ ('preamble');

  /** Handles what `buffer` holds; false when it needs more bytes. */
  async function step() {
    switch (state) {
      case 'preamble': {
        const at = buffer.indexOf(delimiter);
        if (at === -1) {
          // Browsers send no preamble; a long one means the boundary is wrong.
          if (buffer.length > headerSize) throw broken('the boundary from Content-Type does not occur in the body');
          return false;
        }
        buffer = buffer.subarray(at + delimiter.length);
        state = 'after-boundary';
        return true;
      }
      case 'after-boundary': {
        if (buffer.length < 2) return false;
        if (buffer[0] === DASH && buffer[1] === DASH) {
          state = 'done';
          return false;
        }
        const lineEnd = buffer.indexOf(CRLF);
        if (lineEnd === -1) {
          if (buffer.length > 1024) throw broken('a boundary line does not end');
          return false;
        }
        // Only "transport padding" (spaces, tabs) may follow a boundary.
        if (!/^[ \t]*$/.test(buffer.toString('latin1', 0, lineEnd))) throw broken('a boundary is followed by other text');
        buffer = buffer.subarray(lineEnd + 2);
        state = 'headers';
        return true;
      }
      case 'headers': {
        if (buffer.length < 2) return false;
        // A part without headers starts with the blank line right away.
        const noHeaders = buffer[0] === CR && buffer[1] === LF;
        const end = noHeaders ? 0 : buffer.indexOf(HEADER_END);
        if (end === -1 ? buffer.length > headerSize : end > headerSize) {
          throw new HttpError(413, `A part's headers are larger than ${headerSize} bytes`);
        }
        if (end === -1) return false;
        await sink.start(parsePartHeaders(noHeaders ? '' : buffer.toString('utf8', 0, end)));
        buffer = buffer.subarray(noHeaders ? 2 : end + 4);
        state = 'data';
        return true;
      }
      case 'data': {
        const at = buffer.indexOf(delimiter);
        if (at !== -1) {
          if (at > 0) await sink.data(buffer.subarray(0, at));
          await sink.end();
          buffer = buffer.subarray(at + delimiter.length);
          state = 'after-boundary';
          return true;
        }
        // Hold back the last bytes: they may be the start of a delimiter cut in two.
        const safe = buffer.length - (delimiter.length - 1);
        if (safe > 0) {
          await sink.data(buffer.subarray(0, safe));
          buffer = buffer.subarray(safe);
        }
        return false;
      }
      default:
        return false;
    }
  }

  for await (const chunk of chunks) {
    // After the closing boundary comes the epilogue: read (the limit still counts) and ignored.
    if (state === 'done') continue;
    buffer = Buffer.concat([buffer, chunk]);
    while (await step());
  }
  if (state !== 'done') throw broken('the body ends before its closing boundary');
}

/**
 * Reads `Content-Disposition: form-data; name="field"; filename="a.png"` and
 * `Content-Type` from a part's header block.
 * @param {string} block
 * @returns {PartHeaders}
 */
function parsePartHeaders(block) {
  /** @type {Record<string, string>} */
  const headers = Object.create(null);
  for (const line of block === '' ? [] : block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw broken('a part header has no name');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const disposition = headers['content-disposition'] ?? '';
  const semicolon = disposition.indexOf(';');
  const kind = (semicolon === -1 ? disposition : disposition.slice(0, semicolon)).trim().toLowerCase();
  const params = semicolon === -1 ? null : parseParameters(disposition.slice(semicolon + 1));
  if (kind !== 'form-data' || params === null || params.name === undefined) {
    throw broken('every part needs Content-Disposition: form-data; name="..."');
  }
  if (params.name === '__proto__') throw new HttpError(400, 'Form field name "__proto__" is not allowed');
  // RFC 6266 §4.3: when both are sent, `filename*` is the one meant; `filename` is the fallback for old readers.
  const extended = params['filename*'];
  const filename = extended === undefined ? params.filename : decodeExtValue(extended);
  const type = parseMediaType(headers['content-type'])?.type;
  return { name: params.name, filename, type: type ?? (filename === undefined ? 'text/plain' : 'application/octet-stream') };
}

/**
 * An RFC 8187 ext-value, `charset'language'percent-encoded bytes`:
 * `UTF-8''na%C3%AFve.txt` -> `naïve.txt`. The charset is UTF-8 (RFC 8187
 * §3.2.1) or ISO-8859-1, which its predecessor RFC 5987 also required;
 * anything else, or bytes that are not valid in the charset -> 400. The
 * result is still the client's text: sanitizeFilename() makes it safe to show.
 * @param {string} value
 */
function decodeExtValue(value) {
  const match = /^(utf-8|iso-8859-1)'[A-Za-z0-9-]*'((?:%[0-9A-Fa-f]{2}|[A-Za-z0-9!#$&+.^_`|~-])*)$/i.exec(value);
  if (match === null) throw broken(`filename* must look like UTF-8''name%20with%20escapes (RFC 8187), got ${JSON.stringify(value.slice(0, 60))}`);
  const bytes = Buffer.from(
    match[2].replace(/%([0-9A-Fa-f]{2})/g, (_escape, hex) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  );
  try {
    return new TextDecoder(match[1], { fatal: true }).decode(bytes);
  } catch {
    throw broken(`filename* is not valid ${match[1]}`);
  }
}

/**
 * The name a client sent for a file, made safe to show: the last path
 * segment, without control characters, characters file systems reject, or
 * leading dots; at most 200 characters.
 * @param {string} name
 */
export function sanitizeFilename(name) {
  const lastSegment = name.split(/[/\\]/).pop() ?? '';
  const cleaned = lastSegment
    .normalize('NFC')
    .replace(/[\x00-\x1f\x7f"*:<>?|]/g, '')
    .replace(/^[\s.]+/, '')
    .trim();
  return Array.from(cleaned).slice(0, 200).join('') || 'file';
}

/** @param {string} detail */
function broken(detail) {
  return new HttpError(400, `Malformed multipart body: ${detail}`);
}

/**
 * Collects one request's fields and files, enforcing the limits.
 * @implements {PartSink}
 */
class Upload {
  /** @param {MultipartSettings} settings */
  constructor(settings) {
    this.settings = settings;
    /** @type {Fields} */
    this.fields = Object.create(null);
    /** @type {import('./pipeline.js').UploadedFile[]} */
    this.files = [];
    /** @type {string[]} every file created, complete or not */
    this.paths = [];
    /** @type {{ parts: number, fields: number, files: number }} */
    this.counts = { parts: 0, fields: 0, files: 0 };
    /** @type {{ kind: 'field', name: string, chunks: Buffer[], size: number } | { kind: 'file', file: import('./pipeline.js').UploadedFile, handle: import('node:fs/promises').FileHandle } | { kind: 'skip' } | null} */
    this.current = null;
  }

  /** @param {PartHeaders} headers */
  async start(headers) {
    const { settings, counts } = this;
    if (++counts.parts > settings.parts) throw new HttpError(413, `More than ${settings.parts} parts in one upload`);
    if (headers.filename === undefined) {
      if (++counts.fields > settings.fields) throw new HttpError(413, `More than ${settings.fields} fields in one upload`);
      this.current = { kind: 'field', name: headers.name, chunks: [], size: 0 };
    } else if (headers.filename === '') {
      this.current = { kind: 'skip' };
    } else {
      if (++counts.files > settings.files) throw new HttpError(413, `More than ${settings.files} files in one upload`);
      await mkdir(settings.uploadDir, { recursive: true, mode: 0o700 });
      const path = join(settings.uploadDir, randomUUID());
      this.paths.push(path);
      // wx: never overwrite; 0o600: only this user may read what strangers uploaded.
      const handle = await open(path, 'wx', 0o600);
      const file = { field: headers.name, filename: sanitizeFilename(headers.filename), path, type: headers.type, size: 0 };
      this.current = { kind: 'file', file, handle };
    }
  }

  /** @param {Buffer} bytes */
  async data(bytes) {
    const part = this.current;
    if (part?.kind === 'field') {
      part.size += bytes.length;
      if (part.size > this.settings.fieldSize) throw new HttpError(413, `Field "${part.name.slice(0, 40)}" is larger than ${this.settings.fieldSize} bytes`);
      part.chunks.push(bytes);
    } else if (part?.kind === 'file') {
      part.file.size += bytes.length;
      if (part.file.size > this.settings.fileSize) throw new HttpError(413, `File "${part.file.filename}" is larger than ${this.settings.fileSize} bytes`);
      for (let written = 0; written < bytes.length;) {
        written += (await part.handle.write(bytes, written)).bytesWritten;
      }
    }
  }

  async end() {
    const part = this.current;
    this.current = null;
    if (part?.kind === 'field') {
      let value;
      try {
        value = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(part.chunks));
      } catch {
        throw new HttpError(400, `Field "${part.name.slice(0, 40)}" is not valid UTF-8`);
      }
      const existing = this.fields[part.name];
      if (existing === undefined) this.fields[part.name] = value;
      else if (Array.isArray(existing)) existing.push(value);
      else this.fields[part.name] = [existing, value];
    } else if (part?.kind === 'file') {
      await part.handle.close();
      this.files.push(part.file);
    }
  }

  /** After an error: close the file being written and delete every file. */
  async abandon() {
    const part = this.current;
    this.current = null;
    if (part?.kind === 'file') await part.handle.close().catch(() => {});
    await this.removeFiles();
  }

  /** Deletes the uploaded files; one already moved away by the handler is simply gone. */
  async removeFiles() {
    const paths = this.paths;
    this.paths = [];
    await Promise.all(paths.map((path) => rm(path, { force: true }).catch(() => {})));
  }
}
