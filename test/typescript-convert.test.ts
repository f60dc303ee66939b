import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { ts } from 'ts-morph';
import { TEMPLATES_DIR, walkFiles } from '../generators/engine/templates.js';
import { isConverted, toTypeScript, typescriptPath } from '../generators/engine/typescript.js';
import { typescriptEdit } from '../generators/engine/typescript-project.js';

/**
 * typescript.ts: JavaScript + JSDoc in, TypeScript out, one file at a time.
 * One file shows every form the templates use; then every template module
 * converts, parses as TypeScript and keeps no JSDoc type and no @ts-check.
 * (The projects themselves are type-checked and run by the matrix.)
 */
const javascript = `// @ts-check

import { helper } from './lib/helper.js';

/**
 * @typedef {object} Options
 * What a caller may set.
 * @property {number} [limit] bytes, at most
 * @property {import('./lib/pipeline.js').Request} req
 */

/** @typedef {import('./lib/router.js').Router} Router */

/** @typedef {'a' | 'b'} Letter */

/**
 * Adds.
 * @template T
 * @param {T[]} items what to add to
 * @param {T} item
 * @param {number} [at]
 * @returns {T[]} a new list
 */
export function add(items, item, at) {
  const list = /** @type {T[]} */ ([...items]);
  list.splice(at ?? list.length, 0, item);
  return list;
}

/** @type {import('./lib/pipeline.js').Middleware} */
export function noop(req, res, next) {
  next();
}

export class Counter {
  /** @param {Options} options */
  constructor(options) {
    /** How many so far. */
    this.count = 0;
    /** @type {Map<string, number>} by name */
    this.byName = new Map();
    /** @type {number} */
    this.limit = options.limit ?? 10;
  }

  /** @param {...string} names */
  hit(...names) {
    for (const name of names) this.byName.set(name, (this.byName.get(name) ?? 0) + 1);
    return helper(\`src/lib/\${name}.js\`, './lib/other.js');
  }
}
`;

const typescript = `import { helper } from './lib/helper.ts';
import type { Middleware, Request } from './lib/pipeline.ts';
import type { Router } from './lib/router.ts';

/** What a caller may set. */
export type Options = {
  /** bytes, at most */
  limit?: number;
  req: Request;
};

export type Letter = 'a' | 'b';

/**
 * Adds.
 * @param items what to add to
 * @returns a new list
 */
export function add<T>(items: T[], item: T, at?: number): T[] {
  const list = [...items] as T[];
  list.splice(at ?? list.length, 0, item);
  return list;
}

export const noop: Middleware = (req, res, next) => {
  next();
};

export class Counter {
  /** How many so far. */
  count = 0;
  /** by name */
  byName: Map<string, number> = new Map();
  limit: number;

  constructor(options: Options) {
    this.limit = options.limit ?? 10;
  }

  hit(...names: string[]) {
    for (const name of names) this.byName.set(name, (this.byName.get(name) ?? 0) + 1);
    return helper(\`src/lib/\${name}.ts\`, './lib/other.ts');
  }
}
`;

test('every JSDoc form becomes its TypeScript: annotations, type aliases, import type, generics, casts, class fields, .ts paths', () => {
  assert.fixture(toTypeScript('src/example.js', javascript), typescript);
});

test('the output parses as TypeScript and says the same with nothing to convert', () => {
  const file = ts.createSourceFile('example.ts', typescript, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  assert.equal((file as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics.length, 0);
  assert.is(toTypeScript('src/plain.js', 'export const a = 1;\n'), 'export const a = 1;\n');
});

test('a field only a @type can name is refused with its class and file, not guessed', () => {
  const source = 'export class A {\n  /** @param {{ n: number }} o */\n  constructor(o) {\n    this.n = o.n;\n  }\n}\n';
  assert.throws(() => toTypeScript('src/a.js', source), /field `n` of class A needs a @type in src\/a\.js/);
});

test('an edit converts like the file it goes into: its file, its module, its code and a type-only comment', () => {
  assert.equal(typescriptEdit({ kind: 'import', file: 'src/app.js', from: './lib/session.js', names: ['session'] }), {
    kind: 'import',
    file: 'src/app.ts',
    from: './lib/session.ts',
    names: ['session'],
  });
  assert.equal(typescriptEdit({ kind: 'import', file: 'src/app.js', from: 'node:path', names: ['join'] }), { kind: 'import', file: 'src/app.ts', from: 'node:path', names: ['join'] });
  const property = typescriptEdit({ kind: 'property', file: 'src/config.js', object: 'defaults', name: 'keys', value: '/** @type {string[]} */ ([])', doc: '/** @type {string[]} */' });
  assert.equal(property, { kind: 'property', file: 'src/config.ts', object: 'defaults', name: 'keys', value: '[] as string[]' });
  const statement = typescriptEdit({ kind: 'statement', file: 'src/routes.js', function: 'routes', code: "router.get('/me', /** @type {import('./lib/pipeline.js').Middleware} */ (me));" });
  assert.equal(statement.kind === 'statement' && statement.code, "router.get('/me', me as import('./lib/pipeline.ts').Middleware);");
});

test('every template module converts to TypeScript with no JSDoc type, no @ts-check and no .js module path left', () => {
  let count = 0;
  for (const path of walkFiles(TEMPLATES_DIR)) {
    const [feature, ...rest] = relative(TEMPLATES_DIR, path).split(sep);
    const target = rest.join('/');
    if (feature === 'generate' || rest[0] === 'snippets' || !isConverted(target)) continue;
    const output = toTypeScript(target, readFileSync(path, 'utf8'));
    const where = `${feature}/${typescriptPath(target)}`;
    const file = ts.createSourceFile(where, output, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    assert.equal(
      (file as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' ')),
      [],
      where,
    );
    assert.not.match(output, /@(type|param|returns?|typedef|property|template|implements)\s*\{|@ts-check/, where);
    assert.not.match(output, /['"`]\.{1,2}\/[\w./-]*\.js['"`]/, where);
    count++;
  }
  assert.ok(count > 100, `${count} template modules`);
});

test.run();
