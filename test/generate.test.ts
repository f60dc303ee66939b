import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testMatrix } from './support/matrix.js';
import { cli, generate, pathWith, pool, projectNode, remove, run, tempDir, withServer, type RunResult } from './support/project.js';
import { readTree, treeDiff } from './support/tree.js';
import { typecheck } from './support/typecheck.js';

/**
 * `generate` and `destroy` in a project of every preset: each kind is
 * generated into the same project (so the projects are shared between
 * kinds), which then type-checks strict, passes its own `npm test` and
 * answers real requests at the new endpoints; `check` sees no drift; every
 * kind destroyed gives the project back byte for byte. Bad input is one
 * line, exit 1, nothing written.
 */
const test = suite('generate');

const RESOURCE = ['resource', 'products', 'name:string', 'price:number', 'tags:string[]', 'note:string?', 'stock:integer?', 'sizes:number[]?', 'active:boolean'];
const KINDS: string[][] = [
  RESOURCE,
  ['route', 'GET', '/reports/:id'],
  ['route', 'DELETE', '/reports/:id'],
  ['middleware', 'audit', '--after', 'auth'],
  ['middleware', 'trace', '--before', 'audit'],
  ['interceptor', 'maintenance'],
  ['page', 'dashboard'],
];
/** `destroy` of each, in reverse order of making. */
const DESTROY: string[][] = [
  ['page', 'dashboard'],
  ['interceptor', 'maintenance'],
  ['middleware', 'trace'],
  ['middleware', 'audit'],
  ['route', 'DELETE', '/reports/:id'],
  ['route', 'GET', '/reports/:id'],
  ['resource', 'products'],
];

interface Outcome {
  dir: string;
  natural: boolean;
  auth: boolean;
  before: Map<string, string>;
  generated: RunResult[];
  check: RunResult;
  typeErrors: string[];
  tests: RunResult;
  requests: Record<string, number | string>;
  destroyed: RunResult[];
  after: Map<string, string>;
}

const presets = testMatrix().filter((e) => e.id.startsWith('preset-'));
/** `GENERATE_PRESETS=<regex>` runs the per-preset tests for some presets only. */
const checked = process.env.GENERATE_PRESETS ? presets.filter((e) => new RegExp(process.env.GENERATE_PRESETS!).test(e.id)) : presets;
/** What the server writes at run time (logs, sessions, the file store: the project's .gitignore folders) is not the project's code. */
const RUNTIME = ['logs', 'sessions', 'store', 'uploads', 'heapdumps'];
const isRuntime = (path: string) => RUNTIME.some((dir) => path === dir || path.startsWith(`${dir}/`));
const outcomes = new Map<string, Outcome>();
let root: string;

test.before(async () => {
  root = tempDir('cns-generate-');
  await pool(
    2,
    checked.map((entry) => async () => {
      const dir = await generate(entry.answers, root);
      const before = readTree(dir, isRuntime);
      const generated: RunResult[] = [];
      for (const args of KINDS) generated.push(await cli(['g', ...args], dir));
      const check = await cli(['check'], dir);
      const typeErrors = typecheck(dir);
      // A TypeScript project runs on a Node that runs TypeScript (22.18+); a JavaScript one on this Node.
      const node = projectNode(entry.answers);
      const tests = await run('npm', ['test', '--silent'], { cwd: dir, timeout: 600_000, env: pathWith(node, { NODE_ENV: 'test' }) });
      const natural = entry.answers.routing === 'natural';
      const requests: Record<string, number | string> = {};
      await withServer(
        dir,
        async (url) => {
          const send = async (method: string, path: string, body?: string, type = 'application/json') => {
            const res = await fetch(url + path, { method, headers: body === undefined ? {} : { 'Content-Type': type }, body, redirect: 'manual' });
            const text = await res.text();
            return { status: res.status, text };
          };
          const list = await send('GET', '/products');
          requests.list = list.status;
          requests.listBody = list.text;
          requests.report = (await send('GET', '/reports/7')).text;
          requests.dashboard = (await send('GET', '/dashboard')).status;
          const create = natural ? '/products/create' : '/products';
          requests.create = (await send('POST', create, JSON.stringify({ name: 'A lamp', price: 12.5, tags: ['light'], active: true }))).status;
          requests.malformed = (await send('POST', create, '{"name": ')).status;
          requests.wrongType = (await send('POST', create, 'x', 'application/x-unknown')).status;
          requests.invalid = (await send('POST', create, JSON.stringify({ name: 'A lamp', price: 'cheap', tags: [], active: true }))).status;
          requests.unsafeRoute = (await send('DELETE', '/reports/7')).status;
        },
        node,
      );
      const destroyed: RunResult[] = [];
      for (const args of DESTROY) destroyed.push(await cli(['destroy', ...args], dir));
      outcomes.set(entry.id, { dir, natural, auth: entry.answers.auth !== 'none', before, generated, check, typeErrors, tests, requests, destroyed, after: readTree(dir, isRuntime) });
    }),
  );
});

test.after(() => remove(root));

for (const entry of checked) {
  test(`${entry.id}: every kind generated, wired, type-checked, tested by the project's own npm test`, () => {
    const o = outcomes.get(entry.id)!;
    o.generated.forEach((r, i) => assert.is(r.code, 0, `g ${KINDS[i].join(' ')}: ${r.stderr}`));
    assert.is(o.check.code, 0, `check after generate sees no drift: ${o.check.stdout}${o.check.stderr}`);
    assert.equal(o.typeErrors, [], 'strict type-check');
    assert.is(
      o.tests.code,
      0,
      `npm test:\n${o.tests.stdout
        .split('\n')
        .filter((l) => /^not ok|Error|expected|actual/.test(l))
        .slice(0, 40)
        .join('\n')}`,
    );
  });

  test(`${entry.id}: the new endpoints answer real requests as documented`, () => {
    const { requests: r, auth } = outcomes.get(entry.id)!;
    assert.is(r.list, 200);
    assert.equal(JSON.parse(String(r.listBody)), { products: [], total: 0, offset: 0, limit: 20 });
    assert.equal(JSON.parse(String(r.report)), { route: 'GET /reports/:id', params: { id: '7' } });
    assert.is(r.dashboard, 200);
    if (auth) {
      // Changing needs a logged-in user (or, with CSRF protection, a token first).
      for (const key of ['create', 'unsafeRoute']) assert.ok([401, 403].includes(Number(r[key])), `${key}: ${r[key]}`);
    } else {
      assert.is(r.create, 201);
      assert.is(r.malformed, 400);
      assert.is(r.wrongType, 415);
      assert.is(r.invalid, 422);
      assert.is(r.unsafeRoute, 200);
    }
  });

  test(`${entry.id}: destroy of every kind gives the project back byte for byte`, () => {
    const o = outcomes.get(entry.id)!;
    o.destroyed.forEach((r, i) => assert.is(r.code, 0, `destroy ${DESTROY[i].join(' ')}: ${r.stderr}`));
    assert.equal(treeDiff(o.before, o.after), []);
    for (const dir of ['src/middleware', 'src/interceptors', 'src/handlers', 'docs/resources', 'views']) assert.not.ok(existsSync(join(o.dir, dir)), `${dir} removed`);
  });
}

test('the wiring: middleware at the named place, interceptors just before the routes', async () => {
  const dir = await generate({ ...presets.find((p) => p.id === 'preset-full')!.answers, name: 'wiring' }, root);
  for (const args of [
    ['middleware', 'audit', '--after', 'auth'],
    ['middleware', 'first', '--before', 'request-log'],
    ['interceptor', 'one'],
    ['interceptor', 'two'],
  ]) {
    assert.is((await cli(['g', ...args], dir)).code, 0, args.join(' '));
  }
  const uses = readFileSync(join(dir, 'src/app.js'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('app.use('));
  const at = (call: string) => uses.indexOf(`app.use(${call});`);
  assert.ok(at('first()') === 0, 'before the request log');
  assert.is(at('audit()'), at('sessionAuth(config)') + 1, 'right after the login');
  assert.equal([at('one'), at('two'), at('routes(config)')], [at('routes(config)') - 2, at('routes(config)') - 1, at('routes(config)')], 'in order, before the routes');
  const regenerate = await cli(['regenerate'], dir);
  assert.is(regenerate.code, 0, regenerate.stderr);
  assert.match(regenerate.stdout, /up to date/);
});

test('twice is an error; bad names, fields and places are refused: one line, exit 1, nothing written', async () => {
  const dir = await generate({ ...presets.find((p) => p.id === 'preset-minimal')!.answers, name: 'refusals' }, root);
  assert.is((await cli(['g', 'resource', 'items', 'name:string'], dir)).code, 0);
  const before = readTree(dir);
  const cases: [string[], RegExp][] = [
    [['g', 'resource', 'items', 'name:string'], /resource items was already generated here/],
    [['g', 'resource', 'things', 'price:money'], /valid types are string, number, integer, boolean, string\[\], number\[\]/],
    [['g', 'resource', 'things', 'price'], /valid types are/],
    [['g', 'resource', 'things', 'id:string'], /id is made by the server/],
    [['g', 'resource', 'things', 'a:string', 'a:number'], /given twice/],
    [['g', 'resource', 'things'], /a resource needs fields/],
    [['g', 'resource', '../evil', 'a:string'], /invalid resource name/],
    [['g', 'resource', 'Bad-Name', 'a:string'], /invalid resource name/],
    [['g', 'middleware', 'class'], /invalid middleware name/],
    [['g', 'middleware', 'audit', '--after', 'nowhere'], /--after nowhere: name a slot/],
    [['g', 'route', 'GET', 'reports'], /invalid route path/],
    [['g', 'route', 'FETCH', '/reports'], /takes a method and a path/],
    [['g', 'route', 'GET', '/../etc'], /invalid route path/],
    [['g', 'gadget', 'x'], /unknown kind "gadget"/],
    [['g'], /missing kind/],
    [['g', 'resource', 'users', 'name:string'], /src\/models\/users\.js already exists/],
    // The router refuses a second route of the same method and shape at start: generate refuses it first.
    [['g', 'route', 'GET', '/items/:itemId'], /src\/routes\.js line \d+ already routes GET \/items\/:id: pick another path for the route/],
    [['g', 'route', 'POST', '/users'], /already routes POST \/users/],
    [['destroy', 'resource', 'nothing'], /no resource nothing was generated here: generated resources are items/],
    [['g', 'page', 'x', '--preset', 'api'], /--preset does not apply to generate/],
  ];
  for (const [args, message] of cases) {
    const r = await cli(args, dir);
    assert.is(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.is(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  }
  const json = await cli(['g', 'resource', 'things', 'price:money', '--json'], dir);
  assert.is(json.code, 1);
  assert.is(JSON.parse(json.stdout).error.code, 'E_FIELD');
  const dry = await cli(['g', 'resource', 'things', 'name:string', '--dry-run'], dir);
  assert.is(dry.code, 0);
  assert.match(dry.stdout, /\+\+\+ b\/src\/routes\.js/);
  const plan = await cli(['g', 'route', 'GET', '/a/:b', '--dry-run', '--json'], dir);
  assert.equal(
    JSON.parse(plan.stdout).files.map((f: { path: string }) => f.path),
    ['src/handlers/get-a-by-b.js', 'test/route-get-a-by-b.test.js', 'src/routes.js'],
  );
  assert.equal(treeDiff(before, readTree(dir)), [], 'nothing written');
});

test("natural routing: a route may not take a controller's URLs (the route table runs first)", async () => {
  const dir = await generate({ ...presets.find((p) => p.id === 'preset-minimal')!.answers, routing: 'natural', name: 'natural-routes' }, root);
  const before = readTree(dir);
  for (const [args, message] of [
    [['g', 'route', 'GET', '/users/:name'], /would take the URLs of src\/controllers\/users\.js/],
    [['g', 'route', 'GET', '/:anything'], /starts with a parameter/],
  ] as [string[], RegExp][]) {
    const r = await cli(args, dir);
    assert.is(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.equal(treeDiff(before, readTree(dir)), [], 'nothing written');
  assert.is((await cli(['g', 'route', 'GET', '/reports/:id'], dir)).code, 0);
});

test('destroy keeps (and lists) files changed since; what they import stays too', async () => {
  const dir = await generate({ ...presets.find((p) => p.id === 'preset-minimal')!.answers, name: 'kept' }, root);
  assert.is((await cli(['g', 'resource', 'items', 'name:string'], dir)).code, 0);
  const controller = join(dir, 'src/resources/items.js');
  writeFileSync(controller, `${readFileSync(controller, 'utf8')}// mine\n`);
  const r = await cli(['destroy', 'resource', 'items'], dir);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /kept 2 file\(s\): src\/models\/items\.js, src\/resources\/items\.js/);
  assert.ok(existsSync(controller));
  assert.ok(existsSync(join(dir, 'src/models/items.js')), 'imported by the kept controller');
  assert.not.ok(existsSync(join(dir, 'test/items.test.js')));
  assert.not.match(readFileSync(join(dir, 'src/routes.js'), 'utf8'), /items/);
  assert.not.match(readFileSync(join(dir, 'nodeserver.json'), 'utf8'), /generated/);
});

test.run();
