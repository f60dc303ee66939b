import * as prettier from 'prettier';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findFormatting, applyFormatting, sameCode } from '../generators/engine/formatting.js';
import { merge3 } from '../generators/engine/merge.js';
import { findRenames, applyRenames } from '../generators/engine/renames.js';

// A TypeScript project's src/app.ts as a render writes it: annotations, `import type`, a generic, an `as` cast, an interface.
const BASE = `import type { Config } from './config.ts';
import { createApp, type App } from './lib/pipeline.ts';
import { accessLog } from './lib/access-log.ts';
import { routes } from './routes.ts';

interface Built {
  app: App;
  started: number;
}

export function buildApp(config: Config): Built {
  const app: App = createApp({ env: config.env });
  const names = new Map<string, number>();
  app.use(accessLog(config.log));
  app.use(routes(config));
  return { app, started: names.size as number };
}
`;

// The new version adds a middleware line and its import.
const THEIRS = BASE.replace("import { routes } from './routes.ts';\n", "import { csrf } from './lib/csrf.ts';\nimport { routes } from './routes.ts';\n").replace(
  '  app.use(routes(config));\n',
  '  app.use(csrf(config.csrf));\n  app.use(routes(config));\n',
);

/** The file with `app` renamed to `server` by hand: the variable and its uses, not the interface member it is returned as. */
const renamed = (text: string) =>
  text
    .replace('const app: App', 'const server: App')
    .replace(/app\.use\(/g, 'server.use(')
    .replace('return { app, started', 'return { app: server, started');

const biome = { parser: 'typescript', useTabs: true, singleQuote: false, semi: false, printWidth: 120 } as const;

test('a .ts file the user ran a formatter over (tabs, double quotes, no semicolons) takes the new line in their style', async () => {
  const ours = await prettier.format(BASE, biome);
  assert.not.equal(ours, BASE);
  const merged = merge3(ours, BASE, THEIRS, 'markers', 'src/app.ts');
  assert.is(merged.conflicts, 0, merged.content);
  assert.is(merged.content, await prettier.format(THEIRS, biome), 'the new lines arrive formatted the way the user formats');
  assert.match(merged.content, /\tapp: App\n\tstarted: number\n/, 'the interface keeps its annotations (no semicolons, as Prettier writes them)');
});

test('a .ts file where the user renamed a binding gets the new line under the new name, annotations kept', () => {
  const ours = renamed(BASE);
  const merged = merge3(ours, BASE, THEIRS, 'markers', 'src/app.ts');
  assert.is(merged.conflicts, 0, merged.content);
  assert.match(merged.content, /server\.use\(csrf\(config\.csrf\)\);\n {2}server\.use\(routes\(config\)\);/);
  assert.match(merged.content, /const server: App = createApp/);
  assert.match(merged.content, /^interface Built \{\n {2}app: App;/m, 'a member of an interface is not the binding');
});

test('a .ts file the user reformatted and renamed in: both carried', async () => {
  const ours = await prettier.format(renamed(BASE), biome);
  const merged = merge3(ours, BASE, THEIRS, 'markers', 'src/app.ts');
  assert.is(merged.conflicts, 0, merged.content);
  assert.match(merged.content, /\tserver\.use\(csrf\(config\.csrf\)\)\n\tserver\.use\(routes\(config\)\)\n/);
});

test('TypeScript syntax is parsed as TypeScript: a type-only change is code, a re-wrap is not', () => {
  const wrapped = BASE.replace('const names = new Map<string, number>();', 'const names = new Map<\n    string,\n    number\n  >();');
  assert.ok(sameCode(wrapped, BASE, 'src/app.ts'), 'a generic re-wrapped');
  assert.not.ok(sameCode(BASE.replace('started: number;', 'started: string;'), BASE, 'src/app.ts'), 'an annotation changed');
  assert.not.ok(sameCode(BASE.replace('import type { Config }', 'import { Config }'), BASE, 'src/app.ts'), '`import type` is not `import`');
});

test('renames and formatting of a .ts file leave annotations and types alone', () => {
  const ours = BASE.replace(/\bconfig\b(?!\.ts)/g, 'settings');
  const renames = findRenames(ours, BASE, 'src/app.ts');
  assert.equal([...renames.keys()], ['config']);
  assert.is(applyRenames(THEIRS, renames, 'src/app.ts'), THEIRS.replace(/\bconfig\b(?!\.ts)/g, 'settings'));
  const f = findFormatting(BASE.replace(/;$/gm, ''), BASE);
  assert.ok(f.noSemicolons);
  assert.is(applyFormatting(BASE, f, 'src/app.ts'), BASE.replace(/;$/gm, ''), 'interface members lose their semicolons too, and nothing else changes');
});

test('the merge of a reformatted-only .ts file region takes the other side', async () => {
  const ours = BASE.replace('  return { app, started: names.size as number };', '  return {\n    app,\n    started: names.size as number,\n  };');
  const theirs = BASE.replace('as number', 'as number | undefined');
  const merged = merge3(ours, BASE, theirs, 'markers', 'src/app.ts');
  assert.is(merged.conflicts, 0, merged.content);
  assert.match(merged.content, /return \{ app, started: names\.size as number \| undefined \};/);
});

test.run();
