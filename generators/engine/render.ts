import { allFeatures, chosenFeatures, describeFeature, featureEdits, featuresOf } from '../registry.js';
import { LANGUAGES, langOf } from '../lang.js';
import { fileInLanguage } from './typescript-project.js';
import { isTypeScriptProject } from './script-files.js';
import type { Answers, Feature, Edit, Endpoint } from '../types.js';
import { applyEdit, slotTable, type SlotTable } from './compose.js';
import { createPlop } from './plop.js';
import { alignFilled, markdownText } from './markdown-tables.js';
import { templateFiles, type TemplateFile } from './templates.js';
import type { Tree } from './tree.js';
import { VERSION } from './version.js';

const slots = new Map<boolean, SlotTable>();
/** Slot of every middleware any feature can add, from the edits of all features with every answer (in the project's language: the files they edit are named in it). */
export function registrySlots(answers: Answers): SlotTable {
  const key = isTypeScriptProject(answers);
  let table = slots.get(key);
  if (!table) slots.set(key, (table = slotTable(allFeatures().flatMap((c) => featureEdits(c, answers)))));
  return table;
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

  const renderFile = (feature: Feature, file: TemplateFile) => () => {
    // A filled table's columns depend on the answers: aligned after the fill, as the formatter would.
    const filled = file.handlebars ? alignFilled(file.target, plop.renderString(file.source as string, data)) : file.source;
    const policy = feature.userFiles?.includes(file.target) ? 'user' : 'generated';
    const { path, content } = fileInLanguage(file.target, filled, answers);
    tree.set(path, { content, feature: feature.id, policy });
    return path;
  };
  const compose = (edit: Edit) => () => {
    const file = tree.get(edit.file);
    if (!file) throw new Error(`compose: ${edit.kind} edit targets ${edit.file}, which no feature renders`);
    if (typeof file.content !== 'string') throw new Error(`compose: ${edit.kind} edit targets ${edit.file}, which is not text`);
    file.content = applyEdit(file.content, edit, table);
    return edit.file;
  };

  // Files first (all features), then edits: an edit may target any feature's file.
  for (const feature of features)
    await plop.run(
      `${feature.id}:files`,
      templateFiles(feature.id).map((file) => renderFile(feature, file)),
    );
  for (const feature of features) await plop.run(`${feature.id}:edits`, featureEdits(feature, answers).map(compose));
  return tree;
}

/**
 * `features` bring scripts, devDependencies and endpoints; the README lists
 * only the `chosen` ones (support features are not the user's choice). The
 * chosen features' scripts come first (start, dev, test from the language's
 * feature), then those of support features (hash-password).
 */
function templateData(answers: Answers, features: Feature[], chosen: Feature[]) {
  const scripts: Record<string, string> = {};
  const devDependencies: Record<string, string> = {};
  const endpoints: Endpoint[] = [];
  for (const feature of [...chosen, ...features.filter((f) => !chosen.includes(f))]) {
    Object.assign(scripts, feature.scripts);
    Object.assign(devDependencies, feature.devDependencies);
  }
  for (const feature of features) endpoints.push(...(feature.endpoints ?? []));
  const { ext, node } = LANGUAGES[langOf(answers)];
  return {
    name: answers.name,
    version: VERSION,
    answers,
    answersJson: JSON.stringify(answers),
    scripts,
    // Sorted as npm writes them, so `npm install -D` leaves package.json as it is.
    devDependencies: Object.keys(devDependencies).length ? Object.fromEntries(Object.entries(devDependencies).sort(([a], [b]) => (a < b ? -1 : 1))) : undefined,
    ext,
    node,
    endpoints,
    features: chosen.map((f) => ({
      id: f.id,
      ...describeFeature(f.id),
      doc: templateFiles(f.id).find((t) => t.target === `docs/${f.id}.md`)?.target,
    })),
  };
}
