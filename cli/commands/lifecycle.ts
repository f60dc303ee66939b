import { createTwoFilesPatch } from 'diff';
import { applies, groups } from '../../generators/registry.js';
import { resolveAnswers } from '../../generators/engine/answers.js';
import { CLIError } from '../../generators/engine/errors.js';
import { addFeature, assertFixedKept, changeableGroups, removeFeature } from '../../generators/engine/answer-changes.js';
import { addedTypeErrors, applyPlan, filesWithConflicts, planUpdate, type Plan } from '../../generators/engine/lifecycle.js';
import type { ConflictStyle } from '../../generators/engine/merge.js';
import { assertClean, findProjectRoot, loadProject, type Project } from '../../generators/engine/project.js';
import { BASE_DIR, MANIFEST_FILE, recordChanges } from '../../generators/engine/records.js';
import { render } from '../../generators/engine/render.js';
import { recover } from '../../generators/engine/transaction.js';
import { decodeText, sameContent, type Content } from '../../generators/engine/content.js';
import { VERSION } from '../../generators/engine/version.js';
import type { Answers } from '../../generators/types.js';
import type { ParsedArgs } from '../args.js';
import { notice, paint, print, printJson } from '../output.js';
import { askAnswers } from '../prompts.js';
import type { Context } from './create.js';

/** `add`, `remove`, `regenerate` (alias `upgrade`) and `check`, run anywhere inside a project. */
export async function lifecycle(command: 'add' | 'remove' | 'regenerate' | 'check', args: ParsedArgs, ctx: Context): Promise<number> {
  const root = findProjectRoot(ctx.cwd);
  if (!root) throw new CLIError(`no ${MANIFEST_FILE} in ${ctx.cwd} or above: run ${command} inside a project made by create-nodeserver`, 'E_NOT_PROJECT');
  const recovered = recover(root);
  if (recovered) notice(`recovered: ${recovered}`);
  const rebuildBase = args.flags['rebuild-base'] === true;
  const project = loadProject(root, { allowDamagedBase: rebuildBase });
  if (rebuildBase) return rebuildRecords(project, args);
  const style = conflictStyle(args.flags.conflict);
  const dryRun = args.flags['dry-run'] === true || command === 'check';
  let answers: Answers;
  if (command === 'add' || command === 'remove') {
    if (!args.positionals.length) {
      throw new CLIError(`${command} needs a feature: ${command} <group> [value], groups: ${changeableGroups().join(', ')}`, 'E_USAGE');
    }
    const change = command === 'add' ? addFeature(project.manifest.answers, args.positionals, args.answers) : removeFeature(project.manifest.answers, args.positionals);
    if (typeof change === 'string') {
      if (args.flags.json) printJson({ command, dryRun, upToDate: true, message: change, files: [] });
      else print(`${paint.ok('✔')} ${change}`);
      return 0;
    }
    answers = await complete(change, args, ctx);
  } else {
    if (args.positionals.length) throw new CLIError(`${command} takes no arguments, got ${args.positionals.join(' ')}`, 'E_USAGE');
    assertFixedKept(project.manifest.answers, args.answers);
    // Answers new in this version are asked for (or take their defaults).
    answers = await complete({ ...project.manifest.answers, ...args.answers }, args, ctx);
  }
  if (!dryRun) assertClean(project.root, args.flags['allow-dirty'] === true);

  const plan = await planUpdate(project, answers, { conflict: style, restoreDeleted: args.flags['restore-deleted'] === true });
  const changes = plan.entries.filter((e) => !sameContent(e.before, e.after));
  const markers = command === 'check' ? filesWithConflicts(project) : [];
  if (command !== 'check' && plan.writes.size && args.flags.force !== true) {
    const errors = addedTypeErrors(project, plan);
    if (errors.length) {
      const shown = errors.slice(0, 5).join('; ');
      throw new CLIError(
        `this change would add ${errors.length} type error(s), nothing written: ${shown}${errors.length > 5 ? '; ...' : ''} (fix them first, or pass --force to write anyway)`,
        'E_TYPES',
      );
    }
  }
  const upToDate = project.manifest.version === VERSION && plan.writes.size === 0;
  if (args.flags.json) {
    printJson({
      command,
      from: project.manifest.version,
      to: VERSION,
      dryRun,
      upToDate,
      answers,
      conflicts: plan.conflicts,
      ...(command === 'check' ? { conflictMarkers: markers } : {}),
      files: plan.entries.map(({ path, action, conflicts, note }) => ({ path, action, conflicts, note })),
    });
  } else if (command === 'check') {
    report(project, plan, true);
    if (markers.length) print(paint.error(`conflict markers left in ${markers.length} file(s): ${markers.join(', ')}`));
  } else if (dryRun) {
    for (const e of changes) print(unifiedDiff(e.path, e.before, e.after));
    report(project, plan, true);
  }
  if (command === 'check') return upToDate && !markers.length ? 0 : 1;
  if (dryRun) return 0;
  applyPlan(project.root, plan.writes);
  if (!args.flags.json) report(project, plan, false);
  return plan.conflicts > 0 ? 2 : 0;
}

/** `regenerate --rebuild-base`: the records re-rendered from the recorded answers (same generator version only). */
async function rebuildRecords(project: Project, args: ParsedArgs): Promise<number> {
  if (project.manifest.version !== VERSION) {
    throw new CLIError(
      `--rebuild-base needs the generator version that made the project (${project.manifest.version}; this is ${VERSION}): restore .nodeserver/ from version control instead`,
      'E_REBUILD',
    );
  }
  const rendered = await render(project.manifest.answers);
  const writes = recordChanges(rendered, project.manifest.answers, project.manifest, project.base.keys());
  if (args.flags['dry-run'] !== true) applyPlan(project.root, writes);
  if (args.flags.json) printJson({ command: 'regenerate', rebuildBase: true, dryRun: args.flags['dry-run'] === true, files: [...writes.keys()].sort() });
  else print(`${paint.ok('✔')} ${BASE_DIR} rebuilt from the answers in ${MANIFEST_FILE} (${rendered.size} files)`);
  return 0;
}

export function unifiedDiff(path: string, before: Content | undefined, after: Content | undefined): string {
  const text = (c: Content | undefined) => (c === undefined ? '' : typeof c === 'string' ? c : decodeText(c));
  const a = text(before);
  const b = text(after);
  if (a === undefined || b === undefined) return `Binary file ${path} ${after === undefined ? 'deleted' : 'changed'}`;
  return createTwoFilesPatch(`a/${path}`, `b/${path}`, a, b, '', '', { context: 3 }).replace(/^=+\n/, '');
}

function conflictStyle(value: string | boolean | undefined): ConflictStyle {
  if (value === undefined) return 'markers';
  if (value === 'markers' || value === 'ours' || value === 'theirs') return value;
  throw new CLIError(`invalid value "${String(value)}" for --conflict: valid values are markers, ours, theirs`, 'E_VALUE');
}

/** Fills answers new to the project: asks in a terminal, defaults otherwise; then validates. */
async function complete(partial: Answers, args: ParsedArgs, ctx: Context): Promise<Answers> {
  const known: Record<string, unknown> = {};
  for (const g of groups) if (partial[g.id] !== undefined && applies(g, partial)) known[g.id] = partial[g.id];
  const filled = ctx.interactive ? await askAnswers(known) : known;
  return resolveAnswers({ ...filled, name: partial.name }, new Set(Object.keys(args.answers)));
}

function report(project: Project, plan: Plan, preview: boolean): void {
  const counts = new Map<string, number>();
  for (const e of plan.entries) counts.set(e.action, (counts.get(e.action) ?? 0) + 1);
  // The version arrow only when this command also upgrades the project.
  const versions = project.manifest.version === VERSION ? VERSION : `${project.manifest.version} -> ${VERSION}`;
  print(`${paint.bold('create-nodeserver')} ${versions}${preview ? paint.dim(' (nothing written)') : ''}`);
  for (const e of plan.entries) {
    const mark = e.action === 'conflict' ? paint.error('!') : e.action === 'keep' || e.action === 'deleted-by-user' ? paint.warn('~') : paint.ok('+');
    print(`  ${mark} ${e.action.padEnd(16)}${e.path}${e.note ? paint.dim(`  (${e.note})`) : ''}${e.conflicts ? paint.error(`  ${e.conflicts} conflict(s)`) : ''}`);
  }
  if (!plan.writes.size) print(`  ${paint.ok('✔')} up to date: nothing to do`);
  if (plan.conflicts && !preview) print(paint.error(`${plan.conflicts} conflict(s) left as <<<<<<< markers: resolve them, then run npm test`));
}
