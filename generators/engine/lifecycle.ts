import { readdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { featureEdits, featuresOf, support } from '../registry.js';
import type { Answers, Feature } from '../types.js';
import { transition } from './compose.js';
import { decodeText, isBytes, keepEols, sameContent, toLf, type Content } from './content.js';
import { CLIError, EditError } from './errors.js';
import { sameCode } from './formatting.js';
import { hasConflictMarkers, merge3, type ConflictStyle } from './merge.js';
import { moveImports, movesFor, type Move } from './moves.js';
import { textOf, type Project } from './project.js';
import { registrySlots, render } from './render.js';
import { hash, isRecord, recordChanges, type KeptRecords } from './records.js';
import { isScript } from './script-files.js';
import { commit } from './transaction.js';
import type { Tree } from './tree.js';
import { affectedFiles, isCheckedFile, typecheck } from './typecheck.js';
import { VERSION } from './version.js';

/** What happens to one file. */
export type Action =
  | 'create' // new file
  | 'update' // replaced: the user had not changed it
  | 'merge' // user's and generator's changes combined cleanly
  | 'conflict' // both changed the same lines: markers left (or decided by --conflict)
  | 'delete' // no longer generated, unchanged by the user
  | 'keep' // no longer generated (or a removed feature's file) but changed by the user: kept
  | 'deleted-by-user' // the user deleted it: stays deleted
  | 'skip' // listed in "skip": the user's, never updated
  | 'edit'; // structural edits of an added/removed feature applied to the user's file

export interface PlanEntry {
  path: string;
  action: Action;
  /** Content on disk now (undefined: absent). */
  before?: Content;
  /** Content after the plan (undefined: absent). */
  after?: Content;
  /** Conflicting regions left in `after`. */
  conflicts?: number;
  note?: string;
}

export interface Plan {
  answers: Answers;
  entries: PlanEntry[];
  /** Files and records to write (path -> content) and paths to delete (null); only real changes. */
  writes: Map<string, Content | null>;
  conflicts: number;
  /** The new answers' pristine render, when the plan made one (add, remove, regenerate). */
  rendered?: Tree;
}

export interface PlanOptions {
  conflict?: ConflictStyle;
  restoreDeleted?: boolean;
}

/**
 * Brings a project from its recorded answers to `answers` (same or changed)
 * with the current generator, without losing an edit of the user.
 * Features that come or go are applied to the user's files structurally
 * (ts-morph edits), and every file is merged three ways: base (the pristine
 * render recorded in the project), the user's file, the new render. A file
 * that got structural edits is merged against its base with the same edits
 * applied, so upstream changes of a newer generator arrive in it too.
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
  const moves = movesFor(project.base, rendered, (path) => project.current(path) !== undefined || project.skipped(path)).filter((m) => !project.skipped(m.from));
  // The user's texts as read: an edited file keeps their line breaks.
  const originals = new Map<string, string>();
  const current = (path: string): string | undefined => {
    const bytes = project.current(path);
    if (bytes === undefined) return undefined;
    if (project.skipped(path)) {
      throw new CLIError(`${path} is in "skip" of nodeserver.json, but this change must edit it: take it out of "skip", or make the change by hand`, 'E_SKIPPED');
    }
    const text = textOf(path, bytes);
    originals.set(path, text);
    return moveImports(path, toLf(text), moves);
  };
  const { edited, editedBase } = editsInPlace(project, added, removed, answers, current, moves) ?? (await upgradeThenEdit(project, added, removed, answers, current, moves));
  const ctx: FileContext = {
    project,
    rendered,
    edited,
    editedBase,
    originals,
    style,
    restoreDeleted: options.restoreDeleted === true,
    added: new Set(added.map((f) => f.id)),
    moves,
    userFeatures: new Set(
      Object.values(project.files)
        .filter((r) => r.policy === 'user')
        .map((r) => r.feature),
    ),
  };
  const removedFeatures = new Set(removed.map((f) => f.id));
  ctx.removedFiles = new Set(
    Object.entries(project.files)
      .filter(([, r]) => removedFeatures.has(r.feature))
      .map(([p]) => p),
  );

  const entries: PlanEntry[] = [];
  const extra = new Map<string, Content>();
  const paths = new Set([...project.base.keys(), ...rendered.keys(), ...edited.keys()]);
  for (const path of [...paths].sort()) {
    if (isRecord(path)) continue;
    const entry = planFile(path, ctx, extra);
    if (entry) entries.push(entry);
  }

  const { kept, bases } = relinkImports(entries, project, moves);
  keepImported(entries, project);
  const writes = new Map<string, Content | null>();
  for (const e of entries) if (!sameContent(e.before, e.after)) writes.set(e.path, e.after ?? null);
  for (const [path, content] of extra) writes.set(path, content);
  // The new merge base is the pristine render; replace the old records whole.
  for (const [path, content] of recordChanges(recordedTree(rendered, project, ctx.added, writes, entries, bases), answers, kept, project.base.keys())) writes.set(path, content);
  // Only real changes: a command with nothing to do leaves every file (and its mtime) alone.
  for (const [path, content] of [...writes]) {
    const now = project.current(path);
    if (content === null ? now === undefined : now !== undefined && sameContent(now, content)) writes.delete(path);
  }
  return {
    answers,
    entries: entries.filter((e) => !sameContent(e.before, e.after) || e.action === 'deleted-by-user' || e.action === 'keep' || e.action === 'skip'),
    writes,
    conflicts: entries.reduce((n, e) => n + (e.conflicts ?? 0), 0),
    rendered,
  };
}

/**
 * What the records say was generated. A user's file the plan does not write
 * keeps the base it had (what the generator last wrote into it), so that it
 * is not taken for changed by the user; one that was never written is not
 * recorded at all. A file the user changed that this render no longer has
 * (kept) keeps its record too: a feature that brings the file back later
 * merges into the user's version three ways instead of finding a stranger.
 */
function recordedTree(rendered: Tree, project: Project, added: Set<string>, writes: Map<string, Content | null>, entries: PlanEntry[], relinked: Map<string, Content>): Tree {
  const out: Tree = new Map(rendered);
  for (const e of entries) {
    const [old, record] = [relinked.get(e.path) ?? project.base.get(e.path), project.files[e.path]];
    if (e.action === 'keep' && !rendered.has(e.path) && old !== undefined && record) out.set(e.path, { content: old, feature: record.feature, policy: record.policy });
  }
  for (const [path, file] of rendered) {
    // An example whose only change is an import of a moved file: its base gets the same change (relinkImports).
    const base = relinked.get(path);
    if (file.policy === 'user' && !added.has(file.feature) && base !== undefined) {
      out.set(path, { ...file, content: base });
      continue;
    }
    if (file.policy !== 'user' || added.has(file.feature) || writes.has(path)) continue;
    const old = project.base.get(path);
    if (old === undefined) out.delete(path);
    else out.set(path, { ...file, content: old });
  }
  return out;
}

/**
 * A file that stays must not lose the modules it imports: a deletion of one
 * of them becomes a keep, repeated until nothing that stays imports anything
 * deleted. A file the user changed and that is kept keeps everything it
 * imports. Any other file that stays (the user's own modules, the files the
 * plan writes or leaves alone) keeps the modules nobody chose to remove: a
 * support feature's (it goes with the last feature that needs it, e.g.
 * src/lib/cookies.js) and the base's that a newer generator no longer renders.
 * A module of a feature the user removes is not kept for them: the type
 * check refuses that plan and names the importing line.
 */
function keepImported(entries: PlanEntry[], project: Project): void {
  const unchosen = new Set(['base', ...support.map((f) => f.id)]);
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const staying: { path: string; content: Content }[] = [];
  for (const path of walkProject(project.root)) {
    if (byPath.has(path) || !isCheckedFile(path)) continue;
    const content = project.current(path);
    if (content !== undefined) staying.push({ path, content });
  }
  const seen = new Set<string>();
  const todo = [...staying, ...entries.filter((e) => e.action !== 'delete' && e.after !== undefined).map((e) => ({ path: e.path, content: e.after! }))];
  while (todo.length) {
    const { path, content } = todo.pop()!;
    if (seen.has(path) || !isCheckedFile(path)) continue;
    seen.add(path);
    const text = typeof content === 'string' ? content : decodeText(content);
    if (text === undefined) continue;
    for (const target of relativeImports(path, text)) {
      const dep = byPath.get(target);
      if (dep?.action !== 'delete' || dep.before === undefined) continue;
      if (byPath.get(path)?.action !== 'keep' && !unchosen.has(project.files[target]?.feature ?? '')) continue;
      Object.assign(dep, { action: 'keep', after: dep.before, note: `still imported by ${path}: kept` });
      todo.push({ path: dep.path, content: dep.before });
    }
  }
}

/** Project paths of the relative modules a file imports (`./x.js`, `../lib/y.ts`, `import type` too). */
function relativeImports(from: string, text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
    out.push(posix.normalize(posix.join(posix.dirname(from), match[1])));
  }
  return out;
}

/**
 * The edits applied to the user's files as they are, and to their merge
 * base (undefined when the base cannot take them). Undefined when a project
 * of an older generator needs its files upgraded first (upgradeThenEdit).
 */
function editsInPlace(project: Project, added: Feature[], removed: Feature[], answers: Answers, current: (path: string) => string | undefined, moves: Move[]) {
  const older = project.manifest.version !== VERSION;
  let edited: Map<string, string>;
  try {
    edited = structuralEdits(current, added, removed, project.manifest.answers, answers);
  } catch (err) {
    // An older project may lack the place a feature hooks into, or the whole file, because this version introduced it.
    if (older && err instanceof CLIError && (err.code === 'E_ANCHOR' || err.code === 'E_MISSING')) return undefined;
    throw err;
  }
  let editedBase: Map<string, string> | undefined;
  try {
    editedBase = structuralEdits(
      (path) => {
        const text = project.base.get(path);
        return typeof text === 'string' ? moveImports(path, toLf(text), moves) : undefined;
      },
      added,
      removed,
      project.manifest.answers,
      answers,
    );
  } catch {
    editedBase = undefined;
  }
  if (older && !editedBase && edited.size) return undefined;
  return { edited, editedBase };
}

/**
 * The edits of an add or remove on a project of an older generator whose
 * files lack a place this version's features hook into (an extension point
 * this version introduced): each file the edits touch is first brought to
 * this version (the user's file merged with this version's render of the
 * project's answers), then edited; the merge base gets the same edits. A
 * file whose upgrade would conflict refuses the whole command, so the user
 * resolves the upgrade with `regenerate` first.
 */
async function upgradeThenEdit(project: Project, added: Feature[], removed: Feature[], answers: Answers, current: (path: string) => string | undefined, moves: Move[]) {
  const upgradedBase = await render(project.manifest.answers);
  const baseText = (path: string) => {
    const content = upgradedBase.get(path)?.content;
    return typeof content === 'string' ? content : undefined;
  };
  const refuse = (path: string) =>
    new CLIError(
      `your ${path} predates this version (${project.manifest.version}) and its upgrade needs your decision: run create-nodeserver regenerate first, then this command`,
      'E_UPGRADE',
    );
  const upgraded = (path: string): string | undefined => {
    const mine = current(path);
    const theirs = baseText(path);
    const base = project.base.get(path);
    // A file this version brings that the project never had: its new text is the starting point.
    if (mine === undefined) return base === undefined ? theirs : undefined;
    if (theirs === undefined || typeof base !== 'string') return mine;
    const merged = merge3(mine, moveImports(path, toLf(base), moves), theirs, 'markers', path);
    if (merged.conflicts) throw refuse(path);
    return merged.content;
  };
  return {
    edited: structuralEdits(upgraded, added, removed, project.manifest.answers, answers),
    editedBase: structuralEdits(baseText, added, removed, project.manifest.answers, answers),
  };
}

/**
 * The added and removed features' edits, file by file (`transition`): a
 * switch within a group keeps the user's values and comments, shared edits
 * stay where the user has them. Texts come from `read` (LF).
 */
function structuralEdits(read: (path: string) => string | undefined, added: Feature[], removed: Feature[], oldAnswers: Answers, newAnswers: Answers): Map<string, string> {
  const out = new Map<string, string>();
  const slots = registrySlots(newAnswers);
  const removedEdits = removed.flatMap((f) => featureEdits(f, oldAnswers));
  const addedEdits = added.flatMap((f) => featureEdits(f, newAnswers));
  for (const file of new Set([...removedEdits, ...addedEdits].map((e) => e.file))) {
    const text = read(file);
    if (text === undefined) throw new CLIError(`${file} is missing: features register themselves there; restore it first`, 'E_MISSING');
    try {
      out.set(file, transition(text, file, removedEdits, addedEdits, slots));
    } catch (err) {
      // The user's file no longer has the place a feature hooks into, or a changed line still needs it: say where, change nothing.
      if (err instanceof EditError) throw new CLIError(`cannot apply the change to your ${err.message}`, 'E_ANCHOR');
      throw err;
    }
  }
  return out;
}

interface FileContext {
  project: Project;
  rendered: Tree;
  edited: Map<string, string>;
  editedBase?: Map<string, string>;
  originals: Map<string, string>;
  style: ConflictStyle;
  restoreDeleted: boolean;
  removedFiles?: Set<string>;
  /** Features this plan adds. */
  added: Set<string>;
  /** Features that already have user's files on record. */
  userFeatures: Set<string>;
  /** Generated files this version renders under a new name (moves.ts). */
  moves: Move[];
}

function planFile(path: string, ctx: FileContext, extra: Map<string, Content>): PlanEntry | undefined {
  const { project, rendered, style } = ctx;
  const before = project.current(path);
  const base = project.base.get(path);
  const next = rendered.get(path);
  const record = project.files[path];

  if (project.skipped(path)) {
    if (next && before !== undefined && !sameContent(before, next.content)) return { path, action: 'skip', before, after: before, note: 'in "skip": yours, not updated' };
    return undefined;
  }
  const move = ctx.moves.find((m) => m.to === path);
  if (move) return planMoved(move, ctx);
  if (ctx.edited.has(path)) {
    const mine = ctx.edited.get(path)!;
    const theirs = typeof next?.content === 'string' ? next.content : undefined;
    const editedBase = ctx.editedBase?.get(path) ?? (typeof base === 'string' ? moveImports(path, toLf(base), ctx.moves) : undefined);
    // Same generator version: nothing upstream to bring, the edited file is the result. A newer
    // one: merge its changes against the old base with the same edits applied.
    const upgrade = project.manifest.version !== VERSION && theirs !== undefined && editedBase !== undefined;
    const merged = upgrade ? merge3(mine, editedBase, theirs, style, path) : { content: mine, conflicts: 0 };
    const after = keepEols(ctx.originals.get(path) ?? '', merged.content);
    return conflictOrChange(path, before, after, merged.conflicts, style, 'edit');
  }
  if (!next) {
    if (before === undefined) return undefined;
    const moved = ctx.moves.find((m) => m.from === path);
    if (base !== undefined && sameText(before, base)) return { path, action: 'delete', before, after: undefined, ...(moved ? { note: `now ${moved.to}` } : {}) };
    // Its changes went to the new name with the rest of the file (planMoved).
    if (moved && typeof base === 'string' && decodeText(before) !== undefined) return { path, action: 'delete', before, after: undefined, note: `moved to ${moved.to} with your changes` };
    const mine = typeof before === 'string' ? before : decodeText(before);
    if (typeof base === 'string' && isScript(path) && mine !== undefined && sameCode(toLf(mine), toLf(base), path))
      return { path, action: 'delete', before, after: undefined, note: 'no longer generated; you had only reformatted it' };
    const note = ctx.removedFiles?.has(path) ? 'changed by you: kept, remove it by hand if unused' : 'no longer generated, changed by you: kept';
    return { path, action: 'keep', before, after: before, note };
  }
  // The user's files (examples) are written once, together: when their feature arrives, or,
  // for a feature that had none yet, when a newer generator brings them. A feature whose
  // examples the user already has gets no new ones (a new test would test the user's old code).
  if (next.policy === 'user' && base === undefined && !ctx.added.has(next.feature) && ctx.userFeatures.has(next.feature)) return undefined;
  if (before === undefined) {
    if (base !== undefined && !ctx.restoreDeleted) return { path, action: 'deleted-by-user', note: 'you deleted it: left deleted (--restore-deleted brings it back)' };
    return { path, action: 'create', after: next.content };
  }
  // Files the user owns (examples) are written once and never touched again.
  if ((record?.policy ?? next.policy) === 'user' && base !== undefined) return undefined;
  if (sameContent(before, next.content)) return undefined;
  const binary = isBytes(next.content) || isBytes(base) || decodeText(before) === undefined;
  if (binary && typeof next.content !== 'string') {
    if (base !== undefined && sameContent(before, base)) return { path, action: 'update', before, after: next.content };
    return besideConflict(path, before, next.content, style, extra);
  }
  const mine = textOf(path, before);
  if (typeof base !== 'string') {
    // Both the user and the generator made a file here, from no common base: nothing to merge against.
    return besideConflict(path, before, next.content, style, extra);
  }
  if (toLf(mine) === toLf(base)) return { path, action: 'update', before, after: keepEols(mine, next.content as string) };
  const merged = merge3(moveImports(path, mine, ctx.moves), moveImports(path, base, ctx.moves), next.content as string, style, path);
  return conflictOrChange(path, before, merged.content, merged.conflicts, style, 'merge');
}

/**
 * The new name of a moved file: the user's old file with their changes,
 * merged three ways (base: the old file as generated; theirs: this
 * version's file), as if it had always had this name. The old file is
 * deleted (planFile), its importers point here (relinkImports).
 */
function planMoved({ from, to }: Move, ctx: FileContext): PlanEntry | undefined {
  const { project, style } = ctx;
  const next = ctx.rendered.get(to)!;
  const before = project.current(from);
  const base = project.base.get(from);
  if (before === undefined && !ctx.restoreDeleted) return { path: to, action: 'deleted-by-user', note: `you deleted ${from}, now ${to}: left deleted (--restore-deleted brings it back)` };
  const mine = before === undefined ? undefined : decodeText(before);
  if (mine === undefined || typeof base !== 'string' || typeof next.content !== 'string' || toLf(mine) === toLf(base))
    return { path: to, action: 'create', after: mine === undefined || typeof next.content !== 'string' ? next.content : keepEols(mine, next.content), note: `was ${from}` };
  const merged = merge3(moveImports(to, mine, ctx.moves, from), moveImports(to, toLf(base), ctx.moves, from), next.content, style, from);
  const entry = conflictOrChange(to, undefined, merged.content, merged.conflicts, style, 'merge')!;
  return { ...entry, note: `your ${from} with your changes${entry.note ? `; ${entry.note}` : ''}` };
}

/**
 * A file no other rule writes (the user's own module, an example written
 * once, a kept file) that imports a moved file by its old name gets the new
 * one; the other files got it in their merge. A file `generate` made keeps
 * its record: its hash follows when it was still as generated, so destroy
 * still recognises it. Returns the records to carry over, and the recorded
 * base of each such file with the same change, so it is not taken for one
 * the user changed (an example a later remove must delete).
 */
function relinkImports(entries: PlanEntry[], project: Project, moves: Move[]): { kept: KeptRecords; bases: Map<string, Content> } {
  const kept: KeptRecords = project.manifest;
  const bases = new Map<string, Content>();
  if (!moves.length) return { kept, bases };
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const rehash = new Map<string, string>();
  for (const path of walkProject(project.root)) {
    const entry = byPath.get(path);
    if (!isCheckedFile(path) || project.skipped(path) || (entry && entry.action !== 'keep')) continue;
    const content = entry ? entry.after : project.current(path);
    const text = content === undefined ? undefined : typeof content === 'string' ? content : decodeText(content);
    if (text === undefined) continue;
    const after = moveImports(path, text, moves);
    if (after === text) continue;
    const names = moves.filter((m) => moveImports(path, text, [m]) !== text);
    const note = `imports ${names.map((m) => `${m.to} (was ${m.from})`).join(', ')}`;
    if (entry) Object.assign(entry, { after, note: `${entry.note}; ${note}` });
    else entries.push({ path, action: 'edit', before: project.current(path), after, note });
    const base = project.base.get(path);
    if (typeof base === 'string') bases.set(path, moveImports(path, base, moves));
    const now = project.current(path);
    if (now !== undefined) rehash.set(`${path}\0${hash(now)}`, hash(after));
  }
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (!kept.generated) return { kept, bases };
  const generated = kept.generated.map((g) => ({ ...g, files: Object.fromEntries(Object.entries(g.files).map(([p, h]) => [p, rehash.get(`${p}\0${h}`) ?? h])) }));
  return { kept: { ...kept, generated }, bases };
}

function conflictOrChange(path: string, before: Uint8Array | undefined, after: string, conflicts: number, style: ConflictStyle, clean: Action): PlanEntry | undefined {
  if (before !== undefined && sameContent(before, after)) return undefined;
  if (!conflicts) return { path, action: clean, before, after };
  const markers = style === 'markers' ? conflicts : 0;
  return { path, action: 'conflict', before, after, conflicts: markers, note: markers ? undefined : `${conflicts} region(s) decided as ${style}` };
}

/**
 * A conflict that cannot be written as markers (a binary file, or a file
 * both sides created): the user's file stays, the new one is written beside
 * it as `name.new.ext` (or decided whole by --conflict ours|theirs).
 */
function besideConflict(path: string, before: Uint8Array, next: Content, style: ConflictStyle, extra: Map<string, Content>): PlanEntry {
  if (style === 'theirs') return { path, action: 'conflict', before, after: next, note: 'replaced by the new version (--conflict theirs)' };
  if (style === 'ours') return { path, action: 'conflict', before, after: before, note: 'yours kept (--conflict ours)' };
  const beside = besidePath(path);
  extra.set(beside, next);
  return { path, action: 'conflict', before, after: before, conflicts: 1, note: `changed on both sides: yours kept, the new version is ${beside}` };
}

export function besidePath(path: string): string {
  const slash = path.lastIndexOf('/') + 1;
  const dot = path.lastIndexOf('.');
  return dot > slash ? `${path.slice(0, dot)}.new${path.slice(dot)}` : `${path}.new`;
}

function sameText(a: Content, b: Content): boolean {
  if (sameContent(a, b)) return true;
  const x = typeof a === 'string' ? a : decodeText(a);
  const y = typeof b === 'string' ? b : decodeText(b);
  return x !== undefined && y !== undefined && toLf(x) === toLf(y);
}

/**
 * The type errors a plan would add: the project's code is checked in memory
 * as it would be after the plan, and errors it already had are not counted.
 */
export function addedTypeErrors(project: Project, plan: Plan): string[] {
  const { writes } = plan;
  // A file left with conflict markers is not valid code until the user resolves it (exit 2 says so).
  const conflicted = new Set(plan.entries.filter((e) => e.conflicts).map((e) => e.path));
  const changed = new Set([...writes.keys()].filter((p) => isCheckedFile(p) && !conflicted.has(p)));
  if (!changed.size) return [];
  const now = projectCode(project);
  const after = new Map(now);
  for (const path of [...writes.keys()].filter(isCheckedFile)) {
    const content = writes.get(path);
    if (content === null || content === undefined) after.delete(path);
    else if (typeof content === 'string') after.set(path, content);
  }
  // Code exactly as the generator renders these answers is what `create`
  // writes, unchecked (the generator's own tests type-check its renders):
  // checking it again here would only cost seconds.
  if (plan.rendered && isRenderedCode(after, plan.rendered)) return [];
  const only = affectedFiles(now, after, changed);
  const errors = typecheck(after, only).filter((e) => !conflicted.has(e.split(':')[0]));
  if (!errors.length) return [];
  // Lines move when code is added: compare errors without their line numbers.
  const key = (e: string) => e.replace(/:\d+ /, ' ');
  const had = new Set(typecheck(now, new Set([...only].filter((p) => now.has(p)))).map(key));
  return errors.filter((e) => !had.has(key(e)));
}

/** Whether the checked files of `code` are those of `rendered`, with the same text. */
function isRenderedCode(code: Map<string, string>, rendered: Tree): boolean {
  const renderedCode = [...rendered].filter(([path]) => isCheckedFile(path));
  return renderedCode.length === code.size && renderedCode.every(([path, file]) => code.get(path) === file.content);
}

function projectCode(project: Project): Map<string, string> {
  const out = new Map<string, string>();
  for (const path of walkProject(project.root)) {
    if (!isCheckedFile(path)) continue;
    const bytes = project.current(path);
    const text = bytes && decodeText(bytes);
    if (text !== undefined && text !== null) out.set(path, text);
  }
  return out;
}

/** The project's files that are not records, node_modules or .git. */
function walkProject(root: string, dir = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.name === 'node_modules' || entry.name === '.git' || isRecord(path)) continue;
    if (entry.isDirectory()) out.push(...walkProject(root, path));
    else if (entry.isFile() || entry.isSymbolicLink()) out.push(path);
  }
  return out;
}

/** Generated files that still hold conflict markers (for `check`). */
export function filesWithConflicts(project: Project): string[] {
  return walkProject(project.root).filter((path) => {
    const bytes = project.current(path);
    const text = bytes && decodeText(bytes);
    return typeof text === 'string' && hasConflictMarkers(text);
  });
}

/** Writes a plan all or nothing (see transaction.ts). */
export function applyPlan(root: string, writes: Map<string, Content | null>): void {
  commit(root, writes);
}
