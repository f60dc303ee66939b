import { base } from '../base.js';
import { groups, support } from '../registry.js';
import type { Answers, Contribution, Edit, Endpoint } from '../types.js';
import { selectedOptions } from './answers.js';
import { applyEdit, slotTable, type SlotTable } from './compose.js';
import { createPlop } from './plop.js';
import { alignFilled, markdownText } from './markdown-tables.js';
import { templateFiles, type TemplateFile } from './templates.js';
import type { Tree } from './tree.js';
import { VERSION } from './version.js';

/** The features the user chose (base first, in registry order): what a project says it has. */
export function chosenFeatures(answers: Answers): Contribution[] {
  return [base, ...selectedOptions(answers)];
}

/**
 * Every feature a project of these answers has: the chosen ones and the
 * support features they need (transitively), those right after base in the
 * order of `support`. The one place render, add, remove and regenerate take
 * features from, so a support feature comes with the first feature that
 * needs it and goes with the last.
 */
export function featuresOf(answers: Answers): Contribution[] {
  const chosen = chosenFeatures(answers);
  return [chosen[0], ...supportNeeded(chosen), ...chosen.slice(1)];
}

/** The support features `features` need, directly or through another support feature, in registry order. */
export function supportNeeded(features: Contribution[]): Contribution[] {
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

/** Every contribution the registry knows, support features included (for slot tables and the registry tests). */
export function allContributions(): Contribution[] {
  const out: Contribution[] = [base, ...support];
  for (const group of groups) {
    if (group.feature) out.push(group.feature);
    for (const option of group.options ?? []) if (option.feature) out.push(option.feature);
  }
  return out;
}

let slots: SlotTable | undefined;
/** Slot of every middleware any feature can add, from the edits of all features with every answer. */
export function registrySlots(answers: Answers): SlotTable {
  slots ??= slotTable(allContributions().flatMap((c) => c.edits?.(answers) ?? []));
  return slots;
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

/**
 * Renders a project: answers in, files out, nothing on disk. Two node-plop
 * generators per feature (plop.ts): one renders each of its template files
 * (copied, or through handlebars), the other applies each of its edits.
 * Pure: the same answers always give the same tree.
 */
export async function render(answers: Answers): Promise<Tree> {
  const tree: Tree = new Map();
  const features = featuresOf(answers);
  const data = templateData(answers, features, chosenFeatures(answers));
  const table = registrySlots(answers);
  const plop = await createPlop({ json: (value) => JSON.stringify(value, null, 2).replace(/\n/g, '\n  '), md: (value) => markdownText(String(value)) });

  const renderFile = (feature: Contribution, file: TemplateFile) => () => {
    // A filled table's columns depend on the answers: aligned after the fill, as the formatter would.
    const content = file.handlebars ? alignFilled(file.target, plop.renderString(file.source as string, data)) : file.source;
    const policy = feature.userFiles?.includes(file.target) ? 'user' : 'generated';
    tree.set(file.target, { content, feature: feature.id, policy });
    return file.target;
  };
  const compose = (edit: Edit) => () => {
    const file = tree.get(edit.file);
    if (!file) throw new Error(`compose: ${edit.kind} edit targets ${edit.file}, which no feature renders`);
    if (typeof file.content !== 'string') throw new Error(`compose: ${edit.kind} edit targets ${edit.file}, which is not text`);
    file.content = applyEdit(file.content, edit, table);
    return edit.file;
  };

  // Files first (all features), then edits: an edit may target any feature's file.
  for (const feature of features) await plop.run(`${feature.id}:files`, templateFiles(feature.id).map((file) => renderFile(feature, file)));
  for (const feature of features) await plop.run(`${feature.id}:edits`, (feature.edits?.(answers) ?? []).map(compose));
  return tree;
}

/** `features` bring scripts and endpoints; the README lists only the `chosen` ones (support features are not the user's choice). */
function templateData(answers: Answers, features: Contribution[], chosen: Contribution[]) {
  const scripts: Record<string, string> = {};
  const endpoints: Endpoint[] = [];
  for (const feature of features) {
    Object.assign(scripts, feature.scripts);
    endpoints.push(...(feature.endpoints ?? []));
  }
  return {
    name: answers.name,
    version: VERSION,
    answers,
    answersJson: JSON.stringify(answers),
    scripts,
    endpoints,
    features: chosen.map((f) => ({
      id: f.id,
      ...describeFeature(f.id),
      doc: templateFiles(f.id).find((t) => t.target === `docs/${f.id}.md`)?.target,
    })),
  };
}
