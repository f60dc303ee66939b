import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  rmdirSync,
  statSync,
  writeFileSync,
  writeSync,
  accessSync,
  constants,
} from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { toBytes, type Content } from './content.js';
import { CLIError } from './errors.js';

/**
 * The one module that writes into a project. A change is a transaction, the
 * way a database does it: every new content and a backup of every file it
 * replaces are written into a journal folder first and made durable; only
 * then is the journal marked, and the files renamed into place. Killed at
 * any moment, the next command finds the journal and rolls it back (or,
 * once every rename is done, finishes it), so a project is always as before
 * or as after, and no temporary file outlives the command.
 */

/** Where the journal lives while a change is written (inside the project's records). */
export const JOURNAL_DIR = '.nodeserver/journal';
const JOURNAL_FILE = 'journal.json';

interface JournalEntry {
  /** Project-relative POSIX path (already resolved through links inside the project). */
  path: string;
  /** New content staged as staged/<index>; false: the path is deleted. */
  staged: boolean;
  /** The file existed: a backup of it is backup/<index>. */
  backup: boolean;
}

interface Journal {
  format: 1;
  /** applying: renames may have started; applied: all done, only the clean-up is left. */
  state: 'applying' | 'applied';
  entries: JournalEntry[];
  /** Folders the change creates, parents first (removed again on roll-back). */
  dirs: string[];
}

/** A new file is executable when it is a script: it starts with `#!` (start.sh). */
function modeFor(content: Content): number {
  const bytes = toBytes(content);
  return bytes[0] === 0x23 && bytes[1] === 0x21 ? 0o755 : 0o644;
}

/**
 * Tests (the kill loop) widen the window in which a command is writing, so
 * a signal sent at a random moment lands inside it; never set otherwise.
 */
const stepDelay = Number(process.env.NODESERVER_TEST_STEP_DELAY_MS ?? 0);
function step(): void {
  if (stepDelay > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, stepDelay);
}

/** Whether this process has written a change (a signal after it ends a command that is done). */
let wrote = false;
export function wroteChanges(): boolean {
  return wrote;
}

/**
 * Writes `changes` (path -> content, or null to delete) into the project at
 * `root`, all or nothing. Every target is checked first (a problem is a
 * CLIError naming the path, and nothing is written). Synchronous on purpose:
 * a SIGINT or SIGTERM arriving meanwhile is handled once it has finished.
 */
export function commit(root: string, changes: Map<string, Content | null>): void {
  if (existsSync(join(root, JOURNAL_DIR))) throw new Error(`${JOURNAL_DIR} exists: recover() must run before commit()`);
  const targets = checkTargets(root, changes);
  if (!targets.size) return;
  const journalDir = join(root, JOURNAL_DIR);
  const journal: Journal = { format: 1, state: 'applying', entries: [], dirs: [] };
  try {
    mkdirSync(join(journalDir, 'staged'), { recursive: true });
    mkdirSync(join(journalDir, 'backup'), { recursive: true });
    const dirs = new Set<string>();
    let index = 0;
    for (const [path, content] of targets) {
      const full = join(root, path);
      const existed = existsSync(full);
      const entry: JournalEntry = { path, staged: content !== null, backup: existed };
      if (content !== null) {
        const mode = existed ? statSync(full).mode & 0o7777 : modeFor(content);
        writeDurably(join(journalDir, 'staged', String(index)), toBytes(content), mode);
        for (let dir = dirname(path); dir !== '.' && !existsSync(join(root, dir)); dir = dirname(dir)) dirs.add(dir);
      }
      // A hard link is an instant backup of the file's bytes and mode; renaming
      // the new file over the target leaves it untouched.
      if (existed) backup(full, join(journalDir, 'backup', String(index)));
      journal.entries.push(entry);
      index++;
      step();
    }
    journal.dirs = [...dirs].sort((a, b) => a.split('/').length - b.split('/').length);
    syncDir(join(journalDir, 'staged'));
    syncDir(join(journalDir, 'backup'));
    writeJournal(journalDir, journal);
  } catch (err) {
    // Nothing in the project was touched yet.
    rmSync(journalDir, { recursive: true, force: true });
    removeEmpty(root, '.nodeserver');
    throw ioError(err, 'nothing was changed');
  }

  try {
    for (const dir of journal.dirs) mkdirSync(join(root, dir), { recursive: true });
    journal.entries.forEach((entry, i) => {
      const full = join(root, entry.path);
      if (entry.staged) renameSync(join(journalDir, 'staged', String(i)), full);
      else rmSync(full, { force: true });
      step();
    });
    for (const dir of new Set(journal.entries.map((e) => dirname(join(root, e.path))))) if (existsSync(dir)) syncDir(dir);
  } catch (err) {
    rollBack(root, journal);
    throw ioError(err, 'the project was put back as it was');
  }
  journal.state = 'applied';
  writeJournal(journalDir, journal);
  wrote = true;
  finish(root);
  // Folders emptied by deletions go too (a removed feature's docs/ or test/ folder).
  for (const entry of journal.entries) if (!entry.staged) removeEmptyParents(root, dirname(entry.path));
}

/**
 * Looks for the journal of an interrupted command and undoes it (or finishes
 * it when every file was already in place). Returns a sentence for the user,
 * or undefined when there was nothing to recover.
 */
export function recover(root: string): string | undefined {
  const journalDir = join(root, JOURNAL_DIR);
  if (!existsSync(journalDir)) return undefined;
  let journal: Journal | undefined;
  try {
    journal = JSON.parse(readFileSync(join(journalDir, JOURNAL_FILE), 'utf8')) as Journal;
  } catch {
    journal = undefined;
  }
  if (!journal || journal.format !== 1 || !Array.isArray(journal.entries)) {
    // Interrupted while staging: no project file was touched yet.
    finish(root);
    return 'an earlier command was interrupted before it changed anything: its temporary files are removed';
  }
  if (journal.state === 'applied') {
    finish(root);
    return 'an earlier command was interrupted while cleaning up: its change was complete and is kept';
  }
  rollBack(root, journal);
  return `an earlier command was interrupted while writing: its ${journal.entries.length} file change(s) were rolled back, the project is as it was before it`;
}

/** Puts every file of the journal back as it was; safe to run again if interrupted itself. */
function rollBack(root: string, journal: Journal): void {
  const journalDir = join(root, JOURNAL_DIR);
  for (let i = journal.entries.length - 1; i >= 0; i--) {
    const entry = journal.entries[i];
    const full = join(root, entry.path);
    const saved = join(journalDir, 'backup', String(i));
    if (entry.backup) {
      // Gone: restored by an earlier, interrupted roll-back.
      if (!existsSync(saved)) continue;
      mkdirSync(dirname(full), { recursive: true });
      renameSync(saved, full);
    } else {
      rmSync(full, { force: true });
    }
  }
  for (const dir of [...journal.dirs].reverse()) removeEmpty(root, dir);
  finish(root);
}

function finish(root: string): void {
  rmSync(join(root, JOURNAL_DIR), { recursive: true, force: true });
  removeEmpty(root, '.nodeserver');
}

function removeEmpty(root: string, dir: string): void {
  try {
    rmdirSync(join(root, dir));
  } catch {
    // not empty, or already gone
  }
}

function removeEmptyParents(root: string, dir: string): void {
  for (let d = dir; d !== '.' && d !== ''; d = dirname(d)) {
    const full = join(root, d);
    if (!existsSync(full) || readdirSync(full).length) return;
    rmdirSync(full);
  }
}

function backup(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to); // a filesystem without hard links
  }
}

function writeJournal(journalDir: string, journal: Journal): void {
  const temp = join(journalDir, `${JOURNAL_FILE}.tmp`);
  writeDurably(temp, Buffer.from(JSON.stringify(journal)), 0o644);
  renameSync(temp, join(journalDir, JOURNAL_FILE));
  syncDir(journalDir);
}

function writeDurably(path: string, bytes: Buffer, mode: number): void {
  const fd = openSync(path, 'w', mode);
  try {
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems cannot fsync a folder; the rename order still holds.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function ioError(err: unknown, outcome: string): Error {
  if (err instanceof CLIError) return err;
  const e = err as NodeJS.ErrnoException;
  if (!e?.code) return err as Error;
  const reason: Record<string, string> = {
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is used up',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'the file system is read-only',
    EISDIR: 'a folder stands where a file must go',
    ENOTDIR: 'a file stands where a folder must go',
  };
  return new CLIError(`cannot write ${e.path ?? 'the project'}: ${reason[e.code] ?? e.code}; ${outcome}`, 'E_WRITE');
}

/**
 * Checks every target before anything is written and resolves links: a file
 * reached through a symlink is written through it when the link points
 * inside the project (the link stays a link), and refused otherwise.
 * Returns the changes keyed by their real project-relative paths.
 */
export function checkTargets(root: string, changes: Map<string, Content | null>): Map<string, Content | null> {
  const realRoot = realpathSync(root);
  const out = new Map<string, Content | null>();
  for (const [path, content] of changes) {
    const real = resolveTarget(realRoot, path, content === null);
    if (content === null && !existsSync(join(realRoot, real))) continue;
    out.set(real, content);
  }
  return out;
}

function resolveTarget(root: string, path: string, deleting: boolean): string {
  const parts = path.split('/');
  let current = root;
  for (let i = 0; i < parts.length; i++) {
    const last = i === parts.length - 1;
    const next = join(current, parts[i]);
    let stat;
    try {
      stat = lstatSync(next);
    } catch {
      // Does not exist yet: the nearest existing folder must take new entries.
      writable(current, path);
      return relative(root, join(next, ...parts.slice(i + 1)))
        .split(sep)
        .join('/');
    }
    if (stat.isSymbolicLink()) {
      // A link to delete goes as a link: its target is not ours to remove.
      if (last && deleting) return relative(root, next).split(sep).join('/');
      let real: string;
      try {
        real = realpathSync(next);
      } catch {
        throw new CLIError(`${path}: ${relative(root, next)} is a broken link: fix or remove it first`, 'E_TARGET');
      }
      if (real !== root && !real.startsWith(root + sep)) {
        throw new CLIError(
          `${path} is a link to ${real}, outside the project: create-nodeserver never writes there (replace the link by a file, or add the path to "skip" in nodeserver.json)`,
          'E_TARGET',
        );
      }
      current = real;
      stat = statSync(real);
    } else {
      current = next;
    }
    if (!last && !stat.isDirectory()) throw new CLIError(`${path}: ${relative(root, current)} is a file where a folder must go: move it away first`, 'E_TARGET');
    if (last && stat.isDirectory()) throw new CLIError(`${path} is a folder where a file must go: move it away first`, 'E_TARGET');
  }
  writable(dirname(current), path);
  return relative(root, current).split(sep).join('/');
}

function writable(dir: string, path: string): void {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch {
    throw new CLIError(`${path}: cannot write in ${dir} (permission denied): nothing was changed`, 'E_TARGET');
  }
}

/**
 * Writes a new project at `target` (absent or an empty folder): into a
 * hidden sibling folder first, then one rename, so a half-written project
 * never appears under its name. Leftovers of a killed earlier run are removed
 * first (their process is gone).
 */
export function writeNewProject(target: string, files: Map<string, Content>): void {
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const prefix = `.${basename(target)}.create-nodeserver-`;
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (!alive(pid)) rmSync(join(parent, name), { recursive: true, force: true });
  }
  const temp = join(parent, `${prefix}${process.pid}`);
  rmSync(temp, { recursive: true, force: true });
  try {
    writeTree(temp, files);
    // An empty folder is replaced: rmdir refuses anything else, so nothing of the user's is lost.
    if (existsSync(target)) rmdirSync(target);
    renameSync(temp, target);
  } catch (err) {
    rmSync(temp, { recursive: true, force: true });
    throw ioError(err, 'nothing was created');
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes `files` under `root`, a folder that is new or disposable (renders for tests and goldens). */
export function writeTree(root: string, files: Map<string, Content>): void {
  for (const [path, content] of files) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, toBytes(content), { mode: modeFor(content) });
  }
}
