import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Files that must be executable in the project. */
const EXECUTABLE = new Set(['start.sh']);

/**
 * Writes a whole project at once: into a temporary sibling folder, then one
 * rename into place. On any error the target is left as it was. With
 * `replace`, an existing non-empty target is swapped out (its `.git` kept).
 */
export function writeProject(target: string, files: Map<string, string>, options: { replace?: boolean } = {}): void {
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const temp = join(parent, `.${basename(target)}.tmp-${randomBytes(4).toString('hex')}`);
  try {
    writeTree(temp, files);
    if (existsSync(target)) {
      if (readdirSync(target).length && !options.replace) throw new Error(`${target} is not empty`);
      const old = join(parent, `.${basename(target)}.old-${randomBytes(4).toString('hex')}`);
      renameSync(target, old);
      try {
        if (existsSync(join(old, '.git'))) renameSync(join(old, '.git'), join(temp, '.git'));
        renameSync(temp, target);
      } catch (err) {
        renameSync(old, target);
        throw err;
      }
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(temp, target);
    }
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

/** Writes `files` under `root` (which must be new or disposable). */
export function writeTree(root: string, files: Map<string, string>): void {
  for (const [path, content] of files) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
    if (EXECUTABLE.has(path)) chmodSync(full, 0o755);
  }
}
