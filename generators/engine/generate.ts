import Handlebars from 'handlebars';
import { posix } from 'node:path';
import { scaffold, type GenerateRequest, type Scaffold } from '../generate/kinds.js';
import { assertRoutesFree } from '../generate/taken-routes.js';
import { calleeOf, transition, type SlotTable } from './compose.js';
import { decodeText, keepEols, toLf, type Content } from './content.js';
import { CLIError, EditError } from './errors.js';
import type { Plan, PlanEntry } from './lifecycle.js';
import { alignFilled } from './markdown-tables.js';
import { textOf, type Project } from './project.js';
import { hash, manifestText, MANIFEST_FILE, type GeneratedRecord } from './records.js';
import { registrySlots } from './render.js';
import { sourcePath } from './script-files.js';
import { fileInLanguage } from './typescript-project.js';
import { templateFiles } from './templates.js';
import { VERSION } from './version.js';
import type { Answers, Edit } from '../types.js';

/**
 * `generate` and `destroy`: new code of the user's (a resource, a route, a
 * middleware, ...) written into a project, and taken out again. The same
 * parts as add/remove: templates rendered in memory, structural edits of
 * the shared files through the compose engine (`transition`, so placement,
 * idempotence and the inverse are the lifecycle's own), and a Plan that
 * the CLI type-checks and writes through the one transaction. What was
 * made is recorded in nodeserver.json (`generated`): regenerate leaves
 * those files to the user, check does not count them, destroy reads them.
 */

/** The slot table of the registry, plus every middleware and interceptor generated before. */
function slotsOf(project: Project, extra?: Pick<GeneratedRecord, 'edits' | 'slot' | 'rank'>): SlotTable {
  const registry = registrySlots(project.manifest.answers);
  const table: SlotTable = new Map(registry);
  table.rank = new Map(registry.rank);
  for (const record of [...(project.manifest.generated ?? []), ...(extra ? [extra] : [])]) {
    if (record.slot === undefined || record.rank === undefined) continue;
    for (const edit of record.edits) {
      if (edit.kind !== 'use') continue;
      table.set(calleeOf(edit.call), record.slot);
      table.rank.set(`use:${edit.file}:${calleeOf(edit.call)}`, record.rank);
    }
  }
  return table;
}

function sameVersion(project: Project): void {
  if (project.manifest.version !== VERSION) {
    throw new CLIError(`this project was made by create-nodeserver ${project.manifest.version}: run create-nodeserver regenerate first, then this command`, 'E_UPGRADE');
  }
}

/**
 * The files of a scaffold: template paths and contents rendered with its
 * names; a module's path is in the language of the project's answers
 * (`src/resources/products.ts` in a TypeScript project).
 */
export function renderFiles(made: Scaffold, answers: Answers): Map<string, string> {
  const out = new Map<string, string>();
  const fill = (source: string) => Handlebars.compile(source, { noEscape: true, strict: true })(made.data, { helpers: { braced: (value: string) => `{${value}}` } });
  for (const dir of made.templates) {
    for (const file of templateFiles(dir)) {
      const target = fill(file.target);
      const source = typeof file.source === 'string' ? file.source : decodeText(file.source);
      if (source === undefined) throw new Error(`template ${dir}/${file.target} is not text`);
      const { path, content } = fileInLanguage(target, file.handlebars ? alignFilled(target, fill(source)) : source, answers);
      out.set(path, content as string);
    }
  }
  return out;
}

/** The route table of the project of these answers (src/routes.js, or src/routes.ts in TypeScript). */
const routesFile = (answers: Answers) => sourcePath('src/routes.js', answers);

/** The user's text of a shared file, as LF (`text`) and as it is (`raw`); refused when missing. */
function sharedText(project: Project, file: string): { text: string; raw: string } {
  const bytes = project.current(file);
  if (bytes === undefined) throw new CLIError(`${file} is missing: generated code is wired in there; restore it first`, 'E_MISSING');
  if (project.skipped(file)) throw new CLIError(`${file} is in "skip" of ${MANIFEST_FILE}, but this command must edit it: take it out of "skip", or wire the code in by hand`, 'E_SKIPPED');
  const text = textOf(file, bytes);
  return { text: toLf(text), raw: text };
}

/** Applies (`added`) or reverts (`removed`) edits file by file; an anchor the user removed is one line naming it. */
function editFiles(project: Project, removed: Edit[], added: Edit[], slots: SlotTable, entries: PlanEntry[], writes: Map<string, Content | null>): void {
  for (const file of new Set([...removed, ...added].map((e) => e.file))) {
    const { text, raw } = sharedText(project, file);
    let after: string;
    try {
      after = keepEols(raw, transition(text, file, removed, added, slots));
    } catch (err) {
      if (err instanceof EditError) throw new CLIError(`cannot ${added.length ? 'wire the code into' : 'unwire the code from'} your ${err.message}`, 'E_ANCHOR');
      throw err;
    }
    if (after === raw) continue;
    entries.push({ path: file, action: 'edit', before: project.current(file), after });
    writes.set(file, after);
  }
}

function recordsWith(project: Project, generated: GeneratedRecord[]): string {
  return manifestText({ ...project.manifest, generated });
}

/** What `generate` writes; nothing is written here. */
export function planGenerate(project: Project, request: GenerateRequest): Plan & { record: GeneratedRecord } {
  sameVersion(project);
  const generated = project.manifest.generated ?? [];
  const made = scaffold(request, project.manifest.answers, generated, slotsOf(project));
  if (generated.some((g) => g.kind === made.kind && g.name === made.name)) {
    throw new CLIError(`${made.kind} ${made.name} was already generated here: pick another name, or run destroy ${made.kind} ${made.name} first`, 'E_EXISTS');
  }
  const answers = project.manifest.answers;
  const files = renderFiles(made, answers);
  for (const path of files.keys()) {
    if (project.current(path) !== undefined) throw new CLIError(`${path} already exists: pick another name for the ${made.kind}`, 'E_EXISTS');
  }
  for (const { file, name } of made.names) {
    const { text } = sharedText(project, file);
    if (new RegExp(`(?<![\\w$])${name}(?![\\w$])`).test(text)) throw new CLIError(`${file} already has a name ${name}: pick another name for the ${made.kind}`, 'E_EXISTS');
  }
  // A route the router already has would stop the server at start.
  const routes = routesFile(answers);
  if (made.edits.some((e) => e.file === routes)) assertRoutesFree(made.endpoints, sharedText(project, routes).text, made.kind, routes);
  // With natural routing the route table runs first: a route there must not take a controller's URLs.
  if (made.kind === 'route' && answers.routing === 'natural') {
    const first = String(made.data.path).split('/')[1] ?? '';
    const controller = sourcePath(`src/controllers/${first || 'index'}.js`, answers);
    if (first.startsWith(':')) throw new CLIError(`${made.data.path} starts with a parameter: with natural routing it would take every controller's URLs; start it with a word`, 'E_EXISTS');
    if (project.current(controller) !== undefined)
      throw new CLIError(`${made.data.path} would take the URLs of ${controller} (natural routing): pick a path that starts with another word`, 'E_EXISTS');
  }
  const record: GeneratedRecord = {
    kind: made.kind,
    name: made.name,
    args: made.args,
    files: Object.fromEntries([...files].map(([path, content]) => [path, hash(content)])),
    edits: made.edits,
    ...(made.slot !== undefined ? { slot: made.slot, rank: made.rank } : {}),
  };
  const entries: PlanEntry[] = [];
  const writes = new Map<string, Content | null>();
  for (const [path, content] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    entries.push({ path, action: 'create', after: content });
    writes.set(path, content);
  }
  editFiles(project, [], made.edits, slotsOf(project, record), entries, writes);
  writes.set(MANIFEST_FILE, recordsWith(project, [...generated, record]));
  return { answers: project.manifest.answers, entries, writes, conflicts: 0, record };
}

/**
 * What `destroy` writes: the recorded files deleted while they are as
 * generated (changed ones are kept and listed, and so is every file they
 * import), the edits reverted, the record dropped.
 */
export function planDestroy(project: Project, kind: string, name: string): Plan {
  sameVersion(project);
  const generated = project.manifest.generated ?? [];
  const record = generated.find((g) => g.kind === kind && (g.name === name || (kind === 'route' && g.name.toUpperCase() === name.toUpperCase())));
  if (!record) {
    const made = generated.filter((g) => g.kind === kind).map((g) => g.name);
    throw new CLIError(`no ${kind} ${name} was generated here${made.length ? `: generated ${kind}s are ${made.join(', ')}` : ''}`, 'E_NOT_GENERATED');
  }
  const entries: PlanEntry[] = [];
  const writes = new Map<string, Content | null>();
  const files: PlanEntry[] = [];
  for (const [path, recorded] of Object.entries(record.files).sort(([a], [b]) => a.localeCompare(b))) {
    const before = project.current(path);
    if (before === undefined) continue;
    if (hash(before) === recorded) files.push({ path, action: 'delete', before });
    else files.push({ path, action: 'keep', before, after: before, note: 'changed by you since it was generated: kept' });
  }
  // A kept file must not lose a module it imports.
  for (let changed = true; changed;) {
    changed = false;
    for (const kept of files.filter((f) => f.action === 'keep')) {
      const text = decodeText(kept.before as Uint8Array) ?? '';
      for (const match of text.matchAll(/\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
        const target = posix.normalize(posix.join(posix.dirname(kept.path), match[1]));
        const dep = files.find((f) => f.path === target && f.action === 'delete');
        if (!dep) continue;
        Object.assign(dep, { action: 'keep', after: dep.before, note: `still imported by ${kept.path}: kept` });
        changed = true;
      }
    }
  }
  for (const entry of files) {
    entries.push(entry);
    if (entry.action === 'delete') writes.set(entry.path, null);
  }
  editFiles(project, record.edits, [], slotsOf(project), entries, writes);
  writes.set(
    MANIFEST_FILE,
    recordsWith(
      project,
      generated.filter((g) => g !== record),
    ),
  );
  return { answers: project.manifest.answers, entries, writes, conflicts: 0 };
}
