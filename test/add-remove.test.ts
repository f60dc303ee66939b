import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { groups, requirementsOf } from '../generators/registry.js';
import { resolveAnswers } from '../generators/engine/answers.js';
import { isFixed } from '../generators/engine/answer-changes.js';
import { applyPlan, planUpdate } from '../generators/engine/lifecycle.js';
import { loadProject } from '../generators/engine/project.js';
import type { AnswerValue, Answers } from '../generators/types.js';
import { generate, remove, tempDir } from './support/project.js';
import { readTree, treeDiff } from './support/tree.js';

/**
 * Every feature of every group is addable and removable: on an untouched
 * project, `add X` gives exactly the project generated with X, and
 * `remove X` gives back exactly the project without it.
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

for (const { id, value, extra } of cases) {
  const label = `${id}=${String(value)}`;
  addRemove(`add then remove ${label}${Object.keys(extra).length ? ` (with ${JSON.stringify(extra)})` : ''}`, async () => {
    const name = `p-${label.replace(/[^a-z0-9]+/gi, '-')}`.toLowerCase();
    const startAnswers = resolveAnswers({ lang: 'js', name, ...extra });
    const withAnswers = resolveAnswers({ lang: 'js', name, ...extra, [id]: value });
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

addRemove.run();
