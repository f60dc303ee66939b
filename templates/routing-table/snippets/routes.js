// Endpoints this feature adds to `routes()` in src/routes.js: each statement of the function below is one line there.
// The generator reads this file (generators/engine/snippets.ts); it is not copied into projects. Its imports
// are written as from a folder at the top of a project and serve the type-check: the import edits are in the group's table.

import { users } from '../src/resources/users.js';

/**
 * @param {import('../src/lib/router.js').Router} router the route table `routes()` builds
 * @param {import('../src/config.js').Config} config
 */
export function routes(router, config) {
  router.resource('/users', users);
}
