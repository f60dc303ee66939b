// @ts-check

/*
 * Helpers for the tests of the example users API (src/models/users.js),
 * which both routing options serve: test/routing-table.test.js or
 * test/routing-natural.test.js.
 */

/**
 * Sends `body` as JSON with `method` and returns the status, headers and
 * parsed answer. A string body is sent as it is, so a test can send JSON
 * that is broken or hostile on purpose.
 * @param {{ fetch: (path: string, init?: RequestInit) => Promise<Response> }} app from `startApp()`
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 */
export async function callJson(app, method, path, body) {
  /** @type {RequestInit} */
  const init = { method };
  if (body !== undefined) {
    init.headers = { 'Content-Type': 'application/json' };
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await app.fetch(path, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) };
}
