import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { moveImports, movesFor, MOVES } from '../generators/engine/moves.js';
import type { Tree } from '../generators/engine/tree.js';
import { cli, remove, run, ROOT, tempDir } from './support/project.js';
import { typecheck } from './support/typecheck.js';

/**
 * A generated file this version renders under a new name (src/lib/app.js is
 * src/lib/pipeline.js since 0.3.0): regenerate carries the user's edits of
 * the old file to the new one, deletes the old one, and points every import
 * at the new name, so the project runs with the user's code and nothing
 * imports a file that is gone.
 */
const moves = suite('moves');
const PIPELINE = [{ from: 'src/lib/app.js', to: 'src/lib/pipeline.js' }];

moves('moveImports rewrites every relative import of the old path, from any folder, and nothing else', () => {
  const lib = "import { run } from './app.js';\nimport { x } from './app-helpers.js';\n/** @param {import('./app.js').Request} req */\n";
  assert.is(
    moveImports('src/lib/router.js', lib, PIPELINE),
    "import { run } from './pipeline.js';\nimport { x } from './app-helpers.js';\n/** @param {import('./pipeline.js').Request} req */\n",
  );
  const controller = "/** @param {import(\"../lib/app.js\").Request} req */\nimport '../lib/app.js';\nexport * from '../lib/app.js';\n";
  assert.is(
    moveImports('src/controllers/hello.js', controller, PIPELINE),
    "/** @param {import(\"../lib/pipeline.js\").Request} req */\nimport '../lib/pipeline.js';\nexport * from '../lib/pipeline.js';\n",
  );
  assert.is(moveImports('test/app.test.js', "import { createApp } from '../src/lib/app.js';\n", PIPELINE), "import { createApp } from '../src/lib/pipeline.js';\n");
  // src/server.js's './app.js' is the composition root, which keeps its name; so do words in comments.
  const server = "import { buildApp } from './app.js';\n// see src/lib/app.js\n";
  assert.is(moveImports('src/server.js', server, PIPELINE), server);
  // The moved file itself: its own imports are resolved from where it was.
  assert.is(moveImports('src/pipeline.js', "import { HttpError } from './http-error.js';\n", PIPELINE, 'src/lib/app.js'), "import { HttpError } from './lib/http-error.js';\n");
});

moves('a move applies only to a project that has the old file on record and nothing of the user at the new name', () => {
  const base = new Map([['src/lib/app.js', 'old']]);
  const rendered: Tree = new Map([['src/lib/pipeline.js', { content: 'new', feature: 'base', policy: 'generated' as const }]]);
  assert.equal(
    movesFor(base, rendered, () => false, PIPELINE),
    PIPELINE,
  );
  assert.equal(
    movesFor(base, rendered, (p) => p === 'src/lib/pipeline.js', PIPELINE),
    [],
    'a file of the user at the new name is theirs',
  );
  assert.equal(
    movesFor(new Map(), rendered, () => false, PIPELINE),
    [],
    'a project that never had the old file',
  );
  assert.equal(
    movesFor(base, new Map([...rendered, ['src/lib/app.js', rendered.get('src/lib/pipeline.js')!]]), () => false, PIPELINE),
    [],
    'still rendered: not moved',
  );
});

let root: string;
moves.before(() => {
  root = tempDir('cns-moves-');
});
moves.after(() => remove(root));

moves('regenerate a 0.2.0 project whose src/lib/app.js the user changed: their change runs from src/lib/pipeline.js, their test with it', async () => {
  const app = join(root, 'web');
  cpSync(join(ROOT, 'fixtures/projects/0.2.0-edited-web'), app, { recursive: true });
  const read = (file: string) => readFileSync(join(app, file), 'utf8');
  const write = (file: string, text: string) => writeFileSync(join(app, file), text);
  const mine = "  // Mine: every error answer says which server made it.\n  res.setHeader('x-served-by', 'mine');\n";
  const old = read('src/lib/app.js');
  assert.ok(old.includes('  res.status(status).json(body);\n}'), 'the fixture has the line the edit goes above');
  write('src/lib/app.js', old.replace('  res.status(status).json(body);\n}', `${mine}  res.status(status).json(body);\n}`));
  const myTest = [
    "test('my errors say who served them', async () => {",
    '  const app = await startApp();',
    '  try {',
    "    const res = await app.fetch('/no/such/page');",
    "    assert.equal(res.headers.get('x-served-by'), 'mine');",
    '  } finally {',
    '    await app.close();',
    '  }',
    '});',
    '',
  ].join('\n');
  write('test/app.test.js', `${read('test/app.test.js')}\n${myTest}`);

  const r = await cli(['regenerate'], app);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /delete +src\/lib\/app\.js +\(moved to src\/lib\/pipeline\.js with your changes\)/);
  assert.match(r.stdout, /merge +src\/lib\/pipeline\.js +\(your src\/lib\/app\.js with your changes\)/);
  assert.match(r.stdout, /edit +src\/controllers\/hello\.js +\(imports src\/lib\/pipeline\.js \(was src\/lib\/app\.js\)\)/);
  for (const { from } of MOVES) assert.not.ok(existsSync(join(app, from)), `${from} is gone`);
  assert.ok(read('src/lib/pipeline.js').includes(mine), 'the user edit is in the pipeline');
  assert.ok(read('src/lib/pipeline.js').includes('export function createApp('), 'the rest is this version');
  assert.ok(read('test/pipeline.test.js').includes(myTest), "the user's test moved with the file it tests");
  assert.ok(read('src/controllers/hello.js').includes("import('../lib/pipeline.js').Request"), "the user's own controller imports the new name");
  const stale = (await run('grep', ['-rlE', "lib/app\\.js|'\\./app\\.js'", 'src', 'test'], { cwd: app })).stdout.split('\n').filter((f) => f && f !== 'src/server.js');
  assert.equal(stale, [], 'nothing imports the old name');
  assert.is((await cli(['check'], app)).code, 0, 'up to date');
  assert.equal(typecheck(app), [], 'the project type-checks');
  const t = await run('npm', ['test', '--silent'], { cwd: app, timeout: 300_000 });
  assert.is(t.code, 0, `the project passes its own tests, the user's among them:\n${t.stdout.slice(-3000)}${t.stderr.slice(-2000)}`);
  assert.match(t.stdout, /ok \d+ - my errors say who served them/);
});

moves.run();
