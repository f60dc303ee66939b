// @ts-check

/*
 * Helpers for the tests of the example users API (src/models/users.js),
 * which both routing options serve; the tests of the project's routing
 * option use them.
 */

import { deepMerge, startApp } from './helpers.js';

/**
 * Starts the app for the users tests. Once the app has a login (auth),
 * changing users needs a logged-in user, so each login style adds its step
 * below (`create-nodeserver add auth ...` does, `remove auth` takes it
 * out): `app.headers` then log a request in, whatever the style, and are
 * empty in an app without login.
 * @returns {Promise<UsersApp>}
 */
export async function startUsersApp() {
  /** @type {LoginStep[]} */
  const steps = [];
  return startLoggedIn(steps);
}

/**
 * @param {LoginStep[]} steps
 * @returns {Promise<UsersApp>}
 */
async function startLoggedIn(steps) {
  /** @type {Record<string, any>} */
  let settings = {};
  for (const step of steps) settings = deepMerge(settings, (await step.settings?.()) ?? {});
  /** @type {Record<string, string>} */
  const headers = {};
  // A CSRF step comes only after a login step: any step means the app has a login.
  const app = { ...(await startApp(settings)), headers, hasLogin: steps.length > 0 };
  for (const step of steps) await step.logIn(app);
  return app;
}

/**
 * Sends `body` as JSON with `method` and returns the status, headers and
 * parsed answer. A string body is sent as it is, so a test can send JSON
 * that is broken or hostile on purpose. The request carries `headers`:
 * by default the app's, those of a logged-in client.
 * @param {{ fetch: (path: string, init?: RequestInit) => Promise<Response>, headers?: Record<string, string> }} app from `startUsersApp()` or `startApp()`
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @param {Record<string, string>} [headers]
 */
export async function callJson(app, method, path, body, headers = app.headers ?? {}) {
  /** @type {RequestInit} */
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.headers = { ...headers, 'Content-Type': 'application/json' };
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await app.fetch(path, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) };
}

/**
 * The app of the users tests, with the headers a logged-in client sends.
 * @typedef {Awaited<ReturnType<typeof startApp>> & { headers: Record<string, string>, hasLogin: boolean }} UsersApp
 */

/**
 * How a login style logs the users tests in; each auth feature brings its
 * own in test/<feature>-helpers.js.
 * @typedef {object} LoginStep
 * @property {() => Promise<Record<string, any>>} [settings] configuration the app needs, e.g. a user for the tests
 * @property {(app: UsersApp) => Promise<void>} logIn adds to `app.headers` what a logged-in client sends
 */
