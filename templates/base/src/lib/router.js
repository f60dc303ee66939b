// @ts-check
import { run } from './pipeline.js';
import { HttpError } from './http-error.js';
import { requireSetting } from './config-loader.js';
import { compileSafePattern } from './regex-safety.js';

/**
 * The route table: method + path -> handlers.
 *
 * Routes live in a tree of path segments (a radix tree whose edges are whole
 * segments, like find-my-way's). Finding a route follows one edge per
 * segment of the URL, so the cost depends on the length of the path, not on
 * how many routes there are.
 *
 * Path syntax:
 * - `/users/list`          static segments, compared with the decoded URL segment
 * - `/users/:id`           a parameter: any non-empty segment -> `req.params.id`
 * - `/users/:id(\d+)`      a parameter that must match a regex, checked at startup
 *                          for catastrophic backtracking (see regex-safety.js)
 * - `/files/*`             the rest of the path, at the end only -> `req.params['*']`
 * When several routes match, a static segment wins over a parameter, a
 * parameter with a pattern over one without, and any of them over `*`.
 *
 * Answers: bad percent-encoding -> 400; a path that exists for other methods
 * -> 405 with `Allow`; HEAD runs the GET handlers (without the body);
 * OPTIONS -> 204 with `Allow` unless you route OPTIONS yourself; no matching
 * path -> `next()`, so later middleware or the 404 answer it.
 *
 * A parameter longer than `maxParamLength` does not match, so the request
 * ends as 404 (or reaches a `*` route), like find-my-way. We chose that over
 * 414 URI Too Long: 414 would tell a scanner which routes exist, and the
 * whole URL is already capped by Node's header size limit (431).
 */

/**
 * @typedef {import('./pipeline.js').Middleware} Handler
 * @typedef {import('./pipeline.js').Request} Request
 * @typedef {import('./response.js').Response} Response
 */

/**
 * @typedef {object} Route
 * @property {Handler[]} handlers
 * @property {string[]} paramNames names of the parameters and `*`, in path order
 */

/**
 * @typedef {object} Node
 * @property {Map<string, Node>} staticChildren by decoded segment
 * @property {ParamChild[]} paramChildren those with a pattern first, the plain one last
 * @property {Node | null} wildcardChild
 * @property {Map<string, Route>} routes by method; `*` for `all()`
 */

/**
 * @typedef {object} ParamChild
 * @property {string} pattern regex source, '' for a plain parameter
 * @property {RegExp | null} regex
 * @property {Node} node
 */

/**
 * @typedef {object} RouterOptions
 * @property {number} [maxParamLength] longest parameter value (characters) that can match
 */

/**
 * @typedef {object} Router
 * @property {(path: string, ...handlers: Handler[]) => Router} get
 * @property {(path: string, ...handlers: Handler[]) => Router} post
 * @property {(path: string, ...handlers: Handler[]) => Router} put
 * @property {(path: string, ...handlers: Handler[]) => Router} patch
 * @property {(path: string, ...handlers: Handler[]) => Router} delete
 * @property {(path: string, ...handlers: Handler[]) => Router} options
 * @property {(path: string, ...handlers: Handler[]) => Router} all every method
 * @property {(method: string, path: string, ...handlers: Handler[]) => Router} route
 * @property {(path: string, controller: object) => Router} resource REST routes for a controller
 * @property {() => Handler} middleware the middleware that dispatches to the routes
 */

/** The key of `all()` routes; not an HTTP method token, so it cannot clash. */
const ANY_METHOD = '*';

/** What a parameter name may look like, so it is a plain property name. */
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Creates an empty route table.
 * @param {RouterOptions} [options]
 * @returns {Router}
 */
export function createRouter(options = {}) {
  const maxParamLength = options.maxParamLength ?? 100;
  requireSetting(Number.isInteger(maxParamLength) && maxParamLength > 0, `ROUTER_MAX_PARAM_LENGTH must be a positive whole number of characters, got ${maxParamLength}`);
  const root = createNode();

  /**
   * @param {string} method
   * @param {string} path
   * @param {Handler[]} handlers
   */
  function addRoute(method, path, handlers) {
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw new TypeError(`A route path must be a string starting with "/", got ${JSON.stringify(path)}`);
    }
    if (handlers.length === 0 || !handlers.every((h) => typeof h === 'function')) {
      throw new TypeError(`Route ${method} ${path} needs one or more handler functions`);
    }
    const segments = path.slice(1).split('/');
    /** @type {string[]} */
    const paramNames = [];
    let node = root;
    segments.forEach((segment, index) => {
      if (segment === '*') {
        if (index !== segments.length - 1) throw new Error(`In route "${path}": "*" is only allowed as the last segment`);
        node.wildcardChild ??= createNode();
        node = node.wildcardChild;
        paramNames.push('*');
      } else if (segment.startsWith(':')) {
        const { name, pattern } = parseParam(segment, path);
        if (paramNames.includes(name)) throw new Error(`In route "${path}": the parameter :${name} appears twice`);
        paramNames.push(name);
        node = paramChild(node, pattern, path).node;
      } else {
        if (/[:*()]/.test(segment)) {
          throw new Error(`In route "${path}": "${segment}" mixes text with ":", "*" or "(": a parameter or "*" must be a whole path segment`);
        }
        const key = decodeSegment(segment);
        if (key === null) throw new Error(`In route "${path}": "${segment}" has bad percent-encoding`);
        let child = node.staticChildren.get(key);
        if (!child) {
          child = createNode();
          node.staticChildren.set(key, child);
        }
        node = child;
      }
    });
    if (node.routes.has(method)) {
      throw new Error(`Route ${method === ANY_METHOD ? 'ALL' : method} ${path} is already registered (or a route with the same shape and other parameter names)`);
    }
    node.routes.set(method, { handlers, paramNames });
  }

  /**
   * The child for a parameter with this pattern, created when missing.
   * @param {Node} node
   * @param {string} pattern
   * @param {string} path
   */
  function paramChild(node, pattern, path) {
    const existing = node.paramChildren.find((child) => child.pattern === pattern);
    if (existing) return existing;
    /** @type {ParamChild} */
    const child = { pattern, regex: pattern ? compileSafePattern(pattern, `route "${path}"`) : null, node: createNode() };
    // Keep the plain parameter last: a pattern is more specific and is tried first.
    const plain = node.paramChildren.findIndex((c) => c.regex === null);
    if (pattern && plain !== -1) node.paramChildren.splice(plain, 0, child);
    else node.paramChildren.push(child);
    return child;
  }

  /** @type {Handler} */
  function router(req, res, next) {
    const segments = splitPath(req.path);
    if (segments === null) return next();
    if (segments === BAD_ENCODING) return next(new HttpError(400, 'The URL path has bad percent-encoding'));
    const method = req.method ?? 'GET';

    const found = walk(root, segments, 0, [], maxParamLength, (node, values) => {
      const route = pickRoute(node, method);
      return route ? { route, values: [...values] } : null;
    });
    if (found) {
      /** @type {Record<string, string>} */
      const params = Object.create(null);
      found.route.paramNames.forEach((name, i) => {
        params[name] = found.values[i];
      });
      req.params = params;
      return run(found.route.handlers, req, res, next);
    }

    const allowed = allowedMethods(root, segments, maxParamLength);
    if (allowed.length === 0) return next();
    if (method === 'OPTIONS') {
      res.statusCode = 204;
      res.setHeader('Allow', allowed.join(', '));
      return res.end();
    }
    // RFC 9110 §15.5.6: a 405 must say which methods the resource supports.
    return next(new HttpError(405, `${method} is not allowed here`, { headers: { Allow: allowed.join(', ') } }));
  }

  /** @type {Router} */
  const api = {
    get: (path, ...handlers) => api.route('GET', path, ...handlers),
    post: (path, ...handlers) => api.route('POST', path, ...handlers),
    put: (path, ...handlers) => api.route('PUT', path, ...handlers),
    patch: (path, ...handlers) => api.route('PATCH', path, ...handlers),
    delete: (path, ...handlers) => api.route('DELETE', path, ...handlers),
    options: (path, ...handlers) => api.route('OPTIONS', path, ...handlers),
    all: (path, ...handlers) => {
      addRoute(ANY_METHOD, path, handlers);
      return api;
    },
    route(method, path, ...handlers) {
      if (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method)) {
        throw new TypeError(`A route method must be a word like "GET", got ${JSON.stringify(method)}`);
      }
      addRoute(method.toUpperCase(), path, handlers);
      return api;
    },
    resource(path, controller) {
      addResource(api, path, controller);
      return api;
    },
    middleware: () => router,
  };
  return api;
}

/**
 * RESTful routes for the actions `controller` has as its own functions:
 * index -> GET path, show -> GET path/:id, create -> POST path,
 * update -> PUT and PATCH path/:id, destroy -> DELETE path/:id.
 * @param {Router} router
 * @param {string} path
 * @param {object} controller
 */
function addResource(router, path, controller) {
  if (typeof controller !== 'object' || controller === null) {
    throw new TypeError(`resource("${path}") expects an object with index, show, create, update or destroy functions`);
  }
  const actions = /** @type {Record<string, unknown>} */ (controller);
  /** @param {string} name */
  const action = (name) => {
    // Own properties only: `toString` or `constructor` from a prototype never become routes.
    const fn = Object.hasOwn(actions, name) ? actions[name] : undefined;
    return typeof fn === 'function' ? /** @type {Handler} */ (fn) : null;
  };
  const itemPath = `${path.replace(/\/$/, '')}/:id`;
  const index = action('index');
  const show = action('show');
  const create = action('create');
  const update = action('update');
  const destroy = action('destroy');
  if (!index && !show && !create && !update && !destroy) {
    throw new TypeError(`resource("${path}") found none of index, show, create, update, destroy as functions of the controller`);
  }
  if (index) router.get(path, index);
  if (create) router.post(path, create);
  if (show) router.get(itemPath, show);
  if (update) router.put(itemPath, update).patch(itemPath, update);
  if (destroy) router.delete(itemPath, destroy);
}

/** @returns {Node} */
function createNode() {
  return { staticChildren: new Map(), paramChildren: [], wildcardChild: null, routes: new Map() };
}

/**
 * `:id` or `:id(\d+)` -> name and pattern.
 * @param {string} segment
 * @param {string} path
 */
function parseParam(segment, path) {
  const match = /^:([^(]*)(?:\((.+)\))?$/s.exec(segment);
  if (!match || !PARAM_NAME.test(match[1])) {
    throw new Error(`In route "${path}": "${segment}" is not a valid parameter. Write :name or :name(pattern); ` + 'the name uses letters, digits and _, and the pattern cannot contain "/"');
  }
  return { name: match[1], pattern: match[2] ?? '' };
}

/** Returned by splitPath when a segment is not valid percent-encoding. */
const BAD_ENCODING = /** @type {const} */ ('bad-encoding');

/**
 * `/a/b%20c` -> ['a', 'b c']. Segments are decoded one by one, so an encoded
 * slash (%2F) stays inside its segment instead of adding a level.
 * @param {string} path
 * @returns {string[] | null | typeof BAD_ENCODING} null when it is not an origin-form path
 */
function splitPath(path) {
  if (!path.startsWith('/')) return null;
  const segments = path.slice(1).split('/');
  for (let i = 0; i < segments.length; i++) {
    const decoded = decodeSegment(segments[i]);
    if (decoded === null) return BAD_ENCODING;
    segments[i] = decoded;
  }
  return segments;
}

/** @param {string} segment @returns {string | null} null for bad percent-encoding */
function decodeSegment(segment) {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/**
 * Visits every node whose route path matches `segments`, most specific
 * first (static, then parameters, then `*`), until `visit` returns a result.
 * `values` collects the parameter values along the way. Backtracking is
 * bounded by the depth of the tree, which the routes define, not the URL.
 * @template T
 * @param {Node} node
 * @param {string[]} segments
 * @param {number} index
 * @param {string[]} values
 * @param {number} maxParamLength
 * @param {(node: Node, values: string[]) => T | null} visit
 * @returns {T | null} the first result of `visit`
 */
function walk(node, segments, index, values, maxParamLength, visit) {
  if (index === segments.length) return node.routes.size > 0 ? visit(node, values) : null;
  const segment = segments[index];
  const staticChild = node.staticChildren.get(segment);
  if (staticChild) {
    const result = walk(staticChild, segments, index + 1, values, maxParamLength, visit);
    if (result !== null) return result;
  }
  // Parameters never match an empty segment (`/users/`) and never a value over the cap.
  if (segment !== '' && segment.length <= maxParamLength) {
    for (const child of node.paramChildren) {
      if (child.regex && !child.regex.test(segment)) continue;
      values.push(segment);
      const result = walk(child.node, segments, index + 1, values, maxParamLength, visit);
      values.pop();
      if (result !== null) return result;
    }
  }
  const wildcard = node.wildcardChild;
  if (wildcard && wildcard.routes.size > 0) {
    values.push(segments.slice(index).join('/'));
    const result = visit(wildcard, values);
    values.pop();
    if (result !== null) return result;
  }
  return null;
}

/**
 * The route of `node` for `method`: its own, GET for HEAD (Node leaves the
 * body out of HEAD responses), then an `all()` route.
 * @param {Node} node
 * @param {string} method
 */
function pickRoute(node, method) {
  return node.routes.get(method) ?? (method === 'HEAD' ? node.routes.get('GET') : undefined) ?? node.routes.get(ANY_METHOD);
}

/**
 * The methods of every route whose path matches, for `Allow`.
 * @param {Node} root
 * @param {string[]} segments
 * @param {number} maxParamLength
 */
function allowedMethods(root, segments, maxParamLength) {
  /** @type {Set<string>} */
  const methods = new Set();
  walk(root, segments, 0, [], maxParamLength, (node) => {
    for (const method of node.routes.keys()) {
      if (method === ANY_METHOD) continue;
      methods.add(method);
      if (method === 'GET') methods.add('HEAD');
    }
    return null; // keep walking: every matching route counts
  });
  if (methods.size > 0) methods.add('OPTIONS');
  return [...methods];
}
