import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { getLibFiles, ts } from './ts-morph.js';
import { isScript, isTypeScript } from './script-files.js';

/**
 * Type-checks a generated project the way its jsconfig.json asks (strict
 * checkJs), or a TypeScript project the way its tsconfig.json asks (strict,
 * `.ts` import specifiers, erasable syntax only), with the TypeScript that ts-morph bundles and the generator's own
 * @types/node: the project has no dependencies to bring them. The project's
 * files come from memory, so a plan is checked before any of it is written.
 * TypeScript's own API with a small host: no syntax-tree wrappers to build.
 */

const PROJECT = '/project/';

const OPTIONS: ts.CompilerOptions = {
  allowJs: true,
  checkJs: true,
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  types: ['node'],
  typeRoots: ['/node_modules/@types'],
};

/**
 * What a TypeScript project's tsconfig.json adds: Node runs its `.ts` files
 * as they are (type stripping), so imports name the `.ts` file, nothing is
 * emitted, a type is imported with `import type`, and no syntax needs code
 * generated for it (no `enum`, `namespace`, parameter properties). Its
 * browser files (public/) stay JavaScript and are checked as before.
 */
const TS_OPTIONS: ts.CompilerOptions = {
  ...OPTIONS,
  allowImportingTsExtensions: true,
  verbatimModuleSyntax: true,
  erasableSyntaxOnly: true,
};

/** Where `/node_modules/...` of the virtual project really is: the generator's own node_modules. */
const require = createRequire(import.meta.url);
const NODE_MODULES = dirname(dirname(dirname(require.resolve('@types/node/package.json'))));
/** TypeScript's lib.*.d.ts, shipped inside ts-morph (there is no typescript/lib on disk to rely on). */
const LIB_DIR = '/lib/';
let libFiles: Map<string, string> | undefined;
function libFile(name: string): string | undefined {
  libFiles ??= new Map(getLibFiles().map((f) => [f.fileName, f.text]));
  return libFiles.get(name);
}

/** Library files parse the same for every check of a run: parse them once. */
const libCache = new Map<string, ts.SourceFile | undefined>();

function realPath(path: string): string | undefined {
  // The folder itself too: module resolution asks whether it exists before looking inside.
  if (path === '/node_modules') return NODE_MODULES;
  if (path.startsWith('/node_modules/')) return join(NODE_MODULES, path.slice('/node_modules/'.length));
  return undefined;
}

/** Which of a project's files the check reads: its code, not its records or docs. */
export function isCheckedFile(path: string): boolean {
  return /^(src|test|scripts|public)\//.test(path) && isScript(path);
}

/**
 * Diagnostics of the project `files` (path -> text of every checked file),
 * one line each (`src/app.js:12 TS2304 Cannot find name 'x'.`). With `only`,
 * just those files are asked for diagnostics (the rest is still read for types).
 * A project whose code is TypeScript (any `.ts` file among them: its
 * tsconfig.json is rendered with it) is checked with its compiler options.
 */
export function typecheck(files: Map<string, string>, only?: Set<string>): string[] {
  const inProject = (name: string) => (name.startsWith(PROJECT) ? name.slice(PROJECT.length) : undefined);
  const read = (name: string): string | undefined => {
    const rel = inProject(name);
    if (rel !== undefined) return rel === 'package.json' ? '{ "type": "module" }' : files.get(rel);
    if (name.startsWith(LIB_DIR)) return libFile(name.slice(LIB_DIR.length));
    const real = realPath(name);
    return real && existsSync(real) ? readFileSync(real, 'utf8') : undefined;
  };
  const host: ts.CompilerHost = {
    getSourceFile(name, languageVersion) {
      const shared = inProject(name) === undefined;
      if (shared && libCache.has(name)) return libCache.get(name);
      const text = read(name);
      const sf = text === undefined ? undefined : ts.createSourceFile(name, text, languageVersion);
      if (shared) libCache.set(name, sf);
      return sf;
    },
    getDefaultLibFileName: (options) => LIB_DIR + ts.getDefaultLibFileName(options),
    getDefaultLibLocation: () => LIB_DIR.slice(0, -1),
    writeFile: () => undefined,
    getCurrentDirectory: () => PROJECT,
    getCanonicalFileName: (name) => name,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => '\n',
    fileExists: (name) => read(name) !== undefined,
    readFile: read,
    directoryExists: (dir) => {
      const rel = inProject(`${dir}/`);
      if (rel !== undefined) return rel === '' || [...files.keys()].some((p) => p.startsWith(rel));
      if (`${dir}/` === LIB_DIR) return true;
      const real = realPath(dir);
      return real !== undefined && existsSync(real);
    },
    getDirectories: () => [],
    realpath: (name) => name,
  };
  // With `only`, the program starts from those files and takes in what they
  // import; the rest can change nothing in them unless it declares globals
  // (see mayDeclareGlobals): those stay roots.
  const roots = [...files.keys()].filter((p) => !only || only.has(p) || mayDeclareGlobals(p, files.get(p)!)).map((p) => PROJECT + p);
  const options = [...files.keys()].some(isTypeScript) ? TS_OPTIONS : OPTIONS;
  const program = ts.createProgram({ rootNames: roots, options, host });
  const targets = only ? [...only].map((p) => program.getSourceFile(PROJECT + p)).filter((sf): sf is ts.SourceFile => sf !== undefined) : undefined;
  const diagnostics = targets
    ? targets.flatMap((sf) => [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)])
    : [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics(), ...program.getSyntacticDiagnostics(), ...program.getSemanticDiagnostics()];
  return diagnostics.map((d) => {
    const file = d.file ? (inProject(d.file.fileName) ?? d.file.fileName) : '';
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    return `${file}:${line} TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}

/**
 * Whether a file may put names in the global scope: a declaration file, or
 * one with `declare global` or `declare module`. (A project is
 * `"type": "module"`, so every other .js or .ts file is a module, whose
 * names are never global.)
 */
function mayDeclareGlobals(path: string, text: string): boolean {
  return /\.d\.[cm]?ts$/.test(path) || /\bdeclare\s+(global|module)\b/.test(text);
}

/**
 * The files a change can break: the changed ones, and every file importing a
 * module that is deleted or whose exported names change. (A full check of
 * a project takes seconds; these are where a structural edit breaks code.)
 */
export function affectedFiles(before: Map<string, string>, after: Map<string, string>, changed: Set<string>): Set<string> {
  const out = new Set([...changed].filter((p) => after.has(p)));
  const reshaped = [...changed].filter((p) => !after.has(p) || exportedNames(before.get(p) ?? '') !== exportedNames(after.get(p)!));
  const names = reshaped.map((p) => p.split('/').pop()!);
  if (!names.length) return out;
  for (const [path, text] of after) {
    if (out.has(path)) continue;
    if (names.some((name) => text.includes(`/${name}'`) || text.includes(`/${name}"`))) out.add(path);
  }
  return out;
}

/** The names a module exports, as one comparable string. */
function exportedNames(text: string): string {
  const names = new Set<string>();
  for (const m of text.matchAll(/^export\s+(?:async\s+|declare\s+|abstract\s+)*(?:function\*?|const|let|var|class|interface|type)\s+([\w$]+)/gm)) names.add(m[1]);
  for (const m of text.matchAll(/^export\s*(?:type\s*)?\{([^}]*)\}/gm))
    for (const n of m[1].split(','))
      names.add(
        n
          .trim()
          .split(/\s+as\s+/)
          .pop()!,
      );
  return [...names].sort().join(',');
}
