import { createTwoFilesPatch } from 'diff';
import { groups } from '../../generators/registry.js';
import { applies, groupById, optionValues, parseValue, resolveAnswers } from '../../generators/engine/answers.js';
import { CLIError } from '../../generators/engine/errors.js';
import { applyPlan, planUpdate, type Plan } from '../../generators/engine/lifecycle.js';
import type { ConflictStyle } from '../../generators/engine/merge.js';
import { assertClean, loadProject, type Project } from '../../generators/engine/project.js';
import { VERSION } from '../../generators/engine/version.js';
import type { AnswerValue, Answers, Group } from '../../generators/types.js';
import type { ParsedArgs } from '../args.js';
import { paint, print } from '../output.js';
import { askAnswers } from '../prompts.js';
import type { Context } from './create.js';

export const LIFECYCLE_COMMANDS = ['add', 'remove', 'regenerate', 'upgrade', 'check'];

/** `add`, `remove`, `regenerate`/`upgrade` and `check`, run inside a project. */
export async function lifecycle(command: string, args: ParsedArgs, ctx: Context): Promise<number> {
  const project = loadProject(ctx.cwd);
  const style = conflictStyle(args.flags.conflict);
  const dryRun = args.flags['dry-run'] === true || command === 'check';
  let answers: Answers;
  if (command === 'add' || command === 'remove') {
    if (!args.positionals.length) {
      throw new CLIError(`${command} needs a feature: ${command} <group> [value], groups: ${groups.map((g) => g.id).join(', ')}`, 'E_USAGE');
    }
    const changed = command === 'add' ? addTo(project.manifest.answers, args) : removeFrom(project.manifest.answers, args);
    if (!changed) return 0;
    answers = await complete(changed, args, ctx);
  } else {
    if (args.positionals.length) throw new CLIError(`${command} takes no arguments, got ${args.positionals.join(' ')}`, 'E_USAGE');
    // Answers new in this version are asked for (or take their defaults).
    answers = await complete({ ...project.manifest.answers, ...args.answers }, args, ctx);
  }
  if (!dryRun) assertClean(project.root, args.flags['allow-dirty'] === true);

  const plan = await planUpdate(project, answers, { conflict: style, restoreDeleted: args.flags['restore-deleted'] === true });
  const changes = plan.entries.filter((e) => e.before !== e.after);
  if (args.flags.json) {
    print(JSON.stringify({
      command, from: project.manifest.version, to: VERSION, dryRun, answers,
      files: plan.entries.map(({ path, action, conflicts, note }) => ({ path, action, conflicts, note })),
    }, null, 2));
  } else if (command === 'check') {
    report(project, plan, true);
  } else if (dryRun) {
    for (const e of changes) print(createTwoFilesPatch(`a/${e.path}`, `b/${e.path}`, e.before ?? '', e.after ?? '', '', '', { context: 3 }).replace(/^=+\n/, ''));
    report(project, plan, true);
  }
  if (command === 'check') return project.manifest.version === VERSION && changes.length === 0 ? 0 : 1;
  if (dryRun) return 0;
  applyPlan(project.root, plan.writes);
  if (!args.flags.json) report(project, plan, false);
  return plan.conflicts > 0 ? 2 : 0;
}

function conflictStyle(value: string | boolean | undefined): ConflictStyle {
  if (value === undefined) return 'markers';
  if (value === 'markers' || value === 'ours' || value === 'theirs') return value;
  throw new CLIError(`invalid value "${String(value)}" for --conflict: valid values are markers, ours, theirs`, 'E_VALUE');
}

function group(id: string): Group {
  const found = groupById(id);
  if (!found) throw new CLIError(`unknown feature "${id}": valid features are ${groups.map((g) => g.id).join(', ')}`, 'E_FEATURE');
  return found;
}

/** The answers with a feature added, or undefined (and a message) when it is already there. */
function addTo(current: Answers, args: ParsedArgs): Answers | undefined {
  const [id, value, ...extra] = args.positionals;
  const g = group(id);
  if (extra.length) throw new CLIError(`add takes one feature: add ${id} <value>`, 'E_USAGE');
  const next: Answers = { ...current, ...args.answers };
  let wanted: AnswerValue;
  if (g.kind === 'boolean') {
    if (value !== undefined) throw new CLIError(`add ${id} takes no value`, 'E_USAGE');
    wanted = true;
  } else {
    if (value === undefined) throw new CLIError(`add ${id} needs a value: ${optionValues(g).join(', ') || 'a number'}`, 'E_USAGE');
    const parsed = parseValue(g, value);
    wanted = g.kind === 'multi' ? [...new Set([...((current[id] as string[] | undefined) ?? []), ...(parsed as string[])])] : parsed;
  }
  if (JSON.stringify(current[id]) === JSON.stringify(wanted) && Object.keys(args.answers).every((k) => JSON.stringify(current[k]) === JSON.stringify(args.answers[k]))) {
    print(`${paint.ok('✔')} ${id}${value ? ` ${value}` : ''} is already part of this project: nothing to do`);
    return undefined;
  }
  next[id] = wanted;
  if (!applies(g, next)) {
    throw new CLIError(`${id} applies ${g.whenText ?? `only with --${g.when!.group} ${g.when!.values.join('|')}`}: add that first`, 'E_CONFLICT');
  }
  return next;
}

/** The answers with a feature removed (a single choice falls back to its default). */
function removeFrom(current: Answers, args: ParsedArgs): Answers | undefined {
  const [id, value, ...extra] = args.positionals;
  const g = group(id);
  if (extra.length) throw new CLIError(`remove takes one feature: remove ${id} [value]`, 'E_USAGE');
  const next: Answers = { ...current };
  const have = current[id];
  if (g.kind === 'multi') {
    if (value === undefined) throw new CLIError(`remove ${id} needs a value: ${optionValues(g).join(', ')}`, 'E_USAGE');
    const drop = parseValue(g, value) as string[];
    const list = (have as string[] | undefined) ?? [];
    const kept = list.filter((v) => !drop.includes(v));
    if (kept.length === list.length) {
      print(`${paint.ok('✔')} ${id} ${value} is not part of this project: nothing to do`);
      return undefined;
    }
    next[id] = kept;
  } else {
    if (value !== undefined && g.kind === 'single') parseValue(g, value);
    const fallback = g.kind === 'boolean' ? false : g.default;
    if (have === undefined || JSON.stringify(have) === JSON.stringify(fallback) || (value !== undefined && have !== value)) {
      print(`${paint.ok('✔')} ${id}${value ? ` ${value}` : ''} is not part of this project: nothing to do`);
      return undefined;
    }
    if (g.kind === 'single' && value !== undefined && value === g.default) {
      throw new CLIError(`${id} ${value} is the default and cannot be removed: switch with add ${id} <${optionValues(g).filter((v) => v !== value).join('|')}>`, 'E_USAGE');
    }
    next[id] = fallback;
  }
  return next;
}

/** Fills answers new to the project: asks in a terminal, defaults otherwise; then validates. */
async function complete(partial: Answers, args: ParsedArgs, ctx: Context): Promise<Answers> {
  const known: Record<string, unknown> = {};
  for (const g of groups) if (partial[g.id] !== undefined && applies(g, partial)) known[g.id] = partial[g.id];
  const filled = ctx.interactive ? await askAnswers(known) : known;
  return resolveAnswers({ ...filled, name: partial.name }, new Set(Object.keys(args.answers)));
}

function report(project: Project, plan: Plan, preview: boolean): void {
  const verb = preview ? 'would' : '';
  const counts = new Map<string, number>();
  for (const e of plan.entries) counts.set(e.action, (counts.get(e.action) ?? 0) + 1);
  print(`${paint.bold('create-nodeserver')} ${project.manifest.version} -> ${VERSION}${preview ? paint.dim(' (nothing written)') : ''}`);
  for (const e of plan.entries) {
    const mark = e.action === 'conflict' ? paint.error('!') : e.action === 'keep' || e.action === 'deleted-by-user' ? paint.warn('~') : paint.ok('+');
    print(`  ${mark} ${e.action.padEnd(16)}${e.path}${e.note ? paint.dim(`  (${e.note})`) : ''}${e.conflicts ? paint.error(`  ${e.conflicts} conflict(s)`) : ''}`);
  }
  if (!plan.entries.length) print(`  ${paint.ok('✔')} up to date: nothing ${verb || ''} ${preview ? 'change' : 'changed'}`.replace(/\s+/g, ' '));
  if (plan.conflicts && !preview) print(paint.error(`${plan.conflicts} conflict(s) left as <<<<<<< markers: resolve them, then run npm test`));
}
