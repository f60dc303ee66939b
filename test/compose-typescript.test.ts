import { Project } from 'ts-morph';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyEdit, revertEdit, slotTable, transition } from '../generators/engine/compose.js';
import type { Edit } from '../generators/types.js';

// A small TypeScript project as a render writes it: annotations, `import type`, casts, an interface, generics.
const APP = `import type { Config } from './config.ts';
import { createApp, type App } from './lib/pipeline.ts';
import { accessLog } from './lib/access-log.ts';
import { routes } from './routes.ts';

export function buildApp(config: Config): App {
  const app: App = createApp({ env: config.env, limits: { body: 1024 } as const });
  app.use(accessLog(config.log));
  app.use(routes(config));
  return app;
}
`;

const CONFIG = `import type { LogLevel } from './lib/log.ts';

export interface Config {
  port: number;
  log: { level: LogLevel };
}

/** What the server runs with unless the environment says otherwise. */
export const defaults = {
  port: 3000,
  log: { level: 'info' as LogLevel },
} satisfies Config;
`;

const ROUTES = `import type { Router } from './lib/router.ts';
import type { Config } from './config.ts';
import { health } from './handlers/health.ts';

export function routes(config: Config): (router: Router) => void {
  return function register(router: Router): void {
    router.get<{ id: string }>('/health', health);
  };
}

export const table = (router: Router): Router => {
  router.get('/', health);
  return router;
};
`;

const slots = slotTable([
  { kind: 'use', file: 'src/app.ts', slot: 'request-log', call: 'accessLog(config.log)' },
  { kind: 'use', file: 'src/app.ts', slot: 'session', call: 'session(config.session)' },
  { kind: 'use', file: 'src/app.ts', slot: 'router', call: 'routes(config)' },
]);

/** Does the text parse as TypeScript without a syntax error? */
function parses(path: string, text: string): boolean {
  const project = new Project({ useInMemoryFileSystem: true });
  const sf = project.createSourceFile(path, text);
  return project.getProgram().getSyntacticDiagnostics(sf).length === 0;
}

/** Applies the edits in order, checks the result parses and keeps every line of the original, and that reverting them in reverse order gives the original back byte for byte. */
function roundTrip(path: string, text: string, edits: Edit[]): string {
  let out = text;
  for (const edit of edits) out = applyEdit(out, edit, slots);
  assert.ok(parses(path, out), out);
  for (const edit of edits) assert.is(applyEdit(out, edit, slots), out, `applying ${edit.kind} again changes nothing`);
  let back = out;
  for (const edit of [...edits].reverse()) back = revertEdit(back, edit);
  assert.is(back, text, 'the inverse restores the file');
  return out;
}

test('import + use into a TypeScript app.ts: annotations and `import type` stay, the inverse restores it', () => {
  const out = roundTrip('/src/app.ts', APP, [
    { kind: 'import', file: 'src/app.ts', from: './lib/session.ts', names: ['session'] },
    { kind: 'use', file: 'src/app.ts', slot: 'session', call: 'session(config.session)' },
  ]);
  assert.match(out, /import \{ routes \} from '\.\/routes\.ts';\nimport \{ session \} from '\.\/lib\/session\.ts';\n/);
  assert.match(out, / {2}app\.use\(accessLog\(config\.log\)\);\n {2}app\.use\(session\(config\.session\)\);\n {2}app\.use\(routes\(config\)\);/);
  assert.match(out, /export function buildApp\(config: Config\): App \{\n {2}const app: App = createApp\(\{ env: config\.env, limits: \{ body: 1024 \} as const \}\);/);
});

test('an import edit never puts a value into an `import type` of the same module', () => {
  const edit: Edit = { kind: 'import', file: 'src/app.ts', from: './config.ts', names: ['loadConfig'] };
  const out = roundTrip('/src/app.ts', APP, [edit]);
  assert.match(out, /^import type \{ Config \} from '\.\/config\.ts';$/m, 'the type-only import is as it was');
  assert.match(out, /^import \{ loadConfig \} from '\.\/config\.ts';$/m, 'the value has an import of its own');
  // A value import that exists takes the name: `import { createApp, type App }` is a value import with a type specifier.
  const more = roundTrip('/src/app.ts', APP, [{ kind: 'import', file: 'src/app.ts', from: './lib/pipeline.ts', names: ['pipeline'] }]);
  assert.match(more, /^import \{ createApp, type App, pipeline \} from '\.\/lib\/pipeline\.ts';$/m);
});

test('property edits in a TypeScript config.ts: an object behind `satisfies`, values with `as` casts', () => {
  const out = roundTrip('/src/config.ts', CONFIG, [
    { kind: 'property', file: 'src/config.ts', object: 'defaults', name: 'session', value: "{ secret: '' as string, maxAge: 3600 }", doc: 'Sessions.' },
    { kind: 'property', file: 'src/config.ts', object: 'defaults', path: ['log'], name: 'json', value: 'false as boolean' },
  ]);
  assert.match(
    out,
    /log: \{ level: 'info' as LogLevel, json: false as boolean \},\n {2}\/\*\* Sessions\. \*\/\n {2}session: \{ secret: '' as string, maxAge: 3600 \},\n\} satisfies Config;/,
  );
  assert.match(out, /export interface Config \{\n {2}port: number;\n {2}log: \{ level: LogLevel \};\n\}/);
});

test('a property edit of a TypeScript config.ts changes between options keeping the user value', () => {
  const from: Edit = { kind: 'property', file: 'src/config.ts', object: 'defaults', name: 'cache', value: "{ store: 'memory' as const, ttl: 60 }" };
  const to: Edit = { kind: 'property', file: 'src/config.ts', object: 'defaults', name: 'cache', value: "{ store: 'redis' as const, ttl: 60, url: '' }" };
  const withCache = applyEdit(CONFIG, from);
  const mine = withCache.replace('ttl: 60', 'ttl: 300');
  const out = transition(mine, 'src/config.ts', [from], [to]);
  // The user's ttl stays, the new option's store and url come, casts kept (a new key of a one-line literal goes on a line of its own, as in JavaScript).
  assert.match(out, /cache: \{ store: 'redis' as const, ttl: 300,\s+url: ''\s+\}/);
  assert.ok(parses('/src/config.ts', out), out);
});

test('statements into a TypeScript routes.ts (a function returning a typed closure, an arrow with annotations)', () => {
  const edits: Edit[] = [
    { kind: 'import', file: 'src/routes.ts', from: './handlers/users.ts', names: ['users'] },
    { kind: 'statement', file: 'src/routes.ts', function: 'table', code: "router.get<{ id: string }>('/users/:id', users as Handler);" },
  ];
  const out = roundTrip('/src/routes.ts', ROUTES, edits);
  assert.match(out, / {2}router\.get\('\/', health\);\n {2}router\.get<\{ id: string \}>\('\/users\/:id', users as Handler\);\n {2}return router;/);
  assert.match(out, /^import \{ health \} from '\.\/handlers\/health\.ts';\nimport \{ users \} from '\.\/handlers\/users\.ts';$/m);
});

test('swap-import in TypeScript: a value import moves, an `import type` stays type-only', () => {
  const text = `import type { Store } from './lib/store-memory.ts';\nimport { memoryStore } from './lib/store-memory.ts';\n\nexport const store: Store = memoryStore();\n`;
  const value: Edit = { kind: 'swap-import', file: 'src/store.ts', name: 'memoryStore', from: './lib/store-memory.ts', to: './lib/store-redis.ts' };
  const type: Edit = { kind: 'swap-import', file: 'src/store.ts', name: 'Store', from: './lib/store-memory.ts', to: './lib/store-redis.ts' };
  const out = roundTrip('/src/store.ts', text, [value, type]);
  assert.is(out, text.replaceAll('store-memory', 'store-redis'));
});

test('remove refuses when a TypeScript line still uses an unimported name, and a type name is not mistaken for one', () => {
  const edit: Edit = { kind: 'import', file: 'src/app.ts', from: './lib/session.ts', names: ['session'] };
  const withSession = applyEdit(APP, edit).replace('  app.use(routes(config));', '  app.use(session(config.session) as Middleware);\n  app.use(routes(config));');
  assert.throws(() => revertEdit(withSession, edit), /src\/app\.ts:\d+ still uses session/);
  // An interface member or a qualified type of the same name is no use of it.
  const typed = `import { session } from './lib/session.ts';\n\ninterface Options {\n  session: boolean;\n}\n\nexport const options: Options & Cookies.session = { session: true };\n`;
  assert.is(revertEdit(typed, { kind: 'import', file: 'src/app.ts', from: './lib/session.ts', names: ['session'] }), typed.split('\n').slice(1).join('\n'));
});

test.run();
