import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { slotTable } from '../generators/engine/compose.js';
import { renderFiles } from '../generators/engine/generate.js';
import { sourceExtension, sourcePath } from '../generators/engine/script-files.js';
import { scaffold, type GenerateRequest } from '../generators/generate/kinds.js';
import type { Answers, Edit } from '../generators/types.js';

const ts: Answers = { name: 'app', lang: 'ts', routing: 'table', body: 'json' };
const js: Answers = { ...ts, lang: 'js' };

// A TypeScript project's registry names src/app.ts (its edits are converted with the rest of its render).
const slots = slotTable([
  { kind: 'use', file: 'src/app.ts', slot: 'body', call: 'body(config.body)' },
  { kind: 'use', file: 'src/app.ts', slot: 'router', call: 'routes(config)' },
]);

const request = (kind: GenerateRequest['kind'], name: string, args: string[] = []): GenerateRequest => ({ kind, name, args });

test('sourcePath: a module of src/, test/, scripts/ and a relative specifier are .ts in a TypeScript project, nothing else', () => {
  assert.is(sourceExtension(ts), '.ts');
  assert.is(sourceExtension(js), '.js');
  assert.is(sourcePath('src/routes.js', ts), 'src/routes.ts');
  assert.is(sourcePath('test/products.test.js', ts), 'test/products.test.ts');
  assert.is(sourcePath('./resources/products.js', ts), './resources/products.ts');
  assert.is(sourcePath('../src/lib/x.mjs', ts), '../src/lib/x.mts');
  assert.is(sourcePath('public/app.js', ts), 'public/app.js', 'browser files stay JavaScript');
  assert.is(sourcePath('../public/app.js', ts), '../public/app.js');
  assert.is(sourcePath('docs/resources/products.md', ts), 'docs/resources/products.md');
  assert.is(sourcePath('src/routes.ts', ts), 'src/routes.ts', 'idempotent');
  assert.is(sourcePath('src/routes.js', js), 'src/routes.js');
});

test('generate resource in a TypeScript project: .ts files, edits of src/routes.ts importing ./resources/<name>.ts', () => {
  const made = scaffold(request('resource', 'products', ['name:string']), ts, [], slots);
  const files = [...renderFiles(made, ts).keys()].sort();
  assert.equal(files, ['docs/resources/products.md', 'src/models/products.ts', 'src/resources/products.ts', 'test/products.test.ts']);
  assert.ok(
    made.edits.every((e) => e.file === 'src/routes.ts'),
    JSON.stringify(made.edits),
  );
  assert.equal(made.edits[0], { kind: 'import', file: 'src/routes.ts', from: './resources/products.ts', names: ['products'] });
  assert.equal(made.names, [{ file: 'src/routes.ts', name: 'products' }]);
  assert.is(made.data.controller, 'src/resources/products.ts');
});

test('generate in a JavaScript project is as before', () => {
  const made = scaffold(request('resource', 'products', ['name:string']), js, [], slotTable([{ kind: 'use', file: 'src/app.js', slot: 'body', call: 'body(config.body)' }]));
  assert.equal([...renderFiles(made, js).keys()].sort(), ['docs/resources/products.md', 'src/models/products.js', 'src/resources/products.js', 'test/products.test.js']);
  assert.equal(made.edits[0], { kind: 'import', file: 'src/routes.js', from: './resources/products.js', names: ['products'] });
});

test('middleware and interceptor in a TypeScript project: placed by the slot table of src/app.ts', () => {
  const middleware = scaffold({ ...request('middleware', 'audit'), before: 'routes' }, ts, [], slots);
  assert.equal(
    middleware.edits.map((e: Edit) => [e.kind, e.file, e.kind === 'import' ? e.from : '']),
    [
      ['import', 'src/app.ts', './middleware/audit.ts'],
      ['use', 'src/app.ts', ''],
    ],
  );
  assert.is(middleware.slot, 'router');
  assert.is(middleware.rank, 1 - 0.5, 'before routes(config), found under src/app.ts');
  const interceptor = scaffold(request('interceptor', 'maintenance'), ts, [], slots);
  assert.is(interceptor.rank, 1 - 0.5, 'just before the routes');
  assert.equal([...renderFiles(interceptor, ts).keys()].sort(), ['src/interceptors/maintenance.ts', 'test/interceptor-maintenance.test.ts']);
});

test('route and page in a TypeScript project', () => {
  const route = scaffold(request('route', 'GET', ['/reports/:id']), ts, [], slots);
  assert.equal(route.edits[0], { kind: 'import', file: 'src/routes.ts', from: './handlers/get-reports-by-id.ts', names: ['getReportsById'] });
  assert.equal([...renderFiles(route, ts).keys()].sort(), ['src/handlers/get-reports-by-id.ts', 'test/route-get-reports-by-id.test.ts']);
  const page = scaffold(request('page', 'dashboard'), ts, [], slots);
  assert.equal([...renderFiles(page, ts).keys()].sort(), ['src/pages/dashboard.ts', 'test/page-dashboard.test.ts', 'views/dashboard.html']);
});

test.run();
