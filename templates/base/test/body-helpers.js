// @ts-check
import net from 'node:net';
import { once } from 'node:events';
import { createApp } from '../src/lib/pipeline.js';
import { body } from '../src/lib/body.js';
import { defaults } from '../src/config.js';
import { deepMerge } from './helpers.js';

/*
 * Helpers for the body parser tests: a tiny app that runs only the body
 * middleware and echoes what it parsed, and a raw HTTP/1.1 client that
 * keeps one connection open, so a test can check that the *same*
 * connection still works after a refused body.
 */

/**
 * @typedef {import('../src/lib/pipeline.js').Middleware} Middleware
 */

/**
 * The default handler: answers with what the parsers produced.
 * @type {Middleware}
 */
export const echo = (req, res) => res.json(describe(req));

/**
 * What the body middleware left on the request, as JSON.
 * @param {import('../src/lib/pipeline.js').Request} req
 */
export function describe(req) {
  const value = req.body;
  const isObject = typeof value === 'object' && value !== null;
  return {
    body: value === undefined ? '(undefined)' : value,
    nullPrototype: isObject && !Array.isArray(value) ? Object.getPrototypeOf(value) === null : null,
    files: req.files,
  };
}

/**
 * Starts an app with `body(settings, parsers)` and `handler` on port 0.
 * @param {Record<string, any>} settings merged over the default `config.body`
 * @param {Record<string, import('../src/lib/body.js').BodyParser>} parsers
 * @param {Middleware} [handler]
 */
export async function startBodyApp(settings, parsers, handler = echo) {
  const options = deepMerge(defaults.body, settings);
  const app = createApp({ env: 'test', logError: () => {} });
  app.use(body(options, parsers));
  app.use(handler);
  const server = app.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    /** @param {string} path @param {RequestInit} [init] */
    fetch: (path, init) => fetch(url + path, init),
    /** Sends `raw` on a new connection and reads one response. */
    /** @param {string | Buffer} raw */
    async request(raw) {
      const connection = await connect(port);
      try {
        connection.write(raw);
        return await connection.response();
      } finally {
        connection.destroy();
      }
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/**
 * @typedef {object} RawResponse
 * @property {number} status
 * @property {Record<string, string>} headers lower-case names
 * @property {string} body
 */

/**
 * Opens a raw connection. Write request bytes with `write`, read responses
 * in order with `response()`; `closed` settles when the server ends it.
 * Interim (1xx) responses are skipped by `response()` and their statuses
 * collected in `interim`, so a test can check that no `100 Continue` came.
 * @param {number} port
 */
export async function connect(port) {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let buffer = Buffer.alloc(0);
  let ended = false;
  /** @type {(() => void)[]} */
  let waiting = [];
  const wake = () => {
    for (const resolve of waiting) resolve();
    waiting = [];
  };
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    wake();
  });
  // The server may close while we still write (that is the point of some tests): not an error here.
  socket.on('error', () => {});
  const closed = new Promise((resolve) =>
    socket.on('close', () => {
      ended = true;
      wake();
      resolve(undefined);
    }),
  );
  const moreData = () => new Promise((resolve) => waiting.push(() => resolve(undefined)));
  /** @type {number[]} */
  const interim = [];

  /**
   * The next response as it comes, interim (1xx) ones included.
   * @returns {Promise<RawResponse>}
   */
  async function next() {
    for (;;) {
      const parsed = parseResponse(buffer);
      if (parsed !== null) {
        buffer = buffer.subarray(parsed.length);
        return parsed.response;
      }
      if (ended) throw new Error(`connection closed before a complete response; got ${JSON.stringify(buffer.toString('latin1'))}`);
      await moreData();
    }
  }

  return {
    closed,
    interim,
    next,
    /** @param {string | Buffer} data */
    write(data) {
      if (!socket.destroyed) socket.write(data);
    },
    /** Half-closes: the client sends nothing more. */
    end() {
      socket.end();
    },
    destroy() {
      socket.destroy();
    },
    /**
     * The next complete response (interim 1xx responses skipped).
     * @returns {Promise<RawResponse>}
     */
    async response() {
      for (;;) {
        const response = await next();
        if (response.status >= 200) return response;
        interim.push(response.status);
      }
    },
  };
}

/**
 * @param {Buffer} buffer
 * @returns {{ response: RawResponse, length: number } | null}
 */
function parseResponse(buffer) {
  const headEnd = buffer.indexOf('\r\n\r\n');
  if (headEnd === -1) return null;
  const [statusLine, ...lines] = buffer.subarray(0, headEnd).toString('latin1').split('\r\n');
  /** @type {Record<string, string>} */
  const headers = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const status = Number(statusLine.split(' ')[1]);
  const length = Number(headers['content-length'] ?? 0);
  const start = headEnd + 4;
  if (buffer.length < start + length) return null;
  return { response: { status, headers, body: buffer.subarray(start, start + length).toString('utf8') }, length: start + length };
}

/**
 * Settles like `promise`, or fails after `ms`: for answers that must come
 * without waiting for the client (a refused body), not for speed.
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @param {string} what said in the failure
 * @returns {Promise<T>}
 */
export function within(promise, ms, what) {
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const late = new Promise((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
  });
  return /** @type {Promise<T>} */ (Promise.race([promise, late])).finally(() => clearTimeout(timer));
}

/**
 * The bytes of one chunk of a chunked body (RFC 9112 §7.1).
 * @param {string | Buffer} data
 */
export function chunk(data) {
  const bytes = Buffer.from(data);
  return Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]);
}

/**
 * A request's bytes: head plus body with Content-Length (or chunked when
 * `chunked` is set, the body then given as a list of chunks).
 * @param {{ method?: string, path?: string, headers?: Record<string, string | number>, body?: string | Buffer, chunks?: (string | Buffer)[] }} request
 */
export function rawRequest({ method = 'POST', path = '/', headers = {}, body, chunks }) {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1'];
  const bytes = body === undefined ? undefined : Buffer.from(body);
  if (bytes !== undefined && !('content-length' in lowerKeys(headers))) lines.push(`Content-Length: ${bytes.length}`);
  if (chunks !== undefined) lines.push('Transfer-Encoding: chunked');
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  if (chunks !== undefined) return Buffer.concat([head, ...chunks.map(chunk), Buffer.from('0\r\n\r\n')]);
  return bytes === undefined ? head : Buffer.concat([head, bytes]);
}

/** @param {Record<string, unknown>} headers */
function lowerKeys(headers) {
  return Object.fromEntries(Object.keys(headers).map((k) => [k.toLowerCase(), true]));
}

/**
 * Checks that the server still answers on a fresh connection.
 * @param {number} port
 */
export async function answersOnNewConnection(port) {
  const connection = await connect(port);
  try {
    connection.write(rawRequest({ method: 'GET' }));
    return await connection.response();
  } finally {
    connection.destroy();
  }
}
