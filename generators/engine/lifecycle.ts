import { mkdirSync, renameSync, rmSync, writeFileSync, existsSync, chmodSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Answers, Contribution } from '../types.js';
import { transition } from './compose.js';
import { CLIError, EditError } from './errors.js';
import { merge3, type ConflictStyle } from './merge.js';
import { featuresOf, registrySlots, render } from './render.js';
import { BASE_DIR, isRecord, withRecords } from './records.js';
import type { Project } from './project.js';
import type { Tree } from './tree.js';

/** What happens to one file. */
export type Action =
  | 'create' // new file
  | 'update' // replaced: the user had not changed it
  | 'merge' // user's and generator's changes combined cleanly
  | 'conflict' // both changed the same lines: markers left (or resolved by --conflict)
  | 'delete' // no longer generated, unchanged by the user
  | 'keep' // no longer generated (or a removed feature's file) but changed by the user: kept
  | 'deleted-by-user' // the user deleted it: stays deleted
  | 'edit'; // structural edits of an added/removed feature applied to the user's file

export interface PlanEntry {
  path: string;
  action: Action;
  /** Content on disk now (undefined: absent). */
  before?: string;
  /** Content after the plan (undefined: absent). */
  after?: string;
  /** Conflicting regions left in `after`. */
  conflicts?: number;
  note?: string;
}

export interface Plan {
  answers: Answers;
  entries: PlanEntry[];
  /** Files and records to write (path -> content) and paths to delete (null). */
  writes: Map<string, string | null>;
  conflicts: number;
}

export interface PlanOptions {
  conflict?: ConflictStyle;
  restoreDeleted?: boolean;
}

/**
 * Brings a project from its recorded answers to `answers` (same or changed)
 * with the current generator, without losing an edit of the user.
 * Features that come or go are applied to the user's files structurally
 * (ts-morph edits); every other file is merged three ways: base (the
 * pristine render recorded in the project), the user's file, the new render.
 */
export async function planUpdate(project: Project, answers: Answers, options: PlanOptions = {}): Promise<Plan> {
  const style = options.conflict ?? 'markers';
  const oldFeatures = featuresOf(project.manifest.answers);
  const newFeatures = featuresOf(answers);
  const oldIds = new Set(oldFeatures.map((f) => f.id));
  const newIds = new Set(newFeatures.map((f) => f.id));
  const added = newFeatures.filter((f) => !oldIds.has(f.id));
  const removed = oldFeatures.filter((f) => !newIds.has(f.id));

  const rendered = await render(answers);
  const edited = structuralEdits(project, added, removed, project.manifest.answers, answers);
  const removedFiles = new Set(Object.entries(project.files).filter(([, r]) => removed.some((f) => f.id === r.feature)).map(([p]) => p));

  const entries: PlanEntry[] = [];
  const paths = new Set([...project.base.keys(), ...rendered.keys(), ...edited.keys()]);
  for (const path of [...paths].sort()) {
    if (isRecord(path)) continue;
    const entry = planFile(path, project, rendered, edited, removedFiles, style, options.restoreDeleted === true);
    if (entry) entries.push(entry);
  }

  const writes = new Map<string, string | null>();
  for (const e of entries) if (e.before !== e.after) writes.set(e.path, e.after ?? null);
  // The new merge base is the pristine render; replace the old records whole.
  for (const path of project.base.keys()) if (!rendered.has(path)) writes.set(`${BASE_DIR}/${path}`, null);
  for (const [path, content] of withRecords(rendered, answers)) if (isRecord(path)) writes.set(path, content);
  return { answers, entries, writes, conflicts: entries.reduce((n, e) => n + (e.conflicts ?? 0), 0) };
}

/**
 * Changes each file the added and removed features edit with one
 * `transition` (removed features' edits reverted, added ones applied, the
 * edits both share kept as the user has them) in the user's current file.
 */
function structuralEdits(project: Project, added: Contribution[], removed: Contribution[], oldAnswers: Answers, newAnswers: Answers): Map<string, string> {
  const out = new Map<string, string>();
  const slots = registrySlots(newAnswers);
  const removedEdits = removed.flatMap((f) => f.edits?.(oldAnswers) ?? []);
  const addedEdits = added.flatMap((f) => f.edits?.(newAnswers) ?? []);
  for (const file of new Set([...removedEdits, ...addedEdits].map((e) => e.file))) {
    const text = project.current(file);
    if (text === undefined) throw new CLIError(`${file} is missing: features register themselves there; restore it first`, 'E_MISSING');
    try {
      out.set(file, transition(text, file, removedEdits, addedEdits, slots));
    } catch (err) {
      // The user's file no longer has the place a feature hooks into, or still uses what would go: say where, change nothing.
      if (err instanceof EditError) throw new CLIError(`cannot apply the change to your ${err.message}`, 'E_ANCHOR');
      throw err;
    }
  }
  return out;
}

function planFile(
  path: string,
  project: Project,
  rendered: Tree,
  edited: Map<string, string>,
  removedFiles: Set<string>,
  style: ConflictStyle,
  restoreDeleted: boolean,
): PlanEntry | undefined {
  const before = project.current(path);
  const base = project.base.get(path);
  const next = rendered.get(path);
  const record = project.files[path];

  if (edited.has(path)) {
    const after = edited.get(path)!;
    return before === after ? undefined : { path, action: 'edit', before, after };
  }
  if (!next) {
    if (before === undefined) return undefined;
    const unchanged = base !== undefined && before === base;
    if (unchanged) return { path, action: 'delete', before, after: undefined };
    const note = removedFiles.has(path) ? 'changed by you: kept, remove it by hand if unused' : 'no longer generated, changed by you: kept';
    return { path, action: 'keep', before, after: before, note };
  }
  if (before === undefined) {
    if (base !== undefined && !restoreDeleted) return { path, action: 'deleted-by-user', note: 'you deleted it: left deleted (--restore-deleted brings it back)' };
    return { path, action: 'create', after: next.content };
  }
  // Files the user owns (examples) are written once and never touched again.
  if ((record?.policy ?? next.policy) === 'user' && base !== undefined) return undefined;
  if (before === next.content) return undefined;
  if (base !== undefined && before === base) return { path, action: 'update', before, after: next.content };
  const merged = merge3(before, base ?? '', next.content, style, path);
  if (merged.content === before) return undefined;
  const conflicted = merged.conflicts > 0;
  const markers = style === 'markers' ? merged.conflicts : 0;
  return { path, action: conflicted ? 'conflict' : 'merge', before, after: merged.content, conflicts: markers, note: conflicted && !markers ? `resolved as ${style}` : undefined };
}

/**
 * Writes a plan all or nothing: every new content goes to a temporary file
 * beside its target first; only when all of them are written are they
 * renamed into place and deletions done. A failure before that leaves the
 * project exactly as it was.
 */
export function applyPlan(root: string, writes: Map<string, string | null>): void {
  const staged: [string, string][] = [];
  const suffix = `.nodeserver-tmp-${randomBytes(4).toString('hex')}`;
  try {
    for (const [path, content] of writes) {
      if (content === null) continue;
      const full = join(root, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full + suffix, content);
      if (existsSync(full)) chmodSync(full + suffix, statSync(full).mode);
      else if (path === 'start.sh') chmodSync(full + suffix, 0o755);
      staged.push([full + suffix, full]);
    }
  } catch (err) {
    for (const [temp] of staged) rmSync(temp, { force: true });
    throw err;
  }
  for (const [temp, full] of staged) renameSync(temp, full);
  for (const [path, content] of writes) if (content === null) rmSync(join(root, path), { force: true });
}
