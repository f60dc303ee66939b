// @ts-check
import { readdirSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HttpError } from './http-error.js';
import { ConfigError } from './config-loader.js';

/*
 * Natural routing: the URL names the code that answers it.
 *
 *   /users/show/42   ->  src/controllers/users.js   show(req, res, '42')
 *   /users           ->  src/controllers/users.js   index(req, res)
 *   /                ->  src/controllers/index (once you add it)   index(req, res)
 *
 * The first segment names a controller file, the second one of its exported
 * functions (the action), the rest become the action's arguments (decoded).
 * Every exported function of a controller is a public URL: keep helpers
 * unexported.
 *
 * What cannot be reached, by design (all of it ends as 404):
 * - names that are not `[A-Za-z][A-Za-z0-9_]*`, checked after decoding: no
 *   `..`, no `%2e%2e`, no encoded slash, no `__proto__`;
 * - files that were not in the controllers folder when the server started
 *   (the folder is listed once; symlinks and subfolders are skipped), so no
 *   URL can make the server import anything else;
 * - names that are not own exports of the module: never `constructor`,
 *   `toString` or `hasOwnProperty` from a prototype, never `default`;
 * - exports that are not functions.
 * Add a controller file? Restart the server (`npm run dev` restarts on
 * changes of files it already loaded only).
 */

/** A controller or action name. */
const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Controllers are written in the project's language: `.js`, or `.ts` in a TypeScript project (the extension of this very module). */
const EXTENSION = extname(fileURLToPath(import.meta.url));

/**
 * @typedef {import('./pipeline.js').Request} Request
 * @typedef {import('./response.js').Response} Response
 */

/**
 * @typedef {object} NaturalRouterOptions
 * @property {string | URL} [directory] folder of the controllers; `src/controllers` by default
 */

/**
 * The natural-routing middleware. Paths without a matching controller and
 * action are passed on with `next()` (to the 404).
 * @param {NaturalRouterOptions} [options]
 * @returns {import('./pipeline.js').Middleware}
 */
export function naturalRouter(options = {}) {
  const directory = toDirectoryUrl(options.directory ?? new URL('../controllers/', import.meta.url));
  const controllers = listControllers(directory);
  /** @type {Map<string, Promise<Record<string, unknown>>>} */
  const modules = new Map();

  /** The controller's module, imported on first use and kept. @param {string} name */
  function load(name) {
    let loading = modules.get(name);
    if (!loading) {
      loading = import(new URL(`${name}${EXTENSION}`, directory).href);
      modules.set(name, loading);
    }
    return loading;
  }

  return async function natural(req, res, next) {
    const segments = splitPath(req.path);
    if (segments === null) return next();
    const [controllerName = 'index', actionName = 'index', ...args] = segments;
    if (!NAME.test(controllerName) || !NAME.test(actionName) || !controllers.has(controllerName)) return next();
    const controller = await load(controllerName);
    // Own exports only; `default` is not an action name.
    const action = actionName !== 'default' && Object.hasOwn(controller, actionName) ? controller[actionName] : undefined;
    if (typeof action !== 'function') return next();
    await action(req, res, ...args);
  };
}

/**
 * Throws 405 with `Allow` unless the request uses one of `methods` (GET
 * also allows HEAD). For actions: `allowMethods(req, 'POST')`.
 * @param {Request} req
 * @param {...string} methods
 */
export function allowMethods(req, ...methods) {
  const allowed = methods.includes('GET') && !methods.includes('HEAD') ? [...methods, 'HEAD'] : methods;
  if (!allowed.includes(req.method ?? '')) {
    throw new HttpError(405, `${req.method} is not allowed here`, { headers: { Allow: allowed.join(', ') } });
  }
}

/**
 * `/users/show/a%20b` -> ['users', 'show', 'a b']; a trailing slash is
 * ignored (`/users/` is `/users`). null when the path is not a plain
 * origin-form path.
 * @param {string} path
 */
function splitPath(path) {
  if (!path.startsWith('/')) return null;
  const segments = path.slice(1).split('/');
  if (segments[segments.length - 1] === '') segments.pop();
  try {
    return segments.map((segment) => decodeURIComponent(segment));
  } catch {
    throw new HttpError(400, 'The URL path has bad percent-encoding');
  }
}

/**
 * The controller names: the files of this module's language directly in `directory` whose names
 * are valid. Listed once, so a request can only ever import one of these.
 * @param {URL} directory
 */
function listControllers(directory) {
  try {
    const entries = readdirSync(directory, { withFileTypes: true });
    // isFile() is false for symlinks: a link could point outside the folder.
    const names = entries.filter((entry) => entry.isFile() && entry.name.endsWith(EXTENSION)).map((entry) => entry.name.slice(0, -EXTENSION.length));
    return new Set(names.filter((name) => NAME.test(name)));
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'ENOENT') throw err;
    throw new ConfigError(`Natural routing needs the controllers folder ${fileURLToPath(directory)}: create it, with one ${EXTENSION} file per controller`);
  }
}

/** @param {string | URL} directory @returns {URL} */
function toDirectoryUrl(directory) {
  const url = typeof directory === 'string' ? pathToFileURL(directory) : new URL(directory);
  // Relative URLs resolve inside a folder only if it ends with a slash.
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}
