// @ts-check
import { STATUS_CODES } from 'node:http';

/**
 * An error that carries the HTTP status to answer with. Only its `expose`d
 * message reaches the client: 4xx messages are meant for the caller, 5xx
 * messages may contain internals and are replaced by the status text.
 */
export class HttpError extends Error {
  /**
   * @param {number} status HTTP status code (400-599)
   * @param {string} [message] message for the client (4xx) or the log (5xx)
   * @param {{ headers?: Record<string, string>, cause?: unknown }} [options]
   */
  constructor(status, message, options = {}) {
    super(message ?? STATUS_CODES[status] ?? 'Error', { cause: options.cause });
    this.name = 'HttpError';
    this.status = status;
    this.expose = status < 500;
    /** @type {Record<string, string>} Extra response headers, e.g. `Allow` for 405 or `WWW-Authenticate` for 401. */
    this.headers = options.headers ?? {};
  }
}
