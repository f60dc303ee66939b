import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveAnswers } from '../generators/engine/answers.js';
import { addFeature } from '../generators/engine/answer-changes.js';
import { addedTypeErrors, planUpdate } from '../generators/engine/lifecycle.js';
import { loadProject } from '../generators/engine/project.js';
import { hash, migrateAnswers } from '../generators/engine/records.js';
import { cli, generate, olderBase as olderProject, remove, run, tempDir, CLI, ROOT } from './support/project.js';
import { readTree, treeDiff } from './support/tree.js';

/**
 * The lifecycle's promises, one regression test per way they were broken:
 * targets checked before writing, links, bytes and line endings kept,
 * records validated, upgrades merged, the CLI contract. Each test makes a
 * real project and runs the real CLI in it.
 */
const guarantees = suite('lifecycle-guarantees');
let root: string;
let app: string;

guarantees.before.each(async () => {
  root = tempDir('cns-guard-');
  app = await generate(resolveAnswers({ lang: 'js', name: 'guard-app' }), root);
});
guarantees.after.each(() => remove(root));

const path = (p: string) => join(app, p);
const read = (p: string) => readFileSync(path(p), 'utf8');
const write = (p: string, content: string | Buffer) => writeFileSync(path(p), content);
const json = (p: string) => JSON.parse(read(p)) as Record<string, any>;
const writeJson = (p: string, value: unknown) => write(p, `${JSON.stringify(value, null, 2)}\n`);

/** A user error: exit 1, one line naming the problem, the project unchanged. */
async function refused(args: string[], pattern: RegExp, cwd = app) {
  const before = readTree(app);
  const r = await cli(args, cwd);
  assert.is(r.code, 1, `${args.join(' ')}: exit ${r.code}\n${r.stdout}${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 1, `one line: ${r.stderr}`);
  assert.match(lines[0], pattern);
  assert.not.match(r.stderr, /\n\s+at /, 'no stack');
  assert.equal(treeDiff(before, readTree(app)), [], 'nothing written');
}

/** Makes the project look as if an older generator made it, whose `file` differed from today's render. */
function olderBase(file: string, change: (text: string) => string): string {
  const today = read(`.nodeserver/base/${file}`);
  const old = olderProject(app, file, change);
  assert.is.not(old, today, 'the older base differs');
  return old;
}

// §1 Transactions: targets are checked before anything is written.

guarantees('a folder where a file must go: one line naming it, nothing written', async () => {
  mkdirSync(path('src/lib/body-xml.js'));
  await refused(['add', 'body', 'xml'], /src\/lib\/body-xml\.js is a folder where a file must go/);
});

guarantees('a link to a file outside the project is refused; a link inside is edited through and stays a link', async () => {
  const outside = join(root, 'outside-config.js');
  renameSync(path('src/config.js'), outside);
  symlinkSync(outside, path('src/config.js'));
  await refused(['add', 'auth', 'basic'], /src\/config\.js is a link to .*outside-config\.js, outside the project/);
  rmSync(path('src/config.js'));
  renameSync(outside, path('src/real-config.js'));
  symlinkSync('real-config.js', path('src/config.js'));
  const r = await cli(['add', 'auth', 'basic'], app);
  assert.is(r.code, 0, r.stderr);
  assert.ok(lstatSync(path('src/config.js')).isSymbolicLink(), 'the link is still a link');
  assert.match(read('src/real-config.js'), /realm: 'Restricted'/);
});

guarantees('an interrupted command is rolled back by the next one, which says so', async () => {
  const before = readTree(app);
  await new Promise<void>((resolve) => {
    const child = execFileKill(['add', 'body', 'xml', '--force'], resolve);
    const timer = setInterval(() => {
      if (existsSync(path('.nodeserver/journal/journal.json'))) {
        clearInterval(timer);
        child.kill('SIGKILL');
      }
    }, 1);
  });
  assert.ok(existsSync(path('.nodeserver/journal')), 'killed while writing');
  const r = await cli(['check'], app);
  assert.match(r.stderr, /recovered: an earlier command was interrupted while writing: .*rolled back/);
  assert.equal(treeDiff(before, readTree(app)), [], 'as before');
});

function execFileKill(args: string[], done: () => void) {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: app, env: { ...process.env, CI: 'true', NODESERVER_TEST_STEP_DELAY_MS: '20' }, stdio: 'ignore' });
  child.on('close', () => done());
  return child;
}

// §2 A plan that adds type errors is refused.

guarantees("a change that would break the user's code is refused with the errors; --force writes it", async () => {
  assert.is((await cli(['add', 'body', 'xml'], app)).code, 0);
  write('src/mine.js', "// @ts-check\nimport { parseXml } from './lib/body-xml.js';\nexport const parse = parseXml;\n");
  await refused(['remove', 'body', 'xml'], /would add 1 type error.*src\/mine\.js:2 TS2307 Cannot find module '\.\/lib\/body-xml\.js'.*--force/);
  const forced = await cli(['remove', 'body', 'xml', '--force'], app);
  assert.is(forced.code, 0, forced.stderr);
});

guarantees("an add whose code is not exactly the render is still checked: a user's name the add's import collides with is refused", async () => {
  // The add's code equal to a render is trusted; with the user's line in the file it edits, it is not that.
  write(
    'src/app.js',
    read('src/app.js').replace('export function buildApp', "/** The user's own XML parser. */\nconst parseXml = (/** @type {string} */ text) => text;\n\nexport function buildApp"),
  );
  await refused(['add', 'body', 'xml'], /would add \d+ type error.*src\/app\.js:\d+ TS2440 Import declaration conflicts with local declaration of 'parseXml'/);
});

guarantees('add on a pristine project writes what create writes for the same answers', async () => {
  const r = await cli(['add', 'body', 'xml'], app);
  assert.is(r.code, 0, r.stdout + r.stderr);
  const answers = addFeature(resolveAnswers({ lang: 'js', name: 'guard-app' }), ['body', 'xml']);
  assert.ok(typeof answers !== 'string');
  const created = await generate(resolveAnswers(answers), tempDir('cns-guard-created-'));
  try {
    assert.equal(treeDiff(readTree(created), readTree(app)), []);
  } finally {
    remove(join(created, '..'));
  }
});

guarantees('a plan whose code is exactly the render is not checked again; one byte off it, it is', async () => {
  const answers = addFeature(resolveAnswers({ lang: 'js', name: 'guard-app' }), ['body', 'xml']);
  assert.ok(typeof answers !== 'string');
  const project = loadProject(app);
  const plan = await planUpdate(project, resolveAnswers(answers));
  assert.ok(plan.rendered, 'an add keeps its render');
  assert.equal(addedTypeErrors(project, plan), []);
  // A render with a type error stands in for a check that would find one: the render is trusted as it is.
  const broken = `${plan.writes.get('src/app.js') as string}\n/** @type {number} */\nexport const notANumber = 'text';\n`;
  plan.writes.set('src/app.js', broken);
  plan.rendered.set('src/app.js', { ...plan.rendered.get('src/app.js')!, content: broken });
  assert.equal(addedTypeErrors(project, plan), [], 'exactly the render: not checked');
  plan.writes.set('src/app.js', `${broken}// one line more\n`);
  assert.match(addedTypeErrors(project, plan).join('\n'), /^src\/app\.js:\d+ TS2322 /m, 'not the render: checked');
});

// §3 Upgrades never skip a merge.

guarantees('add on a project of an older version merges the upstream changes of the files it edits', async () => {
  const old = olderBase('src/app.js', (t) => t.replace('export function buildApp', '// a line of the older generator\nexport function buildApp'));
  write('src/app.js', old.replace('// @ts-check', '// @ts-check\n// my note'));
  const r = await cli(['add', 'body', 'xml'], app);
  assert.is(r.code, 0, r.stdout + r.stderr);
  const appJs = read('src/app.js');
  assert.match(appJs, /\/\/ my note/, 'the user edit stays');
  assert.not.match(appJs, /a line of the older generator/, 'the upstream change arrived');
  assert.match(appJs, /xml/);
  const check = await cli(['check'], app);
  assert.is(check.code, 0, check.stdout);
});

guarantees('add on a project of an older version whose file lacks a place this version introduced: upgraded first, then edited', async () => {
  // The older generator's users helpers had no startUsersApp, where each login style registers its step.
  const old = olderBase('test/users-helpers.js', (t) => t.replace(/\/\*\*\n \* Starts the app for the users tests[\s\S]*?\n\}\n\n/, ''));
  assert.not.match(old, /function startUsersApp/);
  write('test/users-helpers.js', old.replace('// @ts-check', '// @ts-check\n// my note'));
  const r = await cli(['add', 'auth', 'basic'], app);
  assert.is(r.code, 0, r.stdout + r.stderr);
  const helpers = read('test/users-helpers.js');
  assert.match(helpers, /\/\/ my note/, 'the user edit stays');
  assert.match(helpers, /export async function startUsersApp\(\) \{[\s\S]*steps\.push\(basicLogin\);/, 'the new place arrived with the login step in it');
  const check = await cli(['check'], app);
  assert.is(check.code, 0, check.stdout);
});

guarantees('add on an older project refuses, writing nothing, when upgrading a file it must edit would conflict', async () => {
  const old = olderBase('test/users-helpers.js', (t) => t.replace(/\/\*\*\n \* Starts the app for the users tests[\s\S]*?\n\}\n\n/, 'export const legacy = 1;\n\n'));
  // The user changed the very line the newer generator replaces.
  write('test/users-helpers.js', old.replace('export const legacy = 1;', 'export const legacy = 2;'));
  await refused(['add', 'auth', 'basic'], /test\/users-helpers\.js predates this version \(0\.1\.9\).*regenerate first/);
});

guarantees('check lists leftover conflict markers (exit 1); a regenerate with nothing to do writes nothing', async () => {
  const mtimes = () => Object.fromEntries([...readTree(app).keys()].map((p) => [p, statSync(path(p)).mtimeMs]));
  const before = mtimes();
  await new Promise((r) => setTimeout(r, 20));
  const r = await cli(['regenerate'], app);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /up to date/);
  assert.equal(mtimes(), before, 'no file touched');
  write('src/routes.js', read('src/routes.js').replace('  return', '<<<<<<< yours (src/routes.js)\n  a();\n=======\n  b();\n>>>>>>> new (this generator version)\n  return'));
  const check = await cli(['check'], app);
  assert.is(check.code, 1);
  assert.match(check.stdout, /conflict markers left in 1 file\(s\): src\/routes\.js/);
});

guarantees('--conflict theirs decides only the conflicting lines: the test the user appended stays', async () => {
  const file = 'test/health.test.js';
  const current = existsSync(path(file)) ? file : 'test/pipeline.test.js';
  const old = olderBase(current, (t) => t.replace("import assert from 'node:assert/strict';", "import assert from 'node:assert';"));
  write(current, `${old.replace("import assert from 'node:assert';", "import assert from 'node:assert'; // mine")}\ntest('my own test', () => assert.ok(true));\n`);
  const r = await cli(['regenerate', '--conflict', 'theirs'], app);
  assert.is(r.code, 0, r.stdout + r.stderr);
  const text = read(current);
  assert.match(text, /import assert from 'node:assert\/strict';/, 'their side of the conflicting line');
  assert.match(text, /my own test/, 'the appended test stays');
});

// §4 Bytes are sacred.

guarantees('binary files: copied byte for byte, updated when untouched, never text-merged when both changed', async () => {
  const icon = readFileSync(path('public/favicon.ico'));
  assert.equal(readFileSync(path('.nodeserver/base/public/favicon.ico')), icon);
  const oldIcon = Buffer.concat([icon.subarray(0, 40), Buffer.from([0, 1, 2, 0xff]), icon.subarray(40)]);
  // The older version's icon differed; the user kept it: updated byte for byte.
  writeFileSync(path('.nodeserver/base/public/favicon.ico'), oldIcon);
  write('public/favicon.ico', oldIcon);
  const files = json('.nodeserver/manifest.json');
  files.files['public/favicon.ico'].hash = hash(oldIcon);
  writeJson('.nodeserver/manifest.json', files);
  assert.is((await cli(['regenerate'], app)).code, 0);
  assert.equal(readFileSync(path('public/favicon.ico')), icon);
  // Both changed: the user's stays, the new one is written beside it, exit 2.
  writeFileSync(path('.nodeserver/base/public/favicon.ico'), oldIcon);
  writeJson('.nodeserver/manifest.json', files);
  const mine = Buffer.concat([icon, Buffer.from([0xfe, 0xfe])]);
  write('public/favicon.ico', mine);
  const r = await cli(['regenerate'], app);
  assert.is(r.code, 2, r.stdout + r.stderr);
  assert.equal(readFileSync(path('public/favicon.ico')), mine);
  assert.equal(readFileSync(path('public/favicon.new.ico')), icon);
});

guarantees('a CRLF file stays CRLF through edits and merges, and line endings alone are no conflict', async () => {
  const crlf = (t: string) => t.replace(/\r?\n/g, '\r\n');
  write('src/config.js', crlf(read('src/config.js').replace('port: 3000', 'port: 8080')));
  const r = await cli(['add', 'auth', 'basic'], app);
  assert.is(r.code, 0, r.stderr);
  const config = read('src/config.js');
  assert.match(config, /realm: 'Restricted'/);
  assert.match(config, /port: 8080/);
  assert.not.match(config, /[^\r]\n/, 'no LF line among the CRLF ones');
  // A one-line upstream change to a stylesheet the user converted to CRLF and edited elsewhere.
  const old = olderBase('public/style.css', (t) => t.replace(/^/, '/* older first line */\n'));
  write('public/style.css', crlf(`${old}\n/* mine */\n`));
  const merged = await cli(['regenerate'], app);
  assert.is(merged.code, 0, merged.stdout + merged.stderr);
  const css = read('public/style.css');
  assert.not.match(css, /older first line/);
  assert.match(css, /\/\* mine \*\//);
  assert.not.match(css, /[^\r]\n/);
});

guarantees("a file with both kinds of line break keeps each line's: an add and its remove give back the bytes", async () => {
  // A CRLF routes file with one LF line pasted in (property seed 97531).
  const routes = read('src/routes.js').replace(/\r?\n/g, '\r\n');
  const at = routes.lastIndexOf('  return ');
  write('src/routes.js', `${routes.slice(0, at)}  router.get('/pasted', (req, res) => res.json({}));\n${routes.slice(at)}`);
  const before = readFileSync(path('src/routes.js'));
  assert.is((await cli(['add', 'bigpipe'], app)).code, 0);
  const added = read('src/routes.js');
  assert.match(added, /router\.get\('\/profile', profilePage\(config\)\);\r\n/, 'a new line takes the break most lines have');
  assert.match(added, /res\.json\(\{\}\)\);\n/, 'the pasted line keeps its own');
  assert.is((await cli(['remove', 'bigpipe', '--allow-dirty'], app)).code, 0);
  assert.ok(readFileSync(path('src/routes.js')).equals(before), 'the same bytes');
});

guarantees('text that is not UTF-8 is refused with one line, never rewritten', async () => {
  write('src/config.js', Buffer.concat([Buffer.from('// caf'), Buffer.from([0xe9]), Buffer.from('\n'), readFileSync(path('src/config.js'))]));
  await refused(['add', 'auth', 'basic'], /src\/config\.js is not UTF-8 text/);
});

// §5 Records are validated.

guarantees('damaged records are refused before anything happens', async () => {
  const manifest = json('nodeserver.json');
  writeJson('nodeserver.json', { ...manifest, answers: [] });
  await refused(['add', 'body', 'xml'], /nodeserver\.json: "answers" must be an object/);
  writeJson('nodeserver.json', { ...manifest, answers: { ...manifest.answers, graphql: true } });
  await refused(['regenerate'], /unknown answer "graphql"/);
  writeJson('nodeserver.json', { ...manifest, answers: { ...manifest.answers, name: '' } });
  await refused(['check'], /needs the project's "name"/);
  writeJson('nodeserver.json', { ...manifest, version: '9.0.0' });
  await refused(['regenerate'], /made by create-nodeserver 9\.0\.0, newer than this .*downgrades are not supported/);
  writeJson('nodeserver.json', { ...manifest, answersSchema: 99 });
  await refused(['add', 'body', 'xml'], /answers schema 99, newer than .*downgrades are not supported/);
  writeJson('nodeserver.json', manifest);
  rmSync(path('.nodeserver/base/src/routes.js'));
  await refused(['regenerate'], /\.nodeserver\/base is damaged \(1 file\(s\) missing, e\.g\. src\/routes\.js\): restore .*git checkout -- \.nodeserver.* regenerate --rebuild-base/);
  const rebuilt = await cli(['regenerate', '--rebuild-base'], app);
  assert.is(rebuilt.code, 0, rebuilt.stderr);
  assert.is((await cli(['check'], app)).code, 0);
});

guarantees('the language is fixed at create: add, remove and regenerate refuse to change it; a record without lang stays JavaScript', async () => {
  const why = /the language of a project is fixed when it is created/;
  await refused(['add', 'lang', 'ts'], why);
  await refused(['add', 'body', 'xml', '--lang', 'ts'], why);
  await refused(['remove', 'lang'], why);
  await refused(['regenerate', '--lang', 'ts'], why);
  const same = await cli(['add', 'lang', 'js'], app);
  assert.is(same.code, 0, same.stderr);
  assert.match(same.stdout, /already part of this project: nothing to do/);
  // A project recorded before the group existed: JavaScript whatever this Node runs, and regenerate keeps it so.
  const manifest = json('nodeserver.json');
  const { lang, ...older } = manifest.answers;
  assert.is(lang, 'js');
  writeJson('nodeserver.json', { ...manifest, answers: older });
  const r = await cli(['regenerate', '--allow-dirty', '--json'], app);
  assert.is(r.code, 0, r.stderr);
  assert.is(JSON.parse(r.stdout).answers.lang, 'js');
  assert.is(json('nodeserver.json').answers.lang, 'js', 'recorded from now on');
  assert.ok(existsSync(path('jsconfig.json')) && !existsSync(path('tsconfig.json')));
});

guarantees('answers of an older schema go through the migrations, one per version', () => {
  const table = { 1: (a: Record<string, unknown>) => ({ ...a, lang: 'js' }), 2: (a: Record<string, unknown>) => ({ ...a, store: 'memory' }) };
  assert.equal(migrateAnswers({ name: 'x' }, 1, 3, table), { name: 'x', lang: 'js', store: 'memory' });
  assert.equal(migrateAnswers({ name: 'x' }, 2, 3, table), { name: 'x', store: 'memory' });
  assert.throws(() => migrateAnswers({ name: 'x' }, 0, 3, table), /no migration from answers schema 0 to 1/);
});

// §6 The CLI contract.

guarantees('inside a project: a mistyped command is an error, not a nested project; commands work from a subfolder', async () => {
  await refused(['regenrate'], /unknown command "regenrate": commands are add, remove, regenerate/);
  await refused(['regenrate'], /unknown command/, path('src/lib'));
  const r = await cli(['check', '--json'], path('src/lib'));
  assert.is(r.code, 0, r.stderr);
  assert.is(JSON.parse(r.stdout).upToDate, true);
  await refused(['add', 'body', 'xml', '--conflict', 'theirs'], /--conflict does not apply to add/);
  await refused(['check', '--workers', '2'], /--workers does not apply to check/);
});

guarantees('--json: one JSON document on stdout on every path, errors included', async () => {
  const error = await cli(['add', 'graphql', '--json'], app);
  assert.is(error.code, 1);
  assert.equal(JSON.parse(error.stdout), { error: { code: 'E_FEATURE', message: error.stdout && JSON.parse(error.stdout).error.message } });
  assert.match(JSON.parse(error.stdout).error.message, /unknown feature "graphql"/);
  const badFlag = await cli(['--json', '--nope'], root);
  assert.is(JSON.parse(badFlag.stdout).error.code, 'E_FLAG');
  const nothing = await cli(['add', 'body', 'json', '--json'], app);
  assert.is(nothing.code, 0);
  assert.is(JSON.parse(nothing.stdout).upToDate, true);
  const plan = await cli(['add', 'body', 'xml', '--json', '--dry-run'], app);
  assert.ok(JSON.parse(plan.stdout).files.some((f: { path: string }) => f.path === 'src/lib/body-xml.js'));
});

guarantees('the dirty check looks at the project folder only; git that cannot run is refused', async () => {
  // A monorepo: the project is one folder of a larger work tree.
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=a@b.c', '-c', 'user.name=a', ...args], { cwd: root, stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'init');
  writeFileSync(join(root, 'elsewhere.txt'), 'another package is being edited');
  const r = await cli(['add', 'body', 'xml'], app);
  assert.is(r.code, 0, r.stderr);
  git('add', '-A');
  git('commit', '-qm', 'xml');
  const noGit = await run(process.execPath, [CLI, 'add', 'body', 'form'], { cwd: app, env: { CI: 'true', PATH: '/nonexistent' } });
  assert.is(noGit.code, 1, noGit.stderr);
  assert.match(noGit.stderr, /in a git work tree but its changes cannot be checked \(git is not installed\).*--allow-dirty/);
});

guarantees("create --force deletes nothing of the user's and moves files at generated paths aside", async () => {
  const dir = join(root, 'existing');
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, '.env'), 'SECRET=1');
  writeFileSync(join(dir, 'data/db.sqlite'), Buffer.from([0x53, 0x51, 0, 1]));
  writeFileSync(join(dir, 'README.md'), '# my notes');
  const r = await cli(['existing', '--lang', 'js', '--force', '--yes'], root);
  assert.is(r.code, 0, r.stderr);
  assert.is(readFileSync(join(dir, '.env'), 'utf8'), 'SECRET=1');
  assert.ok(existsSync(join(dir, 'data/db.sqlite')));
  assert.match(readFileSync(join(dir, 'README.md'), 'utf8'), /existing/);
  assert.match(r.stdout, /moved to \.nodeserver\/replaced\/: README\.md/);
  const replaced = execFileSync('find', [join(dir, '.nodeserver/replaced'), '-name', 'README.md'], { encoding: 'utf8' }).trim();
  assert.is(readFileSync(replaced, 'utf8'), '# my notes');
});

guarantees("a module that moved from the base to a support feature stays while the user's own code imports it", async () => {
  // An older generator put src/lib/cookies.js and its test in every project (feature base); this one brings them
  // only with a feature that needs them (the cookies support feature), so regenerate deletes the unused copies.
  const files = json('.nodeserver/manifest.json');
  for (const [file, template] of [
    ['src/lib/cookies.js', 'templates/cookies/src/lib/cookies.js'],
    ['test/cookies.test.js', 'templates/cookies/test/cookies.test.js'],
  ]) {
    const text = readFileSync(join(ROOT, template), 'utf8');
    write(file, text);
    mkdirSync(path(`.nodeserver/base/${file}`).replace(/\/[^/]+$/, ''), { recursive: true });
    write(`.nodeserver/base/${file}`, text);
    files.files[file] = { hash: hash(text), feature: 'base', policy: 'generated' };
  }
  writeJson('.nodeserver/manifest.json', files);
  writeJson('nodeserver.json', { ...json('nodeserver.json'), version: '0.1.9' });
  write(
    'src/recent.js',
    "// @ts-check\nimport { getCookie } from './lib/cookies.js';\nexport const theme = (/** @type {import('node:http').IncomingMessage} */ req) => getCookie(req, 'theme');\n",
  );
  const r = await cli(['regenerate'], app);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.ok(existsSync(path('src/lib/cookies.js')), 'still imported by src/recent.js: kept');
  assert.match(r.stdout, /src\/lib\/cookies\.js.*still imported by src\/recent\.js/);
  assert.not.ok(existsSync(path('test/cookies.test.js')), 'its unchanged test, which nothing imports, goes');
});

guarantees("remove takes the support features of the last feature that needs them, except a module the user's code imports", async () => {
  assert.is((await cli(['add', 'auth', 'basic'], app)).code, 0);
  for (const file of ['src/lib/credentials.js', 'src/lib/password.js', 'src/lib/limiter.js', 'scripts/hash-password.js']) assert.ok(existsSync(path(file)), `${file} comes with auth`);
  assert.is(json('package.json').scripts['hash-password'], 'node scripts/hash-password.js');
  write('src/recent.js', "// @ts-check\nimport { Limiter } from './lib/limiter.js';\nexport const exportJobs = new Limiter({ concurrency: 2, queue: 10 });\n");
  const r = await cli(['remove', 'auth'], app);
  assert.is(r.code, 0, r.stdout + r.stderr);
  for (const file of ['src/lib/credentials.js', 'src/lib/password.js', 'scripts/hash-password.js', 'test/credentials.test.js'])
    assert.not.ok(existsSync(path(file)), `${file} goes with the last auth style`);
  assert.is(json('package.json').scripts['hash-password'], undefined);
  assert.ok(existsSync(path('src/lib/limiter.js')), 'src/recent.js still imports it');
});

guarantees('a file the user changed and a command stopped generating keeps its record: a feature that brings it back merges into it', async () => {
  assert.is((await cli(['add', 'auth', 'basic'], app)).code, 0);
  const generated = read('src/lib/credentials.js');
  write('src/lib/credentials.js', generated.replace('const ENV_NAME', '// mine: the variable the users come from\nconst ENV_NAME'));
  const removed = await cli(['remove', 'auth', '--allow-dirty'], app);
  assert.is(removed.code, 0, removed.stdout + removed.stderr);
  assert.match(removed.stdout, /keep\s+src\/lib\/credentials\.js/);
  assert.is((await cli(['check'], app)).code, 0, 'the kept file is not drift');
  const back = await cli(['add', 'auth', 'token', '--allow-dirty'], app);
  assert.is(back.code, 0, back.stdout + back.stderr);
  assert.not.ok(existsSync(path('src/lib/credentials.new.js')), 'merged, not written beside');
  assert.is(read('src/lib/credentials.js'), generated.replace('const ENV_NAME', '// mine: the variable the users come from\nconst ENV_NAME'));
});

guarantees('"skip" in nodeserver.json: regenerate never updates those files', async () => {
  const old = olderBase('src/routes.js', (t) => t.replace('  return', '  // older\n  return'));
  write('src/routes.js', old);
  writeJson('nodeserver.json', { ...json('nodeserver.json'), skip: ['src/routes.js'] });
  const r = await cli(['regenerate'], app);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /skip\s+src\/routes\.js/);
  assert.is(read('src/routes.js'), old);
  assert.equal(json('nodeserver.json').skip, ['src/routes.js'], 'the list is kept');
  await refused(['add', 'auth', 'basic'], /src\/routes\.js is in "skip"/);
});

guarantees('names and output: a name may not start with "-"; NO_COLOR counts only when not empty; a closed pipe ends quietly', async () => {
  const dash = await cli(['--yes', '--', '-app'], root);
  assert.is(dash.code, 1);
  assert.match(dash.stderr, /invalid project name "-app"/);
  const colours = (noColor: string) => spawnSync(process.execPath, [CLI, 'list'], { cwd: root, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '1', NO_COLOR: noColor } }).stdout;
  assert.match(colours(''), /\x1b\[/, 'NO_COLOR="" keeps colours');
  assert.not.match(colours('1'), /\x1b\[/);
  const piped = await run('sh', ['-c', `"${process.execPath}" "${CLI}" piped --dry-run --yes | head -1`], { cwd: root, env: { CI: 'true' } });
  assert.is(piped.code, 0);
  assert.is(piped.stderr, '', 'no EPIPE stack');
});

guarantees.run();
