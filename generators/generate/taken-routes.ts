import { CLIError } from '../engine/errors.js';

/**
 * The routes src/routes.js already registers, read from its text, so that
 * `generate` refuses a route the router would refuse at start ("already
 * registered") instead of writing a project that no longer starts. Two
 * routes clash when a method matches (ALL matches every one) and their
 * paths have the same shape: the router matches `:id` and `:userId` alike.
 */
interface Route {
  methods: string[];
  path: string;
  /** The line of src/routes.js that registers it, for the message. */
  line: number;
}

const REGISTRATION = /\brouter\s*\.\s*(get|post|put|patch|delete|all|route|resource)\s*\(\s*(?:(['"`])([A-Za-z]+)\2\s*,\s*)?(['"`])([^'"`]*)\4/g;

/** What `router.resource(path, controller)` can register (the controller's actions decide which; all are assumed). */
const resourceRoutes = (path: string): Omit<Route, 'line'>[] => {
  const item = `${path.replace(/\/$/, '')}/:id`;
  return [
    { methods: ['GET', 'POST'], path },
    { methods: ['GET', 'PUT', 'PATCH', 'DELETE'], path: item },
  ];
};

export function registeredRoutes(routesText: string): Route[] {
  const out: Route[] = [];
  for (const match of routesText.matchAll(REGISTRATION)) {
    const [, call, , method, , path] = match;
    const line = routesText.slice(0, match.index).split('\n').length;
    if (call === 'resource') out.push(...resourceRoutes(path).map((r) => ({ ...r, line })));
    else if (call === 'route') {
      if (method) out.push({ methods: [method.toUpperCase()], path, line });
    } else out.push({ methods: [call.toUpperCase()], path, line });
  }
  return out;
}

/** `/users/:id/` -> `/users/:`: what the router compares. */
const shape = (path: string) => (path.length > 1 ? path.replace(/\/$/, '') : path).replace(/\/:[^/]+/g, '/:');

/** `GET /x`, `PUT, PATCH /x/:id`: the endpoint lines a scaffold lists. */
function parseEndpoint(endpoint: string): { methods: string[]; path: string } {
  const at = endpoint.indexOf(' /');
  return {
    methods: endpoint
      .slice(0, at)
      .split(',')
      .map((m) => m.trim()),
    path: endpoint.slice(at + 1),
  };
}

/** Refuses endpoints that the route table (`file`: src/routes.js, src/routes.ts in TypeScript) already routes, naming the line. */
export function assertRoutesFree(endpoints: string[], routesText: string, what: string, file = 'src/routes.js'): void {
  const taken = registeredRoutes(routesText);
  for (const endpoint of endpoints) {
    const wanted = parseEndpoint(endpoint);
    for (const route of taken) {
      const method = wanted.methods.find((m) => route.methods.includes(m) || route.methods.includes('ALL'));
      if (method && shape(route.path) === shape(wanted.path)) {
        throw new CLIError(`${file} line ${route.line} already routes ${method} ${route.path}: pick another path for the ${what}`, 'E_EXISTS');
      }
    }
  }
}
