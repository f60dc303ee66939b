import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { reachabilityProblems } from './support/reachable.js';

// A TypeScript project's modules: entry src/server.ts, `.ts` specifiers, `import type`, tests run by `node --test test/*.test.ts`.
const project = () =>
  new Map<string, string>([
    ['package.json', JSON.stringify({ scripts: { start: 'node src/server.ts', test: 'node --test test/*.test.ts', 'hash-password': 'node scripts/hash-password.ts' } })],
    ['src/server.ts', `import { buildApp } from './app.ts';\n\nbuildApp().listen(3000);\n`],
    [
      'src/app.ts',
      `import type { Config } from './config.ts';\n\n/** Wired in src/app.ts; see test/app.test.ts. */\nexport function buildApp(config?: Config) {\n  return { listen: (port: number) => [config, port] };\n}\n`,
    ],
    ['src/config.ts', `export interface Config {\n  port: number;\n}\n`],
    ['scripts/hash-password.ts', `console.log('hash');\n`],
    ['test/app.test.ts', `import { test } from 'node:test';\nimport { buildApp } from '../src/app.ts';\n\ntest('builds', () => buildApp());\n`],
    ['public/app.js', `document.title = 'app';\n`],
  ]);

test('a TypeScript project: every module is reached from src/server.ts or a script, type-only imports count', () => {
  assert.equal(reachabilityProblems(project()), []);
});

test('a TypeScript project: an unreached .ts module, a missing .ts import and a comment naming a missing .ts file are found', () => {
  const files = project();
  files.set('src/lib/unused.ts', `export const x = 1;\n`);
  files.set('src/app.ts', files.get('src/app.ts')!.replace("'./config.ts'", "'./settings.ts'").replace('test/app.test.ts', 'test/gone.test.ts'));
  assert.equal(reachabilityProblems(files), [
    "src/app.ts: './settings.ts' resolves to src/settings.ts, which the project does not have",
    'src/config.ts: nothing reaches it from src/server.ts or a package.json script',
    'src/lib/unused.ts: nothing reaches it from src/server.ts or a package.json script',
    'src/app.ts: a comment names test/gone.test.ts, which the project does not have',
  ]);
});

test.run();
