import { featuresOf } from '../generators/registry.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveAnswers } from '../generators/engine/answers.js';
import { transition } from '../generators/engine/compose.js';
import { registrySlots, render } from '../generators/engine/render.js';
import type { AnswerValue, Answers, Edit } from '../generators/types.js';

/**
 * Switching options within a group (`add auth session` on a token project,
 * `add cluster master-worker` on a cluster one) keeps the user's values and
 * comments of every setting both options share, and leaves the edits both
 * options have where the user put them.
 */

interface Switch {
  from: Answers;
  to: Answers;
  removed: Edit[];
  added: Edit[];
  files: Map<string, string>;
  expected: Map<string, string>;
}

async function switchOf(group: string, from: AnswerValue, to: AnswerValue, extra: Record<string, AnswerValue> = {}, extraTo = extra): Promise<Switch> {
  const a = resolveAnswers({ lang: 'js', name: 'sw', ...extra, [group]: from });
  const b = resolveAnswers({ lang: 'js', name: 'sw', ...extraTo, [group]: to });
  const aIds = new Set(featuresOf(a).map((f) => f.id));
  const bIds = new Set(featuresOf(b).map((f) => f.id));
  const removed = featuresOf(a)
    .filter((f) => !bIds.has(f.id))
    .flatMap((f) => f.edits?.(a) ?? []);
  const added = featuresOf(b)
    .filter((f) => !aIds.has(f.id))
    .flatMap((f) => f.edits?.(b) ?? []);
  const files = new Map([...(await render(a))].map(([p, f]) => [p, String(f.content)]));
  const expected = new Map([...(await render(b))].map(([p, f]) => [p, String(f.content)]));
  return { from: a, to: b, removed, added, files, expected };
}

function run(s: Switch, file: string, text = s.files.get(file)!): string {
  return transition(text, file, s.removed, s.added, registrySlots(s.to));
}

/** Replaces `from` by `to` in `text`, failing when `from` is not there (so the test really edits). */
function edit(text: string, from: string, to: string): string {
  assert.ok(text.includes(from), `expected ${from} in\n${text}`);
  return text.replace(from, to);
}

/** The text of `key: {...}` inside `defaults` (for asserting on one setting). */
function block(text: string, key: string): string {
  const start = text.indexOf(`\n  ${key}: {`);
  assert.ok(start !== -1, `${key} missing in\n${text}`);
  return text.slice(start, text.indexOf('\n  },', start) + 5);
}

const count = (text: string, part: string) => text.split(part).length - 1;

const AUTH = ['basic', 'session', 'token'];
for (const from of AUTH) {
  for (const to of AUTH) {
    if (from === to) continue;
    test(`auth ${from} -> ${to} on a pristine project gives the project generated with ${to}`, async () => {
      const s = await switchOf('auth', from, to);
      for (const file of ['src/app.js', 'src/routes.js', 'src/config.js']) {
        const out = run(s, file);
        if (from === 'basic' && to === 'token' && file === 'src/routes.js') {
          // GET /me is the same in both and stays where it was: only the order of two routes differs.
          assert.equal(out.split('\n').sort(), s.expected.get(file)!.split('\n').sort());
        } else {
          assert.is(out, s.expected.get(file), `${file}`);
        }
      }
    });
  }
}

test('cluster <-> master-worker on pristine projects give the generated projects (workers and sched answered)', async () => {
  for (const [from, to, extra, extraTo] of [
    ['cluster', 'master-worker', { workers: 3, sched: 'os' }, { workers: 3 }],
    ['master-worker', 'cluster', { workers: 3 }, { workers: 3, sched: 'os' }],
  ] as const) {
    const s = await switchOf('cluster', from, to, extra, extraTo);
    // sched only exists with cluster; workers is shared.
    for (const file of ['src/server.js', 'src/config.js']) assert.is(run(s, file), s.expected.get(file), `${from} -> ${to}: ${file}`);
  }
});

/** A user who tuned auth.users and its comment, added a key of their own and rewrote the doc comment. */
function tunedAuth(text: string): string {
  let out = edit(text, 'users: /** @type {string[]} */ ([]),', "users: ['alice:scrypt:abc'],\n    /** Failed logins before a pause. */\n    lockout: 5,");
  out = edit(out, '    /** Users as name:scrypt:', '    /** Our staff only. Users as name:scrypt:');
  return out.replace(/\/\*\* (Who may log in|HTTP Basic login); see docs\/auth-\w+\.md\. \*\//, '/** Logins: managed by ops. */');
}

test('auth token -> session keeps auth.users, its comment, an own key and the changed doc comment; routes stay where the user put them', async () => {
  const s = await switchOf('auth', 'token', 'session');
  const config = run(s, 'src/config.js', tunedAuth(s.files.get('src/config.js')!));
  const auth = block(config, 'auth');
  assert.match(auth, /users: \['alice:scrypt:abc'\],/);
  assert.match(auth, /\/\*\* Our staff only\. Users as/);
  assert.match(auth, /\/\*\* Failed logins before a pause\. \*\/\n {4}lockout: 5,/);
  assert.match(config, /\/\*\* Logins: managed by ops\. \*\/\n {2}auth: \{/);
  assert.not.match(config, /see docs\/auth-session\.md\. \*\/\n {2}auth:/, "the user's doc comment is not replaced");
  assert.not.match(config, /\n {2}token: \{/);
  assert.match(block(config, 'session'), /cookieName: 'sid'/);

  // The user moved POST /login to the top and commented it: it stays there, once.
  const routes = edit(s.files.get('src/routes.js')!, "  router.post('/login', login(config));\n", '').replace(
    "  router.get('/health'",
    "  // log in first\n  router.post('/login', login(config));\n  router.get('/health'",
  );
  const out = run(s, 'src/routes.js', routes);
  assert.is(count(out, "router.post('/login'"), 1);
  assert.match(out, /\/\/ log in first\n {2}router\.post\('\/login', login\(config\)\);\n {2}router\.get\('\/health'/);
  assert.match(out, /router\.post\('\/logout', logout\);\n {2}router\.get\('\/me', requireUser, currentUser\);\n {2}return/);
  assert.match(out, /import \{ login, logout, requireUser, currentUser \} from '\.\/lib\/auth-session\.js';/);
  assert.not.match(out, /auth-token/);
});

test('auth session -> basic keeps the tuned users, adds realm and cacheTtl around them with their comments', async () => {
  const s = await switchOf('auth', 'session', 'basic');
  const config = run(s, 'src/config.js', tunedAuth(s.files.get('src/config.js')!));
  const auth = block(config, 'auth');
  assert.match(auth, /\/\*\* Shown by browsers in the login prompt\. \*\/\n {4}realm: 'Restricted',\n {4}\/\*\* Our staff only\. Users as [^\n]*\n {4}users: \['alice:scrypt:abc'\],/);
  // cacheTtl follows users, as in basic's default; the user's own key stays after them.
  assert.match(
    auth,
    /users: \['alice:scrypt:abc'\],\n {4}\/\*\* ms a verified name and password are remembered[^\n]*\n {4}cacheTtl: 60_000,\n {4}\/\*\* Failed logins before a pause\. \*\/\n {4}lockout: 5,\n {2}\},/,
  );
  assert.not.match(config, /\n {2}session: \{/);
});

test('auth basic -> token drops realm and cacheTtl (even tuned), keeps users; an untouched doc comment follows the option', async () => {
  const s = await switchOf('auth', 'basic', 'token');
  let text = edit(s.files.get('src/config.js')!, "realm: 'Restricted'", "realm: 'Ours'");
  text = edit(text, 'users: /** @type {string[]} */ ([]),', "users: ['bob:scrypt:x'],");
  const config = run(s, 'src/config.js', text);
  const auth = block(config, 'auth');
  assert.not.match(auth, /realm|cacheTtl|Shown by browsers/);
  assert.match(auth, /users: \['bob:scrypt:x'\],/);
  assert.match(config, /\/\*\* Who may log in; see docs\/auth-token\.md\. \*\/\n {2}auth: \{/);
  assert.match(block(config, 'token'), /realm: 'api'/);
});

test('auth basic -> session in a reformatted config (one-line auth, no trailing commas)', async () => {
  const s = await switchOf('auth', 'basic', 'session');
  const original = s.files.get('src/config.js')!;
  const start = original.indexOf('  auth: {');
  const end = original.indexOf('\n  },', start) + 5;
  const text = original.slice(0, start) + "  auth: { realm: 'R', users: ['carol:scrypt:y'], cacheTtl: 0 }," + original.slice(end);
  const config = run(s, 'src/config.js', text);
  assert.match(config, /auth: \{ users: \['carol:scrypt:y'\] \},/);
});

/** A user who tuned the supervision and commented on it. */
function tunedCluster(text: string): string {
  let out = edit(text, 'maxRestarts: 10,', 'maxRestarts: 3, // flaky dependency');
  out = edit(out, '/** More restarts than this within restartWindow ms: the master gives up and exits 1. */', '/** Give up early: pages ops. */');
  out = edit(out, 'workers: 0,', 'workers: 4,');
  const last = 'reload before they are killed. */\n    shutdownTimeout: 10_000,\n';
  return edit(out, last, `${last}    /** Ours. */\n    heartbeat: 1_000,\n`);
}

test('cluster -> master-worker keeps the tuned maxRestarts, workers, comments and own keys; drops sched; the doc follows the option', async () => {
  const s = await switchOf('cluster', 'cluster', 'master-worker');
  const config = run(s, 'src/config.js', tunedCluster(s.files.get('src/config.js')!));
  const cluster = block(config, 'cluster');
  assert.match(cluster, /\/\*\* Give up early: pages ops\. \*\/\n {4}maxRestarts: 3, \/\/ flaky dependency\n/);
  assert.match(cluster, /workers: 4,/);
  assert.match(cluster, /\/\*\* Ours\. \*\/\n {4}heartbeat: 1_000,/);
  assert.not.match(cluster, /sched/);
  assert.match(config, /\/\*\* The worker processes and their supervision \(see docs\/master-worker\.md\)\. \*\/\n {2}cluster: \{/);
  assert.is(run(s, 'src/server.js'), s.expected.get('src/server.js'));
});

test('master-worker -> cluster keeps the tuned values and adds sched after workers with its comment', async () => {
  const s = await switchOf('cluster', 'master-worker', 'cluster');
  const config = run(s, 'src/config.js', tunedCluster(s.files.get('src/config.js')!).replace('(see docs/master-worker.md)', '(see our wiki)'));
  const cluster = block(config, 'cluster');
  assert.match(cluster, /workers: 4,\n {4}\/\*\* Who hands new connections[^\n]*\n {4}sched: 'rr',\n {4}\/\*\* Give up early/);
  assert.match(cluster, /maxRestarts: 3, \/\/ flaky dependency/);
  assert.match(cluster, /heartbeat: 1_000,/);
  assert.match(config, /\(see our wiki\)\. \*\/\n {2}cluster: \{/, 'a doc comment the user changed stays');
});

test('master-worker -> cluster in a reordered, reformatted cluster block without trailing commas', async () => {
  const s = await switchOf('cluster', 'master-worker', 'cluster');
  const original = s.files.get('src/config.js')!;
  const start = original.indexOf('  cluster: {');
  const end = original.indexOf('\n  },', start) + 5;
  const mine = `  cluster: {
    shutdownTimeout:   20_000,
    maxRestarts:3, // tuned
    /** Worker processes; 0: one per CPU (os.availableParallelism()). */
    workers: 2
  },`;
  const config = run(s, 'src/config.js', original.slice(0, start) + mine + original.slice(end));
  const cluster = block(config, 'cluster');
  assert.match(cluster, /shutdownTimeout: {3}20_000,\n {4}maxRestarts:3, \/\/ tuned\n/);
  assert.match(cluster, /workers: 2,\n {4}\/\*\* Who hands new connections[^\n]*\n {4}sched: 'rr'\n {2}\},/, 'sched after workers, no trailing comma as the user writes it');
  assert.is(count(cluster, 'restartWindow'), 0, 'a shared key the user deleted stays deleted');
});

test('a key the user deleted from a shared setting stays deleted; a whole setting the user deleted comes back as the new option writes it', async () => {
  const s = await switchOf('cluster', 'cluster', 'master-worker');
  const withoutKill = edit(s.files.get('src/config.js')!, '    /** ms a crashing worker gets to finish its in-flight requests before it is killed. */\n    killTimeout: 5_000,\n', '');
  const out = run(s, 'src/config.js', withoutKill);
  assert.not.match(out, /killTimeout/);
  const original = s.files.get('src/config.js')!;
  const start = original.indexOf('  /** The worker processes');
  const without = original.slice(0, start) + original.slice(original.indexOf('\n  },', start) + 6);
  assert.not.match(without, /cluster: \{/);
  assert.is(run(s, 'src/config.js', without), s.expected.get('src/config.js'));
});

test.run();
