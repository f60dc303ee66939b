import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { decodeText, type Content } from './content.js';
import { CLIError } from './errors.js';
import { walkFiles } from './templates.js';
import { BASE_DIR, FILES_FILE, MANIFEST_FILE, RECOVER_RECORDS, hash, validateFiles, validateManifest, type FileRecord, type ProjectManifest } from './records.js';

/** A generated project as found on disk, its records checked. */
export interface Project {
  root: string;
  manifest: ProjectManifest;
  /** Per generated file: hash, owning feature, policy. */
  files: Record<string, FileRecord>;
  /** The pristine render the project was last generated from (text, or bytes for binary files). */
  base: Map<string, Content>;
  /** The user's current bytes of a path (undefined when absent). */
  current(path: string): Uint8Array | undefined;
  /** Is the path one the user has taken over (`skip` in nodeserver.json)? */
  skipped(path: string): boolean;
}

/** The nearest folder at or above `start` that holds a nodeserver.json. */
export function findProjectRoot(start: string): string | undefined {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, MANIFEST_FILE))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Reads and checks `nodeserver.json` and `.nodeserver/` of the project at `root`. */
export function loadProject(root: string, options: { allowDamagedBase?: boolean } = {}): Project {
  const manifestPath = join(root, MANIFEST_FILE);
  if (!existsSync(manifestPath)) {
    throw new CLIError(`no ${MANIFEST_FILE} in ${root} or above: run this inside a project made by create-nodeserver`, 'E_NOT_PROJECT');
  }
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (err) {
    throw new CLIError(`${MANIFEST_FILE} is not valid JSON (${(err as Error).message}): restore it from version control`, 'E_RECORDS');
  }
  const manifest = validateManifest(data);
  let files: Record<string, FileRecord>;
  try {
    files = validateFiles(JSON.parse(readFileSync(join(root, FILES_FILE), 'utf8')));
  } catch (err) {
    if (err instanceof CLIError) throw err;
    throw new CLIError(`${FILES_FILE} is missing or not JSON: ${RECOVER_RECORDS}`, 'E_RECORDS');
  }
  const base = readBase(root, files, options.allowDamagedBase === true);
  const skip = (manifest.skip ?? []).map(globToRegExp);
  // A plan asks for the same file several times (edits, merge, the no-op check, the type
  // check); one command reads it once. The project object lives until its plan is written.
  const read = new Map<string, Uint8Array | undefined>();
  return {
    root,
    manifest,
    files,
    base,
    current(path) {
      if (!read.has(path)) {
        let bytes: Uint8Array | undefined;
        try {
          const full = join(root, path);
          bytes = statSync(full).isFile() ? readFileSync(full) : undefined;
        } catch {
          bytes = undefined;
        }
        read.set(path, bytes);
      }
      return read.get(path);
    },
    skipped: (path) => skip.some((re) => re.test(path)),
  };
}

/**
 * The recorded base, checked against the hashes in the manifest. A missing
 * or changed base file would make a three-way merge see every line as new
 * (whole-file conflicts), so it is refused, never merged as if empty.
 */
function readBase(root: string, files: Record<string, FileRecord>, allowDamaged: boolean): Map<string, Content> {
  const base = new Map<string, Content>();
  const baseRoot = join(root, BASE_DIR);
  if (existsSync(baseRoot)) {
    for (const path of walkFiles(baseRoot)) {
      const bytes = readFileSync(path);
      base.set(relative(baseRoot, path).split(sep).join('/'), decodeText(bytes) ?? bytes);
    }
  }
  const missing = Object.keys(files).filter((p) => !base.has(p));
  const changed = Object.entries(files)
    .filter(([p, r]) => base.has(p) && hash(base.get(p)!) !== r.hash)
    .map(([p]) => p);
  if ((missing.length || changed.length) && !allowDamaged) {
    const what = [missing.length ? `${missing.length} file(s) missing` : '', changed.length ? `${changed.length} changed` : ''].filter(Boolean).join(', ');
    const example = missing[0] ?? changed[0];
    throw new CLIError(`${BASE_DIR} is damaged (${what}, e.g. ${example}): ${RECOVER_RECORDS}`, 'E_RECORDS');
  }
  return base;
}

/** The user's text of a path, refused (one line naming it) when it is not UTF-8. */
export function textOf(path: string, bytes: Uint8Array): string {
  const text = decodeText(bytes);
  if (text === undefined) {
    throw new CLIError(
      `${path} is not UTF-8 text: create-nodeserver only edits and merges UTF-8 files; convert it (e.g. iconv -t UTF-8), or add it to "skip" in ${MANIFEST_FILE}`,
      'E_ENCODING',
    );
  }
  return text;
}

/**
 * A path glob as in .gitignore: `*` and `?` stay within a folder, `**`
 * crosses folders, and a glob without a `/` matches a file name anywhere.
 */
export function globToRegExp(glob: string): RegExp {
  const anchored = glob.includes('/') ? glob.replace(/^\//, '') : `**/${glob}`;
  let out = '';
  for (let i = 0; i < anchored.length; i++) {
    const c = anchored[i];
    if (c === '*' && anchored[i + 1] === '*') {
      const slash = anchored[i + 2] === '/';
      out += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  // A folder glob covers what is inside it.
  return new RegExp(`^${out}(?:/.*)?$`);
}

/**
 * Refuses to rewrite a project with uncommitted changes: the user's safety
 * net for a lifecycle command is a clean commit to return to. Only the
 * project's own folder counts (it may be one package of a monorepo). In a
 * git work tree where git cannot run, the state is unknown: refused too.
 */
export function assertClean(root: string, allowDirty: boolean): void {
  if (allowDirty) return;
  if (!insideGitWorkTree(root)) return;
  let status: string;
  try {
    status = execFileSync('git', ['status', '--porcelain', '--untracked-files=all', '--', '.'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const reason =
      (err as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'git is not installed'
        : `git status failed: ${
            String((err as { stderr?: string }).stderr ?? (err as Error).message)
              .trim()
              .split('\n')[0]
          }`;
    throw new CLIError(`this project is in a git work tree but its changes cannot be checked (${reason}): fix that, or pass --allow-dirty`, 'E_DIRTY');
  }
  if (status.trim()) {
    const count = status.trim().split('\n').length;
    throw new CLIError(`the project has ${count} uncommitted change(s): commit or stash them first, or pass --allow-dirty`, 'E_DIRTY');
  }
}

function insideGitWorkTree(root: string): boolean {
  for (let dir = resolve(root); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return true;
    if (dirname(dir) === dir) return false;
  }
}
