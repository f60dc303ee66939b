import { diff3Merge, diffComm, diffIndices } from 'node-diff3';
import { extname, basename } from 'node:path';
import { keepEols, toLf } from './content.js';
import { applyFormatting, findFormatting, isPlain, sameCode } from './formatting.js';
import { applyRenames, findRenames } from './renames.js';
import { isScript } from './script-files.js';

export type ConflictStyle = 'markers' | 'ours' | 'theirs';

export interface MergeResult {
  content: string;
  /** Regions both sides changed; left as markers only with the `markers` style. */
  conflicts: number;
}

interface Block {
  ok?: string[];
  conflict?: { a: string[]; o: string[]; b: string[] };
}

/** The marker lines; `check` looks for the first one. */
export const MARKER_START = '<<<<<<< yours';

/**
 * Three-way merge of a text file, line by line (node-diff3). `ours` is the
 * user's file, `base` the pristine render it started from, `theirs` the new
 * render. Changes on one side only are taken; changes of both sides to the
 * same lines are conflicts, written as diff3-style markers that include the
 * base section (like `git merge -X diff3`), or decided line by line with
 * `ours`/`theirs`: only the lines that really differ are decided, every line
 * both sides share is kept. Line endings are not content: the sides are
 * merged as LF and the result takes the user's line ending.
 *
 * One kind of region diff3 calls a conflict is not one: comment lines one
 * side inserted right next to the other side's change (see placeComments).
 * In JavaScript and TypeScript, what the user did to the whole file (formatted it with
 * other settings, renamed a binding throughout) is carried into the base and
 * the new version when that leaves fewer conflicts (formatting.ts, renames.ts).
 */
export function merge3(ours: string, base: string, theirs: string, style: ConflictStyle = 'markers', path = 'file'): MergeResult {
  const [a, o, b] = [toLf(ours), toLf(base), toLf(theirs)];
  if (a === b) return { content: ours, conflicts: 0 };
  if (a === o) return { content: keepEols(ours, b), conflicts: 0 };
  if (b === o) return { content: ours, conflicts: 0 };
  if (!isScript(path)) {
    const plain = mergeLines(a, o, b, style, path);
    return { content: keepEols(ours, plain.content), conflicts: plain.conflicts };
  }
  // What the user did to the whole file explains many changed lines: a formatter's settings, renames.
  // Carried into the base and the new version first, they stop being conflicts; and the new version's
  // lines arrive in the user's style, so that merge wins a tie.
  let best: { content: string; conflicts: number } | undefined;
  const consider = (base: string, theirs: string) => {
    const r = mergeLines(a, base, theirs, style, path);
    if (!best || r.conflicts < best.conflicts) best = r;
  };
  const formatting = findFormatting(a, o);
  if (!isPlain(formatting)) consider(applyFormatting(o, formatting, path), applyFormatting(b, formatting, path));
  consider(o, b);
  const renames = best!.conflicts ? findRenames(a, o, path) : new Map();
  if (renames.size) {
    const [renamedBase, renamedTheirs] = [applyRenames(o, renames, path), applyRenames(b, renames, path)];
    const both = findFormatting(a, renamedBase);
    if (!isPlain(both)) consider(applyFormatting(renamedBase, both, path), applyFormatting(renamedTheirs, both, path));
    consider(renamedBase, renamedTheirs);
  }
  return { content: keepEols(ours, best!.content), conflicts: best!.conflicts };
}

/** The line merge of LF texts (see merge3). */
function mergeLines(a: string, o: string, b: string, style: ConflictStyle, path: string): { content: string; conflicts: number } {
  const blocks = diff3Merge(lines(a), lines(o), lines(b), { excludeFalseConflicts: true }) as Block[];
  const out: string[] = [];
  let conflicts = 0;
  for (const block of blocks) {
    if (block.ok) {
      out.push(...block.ok);
      continue;
    }
    const conflict = block.conflict!;
    const placed = agreedEdge(conflict.a, conflict.o, conflict.b) ?? placeComments(conflict.a, conflict.o, conflict.b, commentLine(path));
    if (placed) {
      out.push(...placed);
      continue;
    }
    // One side only re-wrapped or restyled these lines (its formatter): the other side's change is the change.
    if (isScript(path) && conflict.a.length && conflict.b.length) {
      if (sameCode(conflict.a.join('\n'), conflict.o.join('\n'), path)) {
        out.push(...conflict.b);
        continue;
      }
      if (sameCode(conflict.b.join('\n'), conflict.o.join('\n'), path)) {
        out.push(...conflict.a);
        continue;
      }
    }
    conflicts++;
    if (style === 'markers') {
      out.push(`${MARKER_START} (${path})`, ...conflict.a, '||||||| base (as generated before)', ...conflict.o, '=======', ...conflict.b, '>>>>>>> new (this generator version)');
      continue;
    }
    // Within the region, lines both sides have stay; only where they differ does the style decide.
    for (const part of diffComm(conflict.a, conflict.b)) {
      if (part.common) out.push(...part.common);
      else out.push(...(style === 'ours' ? (part.buffer1 ?? []) : (part.buffer2 ?? [])));
    }
  }
  return { content: out.join('\n'), conflicts };
}

/**
 * A region both sides begin, or end, with the same new lines: the same call
 * re-wrapped by the user's formatter and by the new version's, next to lines
 * only one side changed. diff3 sees one region both sides changed; the lines
 * both wrote are no one's side. They are taken once, and the rest merges as
 * usual when that gives one answer whatever base lines the shared lines
 * replaced. Returns the merged region, or undefined.
 */
function agreedEdge(a: string[], o: string[], b: string[]): string[] | undefined {
  const fromStart = agreedPrefix(a, o, b);
  if (fromStart) return fromStart;
  return agreedPrefix([...a].reverse(), [...o].reverse(), [...b].reverse())?.reverse();
}

function agreedPrefix(a: string[], o: string[], b: string[]): string[] | undefined {
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  if (p === 0) return undefined;
  const same = (x: string[], y: string[]) => x.length === y.length && x.every((l, i) => l === y[i]);
  // The shared lines replaced the first k base lines, for some k: what is left of each side merges if
  // one side kept it. The likeliest k explains the most lines as kept; two answers there are a conflict.
  let answers = new Map<string, string[]>();
  let kept = -1;
  for (let k = 0; k <= o.length; k++) {
    const [restA, restO, restB] = [a.slice(p), o.slice(k), b.slice(p)];
    const rest = same(restA, restO) ? restB : same(restB, restO) || same(restA, restB) ? restA : undefined;
    if (!rest) continue;
    const score = same(restA, restO) || same(restB, restO) ? restO.length : 0;
    if (score > kept) [answers, kept] = [new Map(), score];
    if (score === kept) answers.set(rest.join('\n'), [...a.slice(0, p), ...rest]);
  }
  return answers.size === 1 ? [...answers.values()][0] : undefined;
}

interface Hunk {
  /** The base lines [start, end) this side replaced; start === end for an insertion. */
  start: number;
  end: number;
  lines: string[];
  /** An insertion of comment lines only (blank lines allowed, at least one comment). */
  comment: boolean;
  ours: boolean;
  /** The other side's comments written over lines this hunk rewrote. */
  inner: Hunk[];
}

/**
 * Like git, diff3 calls changes of the two sides that merely touch a
 * conflict: a line one side inserted right above or below a line the other
 * side changed, or both sides inserting at the same place, has no certain
 * order. A comment has one: it describes the line below it. So when every
 * touching pair within a region has an inserted comment on one side, the
 * comment goes directly above the line it was written over: above the other
 * side's replacement of that line, or below the other side's insertion at
 * the same place. A comment written over a line the other side rewrote goes
 * above the rewritten line most like it (above the whole rewrite when none
 * is). This keeps a user's note above `import` or `export function` when
 * the new version changes that very line. Returns the merged region, or
 * undefined when the sides really overlap, code touches code, or a comment
 * was written over lines the other side deleted.
 */
function placeComments(a: string[], o: string[], b: string[], isComment: (line: string) => boolean): string[] | undefined {
  const hunks = (mine: string[], ours: boolean): Hunk[] =>
    diffIndices(o, mine).map((h) => {
      const [start, length] = h.buffer1 as [number, number];
      const lines = h.buffer2Content as string[];
      const comment = length === 0 && lines.some((l) => l.trim() !== '') && lines.every((l) => l.trim() === '' || isComment(l));
      return { start, end: start + length, lines, comment, ours, inner: [] };
    });
  // At one place: a replacement after the insertions above it; of two
  // insertions the comment goes last (nearest its line), the user's nearest of two comments.
  const rank = (h: Hunk) => (h.start < h.end ? 3 : h.comment ? (h.ours ? 2 : 1) : 0);
  const all = [...hunks(a, true), ...hunks(b, false)].sort((x, y) => x.start - y.start || rank(x) - rank(y));
  const within = new Set<Hunk>();
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const [x, y] = [all[i], all[j]];
      if (x.ours === y.ours) continue;
      if (x.start < y.end && y.start < x.end) {
        const [comment, rewrite] = x.comment ? [x, y] : [y, x];
        if (!comment.comment || !rewrite.lines.length) return undefined;
        rewrite.inner.push(comment);
        within.add(comment);
        continue;
      }
      const touch = x.end === y.start || y.end === x.start || (x.start === y.start && x.end === y.end);
      if (touch && !x.comment && !y.comment) return undefined;
      // A comment over a line the other side deleted would describe the wrong line.
      const [comment, other] = x.comment ? [x, y] : [y, x];
      if (touch && comment.start === other.start && other.start < other.end && !other.lines.length) return undefined;
    }
  }
  const out: string[] = [];
  let at = 0;
  for (const h of all) {
    if (within.has(h)) continue;
    out.push(...o.slice(at, h.start), ...withInner(h, o));
    at = h.end;
  }
  out.push(...o.slice(at));
  return out;
}

/** A rewrite's lines with the comments written over the lines it replaced, each above the new line most like its old one. */
function withInner(rewrite: Hunk, o: string[]): string[] {
  const above = new Map<number, string[]>();
  for (const comment of rewrite.inner) {
    const described = words(o[comment.start]);
    let best = 0;
    let score = 0;
    rewrite.lines.forEach((line, i) => {
      const s = likeness(described, words(line));
      if (s > score) [best, score] = [i, s];
    });
    const at = score >= 0.5 ? best : 0;
    above.set(at, [...(above.get(at) ?? []), ...comment.lines]);
  }
  return rewrite.lines.flatMap((line, i) => [...(above.get(i) ?? []), line]);
}

const words = (line: string) => new Set(line.split(/\W+/).filter(Boolean));

/** Dice coefficient of two lines' words: 1 for the same words, 0 for none shared. */
function likeness(x: Set<string>, y: Set<string>): number {
  if (!x.size || !y.size) return 0;
  let shared = 0;
  for (const w of x) if (y.has(w)) shared++;
  return (2 * shared) / (x.size + y.size);
}

/** Files whose comments start with `#` rather than `//` or `/*`. */
const HASH_COMMENTS = new Set(['.sh', '.conf', '.yml', '.yaml', '.service', '.env', '.gitignore', '.npmrc', '.dockerignore', '.toml']);

/** What a comment line looks like in the file at `path`. */
function commentLine(path: string): (line: string) => boolean {
  const name = basename(path);
  const hash = HASH_COMMENTS.has(extname(name) || name) || name === 'Dockerfile' || name === '_gitignore';
  return hash ? (line) => /^\s*#/.test(line) : (line) => /^\s*(\/\/|\/\*|\*)/.test(line);
}

/** Does a text hold a conflict left by a merge (a line starting with the markers)? */
export function hasConflictMarkers(text: string): boolean {
  return /^<{7} /m.test(text) && /^>{7} /m.test(text);
}

/** Splits keeping a final newline as an empty last line, so joining restores it. */
function lines(text: string): string[] {
  return text.split('\n');
}
