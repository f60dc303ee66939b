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
        userFiles: ['src/resources/users.js'],
        edits: (): Edit[] => [
          { kind: 'import', file: 'src/routes.js', from: './resources/users.js', names: ['users'] },
          { kind: 'statement', file: 'src/routes.js', function: 'routes', code: "router.resource('/users', users);" },
        ],
      },
    },
    {
      value: 'natural',
      title: 'Natural routing',
      description: '/controller/action/args -> src/controllers/<controller>.js, exported function <action> (example: /users/show/<id>)',
      feature: {
        id: 'routing-natural',
        userFiles: ['src/controllers/users.js'],
        edits: (): Edit[] => [
          { kind: 'import', file: 'src/app.js', from: './lib/natural-router.js', names: ['naturalRouter'] },
          { kind: 'use', file: 'src/app.js', slot: 'natural', call: 'naturalRouter()' },
        ],
      },
    },
  ],
};
