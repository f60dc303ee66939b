// The step this feature adds to `startUsersApp()` in test/users-helpers.js, through which the users example's tests log in.
// The generator reads this file (generators/engine/snippets.ts); it is not copied into projects. Its imports
// are written as from a folder at the top of a project and serve the type-check: the import edits are in the group's table.

import { tokenLogin } from '../test/auth-token-helpers.js';

/** @param {import('../test/users-helpers.js').LoginStep[]} steps the steps `startUsersApp()` runs */
export function startUsersApp(steps) {
  steps.push(tokenLogin);
}
