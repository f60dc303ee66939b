// What this feature adds to `testServices()` in test/helpers.js: the settings every test app of the project starts with.
// The generator reads this file (generators/engine/snippets.ts); it is not copied into projects. Its imports
// are written as from a folder at the top of a project and serve the type-check: the import edits are in the group's table.

import { fileStoreTestSettings } from '../test/store-file-helpers.js';

/** @param {Record<string, any>} settings the settings `testServices()` returns */
export async function testServices(settings) {
  Object.assign(settings, await fileStoreTestSettings());
}
