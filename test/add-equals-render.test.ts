import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applies, featureEdits, featuresOf, groups } from '../generators/registry.js';
import { resolveAnswers } from '../generators/engine/answers.js';
import { addFeature } from '../generators/engine/answer-changes.js';
import { transition } from '../generators/engine/compose.js';
import { testMatrix } from './support/matrix.js';
import { registrySlots, render } from '../generators/engine/render.js';
import type { Answers } from '../generators/types.js';

/**
 * Adding a feature to any project gives the files a fresh render with it
 * gives: for every project of the matrix and every feature it can take
 * (one more body format, cache strategy, Bigpipe, CSRF...), the structural
 * edits applied to the pristine files equal the render, byte for byte. A
 * project whose statements, imports or settings came in another order
 * would merge badly later (a moved line next to a user's line is a conflict).
 * The matrix has TypeScript projects (every preset, part of the all-pairs
 * cover): their edits are converted like their render, and checked the same.
 */
function additions(answers: Answers): string[][] {
  const out: string[][] = [];
  for (const g of groups) {
    if (!applies(g, answers)) continue;
    if (g.kind === 'boolean' && answers[g.id] !== true) out.push([g.id]);
    if (g.kind === 'multi') for (const o of g.options!) if (!(answers[g.id] as string[]).includes(o.value)) out.push([g.id, o.value]);
  }
  return out;
}

test('add X on the pristine files of every matrix project equals rendering it with X', async () => {
  const problems: string[] = [];
  let checked = 0;
  let checkedTs = 0;
  for (const entry of testMatrix()) {
    const from = entry.answers;
    const pristine = await render(from);
    for (const words of additions(from)) {
      let to: Answers;
      try {
        const changed = addFeature(from, words);
        if (typeof changed === 'string') continue;
        to = resolveAnswers(changed);
      } catch {
        continue; // a requirement the project does not meet (csrf without sessions)
      }
      const oldIds = new Set(featuresOf(from).map((f) => f.id));
      const newIds = new Set(featuresOf(to).map((f) => f.id));
      const added = featuresOf(to)
        .filter((f) => !oldIds.has(f.id))
        .flatMap((f) => featureEdits(f, to));
      const removed = featuresOf(from)
        .filter((f) => !newIds.has(f.id))
        .flatMap((f) => featureEdits(f, from));
      const expected = await render(to);
      for (const file of new Set(added.map((e) => e.file))) {
        const text = pristine.get(file)!.content as string;
        const got = transition(text, file, removed, added, registrySlots(to));
        checked++;
        if (from.lang === 'ts') checkedTs++;
        if (got !== expected.get(file)!.content) problems.push(`${entry.id} + ${words.join(' ')}: ${file} differs from the render`);
      }
    }
  }
  assert.ok(checked > 100, `checked ${checked} files`);
  assert.ok(checkedTs > 20, `checked ${checkedTs} files of TypeScript projects`);
  assert.equal(problems, []);
});

test.run();
