import { existsSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { execFileSync } from 'node:child_process';
import { CLIError } from './errors.js';
import { walkFiles } from './templates.js';
import { BASE_DIR, FILES_FILE, MANIFEST_FILE, type FileRecord, type ProjectManifest } from './records.js';

/** A generated project as found on disk. */
export interface Project {
  root: string;
  manifest: ProjectManifest;
  /** Per generated file: hash, owning feature, policy. */
  files: Record<string, FileRecord>;
  /** The pristine render the project was last generated from. */
  base: Map<string, string>;
  /** The user's current version of a path (undefined when deleted). */
  current(path: string): string | undefined;
}

/** Reads `nodeserver.json` and `.nodeserver/` of the project at `root`. */
export function loadProject(root: string): Project {
  const manifestPath = join(root, MANIFEST_FILE);
  if (!existsSync(manifestPath)) {
    throw new CLIError(`no ${MANIFEST_FILE} in ${root}: run this inside a project made by create-nodeserver`, 'E_NOT_PROJECT');
  }
  let manifest: ProjectManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as ProjectManifest;
  } catch (err) {
    throw new CLIError(`${MANIFEST_FILE} is not valid JSON (${(err as Error).message}): restore it from version control`, 'E_NOT_PROJECT');
  }
  if (manifest.generator !== 'create-nodeserver' || typeof manifest.answers !== 'object') {
    throw new CLIError(`${MANIFEST_FILE} was not written by create-nodeserver: expected "generator" and "answers"`, 'E_NOT_PROJECT');
  }
  let files: Record<string, FileRecord> = {};
  try {
    files = (JSON.parse(readFileSync(join(root, FILES_FILE), 'utf8')) as { files: Record<string, FileRecord> }).files;
  } catch {
    throw new CLIError(`${FILES_FILE} is missing or broken: restore .nodeserver/ from version control`, 'E_NOT_PROJECT');
  }
  const base = new Map<string, string>();
  const baseRoot = join(root, BASE_DIR);
  if (existsSync(baseRoot)) {
    for (const path of walkFiles(baseRoot)) base.set(relative(baseRoot, path).split(sep).join('/'), readFileSync(path, 'utf8'));
  }
  return {
    root,
    manifest,
    files,
    base,
    current(path) {
      try {
        return readFileSync(join(root, path), 'utf8');
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * Refuses to rewrite a git work tree with uncommitted changes: the user's
 * safety net for a lifecycle command is a clean commit to return to.
 */
export function assertClean(root: string, allowDirty: boolean): void {
  if (allowDirty) return;
  let status: string;
  try {
    status = execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return; // not a git repository, or git is not installed: nothing to protect
  }
  if (status.trim()) {
    throw new CLIError('the git work tree has uncommitted changes: commit or stash them first, or pass --allow-dirty', 'E_DIRTY');
  }
}
