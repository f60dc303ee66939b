// @ts-check
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfig } from '../src/config.js';
import { buildApp } from '../src/app.js';
import { envName } from '../src/lib/config-loader.js';

/**
 * Starts the real application on a random port (0) with the default
 * configuration plus `overrides`, logs in a fresh temporary folder.
 * Close it with `await app.close()` (e.g. in `after`).
 * @param {Record<string, any>} [overrides] deep-merged into the configuration
 */
export async function startApp(overrides = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'nodeserver-test-'));
  /** @type {import('../src/config.js').Config} */
  let config;
  /** @type {import('node:http').Server} */
  let server;
  try {
    const base = readConfig({ NODE_ENV: 'test', LOG_DIR: join(dir, 'logs'), LOG_ERRORS_TO_STDERR: 'false', HEAP_DIR: join(dir, 'heapdumps') });
    config = deepMerge(deepMerge(base, await testServices()), overrides);
    server = buildApp(config).createServer();
    await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve(undefined)));
  } catch (err) {
    // A configuration a test expects to be refused must not leave its folder behind.
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  const url = `http://127.0.0.1:${address.port}`;
  return {
    url,
    server,
    config,
    dir,
    /** @param {string} path @param {RequestInit} [init] */
    fetch: (path, init) => fetch(url + path, init),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Settings every test app gets from the services its features need (the
 * address of a test Redis, started once per test file). Features add their
 * line here.
 * @returns {Promise<Record<string, any>>}
 */
export async function testServices() {
  /** @type {Record<string, any>} */
  const settings = {};
  return settings;
}

/**
 * The environment variables that give a process a test starts (the real
 * server, a second instance) the settings of `testServices()`, named as
 * src/config.js reads them: a child process gets the same Redis and key
 * prefix as the test app it works with.
 * @param {Record<string, any>} settings
 * @param {string[]} [path]
 * @returns {Record<string, string>}
 */
export function servicesEnv(settings, path = []) {
  /** @type {Record<string, string>} */
  const env = {};
  for (const [key, value] of Object.entries(settings)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) Object.assign(env, servicesEnv(value, [...path, key]));
    else env[envName([...path, key])] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return env;
}

/**
 * Starts an application assembled in a test (`createApp()` plus the
 * middleware under test and a few handlers) on a random port. Close it
 * with `await server.close()`.
 * @param {import('../src/lib/pipeline.js').App} app
 */
export async function listen(app) {
  const server = app.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    /** @param {string} path @param {RequestInit} [init] */
    fetch: (path, init) => fetch(url + path, init),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}

/**
 * Sends one request with node:http, the path and headers exactly as given.
 * Use it where fetch would change the request: fetch normalises `..` in
 * paths, and adds `Cache-Control: no-cache` to requests carrying
 * If-None-Match, If-Modified-Since or If-Range (Fetch standard, "HTTP-network-or-cache fetch").
 * @param {string} url the server, e.g. `app.url`
 * @param {string} path
 * @param {{ method?: string, headers?: import('node:http').OutgoingHttpHeaders, body?: string | Buffer }} [options]
 * @returns {Promise<{ status: number, headers: import('node:http').IncomingHttpHeaders, body: Buffer }>}
 */
export function request(url, path, options = {}) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, path, method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      /** @type {Buffer[]} */
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * @template T
 * @param {T} target
 * @param {Record<string, any>} source
 * @returns {T}
 */
export function deepMerge(target, source) {
  const out = /** @type {Record<string, any>} */ ({ ...target });
  for (const [key, value] of Object.entries(source)) {
    const current = out[key];
    out[key] = isObject(value) && isObject(current) ? deepMerge(current, value) : value;
  }
  return /** @type {T} */ (out);
}

/** @param {unknown} v @returns {v is Record<string, any>} */
function isObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
