import { allFeatures, featuresOf } from '../generators/registry.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, relative } from 'node:path';
import { ModuleKind, ModuleResolutionKind, Project, ScriptTarget } from 'ts-morph';
import Handlebars from 'handlebars';
import { registrySlots, render } from '../generators/engine/render.js';
import { renderFiles } from '../generators/engine/generate.js';
import { scaffold, type GenerateRequest } from '../generators/generate/kinds.js';
import { resolveAnswers } from '../generators/engine/answers.js';
import { PREBUILT_SNIPPETS, appEdits, parseSnippetFile, routeStatements, snippetFilesRead, statements } from '../generators/engine/snippets.js';
import { prebuiltKey } from '../generators/engine/prebuilt-key.js';
import { SNIPPETS_DIR, TEMPLATES_DIR, templateFiles, walkFiles } from '../generators/engine/templates.js';
import { isCheckedFile, typecheck } from '../generators/engine/typecheck.js';
import type { Answers, Edit } from '../generators/types.js';

/** Every file under templates/<feature>/snippets/, as `<feature>/snippets/<file>`. */
function snippetFiles(): string[] {
  const out: string[] = [];
  for (const feature of readdirSync(TEMPLATES_DIR)) {
    const dir = join(TEMPLATES_DIR, feature, SNIPPETS_DIR);
    if (existsSync(dir)) for (const file of readdirSync(dir)) out.push(`${feature}/${SNIPPETS_DIR}/${file}`);
  }
  return out.sort();
}

/** The edits of every feature, with answers that reach every answer-dependent snippet. */
function allEdits() {
  return [{}, { cluster: 'cluster', sched: 'os', workers: 3 }, { cluster: 'master-worker', workers: 2 }].flatMap((a) => {
    const answers = resolveAnswers({ lang: 'js', name: 'x', ...a });
    return allFeatures().flatMap((c) => c.edits?.(answers) ?? []);
  });
}

test('every snippet file is read by an edit, and every edit finds its snippet', () => {
  const edits = allEdits(); // throws when a snippet file or export an edit names is missing
  assert.ok(edits.length > 0);
  const files = snippetFiles();
  assert.ok(files.length >= 15, `snippet files: ${files}`);
  assert.equal([...snippetFilesRead].filter((f) => !f.startsWith('generate/')).sort(), files, 'a snippet file no edit reads is dead code');
});

test('multi-line values are written at no indentation (the compose step indents them)', () => {
  for (const edit of allEdits()) {
    if (edit.kind !== 'property' || !edit.value.includes('\n')) continue;
    const lines = edit.value.split('\n');
    assert.ok(/^\S/.test(lines.at(-1)!), `${edit.file} ${edit.name}: last line "${lines.at(-1)}" is indented`);
    assert.ok(
      lines.slice(1, -1).every((l) => !l || l.startsWith('  ')),
      `${edit.name}: inner lines one level in`,
    );
    assert.not.match(edit.value, /^\s*\.\.\./m, `${edit.name}: spreads of other snippets are expanded`);
  }
});

test('the answers reach their snippet values', () => {
  const edits = allEdits().filter((e) => e.kind === 'property' && e.name === 'cluster');
  const values = edits.map((e) => (e.kind === 'property' ? e.value : ''));
  assert.ok(
    values.some((v) => /workers: 3,\n[^]*sched: 'os',/.test(v)),
    'node:cluster gets workers and sched',
  );
  assert.ok(
    values.some((v) => /workers: 2,/.test(v) && !v.includes('sched')),
    'master-worker gets workers, no sched',
  );
});

test('the build parsed every feature snippet file as it stands (what create, add and regenerate read)', () => {
  const prebuilt = JSON.parse(readFileSync(new URL(`../generators/engine/${PREBUILT_SNIPPETS}`, import.meta.url), 'utf8'));
  const files = snippetFiles().filter((where) => where.endsWith('.js'));
  assert.ok(files.length >= 40, `snippet files: ${files}`);
  for (const where of files) {
    const text = readFileSync(join(TEMPLATES_DIR, where), 'utf8');
    const entry = prebuilt[prebuiltKey(where, text)];
    assert.ok(entry, `${where} is not in ${PREBUILT_SNIPPETS}: run npm run build`);
    assert.equal(entry, parseSnippetFile(where, text), where);
  }
  assert.is(Object.keys(prebuilt).length, files.length, 'nothing else is prebuilt');
});

test('snippets are not copied into projects', () => {
  for (const file of snippetFiles()) {
    const feature = file.split('/')[0];
    assert.not.ok(
      templateFiles(feature).some((t) => t.target.startsWith(`${SNIPPETS_DIR}/`)),
      `${feature} copies its snippets`,
    );
  }
});

/** Snippets of a project function (everything but config.js): their imports are written as from a folder at the top of a project. */
const codeSnippets = () => snippetFiles().filter((f) => !f.endsWith('/config.js'));

test('config snippets parse and type-check (strict, checkJs)', () => {
  const project = new Project({
    skipAddingFilesFromTsConfig: true,
    compilerOptions: {
      allowJs: true,
      checkJs: true,
      strict: true,
      noEmit: true,
      target: ScriptTarget.ES2022,
      module: ModuleKind.NodeNext,
      moduleResolution: ModuleResolutionKind.NodeNext,
      types: [],
    },
  });
  for (const file of snippetFiles().filter((f) => f.endsWith('/config.js'))) project.addSourceFileAtPath(join(TEMPLATES_DIR, file));
  const diagnostics = project.getPreEmitDiagnostics();
  assert.equal(project.formatDiagnosticsWithColorAndContext(diagnostics), '');
});

/** Projects that between them have every feature with a code snippet. */
const PROJECTS: Partial<Answers>[] = [
  { body: ['json', 'form', 'xml', 'multipart', 'text'], cache: ['etag', 'last-modified', 'max-age', 'memory'], auth: 'session', csrf: true, bigpipe: true, store: 'file' },
  { routing: 'natural', auth: 'basic', store: 'redis' },
  { auth: 'token' },
];

test('code snippets type-check (strict, checkJs) inside a rendered project that has their feature', async () => {
  const left = new Set(codeSnippets());
  assert.ok(left.size >= 25, `code snippets: ${[...left]}`);
  for (const partial of PROJECTS) {
    const answers = resolveAnswers({ lang: 'js', name: 'x', ...partial });
    const ids = new Set(featuresOf(answers).map((f) => f.id));
    const files = new Map<string, string>();
    for (const [path, file] of await render(answers)) if (isCheckedFile(path) && typeof file.content === 'string') files.set(path, file.content);
    const mine = [...left].filter((f) => ids.has(f.split('/')[0]));
    // Each feature's snippets in a folder of their own at the top of the project, where their `../src/...` imports resolve.
    const placed = new Map(mine.map((f) => [`${f.split('/')[0]}-${SNIPPETS_DIR}/${f.split('/').pop()}`, f]));
    for (const [path, f] of placed) files.set(path, readFileSync(join(TEMPLATES_DIR, f), 'utf8'));
    assert.equal(typecheck(files, new Set(placed.keys())), [], `snippets of ${JSON.stringify(partial)}`);
    for (const f of mine) left.delete(f);
  }
  assert.equal([...left], [], "no project of PROJECTS has these snippets' features");
});

test("a code snippet's imports are the feature's import edits (or already in the file it edits)", async () => {
  const project = new Project({ useInMemoryFileSystem: true, compilerOptions: { allowJs: true } });
  const edits = allEdits();
  for (const snippet of codeSnippets()) {
    const [feature, , name] = snippet.split('/');
    const target = (edits.find((e) => e.kind !== 'import' && e.file.endsWith(`/${name}`))?.file)!;
    assert.ok(target, `${snippet}: no edit of a file named ${name}`);
    const feat = allFeatures().find((c) => c.id === feature)!;
    const mine = [{}, { cluster: 'cluster' }].flatMap((a) => feat.edits?.(resolveAnswers({ lang: 'js', name: 'x', ...a })) ?? []);
    const already = readFileSync(join(TEMPLATES_DIR, 'base', target), 'utf8');
    const sf = project.createSourceFile(`/${snippet}`, readFileSync(join(TEMPLATES_DIR, snippet), 'utf8'), { overwrite: true });
    for (const decl of sf.getImportDeclarations()) {
      const from = `./${posix.relative(posix.dirname(target), decl.getModuleSpecifierValue().replace(/^\.\.\//, ''))}`;
      for (const n of decl.getNamedImports().map((i) => i.getName())) {
        const edited = mine.some((e: Edit) => e.kind === 'import' && e.file === target && e.from === from && e.names.includes(n));
        const inBase = new RegExp(`import \\{[^}]*\\b${n}\\b[^}]*\\} from '${from.replace(/\./g, '\\.')}'`).test(already);
        assert.ok(edited || inBase, `${snippet}: ${n} from '${from}' is neither an import edit of ${feature} on ${target} nor in base's ${target}`);
      }
    }
  }
});

/** Every snippet template of `generate` (templates/generate/<kind>/[<variant>/]snippets/<file>.hbs), relative to templates/. */
function generateSnippetFiles(): string[] {
  return walkFiles(join(TEMPLATES_DIR, 'generate'))
    .map((path) => relative(TEMPLATES_DIR, path).split(/[\\/]/).join('/'))
    .filter((f) => f.split('/').at(-2) === SNIPPETS_DIR)
    .sort();
}

/** One of each kind, with every variant of its snippets between the projects below. */
const SAMPLES: GenerateRequest[] = [
  { kind: 'resource', name: 'products', args: ['name:string', 'price:number', 'tags:string[]', 'note:string?', 'stock:integer?', 'sizes:number[]?', 'active:boolean'] },
  { kind: 'route', name: 'GET', args: ['/reports/:id'] },
  { kind: 'route', name: 'DELETE', args: ['/reports/:id/lines/:lineNo'] },
  { kind: 'middleware', name: 'audit', args: [], after: 'auth' },
  { kind: 'interceptor', name: 'maintenance', args: [] },
  { kind: 'page', name: 'dashboard', args: [] },
];

test("generate's snippets type-check (strict, checkJs) rendered with sample names, next to the code they wire in", async () => {
  const left = new Set(generateSnippetFiles());
  assert.ok(left.size >= 7, `generate snippets: ${[...left]}`);
  for (const partial of [{ routing: 'table', bigpipe: true, auth: 'session', csrf: true }, { routing: 'natural' }] as Partial<Answers>[]) {
    const answers = resolveAnswers({ lang: 'js', name: 'x', ...partial });
    const files = new Map<string, string>();
    for (const [path, file] of await render(answers)) if (isCheckedFile(path) && typeof file.content === 'string') files.set(path, file.content);
    const placed = new Map<string, string>();
    for (const request of SAMPLES) {
      const made = scaffold(request, answers, [], registrySlots(answers));
      for (const [path, text] of renderFiles(made, answers)) if (isCheckedFile(path)) files.set(path, text);
      // The snippets of its template folders, and of the kind's folder above them (shared by its variants).
      const dirs = new Set(made.templates.flatMap((dir) => [dir, posix.dirname(dir)]));
      for (const snippet of generateSnippetFiles().filter((f) => dirs.has(f.split(`/${SNIPPETS_DIR}/`)[0]))) {
        const text = Handlebars.compile(readFileSync(join(TEMPLATES_DIR, snippet), 'utf8'), { noEscape: true, strict: true })(made.data);
        const at = `${snippet.split(`/${SNIPPETS_DIR}/`)[0].replace(/\//g, '-')}-${request.name.toLowerCase()}-${SNIPPETS_DIR}/${posix.basename(snippet, '.hbs')}`;
        files.set(at, text);
        placed.set(at, text);
        left.delete(snippet);
        // Its imports are the kind's import edits: the type-check sees what the project gets.
        const target = made.edits.find((e) => e.kind !== 'import' && posix.basename(e.file) === posix.basename(snippet, '.hbs'))?.file;
        for (const [, names, from] of text.matchAll(/^import \{ ([^}]*) \} from '\.\.\/([^']*)';$/gm)) {
          assert.ok(target, `${snippet}: imports ${names}, but ${made.kind} edits no file it is named after`);
          const relative = `./${posix.relative(posix.dirname(target), from)}`;
          for (const name of names.split(', ')) {
            assert.ok(
              made.edits.some((e) => e.kind === 'import' && e.file === target && e.from === relative && e.names.includes(name)),
              `${snippet}: ${name} from '${relative}' is no import edit of ${made.kind} on ${target}`,
            );
          }
        }
      }
    }
    assert.equal(typecheck(files, new Set(placed.keys())), [], `generate snippets in ${JSON.stringify(partial)}`);
  }
  assert.equal([...left], [], 'no sample reaches these generate snippets');
  assert.equal(
    generateSnippetFiles().filter((f) => !snippetFilesRead.has(f)),
    [],
    'a generate snippet no kind reads is dead code',
  );
});

test('an edit naming a missing snippet throws, naming the file and what it should hold', () => {
  assert.throws(() => routeStatements('no-such-feature'), /snippet no-such-feature\/snippets\/routes\.js is missing: no-such-feature's edits of src\/routes\.js read it/);
  assert.throws(() => statements('auth-basic', 'src/routes.js', 'nothing'), /auth-basic\/snippets\/routes\.js: no "export function nothing\(\.\.\.\)"/);
  assert.throws(() => appEdits('bigpipe'), /bigpipe\/snippets\/app\.js is missing/);
  assert.throws(() => appEdits('auth-basic', 'store'), /auth-basic\/snippets\/app\.js: no app\.use\(\.\.\.\) after "\/\/ slot: store"/);
});

test('a malformed app.js snippet throws, naming the line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'snippets-'));
  try {
    mkdirSync(join(dir, SNIPPETS_DIR));
    // The readers take a feature id as a folder under templates/: point one at this folder.
    const feature = relative(TEMPLATES_DIR, dir);
    const cases: [string, RegExp][] = [
      ['// slot: nowhere\n  app.use(x());', /"\/\/ slot: nowhere" is not a slot \(request-log, /],
      ['app.use(x());', /"app\.use\(x\(\)\);" needs a "\/\/ slot: <slot>" or "\/\/ options:" line above it/],
      ['// slot: auth\n  x();', /"x\(\);" is not app\.use\(<call>\)/],
      ['// options:\n  app.use(body(config.body));', /after "\/\/ options:" has no object argument with keys/],
      ['// options:\n  app.use(body);', /"app\.use\(body\);" after "\/\/ options:" has no call to add keys to/],
    ];
    cases.forEach(([body, message], i) => {
      const name = `${feature}/${i}`;
      mkdirSync(join(dir, String(i), SNIPPETS_DIR), { recursive: true });
      writeFileSync(join(dir, String(i), SNIPPETS_DIR, 'app.js'), `export function buildApp(app, config) {\n  ${body}\n}\n`);
      assert.throws(() => appEdits(name), message);
    });
    writeFileSync(
      join(dir, SNIPPETS_DIR, 'app.js'),
      'export function buildApp(app, config) {\n  // slot: auth\n  app.use(a(config));\n  app.use(b());\n  // options:\n  app.use(body(config.body, { form: parseForm, xml }));\n}\n',
    );
    assert.equal(appEdits(feature), [
      { kind: 'use', file: 'src/app.js', slot: 'auth', call: 'a(config)' },
      { kind: 'use', file: 'src/app.js', slot: 'auth', call: 'b()' },
      { kind: 'property', file: 'src/app.js', object: 'body', argument: 1, name: 'form', value: 'parseForm' },
      { kind: 'property', file: 'src/app.js', object: 'body', argument: 1, name: 'xml', value: 'xml' },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    for (const f of [...snippetFilesRead]) if (f.includes('..')) snippetFilesRead.delete(f);
  }
});

test.run();
