import { CLIError } from '../../generators/engine/errors.js';
import { planDestroy, planGenerate } from '../../generators/engine/generate.js';
import { addedTypeErrors, applyPlan, type Plan } from '../../generators/engine/lifecycle.js';
import { assertClean, findProjectRoot, loadProject } from '../../generators/engine/project.js';
import { MANIFEST_FILE } from '../../generators/engine/records.js';
import { recover } from '../../generators/engine/transaction.js';
import { FIELD_TYPES } from '../../generators/generate/fields.js';
import { KINDS, type Kind } from '../../generators/generate/kinds.js';
import type { ParsedArgs } from '../args.js';
import { notice, paint, print, printJson } from '../output.js';
import { askGenerate } from '../prompts.js';
import type { Context } from './create.js';
import { unifiedDiff } from './lifecycle.js';

const USAGE = `generate <kind> <name>: kinds are ${KINDS.join(', ')}, e.g. generate resource products name:string price:number, generate route GET /reports/:id, generate middleware audit --after auth`;

/**
 * `generate <kind> <name> [...]` (alias `g`) and `destroy <kind> <name>`, run
 * anywhere inside a project: plan in memory, type-check, write through the
 * lifecycle's one transaction.
 */
export async function generate(command: 'generate' | 'destroy', args: ParsedArgs, ctx: Context): Promise<number> {
  const root = findProjectRoot(ctx.cwd);
  if (!root) throw new CLIError(`no ${MANIFEST_FILE} in ${ctx.cwd} or above: run ${command} inside a project made by create-nodeserver`, 'E_NOT_PROJECT');
  let [kind, name, ...rest] = args.positionals;
  if (kind === undefined && command === 'generate' && ctx.interactive) [kind, name, ...rest] = await askGenerate(KINDS, FIELD_TYPES);
  if (kind === undefined) throw new CLIError(command === 'generate' ? `missing kind: ${USAGE}` : `missing kind: destroy <kind> <name>, kinds are ${KINDS.join(', ')}`, 'E_USAGE');
  if (!(KINDS as readonly string[]).includes(kind)) throw new CLIError(`unknown kind "${kind}": kinds are ${KINDS.join(', ')}`, 'E_KIND');
  if (name === undefined) throw new CLIError(`missing name: ${command} ${kind} <name>${kind === 'route' ? ' (a route: <METHOD> <path>, e.g. GET /reports/:id)' : ''}`, 'E_USAGE');

  const recovered = recover(root);
  if (recovered) notice(`recovered: ${recovered}`);
  const project = loadProject(root);
  const dryRun = args.flags['dry-run'] === true;
  let plan: Plan;
  if (command === 'generate') {
    const flag = (f: string) => (typeof args.flags[f] === 'string' ? (args.flags[f] as string) : undefined);
    plan = planGenerate(project, { kind: kind as Kind, name, args: rest, before: flag('before'), after: flag('after') });
  } else {
    // A route is named by its method and path: `destroy route GET /reports/:id`.
    const full = kind === 'route' ? [name, ...rest].join(' ') : name;
    if (kind !== 'route' && rest.length) throw new CLIError(`destroy takes a kind and a name, got also: ${rest.join(' ')}`, 'E_USAGE');
    plan = planDestroy(project, kind, full);
  }
  if (!dryRun) assertClean(project.root, args.flags['allow-dirty'] === true);
  if (args.flags.force !== true) {
    const errors = addedTypeErrors(project, plan);
    if (errors.length) {
      throw new CLIError(
        `this change would add ${errors.length} type error(s), nothing written: ${errors.slice(0, 5).join('; ')}${errors.length > 5 ? '; ...' : ''} (fix them first, or pass --force)`,
        'E_TYPES',
      );
    }
  }
  const label = `${kind} ${kind === 'route' && command === 'destroy' ? [name, ...rest].join(' ') : kind === 'route' ? `${name.toUpperCase()} ${rest[0]}` : name}`;
  if (args.flags.json) {
    printJson({ command, kind, name: label.slice(kind.length + 1), dryRun, files: plan.entries.map(({ path, action, note }) => ({ path, action, note })) });
  } else {
    if (dryRun) for (const e of plan.entries) if (e.action !== 'keep') print(unifiedDiff(e.path, e.before, e.after));
    print(`${paint.bold(command === 'generate' ? 'generate' : 'destroy')} ${label}${dryRun ? paint.dim(' (nothing written)') : ''}`);
    for (const e of plan.entries) {
      const mark = e.action === 'keep' ? paint.warn('~') : paint.ok('+');
      print(`  ${mark} ${e.action.padEnd(8)}${e.path}${e.note ? paint.dim(`  (${e.note})`) : ''}`);
    }
    const kept = plan.entries.filter((e) => e.action === 'keep');
    if (kept.length) print(paint.warn(`kept ${kept.length} file(s): ${kept.map((e) => e.path).join(', ')} (changed by you, or imported by one that is; delete them by hand if unused)`));
  }
  if (dryRun) return 0;
  applyPlan(project.root, plan.writes);
  if (!args.flags.json && command === 'generate') print(`${paint.ok('✔')} done: run npm test`);
  return 0;
}
