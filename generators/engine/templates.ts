import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { decodeText, type Content } from './content.js';
import { fileURLToPath } from 'node:url';

/** A feature's snippets folder (snippets.ts): read by its edits, never copied. */
export const SNIPPETS_DIR = 'snippets';

/** templates/ at the package root (this file runs from dist/generators/engine/). */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../../templates/', import.meta.url));

export interface TemplateFile {
  /** Path inside the project (`.hbs` dropped, `_gitignore` -> `.gitignore`). */
  target: string;
  /** The template's text, or its bytes for a binary file (an image), copied byte for byte. */
  source: Content;
  /** Rendered with handlebars (the file ended in `.hbs`). */
  handlebars: boolean;
}

const cache = new Map<string, TemplateFile[]>();

/**
 * Every file of `templates/<feature>/` but its `snippets/` (code the edits
 * read, see snippets.ts). npm drops `.gitignore` from published packages,
 * so it is stored as `_gitignore`.
 */
export function templateFiles(feature: string): TemplateFile[] {
  let files = cache.get(feature);
  if (files) return files;
  const root = join(TEMPLATES_DIR, feature);
  files = [];
  let exists = true;
  try {
    statSync(root);
  } catch {
    exists = false;
  }
  if (exists) {
    for (const path of walkFiles(root)) {
      let target = relative(root, path).split(sep).join('/');
      if (target.startsWith(`${SNIPPETS_DIR}/`)) continue;
      const handlebars = target.endsWith('.hbs');
      if (handlebars) target = target.slice(0, -4);
      target = target.replace(/(^|\/)_gitignore$/, '$1.gitignore');
      const bytes = readFileSync(path);
      const text = decodeText(bytes);
      if (handlebars && text === undefined) throw new Error(`template ${path} is not UTF-8 text`);
      files.push({ target, source: text ?? bytes, handlebars });
    }
  }
  cache.set(feature, files);
  return files;
}

/** Every regular file below `dir`, in a stable (sorted) order. */
export function walkFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walkFiles(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}
