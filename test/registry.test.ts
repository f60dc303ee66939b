import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { allFeatures, chosenFeatures, featuresOf, groupById, groups, support } from '../generators/registry.js';
import { presets } from '../generators/presets.js';
import { resolveAnswers, parseValue } from '../generators/engine/answers.js';
import { render } from '../generators/engine/render.js';
import { addFeature, assertFixedKept, removeFeature } from '../generators/engine/answer-changes.js';
import { validateManifest } from '../generators/engine/records.js';
import { defaultLang } from '../generators/lang.js';
import { TEMPLATES_DIR } from '../generators/engine/templates.js';
import { parseArgs } from '../cli/args.js';
import { SLOTS } from '../generators/types.js';

test('the six feature groups are in the registry, in prompt order', () => {
  const ids = groups.map((g) => g.id);
  assert.is(ids[0], 'lang', 'the language is asked first');
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
  const ids = (answers: Record<string, unknown>) => featuresOf(resolveAnswers({ name: 'x', lang: 'js', ...answers })).map((f) => f.id);
  assert.equal(ids({}), ['base', 'javascript', 'routing-table', 'body-json'], 'the defaults need no support code');
  assert.equal(ids({ lang: 'ts' }), ['base', 'typescript', 'routing-table', 'body-json']);
  assert.equal(ids({ auth: 'token' }), ['base', 'secrets', 'credentials', 'javascript', 'routing-table', 'body-json', 'auth-token']);
  // csrf and sessions both need cookies and secrets: they come once, in the order of the first that needs them.
  assert.equal(ids({ auth: 'session', csrf: true }), ['base', 'cookies', 'secrets', 'credentials', 'javascript', 'routing-table', 'body-json', 'auth-session', 'csrf']);
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
    chosenFeatures(resolveAnswers({ name: 'x', lang: 'js', auth: 'basic' })).map((f) => f.id),
    ['base', 'javascript', 'routing-table', 'body-json', 'auth-basic'],
  );
});

test('every preset resolves to valid answers, and none fixes the language', () => {
  for (const preset of presets) {
    resolveAnswers({ ...preset.answers, name: 'x' });
    assert.not.ok('lang' in preset.answers, `${preset.name} leaves lang to the user`);
  }
});

test('lang: ts|js, default ts only where the running Node runs TypeScript natively', () => {
  const group = groupById('lang')!;
  assert.is(group.kind, 'single');
  assert.is(group.message, 'Language');
  assert.equal(
    group.options!.map((o) => [o.value, o.title, o.feature?.id]),
    [
      ['ts', 'TypeScript', 'typescript'],
      ['js', 'JavaScript', 'javascript'],
    ],
  );
  // Node 22.18+ reports 'strip' (23.x with --experimental-transform-types: 'transform'); older ones false or nothing.
  assert.is(defaultLang({ typescript: 'strip' }), 'ts');
  assert.is(defaultLang({ typescript: 'transform' }), 'ts');
  assert.is(defaultLang({ typescript: false }), 'js');
  assert.is(defaultLang({}), 'js');
  assert.is(group.default, defaultLang(), "the group default is the running Node's");
  assert.is(resolveAnswers({ name: 'x' }).lang, defaultLang());
  assert.is(parseArgs(['app', '--lang', 'ts']).answers.lang, 'ts');
  assert.throws(() => parseArgs(['app', '--lang', 'coffee']), /invalid value "coffee" for --lang: valid values are ts, js/);
});

test('lang: each language brings its compiler settings, scripts, engines and devDependencies', async () => {
  const pkg = async (lang: string) => {
    const tree = await render(resolveAnswers({ name: 'x', lang, auth: 'session' }));
    return { tree, pkg: JSON.parse(tree.get('package.json')!.content as string) };
  };
  const js = await pkg('js');
  assert.ok(js.tree.has('jsconfig.json') && !js.tree.has('tsconfig.json'));
  assert.is(js.tree.get('jsconfig.json')!.feature, 'javascript');
  assert.equal(js.pkg.scripts, { start: 'node src/server.js', dev: 'node --watch src/server.js', test: 'node --test test/*.test.js', 'hash-password': 'node scripts/hash-password.js' });
  assert.is(js.pkg.main, 'src/server.js');
  assert.equal(js.pkg.engines, { node: '>=22' });
  assert.not.ok('devDependencies' in js.pkg, 'a JavaScript project has no devDependencies');
  assert.not.ok('dependencies' in js.pkg);

  const ts = await pkg('ts');
  assert.ok(ts.tree.has('tsconfig.json') && !ts.tree.has('jsconfig.json'));
  const tsconfig = JSON.parse(ts.tree.get('tsconfig.json')!.content as string);
  assert.equal(tsconfig.include, ['src', 'test', 'scripts']);
  for (const [key, value] of Object.entries({
    strict: true,
    noEmit: true,
    module: 'nodenext',
    moduleResolution: 'nodenext',
    allowImportingTsExtensions: true,
    erasableSyntaxOnly: true,
    verbatimModuleSyntax: true,
    skipLibCheck: true,
  })) {
    assert.is(tsconfig.compilerOptions[key], value, key);
  }
  assert.equal(tsconfig.compilerOptions.types, ['node']);
  assert.equal(ts.pkg.scripts, {
    start: 'node src/server.ts',
    dev: 'node --watch src/server.ts',
    test: 'node --test test/*.test.ts',
    typecheck: 'tsc',
    // Named .js here; the converter's path pass renames it with the script (engine/typescript.ts).
    'hash-password': ts.pkg.scripts['hash-password'],
  });
  assert.is(ts.pkg.main, 'src/server.ts');
  assert.equal(ts.pkg.engines, { node: '>=22.18' });
  assert.equal(Object.keys(ts.pkg.devDependencies), ['@types/node', 'typescript'], 'exactly the two, sorted as npm writes them');
  assert.match(ts.pkg.devDependencies.typescript, /^\^5\.(9|\d\d)/);
  assert.not.ok('dependencies' in ts.pkg, 'no runtime dependencies');
  const readme = ts.tree.get('README.md')!.content as string;
  assert.match(readme, /npm run typecheck/);
  assert.match(readme, /src\/server\.ts/);
  assert.match(readme, /Node\.js 22\.18 or newer/);
  assert.not.match(js.tree.get('README.md')!.content as string, /typecheck|\.ts\b/);
  assert.match(ts.tree.get('start.sh')!.content as string, /node src\/server\.ts/);
});

test('add and remove refuse to change the language; a record without lang is JavaScript', () => {
  const js = resolveAnswers({ name: 'x', lang: 'js' });
  assert.throws(() => addFeature(js, ['lang', 'ts']), /cannot change lang to ts: the language of a project is fixed when it is created/);
  assert.throws(() => addFeature(js, ['body', 'xml'], { lang: 'ts' }), /fixed when it is created/);
  assert.throws(() => removeFeature(js, ['lang']), /cannot remove lang: the language of a project is fixed/);
  assert.throws(() => removeFeature(js, ['lang', 'js']), /fixed when it is created/);
  assert.type(addFeature(js, ['lang', 'js']), 'string', 'the language it has: nothing to do');
  assert.throws(() => assertFixedKept(js, { lang: 'ts' }), /fixed/);
  assertFixedKept(js, { lang: 'js', body: ['json', 'xml'] });

  // Whatever this machine's default: a group default of ts must not reach an old record.
  const group = groupById('lang')!;
  const saved = group.default;
  group.default = 'ts';
  try {
    assert.is(resolveAnswers({ name: 'x' }).lang, 'ts', 'a new project takes the default');
    const old = validateManifest({ generator: 'create-nodeserver', version: '0.2.0', answersSchema: 1, answers: { name: 'x', auth: 'none' } });
    assert.is(old.answers.lang, 'js', 'a project recorded before lang existed is JavaScript');
    const ts = validateManifest({ generator: 'create-nodeserver', version: '0.2.0', answersSchema: 1, answers: { name: 'x', lang: 'ts' } });
    assert.is(ts.answers.lang, 'ts', 'a recorded language is kept');
  } finally {
    group.default = saved;
  }
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
