import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPlop } from '../generators/engine/plop.js';

class ComposeError extends Error {}

test('runs the actions in order', async () => {
  const plop = await createPlop();
  const seen: string[] = [];
  await plop.run(
    'order',
    ['a', 'b', 'c'].map((name) => () => (seen.push(name), name)),
  );
  assert.equal(seen, ['a', 'b', 'c']);
});

test('a failing action is rethrown as the Error it threw, and stops the run', async () => {
  const plop = await createPlop();
  const seen: string[] = [];
  const failing = new ComposeError('edit targets src/nowhere.js');
  const run = plop.run('fails', [
    () => 'a',
    () => {
      throw failing;
    },
    () => (seen.push('after'), 'c'),
  ]);
  try {
    await run;
    assert.unreachable('the run should fail');
  } catch (err) {
    assert.is(err, failing);
  }
  assert.equal(seen, []);
});

test('a thrown string becomes an Error naming the run', async () => {
  const plop = await createPlop();
  try {
    await plop.run('feature:edits', [
      () => {
        throw 'not an error';
      },
    ]);
    assert.unreachable('the run should fail');
  } catch (err) {
    assert.instance(err, Error);
    assert.is((err as Error).message, 'feature:edits: not an error');
  }
});

test('a bad template fails with the template error, and a run after it still works', async () => {
  const plop = await createPlop({ upper: (value) => String(value).toUpperCase() });
  assert.is(plop.renderString('{{upper name}}', { name: 'shop' }), 'SHOP');
  try {
    await plop.run('template', [() => plop.renderString('{{#if}}', {})]);
    assert.unreachable('the run should fail');
  } catch (err) {
    assert.instance(err, Error);
    assert.match((err as Error).message, /if/);
  }
  await plop.run('again', [() => 'fine']);
});

test.run();
