// @ts-check
import { run } from './pipeline.js';
import { HttpError } from './http-error.js';
import { requireSetting } from './config-loader.js';
import { compileSafePattern } from './regex-safety.js';

/**
 * The route table: method + path -> handlers.
 *
 * A static route (no parameter, no `*`) is found with one Map lookup of the
 * whole path, before anything is split or decoded: most requests end there.
 * Every route also lives in a tree of path segments (a radix tree whose edges
 * are whole segments, like find-my-way's), which finds the rest: finding a
 * route follows one edge per segment of the URL, so the cost depends on the
 * length of the path, not on how many routes there are.
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
 * `req.params` has no prototype, so `__proto__` in a URL is just a value. On
 * a static route it is one empty, frozen object shared by every request:
 * nothing is allocated for the requests that are most of the traffic.
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
 * @typedef {object} Lookup
 * @property {string[]} segments the path's segments, decoded; only the first `count` are this request's
 * @property {number} count
 * @property {string[]} values the parameter values of the match, in path order
 * @property {number} maxParamLength
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

/** `req.params` of a static route: empty, and frozen because every request shares it. */
const NO_PARAMS = Object.freeze(Object.create(null));

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
   * The nodes of static routes by their path as written. A path with `%` is
   * left out: its tree edges are decoded segments, which only the tree can
   * compare with (`/a%2Fb` is one segment, never `/a/b`).
   * @type {Map<string, Node>}
   */
  const staticPaths = new Map();
  /**
   * Where a lookup keeps its work. It runs no other code and never waits, so
   * one of these serves every request, and a lookup allocates only the
   * segments it cuts out of the path and the params of the route found.
   * @type {Lookup}
   */
  const lookup = { segments: [], count: 0, values: [], maxParamLength };

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
        paramNames.push(propertyKey(name));
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
    if (paramNames.length === 0 && !path.includes('%')) staticPaths.set(path, node);
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
    const method = req.method ?? 'GET';
    const staticNode = staticPaths.get(req.path);
    const staticRoute = staticNode === undefined ? null : pickRoute(staticNode, method);
    if (staticRoute !== null) {
      req.params = NO_PARAMS;
      return runHandlers(staticRoute.handlers, req, res, next);
    }
    // Not a static route for this method: a parameter route may still take
    // it (GET /users/list, POST /users/:id), so the tree decides.
    if (!req.path.startsWith('/')) return next();
    if (!splitPath(req.path, lookup)) return next(new HttpError(400, 'The URL path has bad percent-encoding'));

    const route = walk(root, 0, lookup, pickRoute, method);
    if (route !== null) {
      const { values } = lookup;
      /** @type {Record<string, string>} */
      const params = Object.create(null);
      for (let i = 0; i < route.paramNames.length; i++) params[route.paramNames[i]] = values[i];
      values.length = 0;
      req.params = params;
      return runHandlers(route.handlers, req, res, next);
    }

    const allowed = allowedMethods(root, lookup);
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

/**
 * Runs a route's handlers. A single handler (most routes) is called as it
 * is: the runner that called the router already turns its throw or its
 * rejection into `next(err)` and lets `next` be called once, so running it
 * through a runner of its own would only cost a few closures per request.
 * @param {Handler[]} handlers
 * @param {Request} req
 * @param {Response} res
 * @param {(err?: unknown) => void} next
 */
function runHandlers(handlers, req, res, next) {
  return handlers.length === 1 ? handlers[0](req, res, next) : run(handlers, req, res, next);
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

/**
 * `name` as a property key, the one copy the engine keeps of that string.
 * A name cut out of the route path is a copy of its own: V8 would look it up
 * by content each time it becomes a key of `req.params`, which made building
 * the params twice as slow as the rest of the lookup.
 * @param {string} name
 */
function propertyKey(name) {
  return Object.keys({ [name]: true })[0];
}

/**
 * Cuts an origin-form path into `lookup.segments`: `/a/b%20c` -> 'a', 'b c'.
 * Segments are decoded one by one, so an encoded slash (%2F) stays inside its
 * segment instead of adding a level. indexOf and slice, not split: split
 * takes a call into the engine's runtime and a new array, about three times
 * the time of this loop.
 * @param {string} path starts with `/`
 * @param {Lookup} lookup
 * @returns {boolean} false when a segment is not valid percent-encoding
 */
function splitPath(path, lookup) {
  const { segments } = lookup;
  const decode = path.includes('%');
  let count = 0;
  for (let start = 1; ; count++) {
    const slash = path.indexOf('/', start);
    const segment = slash === -1 ? path.slice(start) : path.slice(start, slash);
    const decoded = decode ? decodeSegment(segment) : segment;
    if (decoded === null) return false;
    segments[count] = decoded;
    if (slash === -1) break;
    start = slash + 1;
  }
  lookup.count = count + 1;
  return true;
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
 * Visits every node whose route path matches the path's segments from
 * `index` on, most specific first (static, then parameters, then `*`), until
 * `visit` returns a result. The parameter values of that match are left in
 * `lookup.values` (the caller empties it); after a miss it is as it was.
 * Backtracking is bounded by the depth of the tree, which the routes define,
 * not the URL.
 * @template T, A
 * @param {Node} node
 * @param {number} index
 * @param {Lookup} lookup
 * @param {(node: Node, arg: A) => T | null} visit
 * @param {A} arg passed on to `visit`, so that it needs no closure per request
 * @returns {T | null} the first result of `visit`
 */
function walk(node, index, lookup, visit, arg) {
  if (index === lookup.count) return node.routes.size > 0 ? visit(node, arg) : null;
  const { segments, values } = lookup;
  const segment = segments[index];
  const staticChild = node.staticChildren.get(segment);
  if (staticChild) {
    const result = walk(staticChild, index + 1, lookup, visit, arg);
    if (result !== null) return result;
  }
  // Parameters never match an empty segment (`/users/`) and never a value over the cap.
  if (segment !== '' && segment.length <= lookup.maxParamLength) {
    for (const child of node.paramChildren) {
      if (child.regex && !child.regex.test(segment)) continue;
      values.push(segment);
      const result = walk(child.node, index + 1, lookup, visit, arg);
      if (result !== null) return result;
      values.pop();
    }
  }
  const wildcard = node.wildcardChild;
  if (wildcard && wildcard.routes.size > 0) {
    values.push(segments.slice(index, lookup.count).join('/'));
    const result = visit(wildcard, arg);
    if (result !== null) return result;
    values.pop();
  }
  return null;
}

/**
 * The route of `node` for `method`: its own, GET for HEAD (Node leaves the
 * body out of HEAD responses), then an `all()` route.
 * @param {Node} node
 * @param {string} method
 * @returns {Route | null}
 */
function pickRoute(node, method) {
  return node.routes.get(method) ?? (method === 'HEAD' ? node.routes.get('GET') : undefined) ?? node.routes.get(ANY_METHOD) ?? null;
}

/**
 * Adds the methods of `node`'s routes to `methods`; null, so that the walk
 * goes on to every route whose path matches.
 * @param {Node} node
 * @param {Set<string>} methods
 * @returns {null}
 */
function addMethods(node, methods) {
  for (const method of node.routes.keys()) {
    if (method === ANY_METHOD) continue;
    methods.add(method);
    if (method === 'GET') methods.add('HEAD');
  }
  return null;
}

/**
 * The methods of every route whose path matches, for `Allow`.
 * @param {Node} root
 * @param {Lookup} lookup
 */
function allowedMethods(root, lookup) {
  /** @type {Set<string>} */
  const methods = new Set();
  walk(root, 0, lookup, addMethods, methods);
  if (methods.size > 0) methods.add('OPTIONS');
  return [...methods];
}
