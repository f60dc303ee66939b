// @ts-check
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfig } from '../src/config.js';
import { buildApp } from '../src/app.js';

/**
 * Starts the real application on a random port (0) with the default
 * configuration plus `overrides`, logs in a fresh temporary folder.
 * Close it with `await app.close()` (e.g. in `after`).
 * @param {Record<string, any>} [overrides] deep-merged into the configuration
 */
export async function startApp(overrides = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'nodeserver-test-'));
  const config = deepMerge(readConfig({ NODE_ENV: 'test', LOG_DIR: join(dir, 'logs') }), overrides);
  const app = buildApp(config);
  const server = app.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
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
