import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { delimiter, dirname } from 'node:path';
import { testMatrix } from './support/matrix.js';
import { generate, pool, remove, run, tempDir, type RunResult } from './support/project.js';

/**
 * Generated projects run on every supported Node line, not only on the one
 * running this suite: every preset (single process, node:cluster and
 * master-worker among them) is generated once and runs its own `npm test`
 * with each Node binary of NODE_LINES first on PATH. NODE_LINES lists
 * binaries separated by `:`, e.g. `/cache/22/node:/cache/24/node`; `.ci/run`
 * installs Node 22, 24 and 26 and sets it. Without it, this suite says so
 * and checks nothing (the matrix runs the presets on this Node anyway).
 */
const lines = suite('node-lines');
const binaries = (process.env.NODE_LINES ?? '').split(delimiter).filter(Boolean);
const presets = testMatrix().filter((entry) => entry.id.startsWith('preset-'));
const results = new Map<string, RunResult>();
let root: string;

lines.before(async () => {
  if (binaries.length === 0) {
    console.log('  node-lines: NODE_LINES is not set (.ci/run sets it), so generated projects ran on this Node only');
    return;
  }
  root = tempDir('cns-node-lines-');
  const dirs = new Map<string, string>();
  for (const preset of presets) dirs.set(preset.id, await generate(preset.answers, root));
  const started = Date.now();
  // One at a time: each project's own tests already use the cores (process
  // tests start several workers; the upload tests measure memory under load).
  const concurrency = 1;
  const tasks = binaries.flatMap((binary) =>
    presets.map((preset) => async () => {
      const PATH = `${dirname(binary)}${delimiter}${process.env.PATH ?? ''}`;
      const result = await run('npm', ['test', '--silent'], { cwd: dirs.get(preset.id), timeout: 300_000, env: { PATH, NODE_ENV: 'test' } });
      results.set(`${binary} ${preset.id}`, result);
    }),
  );
  await pool(concurrency, tasks);
  console.log(`  node-lines: ${presets.length} presets on ${binaries.length} Node lines in ${Math.round((Date.now() - started) / 1000)} s (${concurrency} at a time)`);
});

lines.after(() => {
  if (root) remove(root);
});

for (const binary of binaries) {
  lines(`${binary}: is a Node binary of a supported line`, () => {
    const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
    assert.match(version, /^v(2[2-9]|[3-9]\d)\./, `${binary} is ${version}`);
  });
  for (const preset of presets) {
    lines(`${binary}: ${preset.id} passes its own npm test`, () => {
      const result = results.get(`${binary} ${preset.id}`);
      assert.ok(result, 'ran');
      const output = result!.stdout + result!.stderr;
      assert.is(result!.code, 0, `npm test of ${preset.id} failed on ${binary}:\n${notOk(output)}`);
      // The figures of the keep-alive load test, for whoever reads the CI log
      // (a TAP diagnostic up to Node 22, the spec reporter's note after).
      for (const [, figures] of output.matchAll(/^\s*(?:#|ℹ) (.* on Node v.*)$/gm)) console.log(`  ${figures}`);
    });
  }
}

if (binaries.length === 0) {
  lines('NODE_LINES is not set: nothing to run on other Node lines', () => {});
}

/** The failing tests of a node --test run with a few lines each, else the output's end. */
function notOk(text: string): string {
  const lines = text.split('\n');
  const out: string[] = [];
  lines.forEach((line, i) => {
    if (/^\s*not ok /.test(line)) out.push(...lines.slice(i, i + 25));
  });
  return (out.length ? out : lines.slice(-60)).join('\n').slice(0, 8000);
}

lines.run();
