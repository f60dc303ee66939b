import { diff3Merge } from 'node-diff3';

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

/**
 * Three-way merge of a file, line by line (node-diff3). `ours` is the user's
 * file, `base` the pristine render it started from, `theirs` the new render.
 * Changes on one side only are taken; changes of both sides to the same lines
 * are conflicts, written as diff3-style markers that include the base section
 * (like `git merge -X diff3`), or resolved to one side with `ours`/`theirs`.
 */
export function merge3(ours: string, base: string, theirs: string, style: ConflictStyle = 'markers', path = 'file'): MergeResult {
  if (ours === theirs) return { content: ours, conflicts: 0 };
  if (ours === base) return { content: theirs, conflicts: 0 };
  if (theirs === base) return { content: ours, conflicts: 0 };
  const blocks = diff3Merge(lines(ours), lines(base), lines(theirs), { excludeFalseConflicts: true }) as Block[];
  const out: string[] = [];
  let conflicts = 0;
  for (const block of blocks) {
    if (block.ok) {
      out.push(...block.ok);
      continue;
    }
    const { a, o, b } = block.conflict!;
    conflicts++;
    if (style === 'ours') out.push(...a);
    else if (style === 'theirs') out.push(...b);
    else {
      out.push(`<<<<<<< yours (${path})`, ...a, '||||||| base (as generated before)', ...o, '=======', ...b, '>>>>>>> new (this generator version)');
    }
  }
  return { content: out.join('\n'), conflicts };
}

/** Splits keeping a final newline as an empty last line, so joining restores it. */
function lines(text: string): string[] {
  return text.split('\n');
}
