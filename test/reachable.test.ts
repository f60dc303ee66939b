import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { render } from '../generators/engine/render.js';
import { testMatrix } from './support/matrix.js';
import { comments, namedFiles, reachabilityProblems, references } from './support/reachable.js';

/**
 * A project carries only what it uses: in every project of the matrix (every
 * preset, every option alone, the all-pairs cover), every module under src/,
 * test/ and scripts/ is reached from src/server.js or a package.json script,
 * every relative import resolves, and no comment names a file the project
 * lacks (test/support/reachable.ts). Renders only: nothing is written or run.
 */
const reachable = suite('reachable');

for (const entry of testMatrix()) {
  reachable(`${entry.id}: every module is reached, every import resolves, every named file exists`, async () => {
    const tree = await render(entry.answers);
    const problems = reachabilityProblems(new Map([...tree].map(([path, file]) => [path, file.content])));
    assert.equal(problems, [], `${JSON.stringify(entry.answers)}:\n${problems.join('\n')}`);
  });
}

// The checker itself: each rule fails on a project that breaks it.
const project = (files: Record<string, string>) =>
  new Map(Object.entries({ 'package.json': JSON.stringify({ scripts: { start: 'node src/server.js', test: 'node --test test/*.test.js' } }), ...files }));

reachable('checker: a module only its test imports is dead code', () => {
  const problems = reachabilityProblems(
    project({
      'src/server.js': "import { a } from './lib/a.js';\n",
      'src/lib/a.js': 'export const a = 1;\n',
      'src/lib/unused.js': 'export const b = 2;\n',
      'test/unused.test.js': "import { b } from '../src/lib/unused.js';\n",
    }),
  );
  assert.equal(problems, ['src/lib/unused.js: only tests reach it, not src/server.js or a package.json script']);
});

reachable('checker: a helper no test imports, a dangling import, a comment naming a missing test', () => {
  const problems = reachabilityProblems(
    project({
      'src/server.js': "import { a } from './lib/gone.js';\n// Covered by test/server.test.js and test/cluster.test.js.\n",
      'test/server.test.js': "const code = 'import { x } from \\'./src/x.js\\'; // test/nothing.test.js';\n",
      'test/orphan-helpers.js': 'export {};\n',
    }),
  );
  assert.equal(problems.sort(), [
    "src/server.js: './lib/gone.js' resolves to src/lib/gone.js, which the project does not have",
    'src/server.js: a comment names test/cluster.test.js, which the project does not have',
    'test/orphan-helpers.js: nothing reaches it from src/server.js or a package.json script',
  ]);
});

reachable('checker: a folder loaded at run time and a module run as a child process are reached', () => {
  const problems = reachabilityProblems(
    project({
      'src/server.js': "const dir = new URL('./controllers/', import.meta.url);\n",
      'src/controllers/users.js': 'export {};\n',
      'test/run.test.js': "const child = new URL('./child.js', import.meta.url);\n",
      'test/child.js': "import '../src/server.js';\n",
    }),
  );
  assert.equal(problems, []);
});

reachable('checker: comments, references and names', () => {
  assert.equal(comments("const re = /\\/\\/x/; // one\nconst s = '// not'; /* two */ const t = `${'/*'}`;\n"), ' one\n two \n');
  assert.equal(references("import a from './a.js';\n/** @type {import('../b.js').B} */\nimport('./c.js');\nnew URL('./d/', import.meta.url);"), ['./a.js', './c.js', './d/', '../b.js']);
  assert.equal(namedFiles('see test/cluster.test.js, process-helpers.js and src/lib/x.js; node:test and a.b are not'), ['test/cluster.test.js', 'process-helpers.js', 'src/lib/x.js']);
});

reachable.run();
