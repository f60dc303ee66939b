import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { merge3 } from '../generators/engine/merge.js';

const base = 'one\ntwo\nthree\nfour\nfive\n';

test('takes a change of one side only', () => {
  assert.equal(merge3(base, base, base.replace('two', 'TWO')), { content: base.replace('two', 'TWO'), conflicts: 0 });
  assert.equal(merge3(base.replace('two', 'mine'), base, base), { content: base.replace('two', 'mine'), conflicts: 0 });
});

test('combines changes to different lines', () => {
  const ours = base.replace('one', 'ONE');
  const theirs = base.replace('five', 'FIVE');
  assert.equal(merge3(ours, base, theirs), { content: 'ONE\ntwo\nthree\nfour\nFIVE\n', conflicts: 0 });
});

test('a real conflict gets diff3 markers with the base section', () => {
  const r = merge3(base.replace('three', 'mine'), base, base.replace('three', 'theirs'), 'markers', 'src/x.js');
  assert.is(r.conflicts, 1);
  assert.match(r.content, /<<<<<<< yours \(src\/x\.js\)\nmine\n\|\|\|\|\|\|\| base \(as generated before\)\nthree\n=======\ntheirs\n>>>>>>> new/);
});

test('--conflict ours / theirs resolve to one side', () => {
  const ours = base.replace('three', 'mine');
  const theirs = base.replace('three', 'theirs');
  assert.equal(merge3(ours, base, theirs, 'ours'), { content: ours, conflicts: 1 });
  assert.equal(merge3(ours, base, theirs, 'theirs'), { content: theirs, conflicts: 1 });
});

test('the same change on both sides is not a conflict', () => {
  const both = base.replace('three', 'same');
  assert.equal(merge3(both, base, both), { content: both, conflicts: 0 });
});

// A comment describes the line below it: written next to a line the other
// side changed, it has one right place, so it is not a conflict.
const code = "import { a } from './a.js';\nimport { b } from './b.js';\n\nexport function f(x) {\n  const y = a(x);\n  return b(y);\n}\n";
const note = '// mine: why';

test('a comment above a line the new version changed stays above it', () => {
  const ours = code.replace('export function', `${note}\nexport function`);
  const theirs = code.replace('f(x)', 'f(x, options)');
  assert.equal(merge3(ours, code, theirs, 'markers', 'src/x.js'), { content: theirs.replace('export function', `${note}\nexport function`), conflicts: 0 });
});

test('a comment below a line the new version changed stays above the line it describes', () => {
  const ours = code.replace('import { b }', `${note}\nimport { b }`);
  const theirs = code.replace("import { a } from './a.js';", "import { a, c } from './a.js';");
  assert.equal(merge3(ours, code, theirs, 'markers', 'src/x.js').content, theirs.replace('import { b }', `${note}\nimport { b }`));
});

test('a comment where the new version inserts lines goes after them, directly above its line', () => {
  const ours = code.replace('import { b }', `${note}\nimport { b }`);
  const theirs = code.replace('import { b }', "import { c } from './c.js';\nimport { b }");
  assert.equal(merge3(ours, code, theirs, 'markers', 'src/x.js').content, theirs.replace('import { b }', `${note}\nimport { b }`));
});

test('a comment over a line the new version rewrote goes above the rewritten line most like it', () => {
  const ours = code.replace('  return b(y);', `  ${note}\n  return b(y);`);
  const theirs = code.replace('  const y = a(x);\n  return b(y);', '  if (!x) return null;\n  const y = a(x) + 1;\n  return b(y, 2);');
  assert.equal(merge3(ours, code, theirs, 'markers', 'src/x.js').content, theirs.replace('  return b(y, 2);', `  ${note}\n  return b(y, 2);`));
});

test('a comment over lines the new version deleted, and code next to changed code, are still conflicts', () => {
  const ours = code.replace('  return b(y);', `  ${note}\n  return b(y);`);
  assert.is(merge3(ours, code, code.replace('  const y = a(x);\n  return b(y);\n', ''), 'markers', 'src/x.js').conflicts, 1);
  assert.is(merge3(ours, code, code.replace('  return b(y);\n', ''), 'markers', 'src/x.js').conflicts, 1, 'the very line it describes deleted');
  const mine = code.replace('export function', 'const z = 1;\nexport function');
  assert.is(merge3(mine, code, code.replace('f(x)', 'f(x, options)'), 'markers', 'src/x.js').conflicts, 1);
  // A `#` line is code in JavaScript (a private field), a comment in a shell script.
  assert.is(merge3(code.replace('export function', '#x = 1;\nexport function'), code, code.replace('f(x)', 'f(y)'), 'markers', 'src/x.js').conflicts, 1);
  const conf = 'server {\n  listen 80;\n}\n';
  assert.equal(merge3(conf.replace('  listen', '  # mine\n  listen'), conf, conf.replace('80', '8080'), 'markers', 'deploy/nginx.conf').content, 'server {\n  # mine\n  listen 8080;\n}\n');
});

// A rename the user made throughout a file (`app` -> `server`) touches every line the new version
// changes too: carried into the base and the new version first, it is not a conflict.
const root = [
  "import { createApp } from './lib/app.js';",
  '',
  '/** Add yours with `app.use(...)`. */',
  'export function buildApp(config) {',
  '  const app = createApp(config);',
  '  app.use(one(config));',
  '  app.use(two(config));',
  '  return app;',
  '}',
  '',
].join('\n');
const renamed = (text: string) =>
  text
    .replace(/\bapp\.use\(/g, 'server.use(')
    .replace('const app =', 'const server =')
    .replace('return app;', 'return server;');

test('a rename of the user reaches the lines the new version adds; module paths and properties keep the old word', () => {
  const theirs = root.replace('  app.use(two(config));', '  app.use(between(config.app));\n  app.use(two(config));').replace('`app.use(...)`', '`app.use(...)` (in its slot)');
  const r = merge3(renamed(root), root, theirs, 'markers', 'src/app.js');
  assert.is(r.conflicts, 0, r.content);
  assert.is(r.content, renamed(theirs));
  assert.match(r.content, /from '\.\/lib\/app\.js'/);
  assert.match(r.content, /server\.use\(between\(config\.app\)\)/);
});

test('a rename only in code leaves the comments as the user has them', () => {
  const ours = renamed(root).replace('`server.use(...)`', '`app.use(...)`');
  const theirs = root.replace('  app.use(two(config));', '  app.use(between(config));\n  app.use(two(config));');
  assert.is(merge3(ours, root, theirs, 'markers', 'src/app.js').content, renamed(theirs).replace('`server.use(...)`', '`app.use(...)`'));
  // Not JavaScript: no renames, a line merge as ever.
  assert.is(merge3(renamed(root), root, theirs, 'markers', 'docs/app.md').conflicts, 1);
});

// A formatter the user ran over a file (four spaces, tabs) re-indents every line the new version
// changes too: carried into the base and the new version first, it is not a conflict.
const reindented = (text: string, unit: string) => text.replace(/^((?:  )+)/gm, (s) => unit.repeat(s.length / 2));
const nested = root.replace('  app.use(two(config));', '  if (config.two) {\n    app.use(two(config));\n  }');

test("an indentation the user gave the whole file reaches the lines the new version changes; the user's own edits stay", () => {
  const theirs = nested
    .replace('  app.use(one(config));', '  app.use(zero(config));\n  app.use(one(config));')
    .replace('    app.use(two(config));', '    app.use(two(config, { strict: true }));');
  for (const unit of ['    ', '\t']) {
    const ours = reindented(nested, unit).replace(`${unit}return app;`, `${unit}app.use(mine);\n${unit}return app;`);
    const r = merge3(ours, nested, theirs, 'markers', 'src/app.js');
    assert.is(r.conflicts, 0, r.content);
    assert.is(r.content, reindented(theirs, unit).replace(`${unit}return app;`, `${unit}app.use(mine);\n${unit}return app;`));
  }
  // Not JavaScript: indentation can be meaning (Markdown, YAML); a line merge as ever.
  assert.ok(merge3(reindented(nested, '    '), nested, theirs, 'markers', 'docs/app.md').conflicts > 0);
});

test("a block deeper than any the user's file shows is indented in the user's unit", () => {
  const theirs = nested.replace('    app.use(two(config));', '    if (config.three) {\n      app.use(three(config));\n    }\n    app.use(two(config));');
  const r = merge3(reindented(nested, '\t'), nested, theirs, 'markers', 'src/app.js');
  assert.is(r.conflicts, 0, r.content);
  assert.match(r.content, /\n\t\t\tapp\.use\(three\(config\)\);\n/);
});

test('a file re-indented and renamed: both reach the new lines', () => {
  const theirs = root.replace('  app.use(two(config));', '  app.use(between(config));\n  app.use(two(config));');
  const r = merge3(reindented(renamed(root), '    '), root, theirs, 'markers', 'src/app.js');
  assert.is(r.conflicts, 0, r.content);
  assert.is(r.content, reindented(renamed(theirs), '    '));
});

test("a file formatted Biome's way (tabs, double quotes, no semicolons): new lines arrive that way; comments and quotes inside strings are left alone", () => {
  const source = [
    "import { createApp } from './lib/app.js';",
    '',
    "// Prettier's defaults; don't change the quotes here: 'x'.",
    'export function buildApp(config) {',
    '  const app = createApp(config);',
    "  app.use(one(config, 'a \\'quoted\\' word'));",
    '  app.use(two(config, \'say "hi"\'));',
    "  if (config.none) throw new Error('none');",
    '  return app;',
    '}',
    '',
  ].join('\n');
  const biome = [
    'import { createApp } from "./lib/app.js"',
    '',
    "// Prettier's defaults; don't change the quotes here: 'x'.",
    'export function buildApp(config) {',
    '\tconst app = createApp(config)',
    '\tapp.use(one(config, "a \'quoted\' word"))',
    '\tapp.use(two(config, \'say "hi"\'))',
    '\tif (config.none) throw new Error("none")',
    '\treturn app',
    '}',
    '',
  ].join('\n');
  const theirs = source
    .replace('  return app;', "  app.use(three('x'));\n  return app;")
    .replace("import { createApp } from './lib/app.js';", "import { createApp } from './lib/pipeline.js';");
  const mine = (text: string) => text.replace('\tconst app = createApp(config)', '\tconst app = createApp(config)\n\tapp.use(mine)');
  const r = merge3(mine(biome), source, theirs, 'markers', 'src/app.js');
  assert.is(r.conflicts, 0, r.content);
  assert.is(r.content, mine(biome).replace('"./lib/app.js"', '"./lib/pipeline.js"').replace('\treturn app', '\tapp.use(three("x"))\n\treturn app'));
});

test('a change both sides made alike, next to a change of one side, is taken once', () => {
  // The user's formatter and the new version's re-wrapped the same call; the new version also deleted the lines below it.
  const before = 'start();\ncheck(a,\n  b);\nconst hooks = list();\nfor (const h of hooks) use(h);\nend();\n';
  const wrapped = 'start();\ncheck(\n  a,\n  b,\n);\n';
  const ours = `${wrapped}const hooks = list();\nfor (const h of hooks) use(h);\nend();\n`;
  const theirs = `${wrapped}end();\n`;
  assert.equal(merge3(ours, before, theirs, 'markers', 'src/x.js'), { content: theirs, conflicts: 0 });
  // Unlike changes next to each other stay a conflict.
  assert.is(merge3(ours.replace('end();', 'mine();\nend();'), before, theirs.replace('end();', 'theirs();\nend();'), 'markers', 'src/x.js').conflicts, 1);
});

test.run();
