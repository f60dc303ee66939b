// @ts-check
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** @type {string[]} the folders of this test process's apps, removed when it exits */
const folders = [];
let cleanup = false;

/**
 * The settings that give a test app a file store of its own, in a new
 * temporary folder: counters (login throttle, rate limits) of one test
 * never reach another, and nothing is written into the project. A process
 * the test starts gets the same folder through servicesEnv() of
 * test/helpers.js.
 * @returns {Promise<Record<string, any>>}
 */
export async function fileStoreTestSettings() {
  const dir = mkdtempSync(join(tmpdir(), 'store-file-test-'));
  folders.push(dir);
  if (!cleanup) {
    cleanup = true;
    process.once('exit', () => {
      for (const folder of folders) rmSync(folder, { recursive: true, force: true });
    });
  }
  return { storeFile: { dir } };
}
