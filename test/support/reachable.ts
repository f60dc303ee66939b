import { posix } from 'node:path';
import type { Content } from '../../generators/engine/content.js';
import { globToRegExp } from '../../generators/engine/project.js';
import { isScript } from '../../generators/engine/script-files.js';

/**
 * "A project carries only what it uses", checked on a project's files
 * (path -> text): every module under src/, test/ and scripts/ is reached by
 * the references of its code from a root, every relative reference names a
 * file the project has, and no comment names a project file it lacks.
 *
 * Roots: src/server.js (src/server.ts in a TypeScript project) and every
 * file a package.json script names (a glob
 * of `node --test` names every test file it matches). A module of src/ or
 * scripts/ must be reached from a root that is not a test: one that only
 * its own tests use is dead code shipped with its tests.
 *
 * References: `import`/`export ... from`, `import('...')` (code and JSDoc
 * types), and `new URL('...', import.meta.url)` (a module run as a child
 * process, or a folder whose modules are loaded at run time).
 */
export function reachabilityProblems(project: Map<string, Content>): string[] {
  const problems: string[] = [];
  const paths = new Set(project.keys());
  const files = new Map<string, string>();
  for (const [path, content] of project) if (typeof content === 'string') files.set(path, content);
  const modules = [...paths].filter((p) => /^(src|test|scripts)\//.test(p) && isScript(p)).sort();
  const edges = new Map<string, string[]>();
  for (const path of [...files.keys()].filter(isScript).sort()) {
    const out: string[] = [];
    for (const ref of references(files.get(path)!)) {
      const target = posix.normalize(posix.join(posix.dirname(path), ref));
      if (ref.endsWith('/') || ref === '..' || ref === '.') {
        const folder = target.replace(/\/?$/, '/');
        const inside = [...paths].filter((p) => p.startsWith(folder === './' ? '' : folder) && isScript(p));
        if (!inside.length && !paths.has(folder)) problems.push(`${path}: '${ref}' names the folder ${folder}, which has no module`);
        // The project root (`new URL('..')`) is where a test starts the server from, not a loaded folder.
        if (folder !== './') out.push(...inside.filter((p) => !p.includes('/', folder.length)));
        continue;
      }
      if (!paths.has(target)) problems.push(`${path}: '${ref}' resolves to ${target}, which the project does not have`);
      else out.push(target);
    }
    edges.set(path, out);
  }

  const { production, tests } = roots(files, paths);
  const fromProduction = reach(production, edges);
  const fromAny = reach([...production, ...tests], edges);
  const entry = production[0];
  for (const path of modules) {
    if (!fromAny.has(path)) problems.push(`${path}: nothing reaches it from ${entry} or a package.json script`);
    else if (!path.startsWith('test/') && !fromProduction.has(path)) problems.push(`${path}: only tests reach it, not ${entry} or a package.json script`);
  }

  for (const path of [...files.keys()].filter(isScript).sort()) {
    for (const name of namedFiles(comments(files.get(path)!))) {
      if (!named(name, path, paths)) problems.push(`${path}: a comment names ${name}, which the project does not have`);
    }
  }
  return problems;
}

/** The server's entry (src/server.ts or src/server.js) and the files package.json scripts name, split into the test runner's and the rest. */
function roots(files: Map<string, string>, paths: Set<string>): { production: string[]; tests: string[] } {
  const production = [paths.has('src/server.ts') ? 'src/server.ts' : 'src/server.js'];
  const tests: string[] = [];
  const pkg = JSON.parse(files.get('package.json') ?? '{}') as { scripts?: Record<string, string> };
  for (const command of Object.values(pkg.scripts ?? {})) {
    const isTest = /\s--test\b/.test(command);
    for (const word of command.split(/\s+|&&|;|\|\|/)) {
      if (!word || word.startsWith('-') || !(/[/*]/.test(word) || isScript(word))) continue;
      const glob = globToRegExp(word.replace(/^\.\//, ''));
      const matched = [...paths].filter((p) => glob.test(p));
      if (!matched.length) throw new Error(`package.json script "${command}" names ${word}, which matches no file`);
      (isTest ? tests : production).push(...matched);
    }
  }
  return { production, tests };
}

function reach(start: string[], edges: Map<string, string[]>): Set<string> {
  const seen = new Set<string>();
  const todo = [...start];
  while (todo.length) {
    const path = todo.pop()!;
    if (seen.has(path)) continue;
    seen.add(path);
    todo.push(...(edges.get(path) ?? []));
  }
  return seen;
}

/**
 * The relative specifiers a module refers to: in its code (a string counts
 * only after `from`, `import`, `import(` or `new URL(`) and in the JSDoc
 * types of its comments (`import('./pipeline.js').Request`).
 */
export function references(text: string): string[] {
  const { code, notes } = scan(text);
  const out: string[] = [];
  const patterns = [
    /\b(?:from|import)\s*['"](\.{1,2}\/[^'"]*)['"]/g,
    /\bimport\s*\(\s*['"](\.{1,2}\/[^'"]*)['"]\s*\)/g,
    /\bnew URL\(\s*['"](\.{1,2}(?:\/[^'"]*)?)['"]\s*,\s*import\.meta\.url\s*\)/g,
  ];
  for (const re of patterns) for (const match of code.matchAll(re)) out.push(match[1]);
  for (const match of notes.matchAll(patterns[1])) out.push(match[1]);
  return out;
}

/** The text of a module's comments. */
export function comments(text: string): string {
  return scan(text).notes;
}

/**
 * Splits a module into its code, with every string that is not a module
 * specifier emptied (a string that holds code, e.g. a script for `node -e`,
 * names modules of another folder), and the text of its comments.
 */
function scan(text: string): { code: string; notes: string } {
  let code = '';
  let notes = '';
  let i = 0;
  let last = ''; // the last significant character of code: a `/` after it starts a regular expression or a division
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      const end = text.indexOf('\n', i);
      notes += `${text.slice(i + 2, end === -1 ? text.length : end)}\n`;
      i = end === -1 ? text.length : end;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      notes += `${text.slice(i + 2, end === -1 ? text.length : end)}\n`;
      code += ' ';
      i = end === -1 ? text.length : end + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      const end = skipString(text, i);
      const specifier = c !== '`' && /(?:\bfrom|\bimport|\bimport\s*\(|\bnew URL\()\s*$/.test(code);
      code += specifier ? text.slice(i, end) : `${c}${c}`;
      i = end;
      last = c;
    } else if (c === '/' && (last === '' || /[(,=:[!&|?{};+\-*%<>~^]/.test(last) || /\b(?:return|typeof|case|of|in)\s*$/.test(code))) {
      i = skipRegExp(text, i);
      code += '/./';
      last = '/';
    } else {
      if (!/\s/.test(c)) last = c;
      code += c;
      i++;
    }
  }
  return { code, notes };
}

function skipString(text: string, start: number): number {
  const quote = text[start];
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') i += 2;
    else if (c === quote) return i + 1;
    else if (quote === '`' && c === '$' && text[i + 1] === '{') {
      // A substitution: skip to its closing brace (strings inside are skipped whole).
      let depth = 1;
      i += 2;
      while (i < text.length && depth) {
        const d = text[i];
        if (d === "'" || d === '"' || d === '`') {
          i = skipString(text, i);
          continue;
        }
        if (d === '{') depth++;
        else if (d === '}') depth--;
        i++;
      }
    } else if (quote !== '`' && c === '\n') return i;
    else i++;
  }
  return i;
}

function skipRegExp(text: string, start: number): number {
  let i = start + 1;
  let inClass = false;
  while (i < text.length && text[i] !== '\n') {
    const c = text[i];
    if (c === '\\') i += 2;
    else if (c === '[') ((inClass = true), i++);
    else if (c === ']') ((inClass = false), i++);
    else if (c === '/' && !inClass) return i + 1;
    else i++;
  }
  return i;
}

/** Project file names a comment mentions: `test/x.test.js`, `src/lib/y.ts`, `./z.js`, `docs/w.md`, `x.test.ts`, `x-helpers.js`. */
export function namedFiles(text: string): string[] {
  const out = new Set<string>();
  for (const match of text.matchAll(/(?<![\w./:@<>-])((?:\.{1,2}\/)*(?:[\w-]+\/)*\w[\w.-]*\.(?:[jt]s|md))(?![\w/])/g)) {
    const name = match[1];
    if (/^(?:\.{1,2}\/|src\/|test\/|scripts\/|docs\/|public\/)/.test(name) || /(?:\.test|-helpers|-scenarios)\.[jt]s$/.test(name)) out.add(name);
  }
  return [...out];
}

/** Does the project have the file a comment of `from` names? */
function named(name: string, from: string, paths: Set<string>): boolean {
  if (name.startsWith('.')) return paths.has(posix.normalize(posix.join(posix.dirname(from), name)));
  if (name.includes('/')) return paths.has(name);
  return [...paths].some((p) => p === name || p.endsWith(`/${name}`));
}
