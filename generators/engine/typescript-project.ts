import { readFileSync } from 'node:fs';
import type { Answers, Edit } from '../types.js';
import type { Content } from './content.js';
import { jsdocComment } from './jsdoc-comments.js';
import { prebuiltKey } from './prebuilt-key.js';
import { isTypeScriptProject } from './script-files.js';
import { isConverted, renameProjectPaths, toTypeScript, typescriptPath, typescriptSpecifier } from './typescript.js';

/**
 * A TypeScript project (`lang: ts`) is its JavaScript render, converted
 * where it is made: each template file as it is rendered and each edit's
 * code as the edit is declared (typescript.ts). So render, add, remove,
 * regenerate and generate all work on the same `.ts` files and put the
 * same lines into them, and the templates stay the one source.
 */

/** The file `npm run build` writes next to this module (build/typescript-templates.ts): each plain template module in TypeScript, formatted. */
export const PREBUILT_FILE = 'typescript-templates.json';

let prebuilt: Record<string, string> | undefined;
function prebuiltText(path: string, source: string): string | undefined {
  prebuilt ??= JSON.parse(readFileSync(new URL(PREBUILT_FILE, import.meta.url), 'utf8')) as Record<string, string>;
  return prebuilt[prebuiltKey(path, source)];
}

/** A rendered file in the project's language: a module converted and renamed, a text naming modules (docs, package.json, scripts) renamed in. */
export function fileInLanguage(path: string, content: Content, answers: Answers): { path: string; content: Content } {
  if (!isTypeScriptProject(answers) || typeof content !== 'string') return { path, content };
  if (isConverted(path)) return { path: typescriptPath(path), content: prebuiltText(path, content) ?? toTypeScript(path, content) };
  return { path, content: renameProjectPaths(content) };
}

/** The edits of a feature in the project's language: their files, the modules they import and their code. */
export function editsInLanguage(edits: Edit[], answers: Answers): Edit[] {
  return isTypeScriptProject(answers) ? edits.map(typescriptEdit) : edits;
}

/** One edit of a JavaScript project, for the same project in TypeScript. */
export function typescriptEdit(edit: Edit): Edit {
  const file = typescriptPath(edit.file);
  const specifier = (from: string) => typescriptSpecifier(edit.file, from);
  switch (edit.kind) {
    case 'import':
      return { ...edit, file, from: specifier(edit.from) };
    case 'swap-import':
      return { ...edit, file, from: specifier(edit.from), to: specifier(edit.to) };
    case 'use':
      return { ...edit, file, call: unwrap(toTypeScript(edit.file, `${edit.call};`, { fragment: true }), '', ';') };
    case 'statement':
      return { ...edit, file, code: toTypeScript(edit.file, edit.code, { fragment: true }) };
    case 'property': {
      const value = edit.value === edit.name ? edit.value : unwrap(toTypeScript(edit.file, `const value = ${edit.value};`, { fragment: true }), 'const value = ', ';');
      // A comment that held only a type goes with it; the files it names are the project's (.ts), as in a rendered module.
      const { doc: jsDoc, ...rest } = edit;
      const doc = jsDoc === undefined ? '' : renameProjectPaths(jsdocComment(jsDoc));
      return { ...rest, file, value, ...(doc ? { doc } : {}) };
    }
  }
}

function unwrap(text: string, prefix: string, suffix: string): string {
  const trimmed = text.trimEnd();
  if (!trimmed.startsWith(prefix) || !trimmed.endsWith(suffix)) throw new Error(`typescript: an edit's code did not convert as one piece: ${text}`);
  return trimmed.slice(prefix.length, trimmed.length - suffix.length);
}
