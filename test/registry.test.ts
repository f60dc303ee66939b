import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { allFeatures, chosenFeatures, featuresOf, groupById, groups, support } from '../generators/registry.js';
import { presets } from '../generators/presets.js';
import { resolveAnswers, parseValue } from '../generators/engine/answers.js';
import { render } from '../generators/engine/render.js';
import { addFeature, removeFeature } from '../generators/engine/answer-changes.js';
import { TEMPLATES_DIR } from '../generators/engine/templates.js';
import { parseArgs } from '../cli/args.js';
import { SLOTS } from '../generators/types.js';

test('the six feature groups are in the registry, in prompt order', () => {
  const ids = groups.map((g) => g.id);
  for (const id of ['routing', 'body', 'cache', 'auth', 'csrf', 'bigpipe', 'cluster', 'sched', 'workers']) assert.ok(ids.includes(id), id);
  assert.ok(ids.indexOf('sched') > ids.indexOf('cluster'), 'a group comes after the group its `when` depends on');
  assert.ok(ids.indexOf('csrf') > ids.indexOf('auth'));
});

test('feature ids are unique and each names its templates folder', () => {
  const ids = allFeatures().map((c) => c.id);
  assert.equal(ids.length, new Set(ids).size, `duplicate ids: ${ids}`);
  for (const group of groups) {
    for (const option of group.options ?? []) {
      if (!option.feature) continue;
      const edits = option.feature.edits?.(resolveAnswers({ name: 'x' })) ?? [];
      assert.ok(existsSync(join(TEMPLATES_DIR, option.feature.id)) || edits.length > 0, `${option.feature.id} brings files or edits`);
    }
  }
});

test('every use edit names a known slot; requirements and whens name real groups', () => {
  const answers = resolveAnswers({ name: 'x' });
  for (const c of allFeatures()) {
    for (const edit of c.edits?.(answers) ?? []) if (edit.kind === 'use') assert.ok(SLOTS.includes(edit.slot), `${c.id}: ${edit.slot}`);
    for (const req of c.requires ?? [])
      assert.ok(
        groups.some((g) => g.id === req.group),
        `${c.id} requires ${req.group}`,
      );
  }
  for (const g of groups)
    if (g.when)
      assert.ok(
        groups.some((o) => o.id === g.when!.group),
        g.id,
      );
});

test('support features: needed by a feature, in templates/, never asked, flagged or added alone', () => {
  const needed = new Set(allFeatures().flatMap((c) => c.needs ?? []));
  for (const feature of support) {
    assert.ok(needed.has(feature.id), `${feature.id} is needed by some feature`);
    assert.ok(existsSync(join(TEMPLATES_DIR, feature.id)), `templates/${feature.id}/ holds its files`);
    assert.is(feature.requires, undefined, `${feature.id}: a support feature has no requirements of its own`);
    assert.is(groupById(feature.id), undefined, `${feature.id} is not a group: no prompt, no flag`);
    assert.throws(() => addFeature(resolveAnswers({ name: 'x' }), [feature.id]), /unknown feature/);
    assert.throws(() => removeFeature(resolveAnswers({ name: 'x' }), [feature.id]), /unknown feature/);
  }
  for (const id of needed)
    assert.ok(
      support.some((s) => s.id === id),
      `"${id}" in needs names a support feature`,
    );
  assert.throws(() => parseArgs(['app', '--process-support']), /process-support/);
});

test('support features come with the first feature that needs them and go with the last', () => {
  const ids = (answers: Record<string, unknown>) => featuresOf(resolveAnswers({ name: 'x', ...answers })).map((f) => f.id);
  assert.equal(ids({}), ['base', 'routing-table', 'body-json'], 'the defaults need no support code');
  assert.equal(ids({ auth: 'token' }), ['base', 'secrets', 'credentials', 'routing-table', 'body-json', 'auth-token']);
  // csrf and sessions both need cookies and secrets: they come once, in the order of the first that needs them.
  assert.equal(ids({ auth: 'session', csrf: true }), ['base', 'cookies', 'secrets', 'credentials', 'routing-table', 'body-json', 'auth-session', 'csrf']);
  assert.equal(
    ids({ cluster: 'cluster' }).filter((id) => support.some((s) => s.id === id)),
    ['master-channel', 'process-support'],
  );
  assert.equal(
    ids({ cluster: 'master-worker' }).filter((id) => support.some((s) => s.id === id)),
    ['master-channel', 'process-support'],
  );
  // The README and the summary list what the user chose.
  assert.equal(
    chosenFeatures(resolveAnswers({ name: 'x', auth: 'basic' })).map((f) => f.id),
    ['base', 'routing-table', 'body-json', 'auth-basic'],
  );
});

test('every preset resolves to valid answers', () => {
  for (const preset of presets) resolveAnswers({ ...preset.answers, name: 'x' });
});

test('defaults: routing table, JSON bodies, no cache, no auth, one process', () => {
  const a = resolveAnswers({ name: 'x' });
  assert.equal(
    { routing: a.routing, body: a.body, cache: a.cache, auth: a.auth, bigpipe: a.bigpipe, cluster: a.cluster },
    {
      routing: 'table',
      body: ['json'],
      cache: [],
      auth: 'none',
      bigpipe: false,
      cluster: 'single',
    },
  );
  assert.not.ok('sched' in a, 'sched does not apply to a single process');
  assert.not.ok('csrf' in a, 'csrf does not apply without cookie sessions');
});

test('flags are derived from the registry', () => {
  const p = parseArgs(['app', '--body', 'json,form', '--cache=none', '--no-csrf', '--bigpipe', '--cluster', 'cluster', '--sched', 'os', '--workers', '3', '-y']);
  assert.equal(p.positionals, ['app']);
  assert.equal(p.answers, { body: ['json', 'form'], cache: [], csrf: false, bigpipe: true, cluster: 'cluster', sched: 'os', workers: 3 });
  assert.is(p.flags.yes, true);
  assert.throws(() => parseArgs(['--body']), /--body needs a value/);
  assert.throws(
    () =>
      parseValue(
        groups.find((g) => g.id === 'workers')!,
        '-1',
      ),
    /whole number/,
  );
});

test('render is pure: the same answers give the same tree, nothing touches the disk', async () => {
  const answers = resolveAnswers({ name: 'pure', auth: 'session', csrf: true, body: ['json', 'form'] });
  const a = await render(answers);
  const b = await render(answers);
  assert.equal([...a.entries()], [...b.entries()]);
  assert.not.ok(existsSync('pure'));
});

test.run();
