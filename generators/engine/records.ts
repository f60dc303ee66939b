import { createHash } from 'node:crypto';
import type { Answers, Edit, Slot } from '../types.js';
import { SLOTS } from '../types.js';
import { resolveAnswers } from './answers.js';
import { toBytes, type Content } from './content.js';
import { CLIError } from './errors.js';
import { jsonText } from './json-text.js';
import { sortedPaths, type Policy, type Tree } from './tree.js';
import { ANSWERS_SCHEMA, VERSION, compareVersions } from './version.js';

/** Where a project keeps what the lifecycle commands need. */
export const MANIFEST_FILE = 'nodeserver.json';
export const STATE_DIR = '.nodeserver';
export const BASE_DIR = `${STATE_DIR}/base`;
export const FILES_FILE = `${STATE_DIR}/manifest.json`;

export interface ProjectManifest {
  generator: 'create-nodeserver';
  version: string;
  answersSchema: number;
  answers: Answers;
  /** Globs of generated files the user has made their own: never updated. */
  skip?: string[];
  /**
   * What `create-nodeserver generate` made (a resource, a route, ...): the
   * user's code from then on, so `regenerate` never merges it and `check`
   * does not count it as drift; `destroy` takes it out again.
   */
  generated?: GeneratedRecord[];
}

/** One `generate <kind> <name>`: its files (hash as written) and its edits of the shared files. */
export interface GeneratedRecord {
  kind: string;
  name: string;
  /** The rest of the command line (fields of a resource, placement of a middleware). */
  args: string[];
  files: Record<string, string>;
  edits: Edit[];
  /** A middleware's place in buildApp, so a later one can be placed before or after it. */
  slot?: Slot;
  rank?: number;
}

/** What a project's records keep across every rewrite: the user's skip list and what was generated. */
export type KeptRecords = Pick<ProjectManifest, 'skip' | 'generated'>;

export interface FileRecord {
  hash: string;
  feature: string;
  policy: Policy;
}

export function hash(content: Content): string {
  return createHash('sha256').update(toBytes(content)).digest('hex').slice(0, 16);
}

/** Is this path one of the project's own records (never merged or listed as a project file)? */
export function isRecord(path: string): boolean {
  return path === MANIFEST_FILE || path === STATE_DIR || path.startsWith(`${STATE_DIR}/`);
}

/**
 * The pristine render plus its records: `nodeserver.json` (version and
 * answers), `.nodeserver/base/**` (the merge base) and
 * `.nodeserver/manifest.json` (hash, owning feature and policy per file).
 * `kept` carries the user's skip list and the generated record over when the records are rewritten.
 */
export function withRecords(rendered: Tree, answers: Answers, kept: KeptRecords = {}): Map<string, Content> {
  const out = new Map<string, Content>();
  for (const [path, content] of recordsOf(rendered, answers, kept)) out.set(path, content);
  for (const path of sortedPaths(rendered)) out.set(path, rendered.get(path)!.content);
  return out;
}

/** Only the records of a render: the manifest, the file list and the base. */
export function recordsOf(rendered: Tree, answers: Answers, kept: KeptRecords = {}): Map<string, Content> {
  const out = new Map<string, Content>();
  const files: Record<string, FileRecord> = {};
  for (const path of sortedPaths(rendered)) {
    const file = rendered.get(path)!;
    out.set(`${BASE_DIR}/${path}`, file.content);
    files[path] = { hash: hash(file.content), feature: file.feature, policy: file.policy };
  }
  out.set(MANIFEST_FILE, manifestText({ generator: 'create-nodeserver', version: VERSION, answersSchema: ANSWERS_SCHEMA, answers, skip: kept.skip, generated: kept.generated }));
  out.set(FILES_FILE, jsonText({ files }));
  return out;
}

/** `nodeserver.json` as every command writes it: empty lists are left out, so removing the last entry gives the file back. */
export function manifestText(manifest: ProjectManifest): string {
  const { skip, generated, ...rest } = manifest;
  const out: ProjectManifest = { ...rest, ...(skip?.length ? { skip } : {}), ...(generated?.length ? { generated } : {}) };
  return jsonText(out);
}

/**
 * The record changes that make a render the project's new merge base: its
 * records, and the deletion of every old base file it no longer has.
 */
export function recordChanges(rendered: Tree, answers: Answers, kept: KeptRecords, oldBase: Iterable<string>): Map<string, Content | null> {
  const out = new Map<string, Content | null>();
  for (const path of oldBase) if (!rendered.has(path)) out.set(`${BASE_DIR}/${path}`, null);
  for (const [path, content] of recordsOf(rendered, answers, kept)) out.set(path, content);
  return out;
}

/**
 * Migrations of recorded answers, one per schema version: `migrations[n]`
 * turns schema n into n + 1. Schema 1 is the first one written; the next
 * change of a group's meaning adds `1:` here (and bumps ANSWERS_SCHEMA).
 */
export type Migration = (answers: Record<string, unknown>) => Record<string, unknown>;
export const migrations: Record<number, Migration> = {};

/** Brings answers of an older schema up to `target` through `table`, step by step. */
export function migrateAnswers(answers: Record<string, unknown>, from: number, target = ANSWERS_SCHEMA, table = migrations): Record<string, unknown> {
  let current = answers;
  for (let schema = from; schema < target; schema++) {
    const migrate = table[schema];
    if (!migrate) throw new CLIError(`${MANIFEST_FILE}: no migration from answers schema ${schema} to ${schema + 1}: this generator cannot read it`, 'E_RECORDS');
    current = migrate(structuredClone(current));
  }
  return current;
}

/**
 * Answers a record may lack because their group is newer than the project,
 * with the value such a project has. Not the group's default: `lang`
 * defaults to what the Node running the generator runs (lang.ts), but a
 * project recorded before the group existed is JavaScript on every machine.
 * Any other group missing from a record takes its default (resolveAnswers).
 */
export const RECORDED_DEFAULTS: Record<string, unknown> = { lang: 'js' };

/** Recorded answers with the values of groups newer than the record filled in (RECORDED_DEFAULTS). */
export function withRecordedDefaults(answers: Record<string, unknown>): Record<string, unknown> {
  return { ...RECORDED_DEFAULTS, ...answers };
}

const MANIFEST_KEYS = ['generator', 'version', 'answersSchema', 'answers', 'skip', 'generated'];
const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

/**
 * Checks a parsed `nodeserver.json` before anything happens: its shape, that
 * it is not from a newer generator (downgrades are not supported), and its
 * answers (migrated from an older schema, then validated like flags are).
 */
export function validateManifest(data: unknown): ProjectManifest {
  const bad = (what: string) => new CLIError(`${MANIFEST_FILE}: ${what}; fix it or restore it from version control`, 'E_RECORDS');
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw bad('expected a JSON object');
  const record = data as Record<string, unknown>;
  if (record.generator !== 'create-nodeserver') throw bad('"generator" must be "create-nodeserver" (was this project made by create-nodeserver?)');
  const unknown = Object.keys(record).filter((k) => !MANIFEST_KEYS.includes(k));
  if (unknown.length) throw bad(`unknown key(s) ${unknown.map((k) => `"${k}"`).join(', ')}: valid keys are ${MANIFEST_KEYS.join(', ')}`);
  if (typeof record.version !== 'string' || !SEMVER.test(record.version)) throw bad('"version" must be a version like "0.2.0"');
  if (compareVersions(record.version, VERSION) > 0) {
    throw new CLIError(
      `this project was made by create-nodeserver ${record.version}, newer than this ${VERSION}: downgrades are not supported; use create-nodeserver@${record.version} or newer`,
      'E_NEWER',
    );
  }
  const schema = record.answersSchema;
  if (typeof schema !== 'number' || !Number.isInteger(schema) || schema < 1) throw bad('"answersSchema" must be a whole number from 1');
  if (schema > ANSWERS_SCHEMA) {
    throw new CLIError(
      `this project records answers schema ${schema}, newer than this generator's ${ANSWERS_SCHEMA}: downgrades are not supported; use a newer create-nodeserver`,
      'E_NEWER',
    );
  }
  if (typeof record.answers !== 'object' || record.answers === null || Array.isArray(record.answers)) {
    throw bad('"answers" must be an object like {"name": "my-app", "auth": "none"}');
  }
  const raw = withRecordedDefaults(migrateAnswers(record.answers as Record<string, unknown>, schema));
  if (typeof raw.name !== 'string' || !raw.name) throw bad('"answers" needs the project\'s "name"');
  let answers: Answers;
  try {
    answers = resolveAnswers(raw);
  } catch (err) {
    if (err instanceof CLIError) throw bad(`"answers": ${err.message}`);
    throw err;
  }
  const skip = record.skip;
  if (skip !== undefined && (!Array.isArray(skip) || skip.some((g) => typeof g !== 'string' || !g))) {
    throw bad('"skip" must be a list of path globs, e.g. ["src/routes.js", "public/**"]');
  }
  const generated = record.generated;
  if (generated !== undefined && (!Array.isArray(generated) || !generated.every(isGeneratedRecord))) {
    throw bad('"generated" must be the list create-nodeserver generate writes ({"kind", "name", "args", "files", "edits"} each); restore it, or run destroy before editing it');
  }
  return {
    generator: 'create-nodeserver',
    version: record.version,
    answersSchema: ANSWERS_SCHEMA,
    answers,
    ...(skip ? { skip: skip as string[] } : {}),
    ...(generated ? { generated: generated as GeneratedRecord[] } : {}),
  };
}

function isGeneratedRecord(value: unknown): value is GeneratedRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
  const safePath = (p: string) => Boolean(p) && !p.startsWith('/') && !p.split('/').includes('..') && !isRecord(p);
  return (
    typeof r.kind === 'string' &&
    typeof r.name === 'string' &&
    strings(r.args) &&
    typeof r.files === 'object' &&
    r.files !== null &&
    !Array.isArray(r.files) &&
    Object.entries(r.files).every(([p, h]) => safePath(p) && typeof h === 'string') &&
    Array.isArray(r.edits) &&
    r.edits.every((e) => typeof e === 'object' && e !== null && typeof (e as Edit).kind === 'string' && typeof (e as Edit).file === 'string' && safePath((e as Edit).file)) &&
    (r.slot === undefined || SLOTS.includes(r.slot as Slot)) &&
    (r.rank === undefined || typeof r.rank === 'number')
  );
}

/** Checks `.nodeserver/manifest.json`: one record per generated file. */
export function validateFiles(data: unknown): Record<string, FileRecord> {
  const bad = () => new CLIError(`${FILES_FILE} is damaged: ${RECOVER_RECORDS}`, 'E_RECORDS');
  const files = (data as { files?: unknown } | null)?.files;
  if (typeof files !== 'object' || files === null || Array.isArray(files)) throw bad();
  for (const [path, record] of Object.entries(files as Record<string, unknown>)) {
    const r = record as FileRecord | null;
    if (!path || path.startsWith('/') || path.split('/').includes('..') || isRecord(path)) throw bad();
    if (typeof r !== 'object' || r === null || typeof r.hash !== 'string' || typeof r.feature !== 'string' || (r.policy !== 'generated' && r.policy !== 'user')) throw bad();
  }
  return files as Record<string, FileRecord>;
}

/** The documented ways back to sound records (README: "When the records are damaged"). */
export const RECOVER_RECORDS =
  'restore .nodeserver/ from version control (git checkout -- .nodeserver), or, when this generator is the version that made the project, rebuild it with: create-nodeserver regenerate --rebuild-base';
