import { ts } from 'ts-morph';

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
