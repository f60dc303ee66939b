import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { resolveAnswers } from '../generators/engine/answers.js';
import { render } from '../generators/engine/render.js';
import { writeTree } from '../generators/engine/transaction.js';
import { ROOT } from './support/project.js';
import { contentKey, readTree, treeDiff } from './support/tree.js';

/**
 * Golden files: fixtures/golden/<case>/answers.json and the exact project it
 * renders in expected/. `UPDATE=1 npm test` rewrites them; review the diff.
 */
const GOLDEN = join(ROOT, 'fixtures/golden');

for (const name of existsSync(GOLDEN) ? readdirSync(GOLDEN).sort() : []) {
  test(`golden ${name}`, async () => {
    const dir = join(GOLDEN, name);
    const answers = resolveAnswers({ ...JSON.parse(readFileSync(join(dir, 'answers.json'), 'utf8')), name });
    const rendered = new Map([...(await render(answers))].map(([path, file]) => [path, file.content]));
    const tree = new Map([...rendered].map(([path, content]) => [path, contentKey(content)]));
    const expected = join(dir, 'expected');
    if (process.env.UPDATE === '1') {
      rmSync(expected, { recursive: true, force: true });
      writeTree(expected, rendered);
    }
    assert.equal(treeDiff(readTree(expected), tree), [], 'rendered tree equals expected/ (UPDATE=1 to rewrite)');
  });
}

test.run();
