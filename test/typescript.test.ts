import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { render } from '../generators/engine/render.js';
import { testMatrix } from './support/matrix.js';
import { ROOT, generate, remove, run, tempDir } from './support/project.js';

/**
 * What a TypeScript project is, checked on its renders: no JSDoc type tag
 * beside the annotations and no `// @ts-check` in any .ts file of any TS
 * project of the matrix (renders only, cheap), and each TS preset passes a
 * real `tsc -p tsconfig.json` (strict, its own tsconfig) with the
 * generator's own typescript and @types/node.
 */
const typescript = suite('typescript');

/** JSDoc tags that carry a type (prose tags such as `@param name text` stay), and the checkJs switch. */
const TYPE_TAG = /@(?:type|param|returns?|property|prop|this|satisfies|enum|implements|extends|augments)\s*\{|@(?:typedef|template|callback|import)\b|@ts-check\b/;

/** The lines of `text` that still carry a JSDoc type tag, as `line n: text`. */
function typeTags(text: string): string[] {
  return text.split('\n').flatMap((line, i) => (TYPE_TAG.test(line) ? [`line ${i + 1}: ${line.trim()}`] : []));
}

const tsEntries = testMatrix().filter((entry) => entry.answers.lang === 'ts');
const tsPresets = tsEntries.filter((entry) => entry.id.startsWith('preset-'));

typescript('the matrix has TypeScript projects: every preset, and some of the all-pairs cover', () => {
  assert.equal(tsPresets.map((e) => e.id).sort(), ['preset-api-ts', 'preset-full-ts', 'preset-minimal-ts', 'preset-web-ts']);
  assert.ok(tsEntries.length > tsPresets.length, `${tsEntries.length} TypeScript entries`);
});

typescript('checker: every JSDoc type tag and @ts-check is found, prose tags are not', () => {
  const text = [
    '// @ts-check',
    '/** @type {number} */',
    '/** @param {string} name */',
    '/** @returns {boolean} */',
    '/** @typedef {{ a: number }} A */',
    '/** @property {number} a */',
    '/** @template T */',
    '/** @param name who it is for */',
    '/** @returns whether it was removed */',
    'const x: number = 1;',
  ].join('\n');
  assert.equal(
    typeTags(text).map((line) => line.slice(0, line.indexOf(':'))),
    ['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'line 6', 'line 7'],
  );
});

typescript('no .ts file of any TypeScript project keeps a JSDoc type tag or @ts-check', async () => {
  const problems: string[] = [];
  let checked = 0;
  for (const entry of tsEntries) {
    for (const [path, file] of await render(entry.answers)) {
      if (!path.endsWith('.ts') || typeof file.content !== 'string') continue;
      checked++;
      for (const line of typeTags(file.content)) problems.push(`${entry.id}: ${path} ${line}`);
    }
  }
  assert.ok(checked > 100, `checked ${checked} .ts files`);
  assert.equal(problems, []);
});

/** `tsc -p <dir>/tsconfig.json` with the generator's TypeScript; a project without node_modules finds @types/node in the generator's. */
function tsc(dir: string) {
  return run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json'), '--typeRoots', join(ROOT, 'node_modules/@types'), '--pretty', 'false'], {
    timeout: 180_000,
  });
}

let root: string;
typescript.before(() => {
  root = tempDir('cns-tsc-');
});
typescript.after(() => remove(root));

for (const entry of tsPresets) {
  typescript(`${entry.id}: tsc -p tsconfig.json (strict) reports 0 errors`, async () => {
    const dir = await generate(entry.answers, root);
    const result = await tsc(dir);
    assert.equal(`${result.stdout}${result.stderr}`.trim(), '', 'tsc output');
    assert.is(result.code, 0, 'tsc exit code');
  });
}

typescript('tsc fails on a type error in a TypeScript project (the check above can fail)', async () => {
  const entry = tsPresets.find((e) => e.id === 'preset-minimal-ts')!;
  const dir = await generate({ ...entry.answers, name: 'broken-ts' }, root);
  writeFileSync(join(dir, 'src/broken.ts'), "export const port: number = 'not a number';\n");
  const result = await tsc(dir);
  assert.is.not(result.code, 0);
  assert.match(result.stdout, /src\/broken\.ts\(1,14\): error TS2322/);
});

typescript.run();
