import { diffIndices } from 'node-diff3';
import { ts } from './ts-morph.js';
import { parseScript } from './script-files.js';

/**
 * The formatting a user gave a whole JavaScript or TypeScript file (four spaces or tabs
 * instead of two, double quotes, no semicolons: Prettier or Biome with the
 * user's own settings), found by comparing it with its merge base, so that
 * a three-way merge can carry it into the lines the new version changed. A
 * user whose formatter rewrites src/app.js touches every line of it; the new
 * version adds a middleware line there. Line by line that is a conflict on
 * every changed line; with the user's formatting applied to the base and to
 * the new version first, the only changes left on the user's side are the
 * user's real edits, and the new line arrives formatted the user's way.
 */
export interface Formatting {
  /** Each indentation of the base to the one the user's file has for it; only those that differ. */
  indentation: Map<string, string>;
  /** The user's strings are in double quotes where the base's were in single ones. */
  doubleQuotes: boolean;
  /** The user ends statements without semicolons. */
  noSemicolons: boolean;
}

const indentOf = (line: string) => /^[ \t]*/.exec(line)![0];
/** A line as the same line whatever its formatting: no indentation, one kind of quote, no final semicolon. */
export const lineKey = (line: string) => line.trim().replace(/;$/, '').replace(/"/g, "'");
const swapQuotes = (line: string) => line.replace(/'/g, '"');

/** How the user formatted `ours` since `base`, judged by the lines whose content neither changed. */
export function findFormatting(ours: string, base: string): Formatting {
  const [a, o] = [ours.split('\n'), base.split('\n')];
  const votes = new Map<string, Map<string, number>>();
  const quotes = { kept: 0, swapped: 0 };
  const semicolons = { kept: 0, dropped: 0 };
  const vote = (before: string, after: string) => {
    if (!before.trim()) return;
    const counts = votes.get(indentOf(before)) ?? new Map<string, number>();
    counts.set(indentOf(after), (counts.get(indentOf(after)) ?? 0) + 1);
    votes.set(indentOf(before), counts);
    // A formatter leaves comments as they are: their apostrophes and full stops say nothing.
    if (/^\s*(\/\/|\/\*|\*)/.test(before)) return;
    const [b, m] = [before.trim().replace(/;$/, ''), after.trim().replace(/;$/, '')];
    if (b.includes("'") && !b.includes('"')) {
      if (m === b) quotes.kept++;
      else if (m === swapQuotes(b)) quotes.swapped++;
    }
    if (before.trimEnd().endsWith(';')) after.trimEnd().endsWith(';') ? semicolons.kept++ : semicolons.dropped++;
  };
  // Between the hunks, base and user's lines pair up one to one.
  let [i, j] = [0, 0];
  for (const h of diffIndices(o.map(lineKey), a.map(lineKey))) {
    const [start, length] = h.buffer1 as [number, number];
    const [mineStart, mineLength] = h.buffer2 as [number, number];
    for (; i < start; i++, j++) vote(o[i], a[j]);
    [i, j] = [start + length, mineStart + mineLength];
  }
  for (; i < o.length; i++, j++) vote(o[i], a[j]);
  const indentation = new Map<string, string>();
  for (const [before, counts] of votes) {
    const [after] = [...counts].sort((x, y) => y[1] - x[1])[0];
    if (after !== before) indentation.set(before, after);
  }
  return { indentation, doubleQuotes: quotes.swapped > quotes.kept, noSemicolons: semicolons.dropped > semicolons.kept };
}

export const isPlain = (f: Formatting) => !f.indentation.size && !f.doubleQuotes && !f.noSemicolons;

/** `text` (the content of `path`, whose name says its language) formatted the user's way. */
export function applyFormatting(text: string, f: Formatting, path = 'file.js'): string {
  if (isPlain(f)) return text;
  return indent(f.doubleQuotes || f.noSemicolons ? rewriteTokens(text, f, path) : text, f.indentation);
}

/**
 * Quotes and semicolons, rewritten where the syntax tree has them (never in
 * a comment or a template literal), the way Prettier does: a string keeps
 * single quotes when it holds a double one; a next line that starts with
 * `(`, `[` or a backtick, which would otherwise continue the statement, starts
 * with the semicolon instead.
 */
function rewriteTokens(text: string, f: Formatting, path: string): string {
  const file = parseScript(path, text);
  // By start: an `if` and the statement it guards end with the same semicolon.
  const edits = new Map<number, { start: number; end: number; to: string }>();
  const visit = (node: ts.Node) => {
    if (f.doubleQuotes && ts.isStringLiteral(node)) {
      const raw = text.slice(node.getStart(file), node.getEnd());
      if (raw.startsWith("'") && !raw.includes('"')) edits.set(node.getStart(file), { start: node.getStart(file), end: node.getEnd(), to: `"${raw.slice(1, -1).replace(/\\'/g, "'")}"` });
    }
    // A member of an interface or a type literal on its own line ends like a statement: Prettier drops its semicolon too.
    if (f.noSemicolons && (ts.isStatement(node) || ts.isClassElement(node) || ts.isTypeElement(node)) && !ts.isBlock(node)) {
      const last = node.getLastToken(file);
      const next = text.slice(node.getEnd()).match(/^[ \t]*(?:\/\/[^\n]*)?\n\s*(.)/);
      if (last?.kind === ts.SyntaxKind.SemicolonToken && (next !== null || /^\s*$/.test(text.slice(node.getEnd())))) {
        edits.set(last.getStart(file), { start: last.getStart(file), end: last.getEnd(), to: '' });
        // A next line starting with `(`, `[` or a backtick would continue this statement: the semicolon starts it instead.
        if (next && /[([`]/.test(next[1])) {
          const at = node.getEnd() + next[0].length - 1;
          edits.set(at, { start: at, end: at, to: ';' });
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  let out = text;
  for (const e of [...edits.values()].sort((x, y) => y.start - x.start)) out = out.slice(0, e.start) + e.to + out.slice(e.end);
  return out;
}

/**
 * Each line's indentation as the user writes it. An indentation the user's
 * file never shows (a new, deeper block) is built from the user's unit when
 * every two spaces of the base became the same unit; otherwise the line
 * keeps its own.
 */
function indent(text: string, map: Map<string, string>): string {
  if (!map.size) return text;
  const unit = steadyUnit(map);
  return text
    .split('\n')
    .map((line) => {
      if (!line.trim()) return line;
      const was = indentOf(line);
      const known = map.get(was);
      if (known !== undefined) return known + line.slice(was.length);
      if (unit === undefined || !/^ *$/.test(was)) return line;
      const rest = ' '.repeat(was.length % 2);
      return unit.repeat(Math.floor(was.length / 2)) + (map.get(rest) ?? rest) + line.slice(was.length);
    })
    .join('\n');
}

/** The text every two spaces of the base became, when all the map's even space indentations agree on one. */
function steadyUnit(map: Map<string, string>): string | undefined {
  let unit: string | undefined;
  for (const [before, after] of map) {
    if (!/^ +$/.test(before) || before.length % 2) continue;
    const levels = before.length / 2;
    if (after.length % levels) return undefined;
    const candidate = after.slice(0, after.length / levels);
    if (candidate.repeat(levels) !== after || (unit !== undefined && unit !== candidate)) return undefined;
    unit = candidate;
  }
  return unit;
}

/**
 * Do two JavaScript (or two TypeScript) texts differ only in formatting (whitespace, semicolons,
 * quotes, trailing commas)? A file the user only ran a formatter over holds
 * nothing of theirs: when this version no longer generates it, it goes like
 * an untouched one instead of staying behind as dead code; and lines of a
 * merge region the user only re-wrapped give way to the new version's.
 * Comments count as content (with their spacing ignored): a user's words are
 * theirs. Works on fragments too; one the parser cannot account for
 * character by character is never called the same.
 */
export function sameCode(x: string, y: string, path = 'file.js'): boolean {
  const [a, b] = [tokens(x, path), tokens(y, path)];
  return a !== undefined && b !== undefined && a.length === b.length && a.every((t, i) => t === b[i]);
}

const CLOSING = new Set([')', ']', '}']);

/** The tokens of the syntax tree, comments among them, as text (a string by its value); undefined when they do not add up to the text. */
function tokens(text: string, path: string): string[] | undefined {
  const file = parseScript(path, text);
  const out: string[] = [];
  let seen = '';
  const visit = (node: ts.Node) => {
    if (node.kind >= ts.SyntaxKind.FirstJSDocNode && node.kind <= ts.SyntaxKind.LastJSDocNode) return;
    const children = node.getChildren(file);
    if (children.length || node.kind === ts.SyntaxKind.SyntaxList) return children.forEach(visit);
    // The comments before it: the end of the last token's line (none at the start of the file, where all are leading), then whole lines.
    const at = node.getFullStart();
    for (const c of [...((at > 0 && ts.getTrailingCommentRanges(text, at)) || []), ...(ts.getLeadingCommentRanges(text, at) ?? [])]) {
      out.push(`comment ${text.slice(c.pos, c.end).replace(/\s+/g, ' ')}`);
      seen += text.slice(c.pos, c.end);
    }
    seen += node.getText(file);
    if (node.kind === ts.SyntaxKind.SemicolonToken || node.kind === ts.SyntaxKind.EndOfFileToken) return;
    out.push(ts.isStringLiteral(node) ? `string ${JSON.stringify(node.text)}` : node.getText(file));
  };
  visit(file);
  // Error recovery may step over a character; then the tokens do not say what the text is.
  if (seen.replace(/\s+/g, '') !== text.replace(/\s+/g, '')) return undefined;
  return out.filter((t, i) => t !== ',' || !CLOSING.has(out[i + 1]));
}
