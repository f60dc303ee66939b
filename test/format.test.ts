import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import * as prettier from 'prettier';
import { resolveAnswers } from '../generators/engine/answers.js';
import { decodeText, type Content } from '../generators/engine/content.js';
import { planGenerate } from '../generators/engine/generate.js';
import { applyPlan, planUpdate } from '../generators/engine/lifecycle.js';
import { loadProject } from '../generators/engine/project.js';
import { render } from '../generators/engine/render.js';
import type { TreeFile } from '../generators/engine/tree.js';
import type { GenerateRequest } from '../generators/generate/kinds.js';
import type { Answers } from '../generators/types.js';
import { testMatrix } from './support/matrix.js';
import { ROOT, generate, remove, tempDir } from './support/project.js';

/**
 * One formatter (Prettier, .prettierrc.json) for the generator's sources and
 * for what it writes. The sources are checked as they are (`npm run format`
 * fixes them); generated projects carry no formatter (zero dependencies), so
 * their files must come out formatted: the templates are formatted at source,
 * and the engine's structural edits (compose) and the handlebars fills must
 * keep them so. Checked here on every matrix project's render, on `add` and
 * `remove` applied to a project the user has edited, and on `generate`.
 */
const IGNORE = [join(ROOT, '.prettierignore'), join(ROOT, '.gitignore')];
/** What a generated project is checked for: its code, settings and docs. */
const CHECKED = /\.(js|ts|json|md)$/;

/** Every file under ROOT that `npm run format` formats (ROOT-relative). */
async function sources(): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      // Never formatted, and too big to walk for nothing.
      if (['.git', 'node_modules', 'dist'].includes(entry.name)) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else {
        const info = await prettier.getFileInfo(full, { ignorePath: IGNORE });
        if (!info.ignored && info.inferredParser) out.push(relative(ROOT, full).split(sep).join('/'));
      }
    }
  };
  await walk(ROOT);
  return out.sort();
}

/** A file to check: its path (for the configuration and the parser) and its text. */
interface Checked {
  path: string;
  text: string;
}

/**
 * The files of `files` (label -> file) that are not formatted as Prettier
 * would, each with its first line that differs. A generated file is checked
 * at its project path inside the templates folder, under the configuration
 * its template is formatted with.
 */
async function unformatted(files: Map<string, Checked>, base = ''): Promise<string[]> {
  const bad: string[] = [];
  for (const [label, { path, text }] of files) {
    const filepath = join(ROOT, base, path);
    const options = await prettier.resolveConfig(filepath, { editorconfig: false });
    if (!options) throw new Error(`no Prettier configuration for ${filepath}`);
    const formatted = await prettier.format(text, { ...options, filepath });
    if (formatted !== text) bad.push(`${label}: ${firstDifference(text, formatted)}`);
  }
  return bad;
}

function firstDifference(text: string, formatted: string): string {
  const a = text.split('\n');
  const b = formatted.split('\n');
  const i = a.findIndex((line, n) => line !== b[n]);
  const at = i === -1 ? a.length : i;
  return `line ${at + 1}: ${JSON.stringify(a[at] ?? '')} should be ${JSON.stringify(b[at] ?? '')}`;
}

/** Adds the text files of `files` the check covers to `into`, each distinct content once (projects share most files). */
function checkable(files: Iterable<[string, Content | null | undefined]>, into: Map<string, Checked>, seen: Set<string>, label: string): void {
  for (const [path, content] of files) {
    if (content == null || !CHECKED.test(path)) continue;
    const text = typeof content === 'string' ? content : decodeText(content);
    if (text === undefined) continue;
    const key = `${path.slice(path.lastIndexOf('.'))}\0${text}`;
    if (seen.has(key)) continue;
    seen.add(key);
    into.set(`${label}: ${path}`, { path, text });
  }
}

/** Generated files are checked where their templates are: under templates/<feature>/. */
const generated = (files: Map<string, Checked>) => unformatted(files, 'templates/base');

test("the generator's own sources are formatted (npm run format)", async () => {
  const files = await sources();
  // Not vacuous: the walk finds the sources, the templates and the docs.
  for (const path of [
    'generators/engine/compose.ts',
    'test/format.test.ts',
    'templates/base/src/app.js',
    'templates/javascript/jsconfig.json',
    'templates/typescript/tsconfig.json',
    'docs/ARCHITECTURE.md',
    'package.json',
  ]) {
    assert.ok(files.includes(path), `${path} is checked`);
  }
  for (const path of files) assert.not.ok(/^(fixtures|dist|node_modules)\/|\.hbs$/.test(path), `${path} is not checked`);
  const bad = await unformatted(new Map(files.map((path) => [path, { path, text: readFileSync(join(ROOT, path), 'utf8') }])));
  assert.equal(bad, [], 'files to format with npm run format');
});

/** A rendered file that is its template copied as it is (checked at source by the test above). */
function copied(path: string, file: TreeFile): boolean {
  try {
    return file.content === readFileSync(join(ROOT, 'templates', file.feature, path), 'utf8');
  } catch {
    return false; // filled from a .hbs, or no such template
  }
}

test('every matrix project renders formatted (handlebars fills and structural edits)', async () => {
  const files = new Map<string, Checked>();
  const seen = new Set<string>();
  for (const entry of testMatrix()) {
    const tree = await render(entry.answers);
    checkable(
      [...tree].filter(([path, file]) => !copied(path, file)).map(([path, file]) => [path, file.content]),
      files,
      seen,
      entry.id,
    );
  }
  assert.ok(files.size > 50, `checked ${files.size} distinct files`);
  for (const path of ['README.md', 'package.json', 'src/app.js', 'src/config.js', 'src/routes.js', 'src/app.ts', 'src/config.ts', 'src/routes.ts']) {
    assert.ok(
      [...files.keys()].some((label) => label.endsWith(`: ${path}`)),
      `${path} is checked`,
    );
  }
  assert.equal(await generated(files), []);
});

/** A user's edits, formatted as Prettier would, in the files the structural edits change. */
function userEdits(dir: string, lang: string): void {
  const file = `src/app.${lang}`;
  const text = readFileSync(join(dir, file), 'utf8');
  const edited = text.replace(/^export function buildApp\(config(: Config)?\) \{\n/m, (line) => `${line}  // The user's own note, kept through add and remove.\n`);
  assert.ok(edited !== text, `${file} has buildApp(config)`);
  applyPlan(dir, new Map([[file, edited]]));
}

test('add and remove on an edited project write formatted files', async () => {
  const root = tempDir('cns-format-');
  try {
    const steps: { label: string; answers: Partial<Answers> }[] = [
      {
        label: 'add session csrf bigpipe form xml master-worker file-store etag memory',
        answers: { auth: 'session', csrf: true, bigpipe: true, body: ['json', 'form', 'xml'], cluster: 'master-worker', store: 'file', cache: ['etag', 'memory'] },
      },
      { label: 'auth session -> token, remove csrf bigpipe cluster store', answers: { auth: 'token', body: ['json', 'form', 'xml'], cache: ['etag', 'memory'] } },
      { label: 'remove all', answers: {} },
    ];
    for (const [lang, routing] of [
      ['js', 'table'],
      ['js', 'natural'],
      ['ts', 'table'],
      ['ts', 'natural'],
    ]) {
      const name = `fmt-${lang}-${routing}`;
      const dir = await generate(resolveAnswers({ lang, name, routing }), root);
      userEdits(dir, lang);
      const files = new Map<string, Checked>();
      const seen = new Set<string>();
      let edits = 0;
      for (const step of steps) {
        const plan = await planUpdate(loadProject(dir), resolveAnswers({ lang, name, routing, ...step.answers }));
        edits += plan.entries.filter((e) => e.action === 'edit').length;
        checkable(plan.writes, files, seen, `${lang} ${routing}, ${step.label}`);
        applyPlan(dir, plan.writes);
      }
      assert.ok(edits >= 6, `${edits} files got structural edits`);
      assert.equal(await generated(files), []);
    }
  } finally {
    remove(root);
  }
});

test('generate writes formatted files and edits', async () => {
  const root = tempDir('cns-format-gen-');
  try {
    const requests: GenerateRequest[] = [
      { kind: 'resource', name: 'products', args: ['name:string', 'price:number', 'tags:string[]', 'note:string?', 'active:boolean'] },
      { kind: 'route', name: 'GET', args: ['/reports/:id'] },
      { kind: 'route', name: 'DELETE', args: ['/reports/:id'] },
      { kind: 'middleware', name: 'audit', args: [], after: 'auth' },
      { kind: 'interceptor', name: 'maintenance', args: [] },
      { kind: 'page', name: 'dashboard', args: [] },
    ];
    // Every preset in both languages: a TypeScript project's generated files and edits are .ts, checked with parser typescript.
    for (const entry of testMatrix().filter((e) => e.id.startsWith('preset-'))) {
      const dir = await generate(entry.answers, root);
      const files = new Map<string, Checked>();
      const seen = new Set<string>();
      for (const request of requests) {
        const plan = planGenerate(loadProject(dir), request);
        checkable(plan.writes, files, seen, `${entry.id}, ${request.kind} ${[request.name, ...request.args].join(' ')}`);
        applyPlan(dir, plan.writes);
      }
      if (entry.answers.lang === 'ts')
        assert.ok(
          [...files.keys()].some((label) => label.endsWith('.ts')),
          `${entry.id}: its .ts files are checked`,
        );
      assert.equal(await generated(files), []);
    }
  } finally {
    remove(root);
  }
});

test.run();
