import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveAnswers } from '../generators/engine/answers.js';
import { revertEdit, transition } from '../generators/engine/compose.js';
import { EditError } from '../generators/engine/errors.js';
import { render } from '../generators/engine/render.js';
import { auth } from '../generators/auth.js';
import { csrf } from '../generators/csrf.js';
import type { Edit } from '../generators/types.js';

/**
 * An inverse edit whose exact target the user changed never half-removes:
 * when a name whose import would go is still used after the exact
 * statements went, revert refuses with the file, the line and the name.
 */

const csrfEdits = csrf.feature!.edits!(resolveAnswers({ lang: 'js', name: 'refs', auth: 'session', csrf: true }));

async function files(): Promise<Map<string, string>> {
  const tree = await render(resolveAnswers({ lang: 'js', name: 'refs', auth: 'session', csrf: true }));
  return new Map([...tree].map(([p, f]) => [p, String(f.content)]));
}

function lineOf(text: string, part: string): number {
  const i = text.indexOf(part);
  assert.ok(i !== -1, `${part} missing`);
  return text.slice(0, i).split('\n').length;
}

function refusal(fn: () => unknown): EditError {
  try {
    fn();
  } catch (err) {
    assert.instance(err, EditError);
    return err as EditError;
  }
  assert.unreachable('expected an EditError');
  throw new Error('unreachable');
}

function replaced(text: string, from: string, to: string): string {
  assert.ok(text.includes(from), `${from} missing`);
  return text.replace(from, to);
}

test('remove csrf after the user wrapped GET /csrf-token: refused, naming src/routes.js, the line and sendCsrfToken', async () => {
  const routes = replaced((await files()).get('src/routes.js')!, "router.get('/csrf-token', sendCsrfToken);", "router.get('/csrf-token', (req, res) => sendCsrfToken(req, res));");
  const err = refusal(() => transition(routes, 'src/routes.js', csrfEdits, []));
  const line = lineOf(routes, "router.get('/csrf-token'");
  assert.is(err.message, `src/routes.js:${line} still uses sendCsrfToken (you changed this line): change or delete it, then run remove again`);
});

test("revertEdit of an import alone refuses the same way (a feature's edits reverted in reverse order)", async () => {
  let routes = replaced((await files()).get('src/routes.js')!, "router.get('/csrf-token', sendCsrfToken);", "router.get('/csrf-token', limit(sendCsrfToken));");
  const mine = csrfEdits.filter((e) => e.file === 'src/routes.js').reverse();
  for (const edit of mine.filter((e) => e.kind !== 'import')) routes = revertEdit(routes, edit);
  const importEdit = mine.find((e) => e.kind === 'import')!;
  assert.throws(
    () => revertEdit(routes, importEdit),
    (err: Error) => err instanceof EditError && /src\/routes\.js:\d+ still uses sendCsrfToken/.test(err.message),
  );
});

test('remove csrf after the user wrapped its middleware: refused, naming src/app.js, the line and csrf', async () => {
  const app = replaced((await files()).get('src/app.js')!, 'app.use(csrf(config));', "app.use(unless('/webhooks', csrf(config)));");
  const err = refusal(() => transition(app, 'src/app.js', csrfEdits, []));
  assert.match(err.message, new RegExp(`^src/app\\.js:${lineOf(app, "unless('/webhooks'")} still uses csrf \\(you changed this line\\)`));
});

test('a middleware the user only reformatted or gave other arguments is removed with its import', async () => {
  const original = (await files()).get('src/app.js')!;
  const app = replaced(original, 'app.use(csrf(config));', 'app.use(  csrf( { ...config, strict: true } )  );');
  const out = transition(app, 'src/app.js', csrfEdits, []);
  assert.not.match(out, /csrf\(|csrfFormField|lib\/csrf\.js/);
  assert.is(out, transition(original, 'src/app.js', csrfEdits, []));
});

test('no refusal when the name only appears as a property, a key or in a comment', async () => {
  const original = (await files()).get('src/routes.js')!;
  const routes = replaced(original, '  return router', "  // sendCsrfToken was here\n  router.get('/x', (req, res) => res.json({ sendCsrfToken: req.sendCsrfToken }));\n  return router");
  const out = transition(routes, 'src/routes.js', csrfEdits, []);
  assert.not.match(out, /from '\.\/lib\/csrf\.js'/);
  assert.not.match(out, /router\.get\('\/csrf-token'/);
});

test('no refusal when the user declares the name themselves', async () => {
  const original = (await files()).get('src/routes.js')!;
  const routes = replaced(
    original,
    "router.get('/csrf-token', sendCsrfToken);",
    "router.get('/csrf-token', (req, res) => sendCsrfToken(req, res));\n  function sendCsrfToken(req, res) { res.end(); }",
  );
  const out = transition(routes, 'src/routes.js', csrfEdits, []);
  assert.not.match(out, /lib\/csrf\.js/);
  assert.match(out, /function sendCsrfToken/);
});

test('a switch refuses too when the new option does not import the name again', async () => {
  const session: Edit[] = [
    { kind: 'import', file: 'src/routes.js', from: './lib/auth-session.js', names: ['login', 'logout'] },
    { kind: 'statement', file: 'src/routes.js', function: 'routes', code: "router.post('/logout', logout);" },
  ];
  const token: Edit[] = [{ kind: 'import', file: 'src/routes.js', from: './lib/auth-token.js', names: ['login'] }];
  const text = `import { login, logout } from './lib/auth-session.js';

export function routes(config) {
  const router = createRouter();
  router.post('/logout', (req, res) => logout(req, res));
  return router.middleware();
}
`;
  const err = refusal(() => transition(text, 'src/routes.js', session, token));
  assert.is(err.message, 'src/routes.js:5 still uses logout (you changed this line): change or delete it, then run the command again');
});

async function tokenToSession() {
  const from = resolveAnswers({ lang: 'js', name: 'refs', auth: 'token' });
  const to = resolveAnswers({ lang: 'js', name: 'refs', auth: 'session' });
  const option = (value: string) => auth.options!.find((o) => o.value === value)!.feature!;
  const routes = String((await render(from)).get('src/routes.js')!.content);
  return { routes, removed: option('token').edits!(from), added: option('session').edits!(to) };
}

test("auth token -> session after the user changed GET /me: refused, the changed line would call the session module's requireUser", async () => {
  const { routes, removed, added } = await tokenToSession();
  const changed = replaced(routes, "router.get('/me', requireUser(config), currentUser);", "router.get('/me', requireUser(config), (req, res) => currentUser(req, res));");
  const err = refusal(() => transition(changed, 'src/routes.js', removed, added));
  assert.is(err.message, `src/routes.js:${lineOf(changed, "router.get('/me'")} still uses requireUser (you changed this line): change or delete it, then run the command again`);
});

test('auth token -> session with an unchanged GET /me and an own route using requireUser: goes through', async () => {
  const { routes, removed, added } = await tokenToSession();
  const own = replaced(routes, '  return router', "  router.get('/admin', requireUser(config), admin);\n  return router");
  const out = transition(own, 'src/routes.js', removed, added);
  assert.match(out, /router\.get\('\/me', requireUser, currentUser\);/);
  assert.match(out, /router\.get\('\/admin', requireUser\(config\), admin\);/);
});

test.run();
