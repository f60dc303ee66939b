import type { AnswerValue, Answers, Edit, Feature, Group } from './types.js';
import { editsInLanguage } from './engine/typescript-project.js';
import { base } from './base.js';
import { support } from './support.js';
import { routing } from './routing.js';
import { body } from './body.js';
import { cache } from './cache.js';
import { auth } from './auth.js';
import { csrf } from './csrf.js';
import { bigpipe } from './bigpipe.js';
import { cluster, sched, workers } from './cluster.js';
import { store } from './store.js';
import { lang } from './lang.js';

export { base, support };

/**
 * Every question of the generator, in prompt order. Adding a feature means
 * adding a group (or an option to one) here and its files under templates/.
 * The language comes first: it is the first thing a new user decides.
 */
export const groups: Group[] = [lang, routing, body, cache, auth, csrf, bigpipe, cluster, sched, workers, store];

// Every question about features is answered below, from `groups`, `base` and
// `support` alone: what exists, what the answers select, what depends on
// what, titles, and the values the test matrix pairs. The CLI, the engine and
// the tests ask here instead of walking the groups themselves.

export function groupById(id: string): Group | undefined {
  return groups.find((g) => g.id === id);
}

/** The values of a `single`/`multi` group's options. */
export function optionValues(group: Group): string[] {
  return (group.options ?? []).map((o) => o.value);
}

/** The values a group takes, as --help and `list` show them. */
export function describeValues(group: Group): string {
  switch (group.kind) {
    case 'single':
      return optionValues(group).join('|');
    case 'multi':
      return `none|${optionValues(group).join(',')}`;
    case 'boolean':
      return 'true|false';
    case 'number':
      return `${group.range?.min ?? 0}..${group.range?.max ?? '∞'}`;
  }
}

/** A feature's edits for these answers, in the project's language (a TypeScript project's files, modules and code). */
export function featureEdits(feature: Feature, answers: Answers): Edit[] {
  return editsInLanguage(feature.edits?.(answers) ?? [], answers);
}

/** Does `group` apply to these answers (its `when` condition holds)? */
export function applies(group: Group, answers: Partial<Answers>): boolean {
  if (!group.when) return true;
  const value = answers[group.when.group] ?? groupById(group.when.group)?.default;
  return matches(value, group.when.values);
}

/** Does an answer hold one of `values` (for a multi group: contain one)? */
export function matches(value: AnswerValue | undefined, values: AnswerValue[]): boolean {
  if (Array.isArray(value)) return value.some((v) => values.includes(v));
  return value !== undefined && values.includes(value);
}

/** The feature one value of a group brings, if any (`none`, `single` and `false` bring none). */
export function featureOf(group: Group, value: AnswerValue): Feature | undefined {
  if (group.kind === 'boolean') return value === true ? group.feature : undefined;
  return group.options?.find((o) => o.value === value)?.feature;
}

/** The features the answers select, in registry order (base and support features not included). */
export function selectedFeatures(answers: Answers): Feature[] {
  const out: Feature[] = [];
  for (const group of groups) {
    if (!(group.id in answers)) continue;
    const value = answers[group.id];
    if (group.kind === 'boolean') {
      if (value === true && group.feature) out.push(group.feature);
      continue;
    }
    for (const option of group.options ?? []) {
      const chosen = Array.isArray(value) ? value.includes(option.value) : value === option.value;
      if (chosen && option.feature) out.push(option.feature);
    }
  }
  return out;
}

/** The features the user chose (base first, in registry order): what a project says it has. */
export function chosenFeatures(answers: Answers): Feature[] {
  return [base, ...selectedFeatures(answers)];
}

/**
 * Every feature a project of these answers has: the chosen ones and the
 * support features they need (transitively), those right after base in the
 * order of `support`. The one place render, add, remove and regenerate take
 * features from, so a support feature comes with the first feature that
 * needs it and goes with the last.
 */
export function featuresOf(answers: Answers): Feature[] {
  const chosen = chosenFeatures(answers);
  return [chosen[0], ...supportNeeded(chosen), ...chosen.slice(1)];
}

/** The support features `features` need, directly or through another support feature, in registry order. */
export function supportNeeded(features: Feature[]): Feature[] {
  const needed = new Set<string>();
  const todo = features.flatMap((f) => f.needs ?? []);
  while (todo.length) {
    const id = todo.pop()!;
    if (needed.has(id)) continue;
    const feature = support.find((s) => s.id === id);
    if (!feature) throw new Error(`a feature needs "${id}", which is not a support feature of the registry`);
    needed.add(id);
    todo.push(...(feature.needs ?? []));
  }
  return support.filter((s) => needed.has(s.id));
}

/** Every feature the registry knows, support features included (for slot tables and the registry tests). */
export function allFeatures(): Feature[] {
  const out: Feature[] = [base, ...support];
  for (const group of groups) {
    if (group.feature) out.push(group.feature);
    for (const option of group.options ?? []) if (option.feature) out.push(option.feature);
  }
  return out;
}

/** Title and description of a feature, from the group option that brings it. */
export function describeFeature(id: string): { title: string; description: string } {
  if (id === 'base') return { title: 'Base server', description: 'middleware pipeline, route table, static files, views, security headers, logs, metrics, health, graceful shutdown' };
  for (const group of groups) {
    if (group.feature?.id === id) return { title: group.title ?? group.message.replace(/\?$/, ''), description: group.description };
    for (const option of group.options ?? []) if (option.feature?.id === id) return { title: option.title, description: option.description };
  }
  return { title: id, description: '' };
}

/** The values of a group the test matrix pairs: every option, both booleans, a few numbers. */
export function matrixValues(group: Group): AnswerValue[] {
  switch (group.kind) {
    case 'single':
    case 'multi':
      return optionValues(group);
    case 'boolean':
      return [true, false];
    case 'number':
      return [group.default as number, Math.min(2, group.range?.max ?? 2)];
  }
}

/** The answers one value of a group depends on: its group's `when` and its feature's `requires` (e.g. sched needs cluster). */
export function requirementsOf(group: Group, value: AnswerValue): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (group.when) out[group.when.group] = group.when.values[0];
  for (const req of featureOf(group, value)?.requires ?? []) out[req.group] = groupById(req.group)?.kind === 'multi' ? [req.values[0]] : req.values[0];
  return out;
}
