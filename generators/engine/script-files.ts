import { ts } from './ts-morph.js';
import type { Answers } from '../types.js';
import { langOf } from '../lang.js';

/**
 * Which project files are scripts the engine reads as syntax (merges with
 * the user's formatting and renames, edits, type-checks), in either language
 * of a project: JavaScript (`.js`, `.mjs`, `.cjs`) or TypeScript (`.ts`,
 * `.mts`, `.cts`). One place decides, so a TypeScript project's `src/app.ts`
 * gets everything `src/app.js` gets.
 */
const SCRIPT = /\.[cm]?[jt]s$/;

/** A JavaScript or TypeScript file (by its name). */
export function isScript(path: string): boolean {
  return SCRIPT.test(path);
}

/** A TypeScript file (by its name): its syntax has annotations, `import type`, `as`, interfaces. */
export function isTypeScript(path: string): boolean {
  return /\.[cm]?ts$/.test(path);
}

/** How the TypeScript parser must read `path`: a `.ts` file as TypeScript (its annotations are syntax, not errors), any other as JavaScript. */
export function scriptKind(path: string): ts.ScriptKind {
  return isTypeScript(path) ? ts.ScriptKind.TS : ts.ScriptKind.JS;
}

/** A syntax tree of `text`, parsed as the language of `path`. */
export function parseScript(path: string, text: string): ts.SourceFile {
  return ts.createSourceFile(isTypeScript(path) ? 'file.ts' : 'file.js', text, ts.ScriptTarget.Latest, true, scriptKind(path));
}

/**
 * Is the project of these answers written in TypeScript (`lang: ts`)? Its
 * modules under src/, test/ and scripts/ are `.ts` files importing each
 * other with `.ts` specifiers; its browser files (public/) stay JavaScript.
 */
export function isTypeScriptProject(answers: Answers): boolean {
  return langOf(answers) === 'ts';
}

/** The extension of the modules of the project of these answers. */
export function sourceExtension(answers: Answers): '.ts' | '.js' {
  return isTypeScriptProject(answers) ? '.ts' : '.js';
}

/**
 * A module's project path (`src/routes.js`) or relative import specifier
 * (`./resources/products.js`), as the templates name it, in the language of
 * the project of these answers: `src/routes.ts` and `./resources/products.ts`
 * in a TypeScript project. Other files (public/, docs, a `.ts` name already)
 * are left as they are.
 */
export function sourcePath(path: string, answers: Answers): string {
  if (!isTypeScriptProject(answers) || !/^(?:src|test|scripts)\/|^\.{1,2}\//.test(path) || /^(?:\.{1,2}\/)*public\//.test(path)) return path;
  return path.replace(/\.([cm]?)js$/, '.$1ts');
}
