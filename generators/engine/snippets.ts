import { readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { Node, Project, type ObjectLiteralExpression, type SourceFile } from 'ts-morph';
import type { PropertyEdit } from '../types.js';
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
 */

/** Every snippet file read so far, as `<feature>/snippets/<file>` (the test checks each file is used). */
export const snippetFilesRead = new Set<string>();

const project = new Project({ useInMemoryFileSystem: true, skipAddingFilesFromTsConfig: true, compilerOptions: { allowJs: true } });

interface Snippet {
  /** The object literal's text, spreads of other snippets expanded. */
  value: string;
  /** The one-line JSDoc above the export, without its delimiters. */
  doc?: string;
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

/** The exported object `name` of the snippet file at `file` (relative to templates/). */
function readSnippet(file: string, name: string, importing: string[] = []): Snippet {
  const id = `${file.split(sep).join('/')}#${name}`;
  if (importing.includes(id)) throw new Error(`snippet ${id} spreads itself (${importing.join(' -> ')})`);
  snippetFilesRead.add(file.split(sep).join('/'));
  const cached = cache.get(id);
  if (cached) return cached;
  const sf = project.createSourceFile(`/${id.replace('#', '.')}.js`, readFileSync(join(TEMPLATES_DIR, file), 'utf8'), { overwrite: true });
  const decl = sf.getVariableDeclaration(name);
  const statement = decl?.getVariableStatement();
  const init = decl?.getInitializer();
  if (!statement?.isExported() || !init || !Node.isObjectLiteralExpression(init)) throw new Error(`snippet ${file}: no "export const ${name} = {...}"`);
  const docs = statement.getJsDocs();
  const doc = docs.length ? /^\/\*\* (.*) \*\/$/.exec(docs.at(-1)!.getText())?.[1] : undefined;
  const snippet = { value: expandSpreads(sf, init, file, [...importing, id]), doc };
  cache.set(id, snippet);
  return snippet;
}

/** The literal's text with each `...name,` line replaced by the lines inside the imported snippet object `name`. */
function expandSpreads(sf: SourceFile, init: ObjectLiteralExpression, file: string, importing: string[]): string {
  const spreads = new Map<string, string>();
  for (const prop of init.getProperties()) {
    if (!Node.isSpreadAssignment(prop)) continue;
    const local = prop.getExpression().getText();
    const specifier = sf.getImportDeclarations().find((d) => d.getNamedImports().some((n) => n.getName() === local));
    if (!specifier) throw new Error(`snippet ${file}: ...${local} is not imported from another snippet`);
    const from = relative(TEMPLATES_DIR, join(TEMPLATES_DIR, dirname(file), specifier.getModuleSpecifierValue()));
    const lines = readSnippet(from, local, importing).value.split('\n');
    spreads.set(`  ...${local},`, lines.slice(1, -1).join('\n'));
  }
  const out = init.getText().split('\n').map((line) => spreads.get(line) ?? line);
  const left = out.find((line) => /^\s*\.\.\./.test(line));
  if (left) throw new Error(`snippet ${file}: "${left.trim()}" must be a top-level line "  ...name," of its own`);
  return out.join('\n');
}

/** Replaces the values of top-level keys of an object literal's text. */
function setKeys(value: string, set: Record<string, string>, what: string): string {
  const sf = project.createSourceFile('/set.js', `(${value})`, { overwrite: true });
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
