import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyEdit, revertEdit, slotTable } from '../generators/engine/compose.js';
import type { Edit } from '../generators/types.js';

const APP = `// @ts-check
import { createApp } from './lib/pipeline.js';
import { accessLog } from './lib/access-log.js';
import { body, parseJson } from './lib/body.js';
import { routes } from './routes.js';

export function buildApp(config) {
  const app = createApp({ env: config.env });
  app.use(accessLog(config.log));
  app.use(body(config.body, { json: parseJson }));
  app.use(routes(config));
  return app;
}
`;

const slots = slotTable([
  { kind: 'use', file: 'src/app.js', slot: 'request-log', call: 'accessLog(config.log)' },
  { kind: 'use', file: 'src/app.js', slot: 'body', call: 'body(config.body)' },
  { kind: 'use', file: 'src/app.js', slot: 'router', call: 'routes(config)' },
  { kind: 'use', file: 'src/app.js', slot: 'session', call: 'session(config.session)' },
]);

const session: Edit = { kind: 'use', file: 'src/app.js', slot: 'session', call: 'session(config.session)' };
const sessionImport: Edit = { kind: 'import', file: 'src/app.js', from: './lib/session.js', names: ['session'] };

function useOrder(text: string): string[] {
  return [...text.matchAll(/app\.use\(\s*(\w+)/g)].map((m) => m[1]);
}

test('use: lands in its canonical slot (after request log, before body)', () => {
  const out = applyEdit(APP, session, slots);
  assert.equal(useOrder(out), ['accessLog', 'session', 'body', 'routes']);
});

test('use: applying twice equals applying once', () => {
  const once = applyEdit(APP, session, slots);
  assert.is(applyEdit(once, session, slots), once);
});

test('use: finds its slot after the user reordered and reformatted buildApp', () => {
  const edited = APP.replace('  app.use(accessLog(config.log));\n', '').replace(
    'app.use(routes(config));',
    'app.use(myTiming());\n  app.use(  routes( config )  );\n  app.use(accessLog(config.log));',
  );
  const out = applyEdit(edited, session, slots);
  assert.equal(useOrder(out), ['session', 'body', 'myTiming', 'routes', 'accessLog']);
});

test('use: revert removes exactly the added call', () => {
  const out = revertEdit(applyEdit(APP, session, slots), session);
  assert.is(out, APP);
});

test('use: missing anchor (no buildApp) throws instead of doing nothing', () => {
  assert.throws(() => applyEdit('export const x = 1;\n', session, slots), /function "buildApp" not found/);
});

test('import: added after the last import, merged, idempotent, reverted', () => {
  const out = applyEdit(APP, sessionImport);
  assert.match(out, /import \{ routes \} from '\.\/routes\.js';\nimport \{ session \} from '\.\/lib\/session\.js';/);
  assert.is(applyEdit(out, sessionImport), out);
  const merged = applyEdit(out, { kind: 'import', file: 'src/app.js', from: './lib/session.js', names: ['fileStore'] });
  assert.match(merged, /import \{ session, fileStore \} from '\.\/lib\/session\.js';/);
  assert.is(revertEdit(out, sessionImport), APP);
});

const CONFIG = `export const defaults = {
  port: 3000,
  body: {
    limit: 1048576,
  },
};
`;

test('property: adds a key to the defaults object, nested with path, keeps a user value', () => {
  const edit: Edit = { kind: 'property', file: 'src/config.js', object: 'defaults', name: 'session', value: '{ maxAge: 3600 }', doc: 'Cookie sessions.' };
  const out = applyEdit(CONFIG, edit);
  assert.match(out, /\/\*\* Cookie sessions\. \*\/\n\s+session: \{ maxAge: 3600 \}/);
  assert.is(applyEdit(out, edit), out);
  const userChanged = out.replace('maxAge: 3600', 'maxAge: 60');
  assert.is(applyEdit(userChanged, edit), userChanged, "an existing key is the user's: never overwritten");
  assert.is(revertEdit(out, edit), CONFIG);
  const nested: Edit = { kind: 'property', file: 'src/config.js', object: 'defaults', path: ['body'], name: 'xmlDepth', value: '32' };
  assert.match(applyEdit(CONFIG, nested), /limit: 1048576,\s+xmlDepth: 32/);
  assert.throws(() => applyEdit(CONFIG, { ...nested, path: ['nope'] }), /defaults\.nope not found/);
});

test('property: into an argument of a call (body parsers)', () => {
  const edit: Edit = { kind: 'property', file: 'src/app.js', object: 'body', argument: 1, name: 'form', value: 'parseForm' };
  const out = applyEdit(APP, edit);
  assert.match(out, /body\(config\.body, \{ json: parseJson, form: parseForm \}\)/);
  assert.is(applyEdit(out, edit), out);
  assert.is(revertEdit(out, edit), APP);
  assert.throws(() => applyEdit(APP, { ...edit, object: 'nothere' }), /expected one call to nothere/);
});

const ROUTES = `export function routes(config) {
  const router = createRouter(config.router);
  router.get('/health', health);
  return router.middleware();
}
`;

test('statement: before the return, idempotent across quote and spacing style, reverted', () => {
  const edit: Edit = { kind: 'statement', file: 'src/routes.js', function: 'routes', code: "router.post('/login', login(config));" };
  const out = applyEdit(ROUTES, edit);
  assert.match(out, /router\.post\('\/login', login\(config\)\);\n\s+return router\.middleware\(\);/);
  assert.is(applyEdit(out, edit), out);
  const restyled = out.replace("router.post('/login', login(config));", 'router.post( "/login",  login(config) )');
  assert.is(applyEdit(restyled, edit), restyled);
  assert.is(revertEdit(out, edit), ROUTES);
  assert.throws(() => applyEdit(ROUTES, { ...edit, function: 'missing' }), /function "missing" not found/);
});

const SERVER = `import { serve } from './lib/serve.js';
serve(() => null, {});
`;

test('swap-import: takes the name from another module, idempotent, reverted, loud when absent', () => {
  const edit: Edit = { kind: 'swap-import', file: 'src/server.js', name: 'serve', from: './lib/serve.js', to: './lib/cluster.js' };
  const out = applyEdit(SERVER, edit);
  assert.match(out, /import \{ serve \} from '\.\/lib\/cluster\.js';/);
  assert.not.match(out, /serve\.js/);
  assert.is(applyEdit(out, edit), out);
  assert.is(revertEdit(out, edit), SERVER);
  assert.throws(() => applyEdit('const a = 1;\n', edit), /expected "serve" to be imported/);
});

test.run();
