import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { groups } from '../generators/registry.js';
import { testMatrix, coveredPairs, pairwise, type MatrixEntry } from './support/matrix.js';
import { generate, packageJson, pathWith, pool, projectNode, remove, run, tempDir, withServer, ROOT, type RunResult } from './support/project.js';

/**
 * Every valid combination works: each project of the matrix (every preset,
 * every option alone, an all-pairs cover) is generated, has zero
 * dependencies, type-checks under strict checkJs, and passes its own
 * `npm test`. Presets are also started with `npm start`'s entry and asked
 * for /health. Projects run in parallel (they install nothing).
 */
const matrix = suite('matrix');
const entries = process.env.MATRIX ? testMatrix().filter((e) => new RegExp(process.env.MATRIX!).test(e.id)) : testMatrix();
const results = new Map<string, { dir: string; typecheck: RunResult; tests: RunResult; health?: { status: number; body: string; exit: number | null } }>();
let root: string;

matrix.before(async () => {
  root = tempDir('cns-matrix-');
  const concurrency = Math.max(1, Math.min(3, availableParallelism()));
  const started = Date.now();
  await pool(
    concurrency,
    entries.map((entry) => () => check(entry)),
  );
  console.log(`  matrix: ${entries.length} projects in ${Math.round((Date.now() - started) / 1000)} s (${concurrency} at a time)`);
});

matrix.after(() => remove(root));

async function check(entry: MatrixEntry) {
  const dir = await generate(entry.answers, root);
  const typecheck = await run(process.execPath, [join(ROOT, 'dist/test/support/typecheck.js'), dir], { timeout: 120_000 });
  // A TypeScript project runs on a Node that runs TypeScript (22.18+); a JavaScript one on this Node.
  const node = projectNode(entry.answers);
  const tests = await run('npm', ['test', '--silent'], { cwd: dir, timeout: 300_000, env: pathWith(node, { NODE_ENV: 'test' }) });
  let health;
  if (entry.id.startsWith('preset-')) {
    let status = 0;
    let body = '';
    const exit = await withServer(
      dir,
      async (url) => {
        const res = await fetch(`${url}/health`);
        status = res.status;
        body = await res.text();
      },
      node,
    );
    health = { status, body, exit };
  }
  results.set(entry.id, { dir, typecheck, tests, health });
}

matrix('the matrix covers every preset and every pair of options', () => {
  const ids = entries.map((e) => e.id);
  if (process.env.MATRIX) return;
  for (const name of ['minimal', 'api', 'web', 'full']) assert.ok(ids.includes(`preset-${name}`), name);
  const covered = coveredPairs(entries);
  const wanted = coveredPairs(pairwise().map((answers, i) => ({ id: String(i), answers })));
  for (const pair of wanted) assert.ok(covered.has(pair), `pair ${pair} covered`);
  assert.ok(entries.length < 80, `matrix stays in the dozens (${entries.length})`);
  assert.ok(groups.length >= 6);
});

for (const entry of entries) {
  matrix(`${entry.id}: zero dependencies, type-checks, own tests pass`, () => {
    const r = results.get(entry.id);
    assert.ok(r, 'generated');
    const pkg = packageJson(r!.dir);
    assert.is(pkg.dependencies, undefined, 'no dependencies');
    // The one exception: a TypeScript project's compiler and Node's types, for npm run typecheck only.
    if (entry.answers.lang === 'ts') assert.equal(Object.keys(pkg.devDependencies ?? {}), ['@types/node', 'typescript'], 'devDependencies: typescript and @types/node only');
    else assert.is(pkg.devDependencies, undefined, 'no devDependencies');
    assert.is(r!.typecheck.code, 0, `type errors:\n${r!.typecheck.stdout}${r!.typecheck.stderr}`);
    assert.is(r!.tests.code, 0, `npm test failed for ${JSON.stringify(entry.answers)}:\n${failures(r!.tests.stdout + r!.tests.stderr)}`);
    if (r!.health) {
      assert.is(r!.health.status, 200, `/health: ${r!.health.body}`);
      assert.is(r!.health.exit, 0, 'exits 0 on SIGTERM');
    }
  });
}

/** The failing tests of a node --test (TAP) run, with their error lines; else the output's end. */
function failures(text: string): string {
  const lines = text.split('\n');
  const out: string[] = [];
  lines.forEach((line, i) => {
    if (!/^\s*not ok /.test(line)) return;
    out.push(line);
    for (const next of lines.slice(i + 1, i + 30)) {
      if (/^\s*(ok|not ok) /.test(next)) break;
      if (/error:|expected:|actual:|location:|code:|\bat .*test\.js/.test(next)) out.push(next);
    }
  });
  return (out.length ? out : lines.slice(-60)).join('\n').slice(0, 8000);
}

matrix.run();
