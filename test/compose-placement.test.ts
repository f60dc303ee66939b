import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyEdit, revertEdit, slotTable } from '../generators/engine/compose.js';
import type { Edit } from '../generators/types.js';

/**
 * Where `statement` and `use` edits land in files full of the user's
 * comments: after the declarations the new line uses, before the return,
 * never between a comment and the line it describes; and revert gives the
 * file back byte for byte.
 */

const me: Edit = { kind: 'statement', file: 'src/routes.js', function: 'routes', code: "router.get('/me', requireUser(config), currentUser);" };

/** Lines of `text` without their indentation. */
const lines = (text: string) => text.split('\n').map((l) => l.trim());

function assertLineBefore(text: string, line: string, next: string) {
  const all = lines(text);
  const i = all.indexOf(line);
  assert.ok(i !== -1, `${line} missing in\n${text}`);
  assert.is(all[i + 1], next, `expected ${next} right after ${line} in\n${text}`);
}

function roundTrip(text: string, edit: Edit, slots = new Map()) {
  const out = applyEdit(text, edit, slots);
  assert.is.not(out, text, 'applied');
  assert.is(applyEdit(out, edit, slots), out, 'idempotent');
  assert.is(revertEdit(out, edit), text, 'revert(apply(x)) == x');
  return out;
}

const SEVEN_COMMENTS = `export function routes(config) {
  // The route table.
  // Each feature adds its endpoints here;
  // add your own below.
  // one
  // two
  // three
  // four
  const router = createRouter(config.router);
  router.get('/health', health);
  return router.middleware();
}
`;

test('statement: seven comment lines at the top of routes(): lands after const router, before the return', () => {
  const out = roundTrip(SEVEN_COMMENTS, me);
  const all = lines(out);
  assert.ok(all.indexOf(me.kind === 'statement' ? me.code : '') > all.indexOf('const router = createRouter(config.router);'), out);
  assertLineBefore(out, "router.get('/health', health);", "router.get('/me', requireUser(config), currentUser);");
  assertLineBefore(out, "router.get('/me', requireUser(config), currentUser);", 'return router.middleware();');
  assert.match(out, /^ {2}router\.get\('\/me'/m, 'indented like its neighbours');
});

test('statement: a // comment directly above the return stays with the return', () => {
  const text = SEVEN_COMMENTS.replace('  return', '  // the middleware of the table\n  return');
  const out = roundTrip(text, me);
  assertLineBefore(out, "router.get('/me', requireUser(config), currentUser);", '// the middleware of the table');
  assertLineBefore(out, '// the middleware of the table', 'return router.middleware();');
});

test('statement: a /** */ block (several lines) directly above the return stays with the return', () => {
  const text = SEVEN_COMMENTS.replace('  return', '  /**\n   * Everything above, as one middleware.\n   */\n  return');
  const out = roundTrip(text, me);
  assertLineBefore(out, "router.get('/me', requireUser(config), currentUser);", '/**');
  assertLineBefore(out, '*/', 'return router.middleware();');
});

test("statement: a comment separated from the return by a blank line is not the return's: insert right before the return", () => {
  const text = SEVEN_COMMENTS.replace('  return', '  // my routes end here\n\n  return');
  const out = roundTrip(text, me);
  assertLineBefore(out, "router.get('/me', requireUser(config), currentUser);", 'return router.middleware();');
  assertLineBefore(out, "router.get('/health', health);", '// my routes end here');
});

test("statement: a JSDoc block separated from the return by a blank line is not the return's either", () => {
  const text = SEVEN_COMMENTS.replace('  return', '  /** End of the public routes. */\n\n  return');
  const out = roundTrip(text, me);
  assertLineBefore(out, "router.get('/me', requireUser(config), currentUser);", 'return router.middleware();');
  assertLineBefore(out, '/** End of the public routes. */', '');
});

test('statement: trailing comments on the same line stay on their line', () => {
  const text = SEVEN_COMMENTS.replace('health);', 'health); // liveness').replace('middleware();', 'middleware(); // done');
  const out = roundTrip(text, me);
  assert.match(out, /router\.get\('\/health', health\); \/\/ liveness\n/);
  assert.match(out, /return router\.middleware\(\); \/\/ done\n/);
  assertLineBefore(out, "router.get('/health', health); // liveness", "router.get('/me', requireUser(config), currentUser);");
});

test('statement: comments between routes and a comment block at the top of an arrow function', () => {
  const text = `export const routes = (config) => {
  /** The table. */
  // built once
  const router = createRouter(config.router);
  // health first
  router.get('/health', health);
  /* the end */ return router.middleware();
};
`;
  const out = roundTrip(text, me);
  assertLineBefore(out, "router.get('/health', health);", "router.get('/me', requireUser(config), currentUser);");
  assertLineBefore(out, "router.get('/me', requireUser(config), currentUser);", '/* the end */ return router.middleware();');
});

test('statement: never above the declaration it uses, even when the user declared it late', () => {
  const text = `export function routes(config) {
  // notes
  log('building');
  const router = createRouter(config.router);
  return router.middleware();
}
`;
  const out = roundTrip(text, me);
  assertLineBefore(out, 'const router = createRouter(config.router);', "router.get('/me', requireUser(config), currentUser);");
});

test('statement: a function without a return gets it after its last statement, before trailing comments', () => {
  const text = `export function routes(router, config) {
  router.get('/health', health);
  // more to come
}
`;
  const out = roundTrip(text, me);
  assertLineBefore(out, "router.get('/health', health);", "router.get('/me', requireUser(config), currentUser);");
  assertLineBefore(out, "router.get('/me', requireUser(config), currentUser);", '// more to come');
});

const APP = `export function buildApp(config) {
  // The pipeline.
  // Order matters.
  const app = createApp({ env: config.env });
  // logs every request
  app.use(accessLog(config.log));

  // parses JSON
  app.use(body(config.body, {}));
  /** the routes */
  app.use(routes(config));
  // done
  return app;
}
`;

const slots = slotTable([
  { kind: 'use', file: 'src/app.js', slot: 'request-log', call: 'accessLog(config.log)' },
  { kind: 'use', file: 'src/app.js', slot: 'session', call: 'session(config)' },
  { kind: 'use', file: 'src/app.js', slot: 'body', call: 'body(config.body, {})' },
  { kind: 'use', file: 'src/app.js', slot: 'router', call: 'routes(config)' },
  { kind: 'use', file: 'src/app.js', slot: 'natural', call: 'naturalRouter()' },
]);

test("use: before the next slot's middleware, above the comment that describes it", () => {
  const edit: Edit = { kind: 'use', file: 'src/app.js', slot: 'session', call: 'session(config)' };
  const out = roundTrip(APP, edit, slots);
  assertLineBefore(out, '// parses JSON', 'app.use(body(config.body, {}));');
  assertLineBefore(out, 'app.use(session(config));', '// parses JSON');
});

test('use: before a JSDoc-described middleware, above its JSDoc', () => {
  const edit: Edit = { kind: 'use', file: 'src/app.js', slot: 'body', call: 'csrfFormField()' };
  const out = roundTrip(APP, edit, slots);
  assertLineBefore(out, 'app.use(body(config.body, {}));', 'app.use(csrfFormField());');
  assertLineBefore(out, 'app.use(csrfFormField());', '/** the routes */');
});

test('use: after the previous slot when nothing later is known; before the return and its comment', () => {
  const edit: Edit = { kind: 'use', file: 'src/app.js', slot: 'natural', call: 'naturalRouter()' };
  const out = roundTrip(APP, edit, slots);
  assertLineBefore(out, 'app.use(routes(config));', 'app.use(naturalRouter());');
  assertLineBefore(out, 'app.use(naturalRouter());', '// done');
  const bare = `export function buildApp(config) {
  const app = createApp();
  // my own
  app.use(mine());
  /** the app */
  return app;
}
`;
  const alone = roundTrip(bare, edit, slots);
  assertLineBefore(alone, 'app.use(mine());', 'app.use(naturalRouter());');
  assertLineBefore(alone, 'app.use(naturalRouter());', '/** the app */');
});

test('use: after a middleware with a trailing comment, the comment stays on its line', () => {
  const edit: Edit = { kind: 'use', file: 'src/app.js', slot: 'session', call: 'session(config)' };
  const text = `export function buildApp(config) {
  const app = createApp();
  app.use(accessLog(config.log)); // first
  return app;
}
`;
  const out = roundTrip(text, edit, slots);
  assert.match(out, /app\.use\(accessLog\(config\.log\)\); \/\/ first\n {2}app\.use\(session\(config\)\);\n {2}return app;/);
});

test('use: comments only at the top of buildApp, no known middleware: after const app, before the return', () => {
  const edit: Edit = { kind: 'use', file: 'src/app.js', slot: 'session', call: 'session(config)' };
  const text = `export function buildApp(config) {
  // a
  // b
  // c
  // d
  const app = createApp();
  return app;
}
`;
  const out = roundTrip(text, edit, slots);
  assertLineBefore(out, 'const app = createApp();', 'app.use(session(config));');
});

test("use: reverting keeps the user's comments around the removed middleware", () => {
  const edit: Edit = { kind: 'use', file: 'src/app.js', slot: 'session', call: 'session(config)' };
  const out = applyEdit(APP, edit, slots).replace('  app.use(session(config));\n', '  // sessions\n  app.use(session(config)); // keep me\n');
  const back = revertEdit(out, edit);
  assert.not.match(back, /session\(/);
  assert.match(back, /\/\/ sessions\n/);
  assert.match(back, /\/\/ keep me/);
});

const sessionImport: Edit = { kind: 'import', file: 'src/app.js', from: './lib/session.js', names: ['session'] };

test('import: below the last import, whose trailing comment stays on its line; no blank line added', () => {
  const text = `// @ts-check
import { a } from './a.js'; // the a
// the app
export function buildApp() {}
`;
  const out = roundTrip(text, sessionImport);
  assert.is(out, text.replace('// the a\n', "// the a\nimport { session } from './lib/session.js';\n"));
});

test('import: in a file without imports, below // @ts-check, above the comment that describes the first statement', () => {
  const text = `// @ts-check
// the app
export function buildApp() {}
`;
  const out = roundTrip(text, sessionImport);
  assert.is(out, text.replace('// @ts-check\n', "// @ts-check\nimport { session } from './lib/session.js';\n"));
});

test('import: removing one name of several keeps the line; swap-import moves a name across imports with comments', () => {
  const text = `import { session, fileStore } from './lib/session.js'; // stores
import { serve } from './lib/serve.js';
import { other } from './lib/cluster.js';
// start
serve(() => null, {});
`;
  assert.is(revertEdit(text, sessionImport), text.replace('session, fileStore', 'fileStore'));
  const swap: Edit = { kind: 'swap-import', file: 'src/server.js', name: 'serve', from: './lib/serve.js', to: './lib/cluster.js' };
  const out = applyEdit(text, swap);
  assert.match(out, /import \{ other, serve \} from '\.\/lib\/cluster\.js';\n\/\/ start\n/);
  assert.not.match(out, /serve\.js/);
  assert.match(out, /\/\/ stores\n/);
});

const CONFIG = `export const defaults = {
  port: 3000, // ours
  /** Where. */
  host: 'x' // no trailing comma
};
`;

test('property: apply and revert around trailing comments, in a literal without trailing commas', () => {
  const edit: Edit = { kind: 'property', file: 'src/config.js', object: 'defaults', name: 'session', doc: 'Sessions.', value: '{\n  maxAge: 60,\n}' };
  const out = roundTrip(CONFIG, edit);
  assert.match(out, /host: 'x', \/\/ no trailing comma\n {2}\/\*\* Sessions\. \*\/\n {2}session: \{\n {4}maxAge: 60,\n {2}\}\n\};/);
});

test('property: revert of a property after a line with a trailing comment keeps that comment (ts-morph dropped or crashed on it)', () => {
  const edit: Edit = { kind: 'property', file: 'src/config.js', object: 'defaults', path: ['auth'], name: 'cacheTtl', doc: 'ms', value: '60_000' };
  const text = `export const defaults = {
  auth: {
    /** Staff. */
    users: ['alice'], // ops rotate these
  },
};
`;
  const out = roundTrip(text, edit);
  assert.match(out, /users: \['alice'\], \/\/ ops rotate these\n {4}\/\*\* ms \*\/\n {4}cacheTtl: 60_000,\n {2}\},/);
  const first: Edit = { ...edit, name: 'users', value: '[]', doc: 'Staff.' };
  assert.is(revertEdit(out, first), out.replace("    /** Staff. */\n    users: ['alice'], // ops rotate these\n", ''));
});

test('property: added after the last property when the user\'s comments close the literal (ts-morph wrote "3000,,")', () => {
  const edit: Edit = { kind: 'property', file: 'src/config.js', object: 'defaults', name: 'csrf', doc: 'CSRF.', value: "{\n  cookieName: 'csrf',\n}" };
  const text = `export const defaults = {
  port: 3000,
  // keep last: ours
  /* two */
};
`;
  const out = roundTrip(text, edit);
  assert.is(out, text.replace('  port: 3000,\n', "  port: 3000,\n  /** CSRF. */\n  csrf: {\n    cookieName: 'csrf',\n  },\n"));
});

test.run();
