// What this feature adds to `buildApp()` in src/app.js: each `app.use(...)` below is one line there. After
// `// slot: <slot>` it is middleware in that slot of the canonical order (SLOTS in generators/types.ts); after
// `// options:` the keys of its object argument go into that call, already in src/app.js.
// The generator reads this file (generators/engine/snippets.ts); it is not copied into projects. Its imports
// are written as from a folder at the top of a project and serve the type-check: the import edits are in the group's table.

import { csrf, csrfFormField } from '../src/lib/csrf.js';

/**
 * @param {import('../src/lib/pipeline.js').App} app the application `buildApp()` creates
 * @param {import('../src/config.js').Config} config
 */
export function buildApp(app, config) {
  // slot: csrf
  app.use(csrf(config));
  // slot: body
  app.use(csrfFormField());
}
