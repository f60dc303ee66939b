// @ts-check
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Tells an operator that the master of a multi-process server gave up (too
 * many worker restarts, or a worker with a configuration error), before it
 * exits 1. `cluster.onGiveUp` in src/config.js (env CLUSTER_ON_GIVE_UP) names
 * what to run:
 *
 * - a module (a path ending in `.js`, `.mjs`, `.cjs` or `.ts`, relative to the
 *   working directory): its default export is called with
 *   `{ reason, pid }` and awaited;
 * - anything else is a shell command, run with the reason in the
 *   environment variable NODESERVER_GIVE_UP_REASON. The reason never goes
 *   into the command line itself, so it cannot inject anything.
 *
 * It gets GIVE_UP_HOOK_TIMEOUT ms. Whatever goes wrong with it is reported
 * and the master exits anyway: a broken alert must not keep a broken server up.
 */

/** ms the hook may take before the master stops waiting for it (a command is killed). */
export const GIVE_UP_HOOK_TIMEOUT = 10_000;

/**
 * @param {string | undefined} hook `cluster.onGiveUp`; empty: nothing to run
 * @param {string} reason
 * @param {(message: string) => void} report where a failure of the hook is told
 * @returns {Promise<void>} never rejects
 */
export async function runGiveUpHook(hook, reason, report) {
  if (!hook) return;
  try {
    if (/\.[cm]?[jt]s$/.test(hook)) await callModule(hook, reason);
    else await runCommand(hook, reason);
  } catch (err) {
    report(`the give-up hook (cluster.onGiveUp: ${hook}) failed: ${err instanceof Error ? err.message : err}`);
  }
}

/**
 * @param {string} path
 * @param {string} reason
 */
async function callModule(path, reason) {
  const module = await import(pathToFileURL(resolve(path)).href);
  if (typeof module.default !== 'function') throw new Error(`${path} must export a function as its default export`);
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`it did not finish within ${GIVE_UP_HOOK_TIMEOUT} ms`)), GIVE_UP_HOOK_TIMEOUT);
  });
  try {
    await Promise.race([module.default({ reason, pid: process.pid }), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * @param {string} command
 * @param {string} reason
 * @returns {Promise<void>}
 */
function runCommand(command, reason) {
  return new Promise((done, fail) => {
    const child = spawn(command, {
      shell: true,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, NODESERVER_GIVE_UP_REASON: reason },
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`it did not finish within ${GIVE_UP_HOOK_TIMEOUT} ms and was killed`));
    }, GIVE_UP_HOOK_TIMEOUT);
    child.on('error', (err) => {
      clearTimeout(timer);
      fail(err);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) done();
      else fail(new Error(signal ? `it was killed by ${signal}` : `it exited with code ${code}`));
    });
  });
}
