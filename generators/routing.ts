import { appEdits, routeStatements } from './engine/snippets.js';
import type { Edit, Group } from './types.js';

/**
 * How requests find their handlers. Both modes keep the base route table
 * (src/routes.js: /health, /ready and every feature's endpoints); they
 * differ in where the example `users` resource lives:
 * - `table`: `router.resource('/users', users)` in src/routes.js, the
 *   controller in src/resources/users.js;
 * - `natural`: a middleware after the route table maps
 *   /controller/action/args to src/controllers/<controller>.js.
 * The example files belong to the user once written (`userFiles`).
 */
export const routing: Group = {
  id: 'routing',
  message: 'How should requests find their handlers?',
  description: 'a route table (radix tree, :params, REST resources) or natural /controller/action/args routing',
  kind: 'single',
  default: 'table',
  options: [
    {
      value: 'table',
      title: 'Route table',
      description: 'method + path routes with :params, safe regex constraints and * wildcards; REST resources (example: /users)',
      feature: {
        id: 'routing-table',
        // The users example reads and its tests send JSON bodies.
        requires: [{ group: 'body', values: ['json'], message: 'the users example of --routing table reads JSON bodies: keep json in --body (e.g. --body json,form)' }],
        userFiles: ['src/resources/users.js'],
        // Plain words only: the README template escapes quotes and angle brackets.
        endpoints: [
          { method: 'GET', path: '/users', description: 'example resource: a page of users (offset, limit)' },
          { method: 'POST', path: '/users', description: 'create a user from a JSON name and email (201 + Location)' },
          { method: 'GET', path: '/users/:id', description: 'one user' },
          { method: 'PUT, PATCH', path: '/users/:id', description: 'replace or change a user' },
          { method: 'DELETE', path: '/users/:id', description: 'delete a user (204)' },
        ],
        edits: (): Edit[] => [{ kind: 'import', file: 'src/routes.js', from: './resources/users.js', names: ['users'] }, ...routeStatements('routing-table')],
      },
    },
    {
      value: 'natural',
      title: 'Natural routing',
      description: '/controller/action/args -> the module src/controllers/<controller>, exported function <action> (example: /users/show/<id>)',
      feature: {
        id: 'routing-natural',
        // The users example reads and its tests send JSON bodies.
        requires: [{ group: 'body', values: ['json'], message: 'the users example of --routing natural reads JSON bodies: keep json in --body (e.g. --body json,form)' }],
        userFiles: ['src/controllers/users.js'],
        endpoints: [
          { method: 'GET', path: '/users', description: 'example controller users, action index: a page of users (offset, limit)' },
          { method: 'POST', path: '/users/create', description: 'create a user from a JSON name and email (201 + Location)' },
          { method: 'GET', path: '/users/show/:id', description: 'one user' },
          { method: 'PUT, PATCH, POST', path: '/users/update/:id', description: 'replace or change a user' },
          { method: 'DELETE, POST', path: '/users/destroy/:id', description: 'delete a user (204)' },
        ],
        edits: (): Edit[] => [{ kind: 'import', file: 'src/app.js', from: './lib/natural-router.js', names: ['naturalRouter'] }, ...appEdits('routing-natural')],
      },
    },
  ],
};
