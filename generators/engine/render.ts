import nodePlop from 'node-plop';
import { base } from '../base.js';
import { groups } from '../registry.js';
import type { Answers, Contribution, Edit, Endpoint } from '../types.js';
import { selectedOptions } from './answers.js';
import { applyEdit, slotTable, type SlotTable } from './compose.js';
import { templateFiles } from './templates.js';
import type { Tree } from './tree.js';
import { VERSION } from './version.js';

/** The features an answer set selects, base first, in registry order. */
export function featuresOf(answers: Answers): Contribution[] {
  return [base, ...selectedOptions(answers)];
}

/** Every contribution the registry knows (for slot tables and `list`). */
export function allContributions(): Contribution[] {
  const out: Contribution[] = [base];
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
 * Renders a project: answers in, files out, nothing on disk. One node-plop
 * generator per feature; its actions are `render` (copy or handlebars) for
 * each of the feature's template files, then `compose` for each edit.
 * Pure: the same answers always give the same tree.
 */
export async function render(answers: Answers): Promise<Tree> {
  const tree: Tree = new Map();
  const features = featuresOf(answers);
  const data = templateData(answers, features);
  const table = registrySlots(answers);
  const plop = await nodePlop('', { force: true, destBasePath: '.' });
  plop.setHelper('json', (value: unknown) => JSON.stringify(value, null, 2).replace(/\n/g, '\n  '));

  // node-plop reports failures as plain objects; keep the real error to rethrow it.
  let failure: unknown;
  plop.setActionType('render', (_answers, config) => {
    const { feature, file } = config as unknown as { feature: Contribution; file: ReturnType<typeof templateFiles>[number] };
    try {
      const content = file.handlebars ? plop.renderString(file.source as string, data) : file.source;
      const policy = feature.userFiles?.includes(file.target) ? 'user' : 'generated';
      tree.set(file.target, { content, feature: feature.id, policy });
      return file.target;
    } catch (err) {
      failure = err;
      throw err;
    }
  });
  plop.setActionType('compose', (_answers, config) => {
    const { edit } = config as unknown as { edit: Edit };
    try {
      const file = tree.get(edit.file);
      if (!file) throw new Error(`compose: ${edit.kind} edit targets ${edit.file}, which no feature renders`);
      if (typeof file.content !== 'string') throw new Error(`compose: ${edit.kind} edit targets ${edit.file}, which is not text`);
      file.content = applyEdit(file.content, edit, table);
      return edit.file;
    } catch (err) {
      failure = err;
      throw err;
    }
  });

  // Files first (all features), then edits: an edit may target any feature's file.
  for (const phase of ['files', 'edits'] as const) {
    for (const feature of features) {
      const actions =
        phase === 'files'
          ? templateFiles(feature.id).map((file) => ({ type: 'render', feature, file }))
          : (feature.edits?.(answers) ?? []).map((edit) => ({ type: 'compose', edit }));
      if (!actions.length) continue;
      const generator = plop.setGenerator(`${feature.id}:${phase}`, { description: feature.id, prompts: [], actions });
      const result = await generator.runActions(answers);
      if (result.failures.length) {
        throw failure instanceof Error ? failure : new Error(`render ${feature.id}: ${JSON.stringify(result.failures[0])}`);
      }
    }
  }
  return tree;
}

function templateData(answers: Answers, features: Contribution[]) {
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
    features: features.map((f) => ({
      id: f.id,
      ...describeFeature(f.id),
      doc: templateFiles(f.id).find((t) => t.target === `docs/${f.id}.md`)?.target,
    })),
  };
}
