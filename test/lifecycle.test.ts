import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveAnswers } from '../generators/engine/answers.js';
import { cli, generate, olderBase as olderProject, remove, run, tempDir } from './support/project.js';
import { readTree, treeDiff } from './support/tree.js';

/**
 * add / remove / regenerate / check on real projects through the CLI, with
 * the kinds of edits a user makes: nothing a user wrote may be lost.
 */
const lifecycle = suite('lifecycle');
let root: string;
let app: string;

lifecycle.before.each(async () => {
  root = tempDir('cns-life-');
  app = await generate(resolveAnswers({ lang: 'js', name: 'life-app' }), root);
});
lifecycle.after.each(() => remove(root));

const read = (path: string) => readFileSync(join(app, path), 'utf8');
const write = (path: string, content: string) => writeFileSync(join(app, path), content);

/** Realistic user edits: an own middleware, a reformatted line, a changed setting, an own route. */
function userEdits() {
  write('src/app.js', read('src/app.js').replace('  return app;', "  app.use((req, res, next) => {\n    res.setHeader('x-powered-by-me', 'yes');\n    next();\n  });\n  return app;"));
  write('src/config.js', read('src/config.js').replace('port: 3000', 'port: 8080'));
  write('src/routes.js', read('src/routes.js').replace('  return router', "  router.get('/hello', (req, res) => res.json({ hello: 'world' }));\n  return router"));
}

lifecycle('add a feature to edited code: edits kept, feature wired in its slot, own tests pass', async () => {
  userEdits();
  const r = await cli(['add', 'auth', 'session'], app);
  assert.is(r.code, 0, r.stderr + r.stdout);
  const appJs = read('src/app.js');
  assert.match(appJs, /x-powered-by-me/);
  assert.match(read('src/config.js'), /port: 8080/);
  assert.match(read('src/routes.js'), /\/hello/);
  assert.match(appJs, /session\(/);
  const order = [...appJs.matchAll(/app\.use\(\s*(\w+)/g)].map((m) => m[1]);
  assert.ok(order.indexOf('session') > order.indexOf('staticFiles') && order.indexOf('session') < order.indexOf('body'), order.join(' '));
  assert.is(JSON.parse(read('nodeserver.json')).answers.auth, 'session');
  const t = await run('npm', ['test', '--silent'], { cwd: app, timeout: 180_000 });
  assert.is(t.code, 0, t.stdout.slice(-3000) + t.stderr.slice(-2000));
});

lifecycle('add twice equals add once; add then remove restores the project', async () => {
  userEdits();
  const before = readTree(app);
  assert.is((await cli(['add', 'body', 'xml'], app)).code, 0);
  const once = readTree(app);
  const again = await cli(['add', 'body', 'xml'], app);
  assert.is(again.code, 0);
  assert.match(again.stdout, /already part of this project/);
  assert.equal(treeDiff(once, readTree(app)), []);
  const r = await cli(['remove', 'body', 'xml'], app);
  assert.is(r.code, 0, r.stderr);
  assert.equal(treeDiff(before, readTree(app)), [], 'add then remove == original');
});

lifecycle('remove keeps and lists the files the user changed', async () => {
  assert.is((await cli(['add', 'bigpipe'], app)).code, 0);
  const page = 'src/lib/bigpipe.js';
  write(page, `${read(page)}\n// my change\n`);
  const r = await cli(['remove', 'bigpipe'], app);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /keep\s+src\/lib\/bigpipe\.js/);
  assert.ok(existsSync(join(app, page)));
  assert.not.match(read('src/routes.js'), /profile/);
});

lifecycle('bad lifecycle input: unknown feature, conflicting feature, nothing written', async () => {
  const before = readTree(app);
  const unknown = await cli(['add', 'graphql'], app);
  assert.is(unknown.code, 1);
  assert.match(unknown.stderr, /unknown feature "graphql": valid features are routing, body/);
  const conflict = await cli(['add', 'csrf'], app);
  assert.is(conflict.code, 1);
  assert.match(conflict.stderr, /csrf/i);
  const value = await cli(['add', 'auth', 'kerberos'], app);
  assert.is(value.code, 1);
  assert.match(value.stderr, /valid values are none, basic, session, token/);
  assert.equal(treeDiff(before, readTree(app)), []);
});

lifecycle('a composition root without its anchor: a one-line error naming it, nothing written', async () => {
  write('src/app.js', read('src/app.js').replace('export function buildApp(', 'export function makeApp('));
  const before = readTree(app);
  const r = await cli(['add', 'auth', 'session'], app);
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr.trim(), /^error: cannot apply the change to your src\/app\.js: function "buildApp" not found/);
  assert.not.match(r.stderr, /\n\s+at /, 'no stack: the user can fix this');
  assert.equal(treeDiff(before, readTree(app)), []);
  rmSync(join(app, 'src/app.js'));
  const missing = await cli(['add', 'auth', 'session'], app);
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /src\/app\.js is missing: features register themselves there; restore it first/);
});

lifecycle('check and regenerate on an up-to-date project change nothing', async () => {
  const before = readTree(app);
  const check = await cli(['check'], app);
  assert.is(check.code, 0, check.stdout + check.stderr);
  const r = await cli(['regenerate'], app);
  assert.is(r.code, 0, r.stderr);
  assert.equal(treeDiff(before, readTree(app)), []);
});

/** Pretends the project came from an older generator whose `path` had `to` where today's has `from`. */
const olderBase = (path: string, from: string, to: string) => olderProject(app, path, (t) => t.replace(from, to));

lifecycle('regenerate: template changes arrive, user edits stay, clean merge', async () => {
  // The old generator wrote a comment the new one no longer has; the user edited another part.
  const old = olderBase('src/routes.js', '  return router', '  // old generator line\n  return router');
  write('src/routes.js', old.replace('import', '// my header\nimport'));
  const check = await cli(['check'], app);
  assert.is(check.code, 1, 'behind');
  assert.match(check.stdout, /merge\s+src\/routes\.js/);
  const dry = await cli(['regenerate', '--dry-run'], app);
  assert.is(dry.code, 0);
  assert.match(dry.stdout, /-\s+\/\/ old generator line/);
  assert.match(read('src/routes.js'), /old generator line/, 'dry run writes nothing');
  const r = await cli(['regenerate'], app);
  assert.is(r.code, 0, r.stdout + r.stderr);
  const routes = read('src/routes.js');
  assert.match(routes, /\/\/ my header/);
  assert.not.match(routes, /old generator line/);
});

lifecycle('regenerate: a real conflict gets diff3 markers with the base, exit 2; --conflict ours keeps yours', async () => {
  const old = olderBase('src/routes.js', "router.get('/health', health);", "router.get('/healthz', health);");
  write('src/routes.js', old.replace("'/healthz'", "'/status'"));
  const json = await cli(['regenerate', '--dry-run', '--json'], app);
  const plan = JSON.parse(json.stdout);
  assert.equal(plan.files.find((f: { path: string }) => f.path === 'src/routes.js').action, 'conflict');
  const r = await cli(['regenerate', '--allow-dirty'], app);
  assert.is(r.code, 2, r.stdout + r.stderr);
  const routes = read('src/routes.js');
  assert.match(routes, /<<<<<<< yours[^\n]*\n.*'\/status'.*\n\|\|\|\|\|\|\| base[^\n]*\n.*'\/healthz'.*\n=======\n.*'\/health'.*\n>>>>>>> new/);
  write('src/routes.js', old.replace("'/healthz'", "'/status'"));
  olderBase('src/routes.js', "router.get('/health', health);", "router.get('/healthz', health);");
  const ours = await cli(['regenerate', '--conflict', 'ours'], app);
  assert.is(ours.code, 0, ours.stdout + ours.stderr);
  assert.match(read('src/routes.js'), /'\/status'/);
  assert.not.match(read('src/routes.js'), /<<<<<<</);
});

lifecycle('regenerate: a deleted file stays deleted unless --restore-deleted', async () => {
  rmSync(join(app, 'start.bat'));
  olderBase('start.bat', 'node', 'nodejs');
  const r = await cli(['regenerate'], app);
  assert.is(r.code, 0);
  assert.match(r.stdout, /deleted-by-user\s+start\.bat/);
  assert.not.ok(existsSync(join(app, 'start.bat')));
  const back = await cli(['regenerate', '--restore-deleted'], app);
  assert.is(back.code, 0);
  assert.ok(existsSync(join(app, 'start.bat')));
});

lifecycle('a dirty git work tree is refused unless --allow-dirty', async () => {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: app, stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.email=a@b.c', '-c', 'user.name=a', 'commit', '-qm', 'init');
  write('README.md', `${read('README.md')}\nmine\n`);
  const r = await cli(['add', 'body', 'form'], app);
  assert.is(r.code, 1);
  assert.match(r.stderr, /uncommitted change.*--allow-dirty/);
  const ok = await cli(['add', 'body', 'form', '--allow-dirty'], app);
  assert.is(ok.code, 0, ok.stderr);
});

lifecycle.run();
