import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { groups, requirementsOf } from '../generators/registry.js';
import { resolveAnswers } from '../generators/engine/answers.js';
import { isFixed } from '../generators/engine/answer-changes.js';
import { applyPlan, planUpdate } from '../generators/engine/lifecycle.js';
import { loadProject } from '../generators/engine/project.js';
import type { AnswerValue, Answers } from '../generators/types.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, generate, olderBase, remove, tempDir } from './support/project.js';
import { readTree, treeDiff } from './support/tree.js';

/**
 * Every feature of every group is addable and removable: on an untouched
 * project, `add X` gives exactly the project generated with X, and
 * `remove X` gives back exactly the project without it, in both languages
 * (a TypeScript project's edits are converted like its render). Then an
 * edited TypeScript project keeps its user's lines through add, remove and
 * regenerate.
 */
const addRemove = suite('add-remove');
let root: string;
addRemove.before(() => {
  root = tempDir('cns-addrm-');
});
addRemove.after(() => remove(root));

async function change(dir: string, answers: Answers) {
  const plan = await planUpdate(loadProject(dir), answers);
  applyPlan(dir, plan.writes);
  return plan;
}

const cases: { id: string; value: AnswerValue; extra: Record<string, unknown> }[] = [];
for (const group of groups) {
  // The language is chosen once, at create: add and remove refuse it (lifecycle-guarantees tests that).
  if (isFixed(group.id)) continue;
  const values: AnswerValue[] =
    group.kind === 'boolean'
      ? [true]
      : group.kind === 'number'
        ? [2]
        : (group.options ?? []).map((o) => (group.kind === 'multi' ? [...new Set([...(group.default as string[]), o.value])] : o.value));
  for (const value of values) {
    if (JSON.stringify(value) === JSON.stringify(group.default)) continue;
    const extra = requirementsOf(group, Array.isArray(value) ? value.at(-1)! : value);
    cases.push({ id: group.id, value, extra });
  }
}

for (const lang of ['js', 'ts'])
  for (const { id, value, extra } of cases) {
    const label = `${id}=${String(value)}`;
    addRemove(`${lang}: add then remove ${label}${Object.keys(extra).length ? ` (with ${JSON.stringify(extra)})` : ''}`, async () => {
      const name = `p-${lang}-${label.replace(/[^a-z0-9]+/gi, '-')}`.toLowerCase();
      const startAnswers = resolveAnswers({ lang, name, ...extra });
      const withAnswers = resolveAnswers({ lang, name, ...extra, [id]: value });
      const dir = await generate(startAnswers, root);
      const original = readTree(dir);
      await change(dir, withAnswers);
      const referenceRoot = tempDir('cns-ref-');
      try {
        const reference = await generate(withAnswers, referenceRoot);
        assert.equal(treeDiff(readTree(dir), readTree(reference)), [], 'add == generated with it');
      } finally {
        remove(referenceRoot);
      }
      await change(dir, startAnswers);
      assert.equal(treeDiff(original, readTree(dir)), [], 'remove == generated without it');
    });
  }

/** A user's lines in a TypeScript project's composition roots: an own middleware, an own route, a changed setting. */
const USER_LINES: [file: string, anchor: string, line: string][] = [
  ['src/app.ts', '  return app;', "  app.use((req, res, next) => {\n    res.setHeader('x-powered-by-me', 'yes');\n    next();\n  });\n"],
  ['src/routes.ts', '  return router', "  router.get('/hello', (req, res) => res.json({ hello: 'world' }));\n"],
];

addRemove('ts: an edited TypeScript project keeps its user lines through add, remove and regenerate', async () => {
  const dir = await generate(resolveAnswers({ lang: 'ts', name: 'edited-ts' }), root);
  const read = (path: string) => readFileSync(join(dir, path), 'utf8');
  for (const [file, anchor, line] of USER_LINES) {
    const text = read(file);
    assert.ok(text.includes(anchor), `${file} has ${anchor.trim()}`);
    writeFileSync(join(dir, file), text.replace(anchor, `${line}${anchor}`));
  }
  writeFileSync(join(dir, 'src/config.ts'), read('src/config.ts').replace('port: 3000', 'port: 8080'));
  const edited = readTree(dir);
  const kept = (step: string) => {
    for (const [file, , line] of USER_LINES) assert.ok(read(file).includes(line), `${step}: ${file} keeps the user's lines`);
    assert.match(read('src/config.ts'), /port: 8080/, `${step}: src/config.ts keeps port 8080`);
  };

  for (const words of [['auth', 'session'], ['body', 'xml'], ['bigpipe']]) {
    const added = await cli(['add', ...words], dir);
    assert.is(added.code, 0, added.stdout + added.stderr);
    kept(`add ${words.join(' ')}`);
  }
  assert.match(read('src/app.ts'), /session\(/, 'the session middleware is wired in src/app.ts');
  assert.match(read('src/routes.ts'), /\/profile/, 'the Bigpipe page is routed in src/routes.ts');

  for (const words of [['bigpipe'], ['body', 'xml'], ['auth', 'session']]) {
    const removed = await cli(['remove', ...words], dir);
    assert.is(removed.code, 0, removed.stdout + removed.stderr);
    kept(`remove ${words.join(' ')}`);
  }
  assert.equal(treeDiff(edited, readTree(dir)), [], 'add then remove gives back the edited project');

  // A template change since this project was made (an older generator had one more comment line) arrives by regenerate.
  olderBase(dir, 'src/routes.ts', (text) => text.replace("  router.get('/health'", "  // old generator line\n  router.get('/health'"));
  writeFileSync(join(dir, 'src/routes.ts'), read('src/routes.ts').replace("  router.get('/health'", "  // old generator line\n  router.get('/health'"));
  const regenerated = await cli(['regenerate'], dir);
  assert.is(regenerated.code, 0, regenerated.stdout + regenerated.stderr);
  assert.not.match(read('src/routes.ts'), /old generator line/, 'the template change arrived');
  kept('regenerate');
  assert.equal(treeDiff(edited, readTree(dir)), [], 'regenerate merged the template change under the user lines');
});

addRemove.run();
