import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { affectedFiles, isCheckedFile, typecheck } from '../generators/engine/typecheck.js';

// A tiny TypeScript project in memory: `.ts` import specifiers, `import type`, an interface, node's types.
const PROJECT = new Map([
  [
    'src/config.ts',
    `export interface Config {
  port: number;
  host: string;
}

export const defaults: Config = { port: 3000, host: 'localhost' };
`,
  ],
  [
    'src/server.ts',
    `import { createServer, type Server } from 'node:http';
import type { Config } from './config.ts';
import { defaults } from './config.ts';

export function start(config: Config = defaults): Server {
  const server = createServer((req, res) => res.end(req.url));
  server.listen(config.port, config.host);
  return server;
}
`,
  ],
  ['test/server.test.ts', `import { test } from 'node:test';\nimport { start } from '../src/server.ts';\n\ntest('starts', () => {\n  start().close();\n});\n`],
  ['public/app.js', `// @ts-check\ndocument.title = 'app';\n`],
]);

test('the .ts files of a project are checked files; its browser files stay .js', () => {
  assert.ok(isCheckedFile('src/server.ts'));
  assert.ok(isCheckedFile('test/server.test.ts'));
  assert.ok(isCheckedFile('public/app.js'));
  assert.not.ok(isCheckedFile('tsconfig.json'));
  assert.not.ok(isCheckedFile('docs/x.ts'));
});

test('a TypeScript project with .ts imports and `import type` type-checks clean', () => {
  assert.equal(typecheck(PROJECT), []);
});

test('a type error in a .ts file is caught, with its file and line', () => {
  const broken = new Map(PROJECT);
  broken.set('src/server.ts', PROJECT.get('src/server.ts')!.replace('server.listen(config.port, config.host);', 'server.listen(config.port.toFixed(), config.hostname);'));
  const errors = typecheck(broken);
  assert.ok(errors.length > 0);
  assert.match(errors.join('\n'), /^src\/server\.ts:7 TS(2339|2551) Property 'hostname' does not exist on type 'Config'/m);
});

test("a TypeScript project is checked with its tsconfig.json's options: a type imported as a value, an enum", () => {
  const valueImport = new Map(PROJECT);
  valueImport.set('src/server.ts', PROJECT.get('src/server.ts')!.replace("import type { Config } from './config.ts';", "import { Config } from './config.ts';"));
  assert.match(typecheck(valueImport).join('\n'), /src\/server\.ts:2 TS1484 /, 'verbatimModuleSyntax');
  const withEnum = new Map(PROJECT);
  withEnum.set('src/config.ts', `${PROJECT.get('src/config.ts')}\nexport enum Mode { Dev, Prod }\n`);
  assert.match(typecheck(withEnum).join('\n'), /src\/config\.ts:8 TS1294 /, 'erasableSyntaxOnly');
});

test('a JavaScript project is checked as before (no .ts specifiers)', () => {
  const js = new Map([
    ['src/a.js', `// @ts-check\nexport const a = 1;\n`],
    ['src/b.js', `// @ts-check\nimport { a } from './a.js';\n/** @type {string} */\nexport const b = a;\n`],
  ]);
  assert.match(typecheck(js).join('\n'), /src\/b\.js:4 TS2322 /);
});

test("an exported interface or type counts in a module's shape: its importers are checked too", () => {
  const after = new Map(PROJECT);
  after.set('src/config.ts', `${PROJECT.get('src/config.ts')}\nexport interface Options {\n  verbose: boolean;\n}\n`);
  assert.equal([...affectedFiles(PROJECT, after, new Set(['src/config.ts']))].sort(), ['src/config.ts', 'src/server.ts']);
});

// A check of some files (`only`) reads the rest of the project only through their imports, plus
// the files that may declare globals: names those declare are found, and errors elsewhere are not theirs.

test('a check of some files still sees the globals of a declaration file they do not import', () => {
  const files = new Map([
    ['src/globals.d.ts', 'declare function shout(text: string): string;\n'],
    ['src/a.js', `// @ts-check\nexport const loud = shout('hi');\n`],
  ]);
  assert.equal(typecheck(files, new Set(['src/a.js'])), []);
  files.set('src/a.js', `// @ts-check\nexport const loud = whisper('hi');\n`);
  assert.match(typecheck(files, new Set(['src/a.js'])).join('\n'), /^src\/a\.js:2 TS2304 Cannot find name 'whisper'/m, 'the check can fail');
});

test('a check of some files still sees what a module it does not import adds with `declare global` or `declare module`', () => {
  const files = new Map(PROJECT);
  files.set('src/env.ts', `declare global {\n  var appName: string;\n}\n\nexport const started = Date.now();\n`);
  files.set('src/request-user.ts', `import 'node:http';\n\ndeclare module 'node:http' {\n  interface IncomingMessage {\n    user?: string;\n  }\n}\n\nexport {};\n`);
  files.set('src/server.ts', PROJECT.get('src/server.ts')!.replace('res.end(req.url)', 'res.end(`${appName} ${req.user ?? req.url}`)'));
  assert.equal(typecheck(files, new Set(['src/server.ts'])), []);
  files.set('src/server.ts', PROJECT.get('src/server.ts')!.replace('res.end(req.url)', 'res.end(`${appTitle} ${req.username}`)'));
  const errors = typecheck(files, new Set(['src/server.ts'])).join('\n');
  assert.match(errors, /^src\/server\.ts:6 TS2304 Cannot find name 'appTitle'/m, 'the check can fail');
  assert.match(errors, /^src\/server\.ts:6 TS2339 Property 'username' does not exist on type 'IncomingMessage'/m);
});

test('a check of some files reports their errors, and not those of a file they do not reach', () => {
  const files = new Map(PROJECT);
  files.set('src/unrelated.ts', `export const n: number = 'not a number';\n`);
  assert.equal(typecheck(files, new Set(['src/server.ts', 'test/server.test.ts'])), []);
  assert.match(typecheck(files).join('\n'), /^src\/unrelated\.ts:1 TS2322 /m, 'a full check reports it');
  files.set('src/server.ts', PROJECT.get('src/server.ts')!.replace('config.port, config.host', 'config.port, config.hostname'));
  assert.match(typecheck(files, new Set(['src/server.ts'])).join('\n'), /^src\/server\.ts:7 TS(2339|2551) Property 'hostname' does not exist/m);
});

test.run();
