import { posix } from 'node:path';
import type { Content } from './content.js';
import type { Tree } from './tree.js';

/**
 * A generated file this version renders under another name. A project made
 * before has the old file, and its modules (the user's own among them)
 * import it by that name: the lifecycle moves the user's file with its
 * edits to the new name and points every import of the old path at the new
 * one, so an upgrade neither keeps a stale copy alive nor leaves an import
 * of a file that is gone.
 */
export interface Move {
  from: string;
  to: string;
}

export const MOVES: readonly Move[] = [
  // 0.3.0: the request pipeline was src/lib/app.js, too easily taken for the composition root src/app.js.
  { from: 'src/lib/app.js', to: 'src/lib/pipeline.js' },
  { from: 'test/app.test.js', to: 'test/pipeline.test.js' },
];

/**
 * The moves a plan makes: the project's recorded render has `from`, the new
 * render has `to` instead, and nothing of the user's is at `to` already (a
 * file of theirs there is theirs: no move, the usual rules apply).
 */
export function movesFor(base: Map<string, Content>, rendered: Tree, exists: (path: string) => boolean, table: readonly Move[] = MOVES): Move[] {
  return table.filter((m) => base.has(m.from) && !base.has(m.to) && rendered.has(m.to) && !rendered.has(m.from) && !exists(m.to));
}

// `from '...'`, `import('...')` (also in JSDoc types) and `import '...'`, relative specifiers only.
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s*)(['"])(\.{1,2}\/[^'"\n]+)\2/g;

/**
 * `text` of the module at `path` with every relative import of a moved file
 * naming its new path. `from` is where the text was written (the old path
 * of a moved file itself): its specifiers are resolved from there and
 * written relative to `path`.
 */
export function moveImports(path: string, text: string, moves: readonly Move[], from = path): string {
  if (!moves.length && from === path) return text;
  return text.replace(SPECIFIER, (whole, lead: string, quote: string, spec: string) => {
    const target = posix.normalize(posix.join(posix.dirname(from), spec));
    const moved = moves.find((m) => m.from === target)?.to;
    if (!moved && from === path) return whole;
    let next = posix.relative(posix.dirname(path), moved ?? target);
    if (!next.startsWith('.')) next = `./${next}`;
    return `${lead}${quote}${next}${quote}`;
  });
}
