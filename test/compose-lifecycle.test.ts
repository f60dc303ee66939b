import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveAnswers } from '../generators/engine/answers.js';
import { CLIError } from '../generators/engine/errors.js';
import { applyPlan, planUpdate } from '../generators/engine/lifecycle.js';
import { loadProject } from '../generators/engine/project.js';
import type { AnswerValue } from '../generators/types.js';
import { generate, remove, tempDir } from './support/project.js';
import { readTree, treeDiff } from './support/tree.js';
import { typecheck } from './support/typecheck.js';

/**
 * The structural edits through the lifecycle (planUpdate + applyPlan, as
 * `add`/`remove` run them) on generated projects the user edited: comments
 * everywhere, switched options with tuned settings, changed lines that a
 * removal would leave dangling.
 */
const composeLifecycle = suite('compose-lifecycle');
let root: string;
composeLifecycle.before.each(() => {
  root = tempDir('cns-compose-');
});
composeLifecycle.after.each(() => remove(root));

async function project(answers: Record<string, AnswerValue>): Promise<string> {
  return generate(resolveAnswers({ lang: 'js', name: 'cl', ...answers }), root);
}

async function change(dir: string, answers: Record<string, AnswerValue>) {
  const plan = await planUpdate(loadProject(dir), resolveAnswers({ lang: 'js', name: 'cl', ...answers }));
  applyPlan(dir, plan.writes);
  return plan;
}

const read = (dir: string, path: string) => readFileSync(join(dir, path), 'utf8');
function edit(dir: string, path: string, from: string, to: string) {
  const text = read(dir, path);
  assert.ok(text.includes(from), `${from} missing in ${path}`);
  writeFileSync(join(dir, path), text.replace(from, to));
}

const trimmed = (text: string) => text.split('\n').map((l) => l.trim());

composeLifecycle('add auth basic after seven comment lines at the top of routes(): the route goes after const router and the project type-checks', async () => {
  const dir = await project({});
  const comments = ['// Routes of the shop.', '// Public first,', '// then the API,', '// then admin.', '// See docs/routing.md', '// for the matching rules', '// and the 404 handling.'];
  edit(dir, 'src/routes.js', '  const router', `${comments.map((c) => `  ${c}\n`).join('')}  const router`);
  edit(dir, 'src/routes.js', '  return router', '  /** The table as one middleware. */\n  // (keep last)\n  return router');
  edit(dir, 'src/app.js', '  app.use(rateLimit(', '  // count requests after auth\n  app.use(rateLimit(');
  await change(dir, { auth: 'basic' });
  const routes = trimmed(read(dir, 'src/routes.js'));
  const me = routes.indexOf("router.get('/me', requireUser(config), currentUser);");
  assert.ok(me > routes.indexOf('const router = createRouter(config.router);'), read(dir, 'src/routes.js'));
  assert.is(routes[me + 1], '/** The table as one middleware. */');
  const app = trimmed(read(dir, 'src/app.js'));
  // Auth comes before the rate limit: above the comment that describes the rate limit's line.
  assert.is(app[app.indexOf('app.use(basicAuth(config));') + 1], '// count requests after auth');
  assert.equal(typecheck(dir), []);
  const before = readTree(dir);
  await change(dir, { auth: 'none' });
  await change(dir, { auth: 'basic' });
  assert.equal(treeDiff(before, readTree(dir)), [], 'remove then add gives the same files');
});

composeLifecycle('switch auth token -> session -> basic -> token keeps auth.users and its comment', async () => {
  const dir = await project({ auth: 'token' });
  edit(dir, 'src/config.js', 'users: /** @type {string[]} */ ([]),', "users: ['alice:scrypt:16384:8:1:c2FsdA:aGFzaA'], // ops rotate these");
  edit(dir, 'src/config.js', '/** Users as name:scrypt:', '/** Staff. Users as name:scrypt:');
  for (const to of ['session', 'basic', 'token']) {
    await change(dir, { auth: to });
    const config = read(dir, 'src/config.js');
    assert.match(config, /\/\*\* Staff\. Users as name:scrypt:[^\n]*\n {4}users: \['alice:scrypt:16384:8:1:c2FsdA:aGFzaA'\], \/\/ ops rotate these\n/, `after ${to}`);
    assert.is(config.split('  auth: {').length - 1, 1);
    assert.is(JSON.parse(read(dir, 'nodeserver.json')).answers.auth, to);
  }
  assert.equal(typecheck(dir), []);
});

composeLifecycle('switch cluster -> master-worker -> cluster keeps a tuned cluster.maxRestarts and its comment', async () => {
  const dir = await project({ cluster: 'cluster' });
  edit(dir, 'src/config.js', 'maxRestarts: 10,', 'maxRestarts: 3,');
  edit(dir, 'src/config.js', 'the master gives up and exits 1. */', 'the master gives up and exits 1 (3: our DB pool). */');
  await change(dir, { cluster: 'master-worker' });
  let config = read(dir, 'src/config.js');
  assert.match(config, /\(3: our DB pool\)\. \*\/\n {4}maxRestarts: 3,/);
  assert.not.match(config, /sched/);
  assert.match(read(dir, 'src/server.js'), /from '\.\/lib\/master-worker\.js'/);
  await change(dir, { cluster: 'cluster' });
  config = read(dir, 'src/config.js');
  assert.match(config, /\(3: our DB pool\)\. \*\/\n {4}maxRestarts: 3,/);
  assert.match(config, /sched: 'rr',/);
  assert.equal(typecheck(dir), []);
});

composeLifecycle('remove csrf after the user wrapped GET /csrf-token: refused with file, line and name; nothing written', async () => {
  const dir = await project({ auth: 'session', csrf: true });
  edit(dir, 'src/routes.js', "router.get('/csrf-token', sendCsrfToken);", "router.get('/csrf-token', (req, res) => sendCsrfToken(req, res));");
  const line =
    read(dir, 'src/routes.js')
      .split('\n')
      .findIndex((l) => l.includes("'/csrf-token'")) + 1;
  const before = readTree(dir);
  try {
    await change(dir, { auth: 'session', csrf: false });
    assert.unreachable('remove csrf must be refused');
  } catch (err) {
    assert.instance(err, CLIError);
    assert.is((err as CLIError).code, 'E_ANCHOR');
    assert.is((err as Error).message, `cannot apply the change to your src/routes.js:${line} still uses sendCsrfToken (you changed this line): change or delete it, then run remove again`);
  }
  assert.equal(treeDiff(before, readTree(dir)), []);
});

composeLifecycle('remove csrf after the user wrapped its middleware: refused; after the user deletes that line it goes through', async () => {
  const dir = await project({ auth: 'session', csrf: true });
  edit(dir, 'src/app.js', 'app.use(csrf(config));', "app.use((req, res, next) => (req.url.startsWith('/hooks') ? next() : csrf(config)(req, res, next)));");
  try {
    await change(dir, { auth: 'session', csrf: false });
    assert.unreachable('remove csrf must be refused');
  } catch (err) {
    assert.match((err as Error).message, /^cannot apply the change to your src\/app\.js:\d+ still uses csrf \(you changed this line\)/);
  }
  edit(dir, 'src/app.js', "  app.use((req, res, next) => (req.url.startsWith('/hooks') ? next() : csrf(config)(req, res, next)));\n", '');
  await change(dir, { auth: 'session', csrf: false });
  assert.not.match(read(dir, 'src/app.js'), /lib\/csrf\.js|csrfFormField/);
});

composeLifecycle.run();
