import type { Content } from './content.js';

/** Who keeps a file up to date: the generator (merged on regenerate) or the user (written once). */
export type Policy = 'generated' | 'user';

export interface TreeFile {
  /** Text, or bytes for binary files (copied as they are, never merged). */
  content: Content;
  /** Id of the feature whose template wrote it. */
  feature: string;
  policy: Policy;
}

/** A rendered project in memory: project-relative POSIX path -> file. */
export type Tree = Map<string, TreeFile>;

/** The tree's paths in a stable order (for output, hashing and tests). */
export function sortedPaths(tree: Tree | Map<string, unknown>): string[] {
  return [...tree.keys()].sort();
}
