// @ts-check
import { createReadStream, watch } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import { join, relative, resolve, sep, isAbsolute } from 'node:path';
import { HttpError } from './http-error.js';
import { mimeType } from './mime.js';
import { requireSetting } from './config-loader.js';
import { runCacheHooks, preconditionFailed, notModified, sendNotModified, ifRangeAllowsPartial } from './conditional.js';

/**
 * @typedef {object} StaticOptions
 * @property {string} root folder of the public files, relative to the working directory
 * @property {string} index file served for a directory (`/` -> `index.html`); empty for none
 */

/**
 * Serves the files under `options.root` for GET and HEAD; every other
 * request, and every path that names no public file, goes on to `next`.
 *
 * Safe by construction: the URL path is decoded one segment at a time, and
 * a segment that starts with a dot (`..`, `.env`), contains a slash or a
 * backslash after decoding (`..%2f`, `..\`) or a NUL byte (400) never
 * reaches the file system. Symlinks are followed only when their target
 * stays inside the root.
 *
 * Small files (up to 64 KiB) are read once and answered from memory, with
 * one write and no file-system call; they are watched, so a change is seen
 * by the next request (see FoundFiles). Larger files are looked up and
 * streamed from disk every time.
 *
 * Multiple ranges (`Range: bytes=0-1,5-6`) are answered with the whole file
 * (200), which RFC 9110 §14.2 allows: simpler and not slower for small
 * public files than a multipart/byteranges body.
 *
 * Validators and caching headers (ETag, Last-Modified, Cache-Control) come
 * from the hooks the cache features pushed onto `res.cacheHooks` in their
 * middleware, which runs before this one: a file gets them exactly as a
 * handler's body does, and this module never knows which features exist.
 *
 * @param {StaticOptions} options
 * @returns {import('./pipeline.js').Middleware}
 */
export function staticFiles(options) {
  requireSetting(typeof options?.root === 'string' && options.root !== '', 'static.root must name the folder of public files, e.g. STATIC_ROOT=public');
  requireSetting(
    typeof options.index === 'string' && !/[/\\]/.test(options.index) && !options.index.startsWith('.'),
    `static.index must be a plain file name such as index.html (or empty for no directory index), got ${JSON.stringify(options.index)}`,
  );
  const root = resolve(options.root);
  /** The root with its own symlinks resolved; null until the folder exists. */
  let realRoot = /** @type {string | null} */ (null);
  let rootCheckedAt = -Infinity;
  const missing = new MissingFiles();
  const found = new FoundFiles();

  /**
   * @param {import('./pipeline.js').Request} req
   * @param {import('./response.js').Response} res
   * @param {(err?: unknown) => void} next
   */
  async function lookUp(req, res, next) {
    const segments = pathSegments(req.path);
    if (segments === null) return next();
    if (realRoot === null) {
      // Without public/ every GET would pay a failed realpath: look again at most once per TTL.
      rootCheckedAt = Date.now();
      realRoot = await realpath(root).catch(() => null);
    }
    if (realRoot === null) return next();
    const file = await findFile(realRoot, segments, req.path.endsWith('/'), options.index);
    if (file === null) missing.add(req.path);
    if (file === null) return next();
    if (file === 'add-slash') {
      // `/docs` is a folder: redirect to `/docs/` so the page's relative links resolve inside it.
      const query = req.url?.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
      return res.redirect(`/${req.path.split('/').filter(Boolean).join('/')}/${query}`, 301);
    }
    sendFile(req, res, next, await found.load(req.path, file.file, file.stats));
  }

  // Not `async`: most GETs are for routes, not files, and they pass on
  // synchronously, without a promise, a decoded path or a file-system call.
  return function serveStatic(req, res, next) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    // A small file this path named a moment ago: answered from memory, without a file-system call.
    const known = found.fresh(req.path);
    if (known !== undefined) return sendFile(req, res, next, known);
    // A path that named no file a moment ago (remembered by the path as
    // received, so nothing needs decoding): a failed stat, a thread-pool round
    // trip and an exception spared.
    if (missing.has(req.path)) return next();
    // No public/ folder, looked for less than a TTL ago.
    if (realRoot === null && Date.now() - rootCheckedAt < MISSING_TTL) {
      // Still refuse a NUL byte, as the lookup does (pathSegments).
      if (/%00/.test(req.path)) throw new HttpError(400, 'The path contains a NUL byte');
      return next();
    }
    return lookUp(req, res, next);
  };
}

/**
 * Decodes the URL path into file name segments.
 * @param {string} rawPath the path as received, still percent-encoded
 * @returns {string[] | null} null when the path cannot name a public file
 */
function pathSegments(rawPath) {
  // A NUL byte truncates paths in C code below us: refuse it outright.
  if (/%00/.test(rawPath)) throw new HttpError(400, 'The path contains a NUL byte');
  /** @type {string[]} */
  const segments = [];
  for (const raw of rawPath.split('/')) {
    if (raw === '') continue;
    let segment;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return null; // malformed percent-encoding names no file; the router answers it
    }
    // `..` would climb out of the root; dotfiles (.env, .git) are private.
    if (segment.startsWith('.')) return null;
    // Decoding only once means `%252e%252e` stays the harmless name `%2e%2e`, but an
    // encoded separator (`..%2f`, `%5c`) or a Windows backslash must not form a path.
    if (segment.includes('/') || segment.includes('\\')) return null;
    segments.push(segment);
  }
  return segments;
}

/**
 * How long (ms) a lookup is trusted: a missing path, or a small file's
 * contents. A new, changed or removed file is seen at most this late.
 */
const MISSING_TTL = 1000;
/** At most this many remembered misses, and as many remembered files, so random URLs cannot grow memory. */
const MISSING_MAX = 1024;
/** Files up to this size (bytes) are kept in memory: the pages, styles, scripts and icons of a site. */
const SMALL_FILE = 64 * 1024;
/** At most this many bytes of files in memory, all paths together. */
const CACHE_BYTES = 8 * 1024 * 1024;

/** A small, bounded memory of paths that were not files a moment ago. */
class MissingFiles {
  constructor() {
    /** @type {Map<string, number>} path -> time it stops counting as missing */
    this.until = new Map();
  }

  /** @param {string} file */
  has(file) {
    const until = this.until.get(file);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.until.delete(file);
    return false;
  }

  /** @param {string} file */
  add(file) {
    // Full: start over rather than track ages; misses are cheap to learn again.
    if (this.until.size >= MISSING_MAX) this.until.clear();
    this.until.set(file, Date.now() + MISSING_TTL);
  }
}

/**
 * A file ready to send.
 * @typedef {object} FoundFile
 * @property {string} file its real path
 * @property {import('node:fs').Stats} stats
 * @property {string} type its Content-Type
 * @property {Buffer | null} bytes the whole contents of a small file; null: streamed from disk
 * @property {number} until when the path must be looked up again (only for a file in memory)
 * @property {boolean} stale the file has changed since it was read (only for a file in memory)
 * @property {import('node:fs').FSWatcher | null} watcher what tells us it changed
 */

/**
 * Small files in memory, by the path as received. Each is watched
 * (`fs.watch`), so a changed, replaced or removed file is read again at
 * once; and each path is looked up again after MISSING_TTL anyway, for the
 * changes a watch does not report (a symlink pointed elsewhere, file systems
 * without notifications such as some network and container mounts).
 * Memory is bounded twice: by paths (one file has many spellings: `/a.txt`,
 * `/%61.txt`) and by bytes; past either bound the oldest entries go first.
 */
class FoundFiles {
  constructor() {
    /** @type {Map<string, FoundFile>} */
    this.byPath = new Map();
    this.bytes = 0;
  }

  /**
   * The file this path named less than MISSING_TTL ago, unchanged since.
   * @param {string} path
   */
  fresh(path) {
    const entry = this.byPath.get(path);
    return entry !== undefined && !entry.stale && entry.until > Date.now() ? entry : undefined;
  }

  /**
   * What to send for a file just looked up: a small file is kept in memory,
   * and read again only when it has changed.
   * @param {string} path
   * @param {string} file real path
   * @param {import('node:fs').Stats} stats
   * @returns {Promise<FoundFile>}
   */
  async load(path, file, stats) {
    const known = this.byPath.get(path);
    if (known !== undefined && !known.stale && known.file === file && sameVersion(known.stats, stats)) {
      known.until = Date.now() + MISSING_TTL;
      return known;
    }
    const type = mimeType(file);
    const entry = stats.size <= SMALL_FILE ? await readWatched(file, type) : null;
    // Large, or it could not be kept (see readWatched): streamed from disk, as it is now.
    if (entry === null) return { file, stats, type, bytes: null, until: 0, stale: true, watcher: null };
    this.remember(path, entry);
    return entry;
  }

  /**
   * @param {string} path
   * @param {FoundFile & { bytes: Buffer }} entry
   */
  remember(path, entry) {
    this.forget(path);
    for (const oldest of this.byPath.keys()) {
      if (this.byPath.size < MISSING_MAX && this.bytes + entry.bytes.length <= CACHE_BYTES) break;
      this.forget(oldest);
    }
    this.byPath.set(path, entry);
    this.bytes += entry.bytes.length;
  }

  /** @param {string} path */
  forget(path) {
    const entry = this.byPath.get(path);
    if (entry === undefined) return;
    this.byPath.delete(path);
    this.bytes -= entry.bytes?.length ?? 0;
    entry.watcher?.close();
  }
}

/**
 * Reads a small file, watched from before it is opened, so that no change
 * can slip in between. Null when it cannot be kept: it cannot be watched
 * (no notifications left: `fs.inotify.max_user_watches`), it is gone or
 * unreadable (streaming then reports that as before), it grew past
 * SMALL_FILE, or it changed while being read.
 * @param {string} file
 * @param {string} type
 * @returns {Promise<(FoundFile & { bytes: Buffer }) | null>}
 */
async function readWatched(file, type) {
  /** @type {import('node:fs').FSWatcher} */
  let watcher;
  try {
    // Not persistent: a watch must not keep the process alive after the server closes.
    watcher = watch(file, { persistent: false });
  } catch {
    return null;
  }
  let changed = false;
  /** @type {(FoundFile & { bytes: Buffer }) | null} */
  let kept = null;
  const onChange = () => {
    changed = true;
    if (kept !== null) kept.stale = true;
    watcher.close();
  };
  watcher.on('change', onChange);
  watcher.on('error', onChange);
  /** @type {import('node:fs').Stats | null} */
  let stats = null;
  /** @type {Buffer | null} */
  let bytes = null;
  try {
    const handle = await open(file);
    try {
      // The size and times of the very file read, from its descriptor.
      stats = await handle.stat();
      if (stats.size <= SMALL_FILE) bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch {
    // Gone or unreadable: not kept.
  }
  if (changed || stats === null || bytes === null || bytes.length !== stats.size) {
    watcher.close();
    return null;
  }
  kept = { file, stats, type, bytes, until: Date.now() + MISSING_TTL, stale: false, watcher };
  return kept;
}

/**
 * @param {import('node:fs').Stats} a
 * @param {import('node:fs').Stats} b
 */
function sameVersion(a, b) {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino;
}

/**
 * Finds the regular file a path names, following symlinks only inside the root.
 * @param {string} realRoot
 * @param {string[]} segments
 * @param {boolean} trailingSlash
 * @param {string} index
 * @returns {Promise<{ file: string, stats: import('node:fs').Stats } | 'add-slash' | null>}
 */
async function findFile(realRoot, segments, trailingSlash, index) {
  let file = join(realRoot, ...segments);
  let stats = await statOrNull(file);
  if (stats?.isDirectory()) {
    if (index === '') return null;
    const indexStats = await statOrNull(join(file, index));
    if (!indexStats?.isFile()) return null;
    if (!trailingSlash) return 'add-slash';
    file = join(file, index);
    stats = indexStats;
  }
  if (!stats?.isFile()) return null;
  const real = await realpath(file).catch(() => null);
  if (real === null) return null;
  const inside = relative(realRoot, real);
  // The target of a symlink must stay inside the root and must not be a dotfile either.
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside) || inside.split(sep).some((part) => part.startsWith('.'))) {
    return null;
  }
  return { file: real, stats };
}

/** @param {string} file */
async function statOrNull(file) {
  try {
    return await stat(file);
  } catch (err) {
    const code = /** @type {NodeJS.ErrnoException} */ (err).code;
    // Missing, or a file used as a folder (`/index.html/x`), or a name too long: not ours.
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG' || code === 'EACCES') return null;
    throw err;
  }
}

/**
 * Answers with the file: 200, 206 for a single range, 304/412 for
 * conditional requests, 416 for a range beyond the end.
 * @param {import('./pipeline.js').Request} req
 * @param {import('./response.js').Response} res
 * @param {(err?: unknown) => void} next
 * @param {FoundFile} found
 */
function sendFile(req, res, next, { file, stats, type, bytes }) {
  const size = stats.size;
  res.statusCode = 200;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', size);
  res.setHeader('Accept-Ranges', 'bytes');
  runCacheHooks(res.cacheHooks, req, res, { kind: 'file', size, mtime: stats.mtime });
  if (preconditionFailed(req, res)) throw new HttpError(412);
  if (notModified(req, res)) return sendNotModified(res);

  let start = 0;
  let end = size - 1;
  const rangeHeader = req.headers.range;
  if (rangeHeader !== undefined && ifRangeAllowsPartial(req, res)) {
    const range = parseRange(rangeHeader, size);
    if (range === 'unsatisfiable') {
      throw new HttpError(416, `The file has ${size} bytes`, { headers: { 'Content-Range': `bytes */${size}` } });
    }
    if (range !== null) {
      ({ start, end } = range);
      res.statusCode = 206;
      res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
      res.setHeader('Content-Length', end - start + 1);
    }
  }
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return;
  }
  if (bytes !== null) {
    res.end(start === 0 && end === size - 1 ? bytes : bytes.subarray(start, end + 1));
    return;
  }
  const stream = createReadStream(file, { start, end });
  stream.on('error', (err) => {
    // Opening failed (file removed meanwhile): a clean 500 while we still can, else cut the answer.
    if (!res.headersSent) next(err);
    else res.destroy(err);
  });
  // The client went away: stop reading and release the file descriptor.
  res.once('close', () => stream.destroy());
  stream.pipe(res);
}

/**
 * Parses a `Range` header for a file of `size` bytes (RFC 9110 §14.1.2).
 * @param {string} header
 * @param {number} size
 * @returns {{ start: number, end: number } | 'unsatisfiable' | null}
 *   null: ignore the header and send the whole file (other units, bad syntax, several ranges)
 */
export function parseRange(header, size) {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null) return null;
  const [, first, last] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    // `bytes=-500`: the last 500 bytes (all of a shorter file); `-0` asks for nothing.
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return null; // `bytes=5-2` is invalid: ignored
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}
