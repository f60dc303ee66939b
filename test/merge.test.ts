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

test.run();
