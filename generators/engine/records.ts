import { createHash } from 'node:crypto';
import type { Answers } from '../types.js';
import { sortedPaths, type Policy, type Tree } from './tree.js';
import { ANSWERS_SCHEMA, VERSION } from './version.js';

/** Where a project keeps what the lifecycle commands need. */
export const MANIFEST_FILE = 'nodeserver.json';
export const STATE_DIR = '.nodeserver';
export const BASE_DIR = `${STATE_DIR}/base`;
export const FILES_FILE = `${STATE_DIR}/manifest.json`;

export interface ProjectManifest {
  generator: string;
  version: string;
  answersSchema: number;
  answers: Answers;
}

export interface FileRecord {
  hash: string;
  feature: string;
  policy: Policy;
}

export function hash(content: string): string {
  return createHash('sha256').update(content).digest('hex').slice(0, 16);
}

/** Is this path one of the project's own records (never merged or listed as a project file)? */
export function isRecord(path: string): boolean {
  return path === MANIFEST_FILE || path === STATE_DIR || path.startsWith(`${STATE_DIR}/`);
}

/**
 * The pristine render plus its records: `nodeserver.json` (version and
 * answers), `.nodeserver/base/**` (the merge base) and
 * `.nodeserver/manifest.json` (hash, owning feature and policy per file).
 */
export function withRecords(rendered: Tree, answers: Answers): Map<string, string> {
  const out = new Map<string, string>();
  const files: Record<string, FileRecord> = {};
  for (const path of sortedPaths(rendered)) {
    const file = rendered.get(path)!;
    out.set(path, file.content);
    out.set(`${BASE_DIR}/${path}`, file.content);
    files[path] = { hash: hash(file.content), feature: file.feature, policy: file.policy };
  }
  const manifest: ProjectManifest = { generator: 'create-nodeserver', version: VERSION, answersSchema: ANSWERS_SCHEMA, answers };
  out.set(MANIFEST_FILE, `${JSON.stringify(manifest, null, 2)}\n`);
  out.set(FILES_FILE, `${JSON.stringify({ files }, null, 2)}\n`);
  return out;
}
