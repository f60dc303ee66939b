import { applies, groupById, groups, optionValues } from '../registry.js';
import type { AnswerValue, Answers, Group } from '../types.js';
import { parseValue } from './answers.js';
import { CLIError } from './errors.js';

/**
 * What `add` and `remove` mean for a project's answers. The lifecycle then
 * plans the change from the old answers to the new ones.
 */

function group(id: string): Group {
  const found = groupById(id);
  if (!found) throw new CLIError(`unknown feature "${id}": valid features are ${changeableGroups().join(', ')}`, 'E_FEATURE');
  return found;
}

/**
 * Answers a project keeps for life, with why. Another language would rewrite
 * every file of the project, the user's own code included: no merge can
 * carry edits across that, so it is a new project, not a change.
 */
const FIXED: Record<string, string> = {
  lang: 'the language of a project is fixed when it is created: create a new project with --lang ts|js and move your code into it',
};

/** The groups add and remove take: every group but those fixed at create. */
export function changeableGroups(): string[] {
  return groups.map((g) => g.id).filter((id) => !isFixed(id));
}

/** Is `id` a group a project keeps for life (no add, no remove)? */
export function isFixed(id: string): boolean {
  return id in FIXED;
}

/** Throws when `next` changes an answer the project keeps for life (FIXED); add, remove and regenerate all ask. */
export function assertFixedKept(current: Answers, next: Record<string, unknown>): void {
  for (const [id, why] of Object.entries(FIXED)) {
    if (next[id] !== undefined && JSON.stringify(next[id]) !== JSON.stringify(current[id])) throw new CLIError(`cannot change ${id} to ${String(next[id])}: ${why}`, 'E_FIXED');
  }
}

/**
 * The answers with a feature added (`add body xml`, `add csrf`, `add cluster
 * master-worker --workers 4`), or a sentence when it is already there.
 */
export function addFeature(current: Answers, words: string[], flags: Record<string, AnswerValue> = {}): Answers | string {
  const [id, value, ...extra] = words;
  const g = group(id);
  if (extra.length) throw new CLIError(`add takes one feature: add ${id} <value>`, 'E_USAGE');
  const next: Answers = { ...current, ...flags };
  let wanted: AnswerValue;
  if (g.kind === 'boolean') {
    if (value !== undefined) throw new CLIError(`add ${id} takes no value`, 'E_USAGE');
    wanted = true;
  } else {
    if (value === undefined) throw new CLIError(`add ${id} needs a value: ${optionValues(g).join(', ') || 'a number'}`, 'E_USAGE');
    const parsed = parseValue(g, value);
    wanted = g.kind === 'multi' ? [...new Set([...((current[id] as string[] | undefined) ?? []), ...(parsed as string[])])] : parsed;
  }
  if (JSON.stringify(current[id]) === JSON.stringify(wanted) && Object.keys(flags).every((k) => JSON.stringify(current[k]) === JSON.stringify(flags[k]))) {
    return `${id}${value ? ` ${value}` : ''} is already part of this project: nothing to do`;
  }
  next[id] = wanted;
  assertFixedKept(current, next);
  if (!applies(g, next)) {
    throw new CLIError(`${id} applies ${g.whenText ?? `only with --${g.when!.group} ${g.when!.values.join('|')}`}: add that first`, 'E_CONFLICT');
  }
  return next;
}

/** The answers with a feature removed (a single choice falls back to its default), or a message when it is not there. */
export function removeFeature(current: Answers, words: string[]): Answers | string {
  const [id, value, ...extra] = words;
  const g = group(id);
  if (extra.length) throw new CLIError(`remove takes one feature: remove ${id} [value]`, 'E_USAGE');
  if (id in FIXED) throw new CLIError(`cannot remove ${id}: ${FIXED[id]}`, 'E_FIXED');
  const next: Answers = { ...current };
  const have = current[id];
  if (g.kind === 'multi') {
    if (value === undefined) throw new CLIError(`remove ${id} needs a value: ${optionValues(g).join(', ')}`, 'E_USAGE');
    const drop = parseValue(g, value) as string[];
    const list = (have as string[] | undefined) ?? [];
    const kept = list.filter((v) => !drop.includes(v));
    if (kept.length === list.length) {
      return `${id} ${value} is not part of this project: nothing to do`;
    }
    next[id] = kept;
  } else {
    if (value !== undefined && g.kind === 'single') parseValue(g, value);
    const fallback = g.kind === 'boolean' ? false : g.default;
    if (have === undefined || JSON.stringify(have) === JSON.stringify(fallback) || (value !== undefined && have !== value)) {
      return `${id}${value ? ` ${value}` : ''} is not part of this project: nothing to do`;
    }
    if (g.kind === 'single' && value !== undefined && value === g.default) {
      throw new CLIError(
        `${id} ${value} is the default and cannot be removed: switch with add ${id} <${optionValues(g)
          .filter((v) => v !== value)
          .join('|')}>`,
        'E_USAGE',
      );
    }
    next[id] = fallback;
  }
  return next;
}
