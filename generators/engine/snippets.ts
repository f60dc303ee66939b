import Handlebars from 'handlebars';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { ObjectLiteralExpression, SourceFile, Statement } from 'ts-morph';
import { Node, Project } from './ts-morph.js';
import { prebuiltKey } from './prebuilt-key.js';
import { SLOTS, type PropertyEdit, type Slot, type StatementEdit, type UseEdit } from '../types.js';
import { SNIPPETS_DIR, TEMPLATES_DIR } from './templates.js';

/**
 * Snippets: the code a feature puts into files other features own, kept as
 * plain JavaScript in `templates/<feature>/snippets/` instead of strings in
 * generators/<group>.ts, so it is read, parsed and type-checked like the
 * rest of the feature (test/snippets.test.ts). They are not copied into a
 * project (templates.ts leaves `snippets/` out); edits read them here.
 *
 * `snippets/config.js` holds the feature's keys of `defaults` in
 * src/config.js: each `export const <key> = {...}` is one key, the JSDoc
 * above it the comment the key gets. The object is written as it stands in
 * the file (at the top level, so at no indentation: the compose step indents
 * it where it goes). A top-level `...name,` line whose `name` is imported
 * from another snippet is replaced by that object's lines: keys several
 * features share live once, with the feature that reads them (the login
 * limits with `credentials`).
 *
 * Every other snippet file holds the lines a feature adds to a function of
 * a project file, and is named after that file: `snippets/routes.js` for
 * src/routes.js, `snippets/app.js` for src/app.js, `snippets/helpers.js`
 * for test/helpers.js. In it, `export function <name>(...)` is named after
 * the project function the lines go into (`routes`, `buildApp`,
 * `startUsersApp`); its parameters stand for the names the lines use there
 * (`router` and `config` in `routes`), and each statement of its body is
 * one edit, in order:
 *
 *   export function routes(router, config) {
 *     router.get('/me', requireUser(config), currentUser);
 *   }
 *
 * is `statements('auth-basic', 'src/routes.js', 'routes')`, one `statement`
 * edit per line (`routeStatements('auth-basic')` for short). In
 * `buildApp(app, config)` of snippets/app.js (`appEdits(feature)`) every
 * statement is `app.use(<call>)` (or `app.use(<name>)`), and a comment line says what it is:
 * after `// slot: <slot>` each is a new middleware in that slot (SLOTS in
 * types.ts: a `use` edit); after `// options:` each adds the keys of its
 * object arguments to that call, already in src/app.js (`property` edits:
 * `app.use(body(config.body, { form: parseForm }))` registers a parser).
 * The imports at the top are there for the type-check only, written as from
 * a folder at the top of a project (`../src/lib/auth-basic.js`): the edits
 * that put them into the project stay `import` edits in the group's table.
 * test/snippets.test.ts type-checks each file inside a rendered project
 * that has the feature.
 *
 * `create-nodeserver generate <kind>` keeps its code the same way, in
 * `templates/generate/<kind>/snippets/` (or a variant's folder:
 * `generate/page/bigpipe/snippets/`), each file named after the project file
 * it edits with `.hbs` after it (`routes.js.hbs`): rendered with the kind's
 * data, whose placeholders are the user's names and places only, then read like a
 * feature's (`generatedStatements`, `generatedAppEdits`).
 *
 * Each file is parsed once into what the readers need (`SnippetFile`).
 * `npm run build` parses every feature's snippet file ahead of time
 * (build/snippet-files.ts) into PREBUILT_SNIPPETS, looked up by path and
 * text: a `create` parses no snippet, and a file changed since the build (or
 * a `generate` kind's, rendered with its data) is parsed when it is read.
 */

/** Every snippet file read so far, as `<feature>/snippets/<file>` (the test checks each file is used). */
export const snippetFilesRead = new Set<string>();

let project: Project | undefined;
/** `text` parsed as the JavaScript file `/<name>` (replacing any file of that name). */
function parse(name: string, text: string): SourceFile {
  project ??= new Project({ useInMemoryFileSystem: true, skipAddingFilesFromTsConfig: true, compilerOptions: { allowJs: true } });
  return project.createSourceFile(`/${name}`, text, { overwrite: true });
}

/** A snippet file, parsed: what every reader below takes from it. Plain data, so the build can store it as JSON. */
export interface SnippetFile {
  /** Each `export const <name> = {...}`, or why it cannot be used (a spread that is not another snippet's). */
  objects: Record<string, SnippetObject | { error: string }>;
  /** The text of each statement of each `export function <name>(...) {...}`. */
  functions: Record<string, string[]>;
  /** The edits of `buildApp` in an `app.js` snippet, or why they cannot be read. */
  app?: (UseEdit | PropertyEdit)[] | { error: string };
}

interface SnippetObject {
  /** The object literal's text, as written (spreads not expanded). */
  value: string;
  /** The one-line JSDoc above the export, without its delimiters. */
  doc?: string;
  /** Each top-level `  ...name,` line, and the snippet object (`from` relative to the file's folder) its lines come from. */
  spreads: { line: string; name: string; from: string }[];
}

interface Snippet {
  /** The object literal's text, spreads of other snippets expanded. */
  value: string;
  /** The one-line JSDoc above the export, without its delimiters. */
  doc?: string;
}

/** The file `npm run build` writes next to this module (build/snippet-files.ts): each feature's snippet file, parsed. */
export const PREBUILT_SNIPPETS = 'snippet-files.json';

let prebuilt: Record<string, SnippetFile> | undefined;
function prebuiltSnippet(where: string, text: string): SnippetFile | undefined {
  if (!prebuilt) {
    try {
      prebuilt = JSON.parse(readFileSync(new URL(PREBUILT_SNIPPETS, import.meta.url), 'utf8')) as Record<string, SnippetFile>;
    } catch (error) {
      // Compiled without `npm run build` (tsc alone): every file is parsed when read.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      prebuilt = {};
    }
  }
  return prebuilt[prebuiltKey(where, text)];
}

/** Parses a snippet file (`where` names it in messages, relative to templates/). */
export function parseSnippetFile(where: string, text: string): SnippetFile {
  const sf = parse(where.replace(/\.hbs$/, ''), text);
  const parsed: SnippetFile = { objects: {}, functions: {} };
  for (const statement of sf.getVariableStatements()) {
    if (!statement.isExported()) continue;
    for (const decl of statement.getDeclarations()) {
      const init = decl.getInitializer();
      if (!init || !Node.isObjectLiteralExpression(init)) continue;
      const docs = statement.getJsDocs();
      const doc = docs.length ? /^\/\*\* (.*) \*\/$/.exec(docs.at(-1)!.getText())?.[1] : undefined;
      try {
        parsed.objects[decl.getName()] = { value: init.getText(), ...(doc === undefined ? {} : { doc }), spreads: spreadsOf(sf, init, where) };
      } catch (error) {
        parsed.objects[decl.getName()] = { error: (error as Error).message };
      }
    }
  }
  const isApp = /(^|\/)app\.js(\.hbs)?$/.test(where);
  for (const fn of sf.getFunctions()) {
    const name = fn.getName();
    if (!name || !fn.isExported() || !fn.getBody()) continue;
    const statements = fn.getStatements();
    parsed.functions[name] = statements.map((st) => st.getText());
    if (!isApp || name !== 'buildApp') continue;
    try {
      parsed.app = parseAppEdits(statements, where);
    } catch (error) {
      parsed.app = { error: (error as Error).message };
    }
  }
  return parsed;
}

/** The `...name,` lines of an object literal, each with the snippet file it is imported from. */
function spreadsOf(sf: SourceFile, init: ObjectLiteralExpression, where: string): SnippetObject['spreads'] {
  const spreads: SnippetObject['spreads'] = [];
  for (const prop of init.getProperties()) {
    if (!Node.isSpreadAssignment(prop)) continue;
    const name = prop.getExpression().getText();
    const specifier = sf.getImportDeclarations().find((d) => d.getNamedImports().some((n) => n.getName() === name));
    if (!specifier) throw new Error(`snippet ${where}: ...${name} is not imported from another snippet`);
    spreads.push({ line: `  ...${name},`, name, from: specifier.getModuleSpecifierValue() });
  }
  const lines = new Set(spreads.map((spread) => spread.line));
  const left = init
    .getText()
    .split('\n')
    .find((line) => /^\s*\.\.\./.test(line) && !lines.has(line));
  if (left) throw new Error(`snippet ${where}: "${left.trim()}" must be a top-level line "  ...name," of its own`);
  return spreads;
}

/** The snippet file at `where` (relative to templates/), parsed; with `data`, a template rendered with it. */
function snippetFile(where: string, data?: Record<string, unknown>): SnippetFile {
  const text = snippetText(where, data);
  return (data ? undefined : prebuiltSnippet(where, text)) ?? parseSnippetFile(where, text);
}

const cache = new Map<string, Snippet>();

/**
 * A key of `defaults` in src/config.js, from `templates/<feature>/snippets/config.js`.
 * @param path nested object of `defaults` the key goes into (`['body']`)
 * @param set values that depend on the answers: key -> JavaScript text replacing the snippet's value
 */
export function configDefault(feature: string, name: string, options: { path?: string[]; set?: Record<string, string> } = {}): PropertyEdit {
  const snippet = readSnippet(join(feature, SNIPPETS_DIR, 'config.js'), name);
  const value = options.set ? setKeys(snippet.value, options.set, `${feature}/${SNIPPETS_DIR}/config.js: ${name}`) : snippet.value;
  return {
    kind: 'property',
    file: 'src/config.js',
    object: 'defaults',
    ...(options.path ? { path: options.path } : {}),
    name,
    ...(snippet.doc ? { doc: snippet.doc } : {}),
    value,
  };
}

/** The exported object `name` of the snippet file at `file` (relative to templates/), its spreads expanded. */
function readSnippet(file: string, name: string, importing: string[] = []): Snippet {
  const where = file.split(sep).join('/');
  const id = `${where}#${name}`;
  if (importing.includes(id)) throw new Error(`snippet ${id} spreads itself (${importing.join(' -> ')})`);
  const cached = cache.get(id);
  if (cached) return cached;
  const object = snippetFile(where).objects[name];
  if (!object) throw new Error(`snippet ${file}: no "export const ${name} = {...}"`);
  if ('error' in object) throw new Error(object.error);
  // Each `...name,` line becomes the lines inside the imported object (its braces dropped).
  const expanded = new Map<string, string>();
  for (const spread of object.spreads) {
    const from = relative(TEMPLATES_DIR, join(TEMPLATES_DIR, dirname(file), spread.from));
    expanded.set(
      spread.line,
      readSnippet(from, spread.name, [...importing, id])
        .value.split('\n')
        .slice(1, -1)
        .join('\n'),
    );
  }
  const value = object.value
    .split('\n')
    .map((line) => expanded.get(line) ?? line)
    .join('\n');
  const snippet = { value, doc: object.doc };
  cache.set(id, snippet);
  return snippet;
}

/** Replaces the values of top-level keys of an object literal's text. */
export function setKeys(value: string, set: Record<string, string>, what: string): string {
  const sf = parse('set.js', `(${value})`);
  const object = sf.getFirstDescendant((n) => Node.isObjectLiteralExpression(n)) as ObjectLiteralExpression;
  const cuts: [number, number, string][] = [];
  for (const [key, text] of Object.entries(set)) {
    const prop = object.getProperty(key);
    if (!prop || !Node.isPropertyAssignment(prop)) throw new Error(`${what} has no key "${key}" to set`);
    const init = prop.getInitializerOrThrow();
    cuts.push([init.getStart(), init.getEnd(), text]);
  }
  let out = sf.getFullText();
  for (const [start, end, text] of cuts.sort((a, b) => b[0] - a[0])) out = out.slice(0, start) + text + out.slice(end);
  return out.slice(1, -1);
}

/** The top-level entries of an object literal's text: each key (a quoted one unquoted) and its value's text. */
export function objectEntries(value: string, what: string): [string, string][] {
  const sf = parse('entries.js', `(${value})`);
  const object = sf.getFirstDescendant((n) => Node.isObjectLiteralExpression(n));
  if (!object || !Node.isObjectLiteralExpression(object)) throw new Error(`${what} is not an object literal`);
  return object.getProperties().map((prop): [string, string] => {
    if (!Node.isPropertyAssignment(prop)) throw new Error(`${what}: "${prop.getText()}" must be "key: value"`);
    const key = prop.getNameNode();
    return [Node.isStringLiteral(key) ? key.getLiteralValue() : key.getText(), prop.getInitializerOrThrow().getText()];
  });
}

/**
 * The object `export const <name> = {...}` of a `generate` kind's snippet
 * `templates/<dir>/snippets/<file>.hbs`, rendered with the kind's data, as
 * its entries: key -> value text (the rules of a resource's field types).
 */
export function generatedObject(dir: string, file: string, name: string, data: Record<string, unknown>): Map<string, string> {
  const where = [dir, SNIPPETS_DIR, `${file}.hbs`].join('/');
  const object = snippetFile(where, data).objects[name];
  if (!object || 'error' in object) throw new Error(`snippet ${where}: no "export const ${name} = {...}"`);
  return new Map(objectEntries(object.value, `snippet ${where}: ${name}`));
}

/**
 * The statements `feature` adds to function `fn` of project file `file`:
 * the body of `export function <fn>` in `templates/<feature>/snippets/<file's name>`.
 */
export function statements(feature: string, file: string, fn: string): StatementEdit[] {
  return cached(`${feature}:${file}:${fn}`, () => readStatements(feature, file, fn));
}

/**
 * What `generate` adds to function `fn` of project file `file`: the body of
 * `export function <fn>` in `templates/<dir>/snippets/<file's name>.hbs`,
 * rendered with the kind's data (`dir` is `generate/route`, `generate/page/bigpipe`, ...).
 */
export function generatedStatements(dir: string, file: string, fn: string, data: Record<string, unknown>): StatementEdit[] {
  return readStatements(dir, file, fn, data);
}

function readStatements(feature: string, file: string, fn: string, data?: Record<string, unknown>): StatementEdit[] {
  return snippetFunction(feature, file, fn, data).statements.map((code): StatementEdit => ({ kind: 'statement', file, function: fn, code }));
}

/** What a feature adds to `routes()` in src/routes.js (its endpoints), from snippets/routes.js. */
export function routeStatements(feature: string): StatementEdit[] {
  return statements(feature, 'src/routes.js', 'routes');
}

/**
 * What a feature adds to `buildApp` in src/app.js, from `buildApp(app, config)`
 * in snippets/app.js: `app.use(...)` after `// slot: <slot>` is middleware in
 * that slot; after `// options:` the keys of its object arguments go into
 * that call, already in the file. With `slot`, only the middleware of that slot
 * (a feature whose imports and middleware alternate in its table).
 */
export function appEdits(feature: string, slot?: Slot): (UseEdit | PropertyEdit)[] {
  const edits = cached(`${feature}:app`, () => readAppEdits(feature));
  if (slot === undefined) return edits;
  const mine = edits.filter((e) => e.kind === 'use' && e.slot === slot);
  if (!mine.length) throw new Error(`snippet ${feature}/${SNIPPETS_DIR}/app.js: no app.use(...) after "// slot: ${slot}"`);
  return mine;
}

/** What `generate` adds to `buildApp` in src/app.js: `templates/<dir>/snippets/app.js.hbs` rendered with the kind's data, read as `appEdits` reads a feature's. */
export function generatedAppEdits(dir: string, data: Record<string, unknown>): (UseEdit | PropertyEdit)[] {
  return readAppEdits(dir, data);
}

function readAppEdits(feature: string, data?: Record<string, unknown>): (UseEdit | PropertyEdit)[] {
  const { parsed } = snippetFunction(feature, 'src/app.js', 'buildApp', data);
  if (!parsed.app) throw new Error(`snippet ${feature}/${SNIPPETS_DIR}/app.js: no edits of buildApp read`);
  if ('error' in parsed.app) throw new Error(parsed.app.error);
  return parsed.app.map((edit) => ({ ...edit }));
}

/** The edits of `buildApp`'s statements in the app.js snippet at `where`: its `// slot:` and `// options:` sections. */
function parseAppEdits(statements: Statement[], where: string): (UseEdit | PropertyEdit)[] {
  const file = 'src/app.js';
  const out: (UseEdit | PropertyEdit)[] = [];
  let mode: Slot | 'options' | undefined;
  for (const st of statements) {
    for (const range of st.getLeadingCommentRanges()) {
      const m = /^\/\/ (?:slot: (\S+)|(options):)\s*$/.exec(range.getText());
      if (!m) continue;
      if (m[1] && !(SLOTS as readonly string[]).includes(m[1])) throw new Error(`snippet ${where}: "// slot: ${m[1]}" is not a slot (${SLOTS.join(', ')})`);
      mode = (m[1] as Slot | undefined) ?? 'options';
    }
    const use = Node.isExpressionStatement(st) ? st.getExpression() : undefined;
    // A middleware is made by a call (`csrf(config)`), or is a function itself (a generated interceptor).
    const call = use && Node.isCallExpression(use) && use.getExpression().getText() === 'app.use' ? use.getArguments()[0] : undefined;
    if (!call || !(Node.isCallExpression(call) || Node.isIdentifier(call))) throw new Error(`snippet ${where}: "${st.getText()}" is not app.use(<call>) or app.use(<name>)`);
    if (!mode) throw new Error(`snippet ${where}: "${st.getText()}" needs a "// slot: <slot>" or "// options:" line above it`);
    if (mode !== 'options') {
      out.push({ kind: 'use', file, slot: mode, call: call.getText() });
      continue;
    }
    if (!Node.isCallExpression(call)) throw new Error(`snippet ${where}: "${st.getText()}" after "// options:" has no call to add keys to`);
    const object = call.getExpression().getText();
    const before = out.length;
    call.getArguments().forEach((arg, argument) => {
      if (!Node.isObjectLiteralExpression(arg)) return;
      for (const prop of arg.getProperties()) {
        if (Node.isPropertyAssignment(prop)) out.push({ kind: 'property', file, object, argument, name: prop.getName(), value: prop.getInitializerOrThrow().getText() });
        else if (Node.isShorthandPropertyAssignment(prop)) out.push({ kind: 'property', file, object, argument, name: prop.getName(), value: prop.getName() });
        else throw new Error(`snippet ${where}: "${prop.getText()}" in ${object}(...) must be "key: value" or "key"`);
      }
    });
    if (out.length === before) throw new Error(`snippet ${where}: "${st.getText()}" after "// options:" has no object argument with keys`);
  }
  return out;
}

const editCache = new Map<string, object[]>();

/** Edits read once per run (they are asked for every render); each caller gets its own copies. */
function cached<T extends object>(key: string, read: () => T[]): T[] {
  let edits = editCache.get(key) as T[] | undefined;
  if (!edits) editCache.set(key, (edits = read()));
  return edits.map((edit) => ({ ...edit }));
}

/**
 * The statements of `export function <fn>` in the snippet file of `feature`
 * for project file `file`, and that file parsed; with `data`, of the
 * template `<file's name>.hbs` rendered with it (a `generate` kind's).
 */
function snippetFunction(feature: string, file: string, fn: string, data?: Record<string, unknown>): { statements: string[]; parsed: SnippetFile } {
  const rel = join(feature, SNIPPETS_DIR, `${basename(file)}${data ? '.hbs' : ''}`);
  const where = rel.split(sep).join('/');
  if (!existsSync(join(TEMPLATES_DIR, rel))) throw new Error(`snippet ${where} is missing: ${feature}'s edits of ${file} read it`);
  const parsed = snippetFile(where, data);
  const statements = parsed.functions[fn];
  if (!statements) throw new Error(`snippet ${where}: no "export function ${fn}(...)" (the lines ${feature} adds to ${fn}() in ${file})`);
  return { statements, parsed };
}

/** The text of the snippet file at `where` (relative to templates/, noted as read); with `data`, a template rendered with it. */
function snippetText(where: string, data?: Record<string, unknown>): string {
  snippetFilesRead.add(where);
  const text = readFileSync(join(TEMPLATES_DIR, where), 'utf8');
  return data ? Handlebars.compile(text, { noEscape: true, strict: true })(data) : text;
}
