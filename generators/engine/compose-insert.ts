import type { Block, ImportDeclaration, SourceFile, Statement } from 'ts-morph';
import { Node } from './ts-morph.js';

/**
 * Where a new statement goes in a function body, and how it is written and
 * removed again, as plain text splices at line boundaries.
 *
 * ts-morph's `insertStatements(index)` counts the user's comment lines as
 * statements (`getStatementsWithComments()`), splits a trailing comment off
 * its line and can land between a comment and the line it describes. These
 * helpers work on character offsets instead: a new line is written at the
 * start of a line, indented like its neighbour, so `remove` can take exactly
 * that line out again and `revert(apply(x)) == x`.
 */

/** Offset of the first character of the line holding `pos`. */
function lineStart(text: string, pos: number): number {
  return text.lastIndexOf('\n', pos - 1) + 1;
}

/** Offset of the line break ending the line holding `pos` (or the end of the text). */
function lineEnd(text: string, pos: number): number {
  const i = text.indexOf('\n', pos);
  return i === -1 ? text.length : i;
}

function indentationAt(text: string, pos: number): string {
  return /^[ \t]*/.exec(text.slice(lineStart(text, pos)))![0];
}

/**
 * The offset of the line where code placed in front of `anchor` starts:
 * above the comments directly over it (no blank line between them), so a
 * comment keeps describing the line it was written for. A comment followed
 * by a blank line (a JSDoc block too) is not the anchor's: the new line goes
 * below it.
 */
function lineAbove(text: string, anchor: Statement): number {
  const start = anchor.getStart();
  let top = lineStart(text, start);
  if (
    text
      .slice(top, start)
      .replace(/\/\*.*?\*\//g, '')
      .trim()
  )
    return start; // code before it on its line
  const comments = anchor.getLeadingCommentRanges();
  for (let i = comments.length - 1; i >= 0; i--) {
    const c = comments[i];
    if (c.getEnd() > top) continue; // on the anchor's own line: `/* x */ return ...`
    const ownLine = !text.slice(lineStart(text, c.getPos()), c.getPos()).trim();
    const touching = /^[ \t]*\r?\n$/.test(text.slice(c.getEnd(), top));
    if (!ownLine || !touching) break;
    top = lineStart(text, c.getPos());
  }
  return top;
}

/** The offset of the line after `statement` (after a trailing comment on its last line). */
function lineBelow(text: string, statement: Statement): number | undefined {
  const end = statement.getEnd();
  const rest = text.slice(end, lineEnd(text, end));
  if (!/^\s*(\/\/.*|\/\*.*?\*\/\s*)?$/.test(rest)) return undefined; // more code on that line
  const next = lineEnd(text, end);
  return next === text.length ? undefined : next + 1;
}

/** Where a new statement is written in `body`. */
export type Placement = { before: Statement } | { after: Statement } | 'end';

/**
 * Inserts `code` (one statement, possibly several lines) into `body` and
 * returns the new text of the whole file. The placement is moved down below
 * the last statement declaring a name `code` uses (`const router`), and a
 * placement before the function's `return` never goes above such a
 * declaration either.
 */
export function insertStatement(sf: SourceFile, body: Block, code: string, placement: Placement): string {
  const text = sf.getFullText();
  const statements = body.getStatements();
  const decl = lastDeclarationUsed(statements, code);
  let where = placement;
  if (decl) {
    const anchorIndex = where === 'end' ? statements.length : statements.indexOf('before' in where ? where.before : where.after) + ('before' in where ? 0 : 1);
    if (anchorIndex <= statements.indexOf(decl)) where = { after: decl };
  }
  if (where === 'end') {
    const last = statements.at(-1);
    if (last) where = { after: last };
  }
  let pos: number | undefined;
  let indent: string;
  if (where === 'end') {
    // An empty body: put the line above the closing brace.
    const close = body.getEnd() - 1;
    indent = `${indentationAt(text, body.getStart())}  `;
    const start = lineStart(text, close);
    if (!text.slice(start, close).trim() && start > body.getStart()) pos = start;
    else return splice(text, close, close, `\n${indent}${code}\n${indentationAt(text, body.getStart())}`);
  } else if ('before' in where) {
    pos = lineAbove(text, where.before);
    indent = indentationAt(text, where.before.getStart());
    if (pos !== lineStart(text, pos)) {
      return splice(text, pos, pos, `${reindent(code, indent)}\n${indent}`);
    }
  } else {
    pos = lineBelow(text, where.after);
    indent = indentationAt(text, where.after.getStart());
    if (pos === undefined) return splice(text, where.after.getEnd(), where.after.getEnd(), `\n${indent}${reindent(code, indent)}`);
  }
  return splice(text, pos!, pos!, `${indent}${reindent(code, indent)}\n`);
}

/**
 * Removes statements: the whole line when a statement has it alone (a
 * trailing comment of the user's stays, on its own line), else just the
 * statement. Comments above it are the user's and stay.
 */
export function removeStatements(sf: SourceFile, statements: Statement[]): string {
  let text = sf.getFullText();
  for (const s of [...statements].sort((a, b) => b.getStart() - a.getStart())) {
    const start = s.getStart();
    const end = s.getEnd();
    const from = lineStart(text, start);
    const eol = lineEnd(text, end);
    const before = text.slice(from, start);
    const after = text.slice(end, eol);
    if (!before.trim() && !after.trim()) text = splice(text, from, Math.min(eol + 1, text.length), '');
    else if (!before.trim() && /^\s*(\/\/|\/\*)/.test(after)) text = splice(text, start, end + (after.length - after.trimStart().length), '');
    else text = splice(text, start, end, '');
  }
  return text;
}

/** Lines that must stay first in a file: a shebang, `// @ts-check`, `/// <reference>`. */
const PRAGMA = /^(#!.*|\/\/\s*@ts-(no)?check\b.*|\/\/\/\s*<reference\b.*)$/;

/**
 * Writes an import line above `before` when given (the import of a later
 * feature), else below the last import (after a trailing comment on
 * its line), or, in a file without imports, above the first statement and
 * the comments that describe it, below the pragmas that must stay first.
 */
export function insertImport(sf: SourceFile, code: string, before?: ImportDeclaration): string {
  const text = sf.getFullText();
  if (before) {
    // Above the import of a later feature (and the comments that describe it), as a render orders them.
    const pos = lineAbove(text, before);
    if (pos === lineStart(text, pos)) return splice(text, pos, pos, `${code}\n`);
  }
  const last = sf.getImportDeclarations().at(-1);
  if (last) {
    const pos = lineBelow(text, last);
    return pos === undefined ? splice(text, last.getEnd(), last.getEnd(), `\n${code}`) : splice(text, pos, pos, `${code}\n`);
  }
  let pragmaEnd = 0;
  for (const line of text.split('\n')) {
    if (!PRAGMA.test(line.trim())) break;
    pragmaEnd += line.length + 1;
  }
  pragmaEnd = Math.min(pragmaEnd, text.length);
  const first = sf.getStatements()[0];
  if (!first) return `${splice(text, text.length, text.length, `${text && !text.endsWith('\n') ? '\n' : ''}${code}\n`)}`;
  const pos = Math.max(lineAbove(text, first), pragmaEnd);
  return splice(text, pos, pos, `${code}\n`);
}

function splice(text: string, from: number, to: number, insert: string): string {
  return text.slice(0, from) + insert + text.slice(to);
}

/** Indents the later lines of a multi-line statement by `indent` (the first line is placed by the caller). */
function reindent(code: string, indent: string): string {
  return code
    .trim()
    .split('\n')
    .map((l, i) => (i && l ? indent + l : l))
    .join('\n');
}

/** The last statement of `statements` that declares a name `code` refers to. */
function lastDeclarationUsed(statements: Statement[], code: string): Statement | undefined {
  const used = new Set(code.match(/[A-Za-z_$][\w$]*/g) ?? []);
  let found: Statement | undefined;
  for (const s of statements) if (declaredNames(s).some((n) => used.has(n))) found = s;
  return found;
}

function declaredNames(s: Statement): string[] {
  if (Node.isVariableStatement(s)) {
    return s.getDeclarations().flatMap((d) => {
      const name = d.getNameNode();
      return Node.isIdentifier(name)
        ? [name.getText()]
        : name
            .getDescendants()
            .filter(Node.isIdentifier)
            .map((i) => i.getText());
    });
  }
  if (Node.isFunctionDeclaration(s) || Node.isClassDeclaration(s)) return s.getName() ? [s.getName()!] : [];
  return [];
}
