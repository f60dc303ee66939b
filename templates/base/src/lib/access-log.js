// @ts-check
import { join } from 'node:path';
import { inspect } from 'node:util';
import { requireSetting } from './config-loader.js';
import { openLogFile } from './log-file.js';

/**
 * The access log (`<log.dir>/access.log`, one line per request) and the error
 * log (`<log.dir>/error.log`, every 5xx and every crash), both rotated by
 * src/lib/log-file.js. An access line:
 *
 *   2024-05-01T12:00:00.123Z 3f2a…c1 GET /users?page=2 200 4.1ms 512
 *
 * time the response ended (UTC), request id, method, URL, status, duration,
 * bytes written to the connection (headers included). A status of 499 means
 * the connection closed before the response was complete (nginx's
 * convention): the client gave up, or the server had to cut it.
 *
 * Access lines reach the file in blocks, at most 200 ms after the response
 * (log-file.js: a buffered file); error lines are written at once.
 */

/**
 * @typedef {object} LogSettings
 * @property {string} dir folder of access.log and error.log
 * @property {boolean} access write the access log
 * @property {boolean} errorsToStderr also print errors to stderr
 * @property {number} maxSize rotate a file before it grows past this many bytes; 0 never
 * @property {boolean} daily rotate when the UTC day changes
 * @property {number} maxFiles rotated files kept per log; 0 keeps all
 */

/** @typedef {import('./pipeline.js').Request} Request */
/** @typedef {import('./response.js').Response} Response */

/** Longest URL written to a line; longer ones are cut (a log line is not a storage). */
const MAX_URL_LENGTH = 2048;
/** Printable ASCII only: almost every URL, written as it is. */
const PLAIN_URL = /^[\x21-\x7e]*$/;

/**
 * The access log middleware: put it first, so it sees every request,
 * including those answered by static files or refused by later middleware.
 * @param {LogSettings} settings
 * @returns {import('./pipeline.js').Middleware}
 */
export function accessLog(settings) {
  checkLogSettings(settings);
  if (!settings.access) return (req, res, next) => next();
  const file = openLogFile(accessLogPath(settings), accessLogOptions(settings));
  return (req, res, next) => {
    // Captured now: by the time the response ends, Node has detached the socket from it.
    const socket = req.socket;
    const bytesBefore = socket.bytesWritten;
    // `close` comes once per response, after `finish` when the whole response
    // was handed to the OS, or alone when the connection ended first (a 499).
    // One listener instead of one on each event: this runs for every request.
    res.on('close', () => file.write(accessLine(req, res, socket.bytesWritten - bytesBefore)));
    next();
  };
}

/**
 * A `logError` for `createApp({ logError })`: writes the error with the
 * request it happened in (or, without a request, the process) to error.log.
 * @param {LogSettings} settings
 * @returns {(err: unknown, req?: Request) => void}
 */
export function errorLog(settings) {
  checkLogSettings(settings);
  const file = openLogFile(errorLogPath(settings), rotationOf(settings));
  return (err, req) => {
    const where = req ? `${req.id} ${req.method} ${cleanUrl(req.url ?? '')}` : `process ${process.pid}`;
    // inspect() shows the stack, the `cause` chain and properties such as `code`.
    const detail = inspect(err, { depth: 4, breakLength: Infinity });
    const line = `${new Date().toISOString()} ${where} ${detail}\n`;
    file.write(line);
    if (settings.errorsToStderr) process.stderr.write(line);
  };
}

/**
 * @param {Request} req
 * @param {Response} res
 * @param {number} bytes
 */
function accessLine(req, res, bytes) {
  const ms = performance.now() - req.startTime;
  const status = res.writableFinished ? res.statusCode : 499;
  return `${isoNow()} ${req.id} ${req.method} ${cleanUrl(req.url ?? '')} ${status} ${ms.toFixed(1)}ms ${bytes}\n`;
}

let isoMs = 0;
let isoText = '';

/**
 * The time now as an ISO string, formatted once per millisecond: under load
 * many lines share a millisecond, and formatting a Date is the costliest part of a line.
 */
function isoNow() {
  const ms = Date.now();
  if (ms !== isoMs) {
    isoMs = ms;
    isoText = new Date(ms).toISOString();
  }
  return isoText;
}

/**
 * The URL as it can safely stand in one log line: anything that is not
 * printable ASCII (spaces, control characters, raw bytes) is percent-encoded,
 * so a request cannot forge extra lines or terminal escapes in the log.
 * @param {string} url
 */
export function cleanUrl(url) {
  if (url.length <= MAX_URL_LENGTH && PLAIN_URL.test(url)) return url;
  const cut = url.length > MAX_URL_LENGTH ? url.slice(0, MAX_URL_LENGTH) : url;
  const clean = cut.replace(/[^\x21-\x7e]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return cut === url ? clean : `${clean}...`;
}

/** @param {LogSettings} settings */
export function accessLogPath(settings) {
  return join(settings.dir, 'access.log');
}

/** @param {LogSettings} settings */
export function errorLogPath(settings) {
  return join(settings.dir, 'error.log');
}

/**
 * @param {LogSettings} settings
 * @returns {import('./log-file.js').RotationOptions}
 */
export function rotationOf(settings) {
  return { maxSize: settings.maxSize, daily: settings.daily, maxFiles: settings.maxFiles };
}

/**
 * The access log's file: rotated, and buffered (a line per request is many
 * small writes; log-file.js writes them in blocks).
 * @param {LogSettings} settings
 * @returns {import('./log-file.js').LogFileOptions}
 */
export function accessLogOptions(settings) {
  return { ...rotationOf(settings), buffered: true };
}

/** @param {LogSettings} settings */
export function checkLogSettings(settings) {
  requireSetting(typeof settings.dir === 'string' && settings.dir !== '', 'LOG_DIR must name the folder of the log files (default: logs)');
  requireSetting(Number.isInteger(settings.maxSize) && settings.maxSize >= 0, `LOG_MAX_SIZE must be a number of bytes (0 for no size limit), got ${settings.maxSize}`);
  requireSetting(Number.isInteger(settings.maxFiles) && settings.maxFiles >= 0, `LOG_MAX_FILES must be a whole number (0 keeps every rotated file), got ${settings.maxFiles}`);
}
