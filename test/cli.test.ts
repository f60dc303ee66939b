import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { groups } from '../generators/registry.js';
import { defaultLang, runsTypeScript } from '../generators/lang.js';
import { cli, packageJson, remove, tempDir } from './support/project.js';

/**
 * The CLI in a child process, as a user (or a CI script) runs it: exit codes,
 * one-line errors that name the valid values, and nothing written on any
 * error path.
 */
const cliTest = suite('cli');
let dir: string;

cliTest.before.each(() => {
  dir = tempDir('cns-cli-');
});
cliTest.after.each(() => remove(dir));

/** Runs the CLI expecting a user error: exit 1, one line on stderr, nothing written. */
async function expectUserError(args: string[], pattern: RegExp) {
  const before = readdirSync(dir).sort();
  const r = await cli(args, dir);
  assert.is(r.code, 1, `exit code for ${args.join(' ')}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 1, `one line expected, got:\n${r.stderr}`);
  assert.match(lines[0], /^error: /);
  assert.match(lines[0], pattern);
  assert.not.match(r.stderr, /\n\s+at /, 'no stack trace for a user error');
  assert.equal(readdirSync(dir).sort(), before, 'nothing written');
}

cliTest('--version and --help', async () => {
  const v = await cli(['--version'], dir);
  assert.is(v.code, 0);
  assert.is(v.stdout.trim(), JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
  const h = await cli(['--help'], dir);
  assert.is(h.code, 0);
  for (const flag of ['--lang', '--routing', '--body', '--cache', '--auth', '--[no-]csrf', '--[no-]bigpipe', '--cluster', '--sched', '--workers', '--preset', '--dry-run', '--force']) {
    assert.ok(h.stdout.includes(flag), `--help lists ${flag}`);
  }
  assert.not.match(h.stdout, /\x1b\[/, 'no colours when not a TTY');
  assert.ok(h.stdout.indexOf('--lang') < h.stdout.indexOf('--routing'), 'the language first, as the prompt asks it');
  assert.match(h.stdout, new RegExp(`--lang <ts\\|js>.*\\[default: ${defaultLang()}\\]`));
});

cliTest('creates a project non-interactively and prints the resolved answers', async () => {
  const r = await cli(['my-app', '--lang', 'js'], dir);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /answers: lang=js routing=table body=json cache=none auth=none bigpipe=false cluster=single/);
  assert.match(r.stdout, /cd my-app/);
  assert.ok(existsSync(join(dir, 'my-app/src/server.js')));
  const manifest = JSON.parse(readFileSync(join(dir, 'my-app/nodeserver.json'), 'utf8'));
  assert.is(manifest.answers.auth, 'none');
  assert.ok(existsSync(join(dir, 'my-app/.nodeserver/base/src/app.js')));
  assert.not.match(r.stdout, /\x1b\[/);
  assert.equal(readdirSync(dir), ['my-app'], 'no temporary folders left behind');
});

cliTest('without --lang a project takes the language this Node runs; with it, the one given', async () => {
  const r = await cli(['plain', '--dry-run'], dir);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`answers: lang=${defaultLang()} `));
  const ts = await cli(['typed', '--lang', 'ts'], dir);
  assert.is(ts.code, 0, ts.stderr);
  assert.match(ts.stdout, /answers: lang=ts /);
  assert.is(JSON.parse(readFileSync(join(dir, 'typed/nodeserver.json'), 'utf8')).answers.lang, 'ts', 'recorded like every answer');
  const pkg = packageJson(join(dir, 'typed'));
  assert.equal(Object.keys(pkg.devDependencies as object), ['@types/node', 'typescript']);
  assert.ok(existsSync(join(dir, 'typed/tsconfig.json')) && !existsSync(join(dir, 'typed/jsconfig.json')));
  // One note, not an error, when this Node could not run what it just made.
  const note = /note: .*needs Node\.js 22\.18\+ to run/;
  if (runsTypeScript()) assert.not.match(ts.stdout, note);
  else assert.is(ts.stdout.split('\n').filter((l) => note.test(l)).length, 1, ts.stdout);
  assert.is(ts.stderr, '');
  const js = await cli(['untyped', '--lang', 'js'], dir);
  assert.not.match(js.stdout, note, 'no note for JavaScript');
});

cliTest('bad --lang', () => expectUserError(['x', '--lang', 'coffee'], /invalid value "coffee" for --lang: valid values are ts, js/));
cliTest('invalid npm name', () => expectUserError(['My App!'], /invalid project name "My App!".*lower-case/));
cliTest('missing folder without a terminal', () => expectUserError([], /missing project folder/));
cliTest('unknown flag names the valid flags', () => expectUserError(['x', '--colour'], /unknown flag --colour: valid flags are .*--routing/));
cliTest('unknown value names the valid values', () => expectUserError(['x', '--routing', 'magic'], /invalid value "magic" for --routing: valid values are table, natural/));
cliTest('unknown multi value', () => expectUserError(['x', '--body', 'json,yaml'], /invalid value "yaml" for --body: valid values are none, json, form, xml, multipart, text/));
cliTest('conflicting answers: csrf needs sessions', () => expectUserError(['x', '--auth', 'basic', '--csrf'], /csrf/i));
cliTest('a setting that does not apply: --sched without cluster', () => expectUserError(['x', '--sched', 'os'], /--sched applies only/));
cliTest('bad number', () => expectUserError(['x', '--cluster', 'cluster', '--workers', 'many'], /--workers/));
cliTest('unknown preset', () => expectUserError(['x', '--preset', 'huge'], /unknown preset "huge": valid presets are minimal, api, web, full/));
cliTest('unreadable answers file', () => expectUserError(['x', '--answers', 'nope.json'], /cannot read answers file .*nope\.json: ENOENT/));

cliTest('answers file that is not JSON, or has a bad value', async () => {
  writeFileSync(join(dir, 'bad.json'), '{ nope');
  await expectUserError(['x', '--answers', 'bad.json'], /is not valid JSON/);
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ auth: 'kerberos' }));
  await expectUserError(['x', '--answers', 'bad.json'], /invalid value "kerberos" for --auth/);
});

cliTest("non-empty folder needs --force, which deletes nothing of the user's", async () => {
  mkdirSync(join(dir, 'taken'));
  writeFileSync(join(dir, 'taken/keep.txt'), 'mine');
  await expectUserError(['taken'], /taken is not empty: choose another folder, or use --force/);
  assert.is(readFileSync(join(dir, 'taken/keep.txt'), 'utf8'), 'mine');
  const r = await cli(['taken', '--lang', 'js', '--force'], dir);
  assert.is(r.code, 0, r.stderr);
  assert.ok(existsSync(join(dir, 'taken/src/app.js')));
  assert.is(readFileSync(join(dir, 'taken/keep.txt'), 'utf8'), 'mine', 'a file the generator does not write stays');
});

cliTest('--dry-run lists the files and writes nothing', async () => {
  const r = await cli(['dry', '--lang', 'js', '--dry-run'], dir);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /dry run: would write \d+ files/);
  assert.match(r.stdout, /\n  src\/app\.js\n/);
  assert.equal(readdirSync(dir), []);
});

cliTest('list --json prints the registry as one JSON document', async () => {
  const r = await cli(['list', '--json'], dir);
  assert.is(r.code, 0, r.stderr);
  const data = JSON.parse(r.stdout) as { id: string; options?: { value: string }[] }[];
  assert.equal(
    data.map((g) => g.id),
    groups.map((g) => g.id),
  );
  assert.ok(data.find((g) => g.id === 'auth')?.options?.some((o) => o.value === 'session'));
});

cliTest('--json prints the answers and files', async () => {
  const r = await cli(['j', '--json', '--dry-run', '--preset', 'web'], dir);
  assert.is(r.code, 0, r.stderr);
  const data = JSON.parse(r.stdout);
  assert.is(data.answers.auth, 'session');
  assert.ok(data.files.includes('src/app.js'));
});

cliTest('flags override the preset; answers file works too', async () => {
  writeFileSync(join(dir, 'a.json'), JSON.stringify({ auth: 'token', body: ['json', 'xml'] }));
  const r = await cli(['p', '--answers', 'a.json', '--cache', 'etag', '--json'], dir);
  assert.is(r.code, 0, r.stderr);
  const data = JSON.parse(r.stdout);
  assert.is(data.answers.auth, 'token');
  assert.equal(data.answers.body, ['json', 'xml']);
  assert.equal(data.answers.cache, ['etag']);
});

cliTest('lifecycle commands outside a project say so', async () => {
  const r = await cli(['check'], dir);
  assert.is(r.code, 1);
  assert.match(r.stderr, /no nodeserver\.json in .* or above: run check inside a project made by create-nodeserver/);
});

cliTest.run();
