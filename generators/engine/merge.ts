import { diff3Merge, diffComm } from 'node-diff3';
import { eolOf, toLf, withEol } from './content.js';

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
 */
export function merge3(ours: string, base: string, theirs: string, style: ConflictStyle = 'markers', path = 'file'): MergeResult {
  const eol = eolOf(ours);
  const [a, o, b] = [toLf(ours), toLf(base), toLf(theirs)];
  if (a === b) return { content: ours, conflicts: 0 };
  if (a === o) return { content: withEol(b, eol), conflicts: 0 };
  if (b === o) return { content: ours, conflicts: 0 };
  const blocks = diff3Merge(lines(a), lines(o), lines(b), { excludeFalseConflicts: true }) as Block[];
  const out: string[] = [];
  let conflicts = 0;
  for (const block of blocks) {
    if (block.ok) {
      out.push(...block.ok);
      continue;
    }
    const conflict = block.conflict!;
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
  return { content: withEol(out.join('\n'), eol), conflicts };
}

/** Does a text hold a conflict left by a merge (a line starting with the markers)? */
export function hasConflictMarkers(text: string): boolean {
  return /^<{7} /m.test(text) && /^>{7} /m.test(text);
}

/** Splits keeping a final newline as an empty last line, so joining restores it. */
function lines(text: string): string[] {
  return text.split('\n');
}
