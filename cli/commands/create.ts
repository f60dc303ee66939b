import { readFileSync, existsSync, readdirSync, statSync, lstatSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { walkFiles } from '../../generators/engine/templates.js';
import { chosenFeatures, describeFeature, groups } from '../../generators/registry.js';
import { LANGUAGES, runsTypeScript } from '../../generators/lang.js';
import { resolveAnswers, validateName, withPreset } from '../../generators/engine/answers.js';
import { CLIError } from '../../generators/engine/errors.js';
import { render } from '../../generators/engine/render.js';
import { withRecords, withRecordedDefaults, isRecord, BASE_DIR, STATE_DIR } from '../../generators/engine/records.js';
import { commit, recover, writeNewProject } from '../../generators/engine/transaction.js';
import { sameContent, type Content } from '../../generators/engine/content.js';
import type { Answers } from '../../generators/types.js';
import type { ParsedArgs } from '../args.js';
import { notice, paint, print, printJson } from '../output.js';
import { askAnswers, askName } from '../prompts.js';

export interface Context {
  interactive: boolean;
  cwd: string;
}

/** `create-nodeserver [dir] [flags]`: validate everything, render in memory, write atomically. */
export async function create(args: ParsedArgs, ctx: Context): Promise<number> {
  if (args.positionals.length > 1) {
    throw new CLIError(`expected one project folder, got ${args.positionals.length}: ${args.positionals.join(' ')}`, 'E_USAGE');
  }
  let dir = args.positionals[0];
  if (!dir) {
    if (!ctx.interactive) throw new CLIError('missing project folder: create-nodeserver <dir> [flags], e.g. create-nodeserver my-app --yes', 'E_DIR');
    dir = await askName();
  }
  const target = resolve(ctx.cwd, dir);
  const name = basename(target);
  validateName(name);
  checkTarget(target, args.flags.force === true);

  const fromFile = typeof args.flags.answers === 'string' ? readAnswersFile(resolve(ctx.cwd, args.flags.answers)) : {};
  const preset = typeof args.flags.preset === 'string' ? args.flags.preset : undefined;
  const known = withPreset(preset, { ...fromFile, ...args.answers });
  // Validate what was given before asking anything, so a bad flag fails fast.
  resolveAnswers({ ...known, name }, new Set(Object.keys(known)));
  const complete = ctx.interactive && !preset && !args.flags.answers ? await askAnswers(known) : known;
  const answers = resolveAnswers({ ...complete, name }, new Set(Object.keys(known)));

  const files = withRecords(await render(answers), answers);
  const rel = relative(ctx.cwd, target);
  const shown = rel === '' ? '.' : rel.startsWith('..') ? target : rel;
  const replaced = args.flags['dry-run'] ? [] : write(target, files);
  if (args.flags.json) {
    printJson({ target, dryRun: args.flags['dry-run'] === true, answers, files: [...files.keys()].sort(), replaced });
    return 0;
  }
  if (!ctx.interactive) print(`${paint.dim('answers:')} ${describeAnswers(answers)}`);
  if (args.flags['dry-run']) {
    print(`${paint.bold('dry run')}: would write ${files.size} files to ${shown}/`);
    for (const path of [...files.keys()].sort()) if (!isRecord(path)) print(`  ${path}`);
    print(paint.dim(`  (+ nodeserver.json and .nodeserver/ records)`));
    return 0;
  }
  summary(answers, shown);
  if (answers.lang === 'ts' && !runsTypeScript()) {
    print();
    print(paint.warn(`note: this Node ${process.version} cannot run TypeScript: the project needs Node.js ${LANGUAGES.ts.node}+ to run (npm start, npm test)`));
  }
  if (replaced.length) {
    print();
    print(paint.warn(`Your files at ${replaced.length} generated path(s) were moved to ${STATE_DIR}/replaced/: ${replaced.join(', ')}`));
  }
  return 0;
}

/**
 * Writes the new project. Into an absent or empty folder: as one rename.
 * Into a folder with files (--force): as a transaction in place that never
 * deletes anything; a file of the user's at a path the generator writes is
 * moved to .nodeserver/replaced/<time>/ first. Returns those paths.
 */
function write(target: string, files: Map<string, Content>): string[] {
  if (!existsSync(target) || !readdirSync(target).length) {
    writeNewProject(target, files);
    return [];
  }
  const recovered = recover(target);
  if (recovered) notice(`recovered: ${recovered}`);
  const changes = new Map<string, Content | null>(files);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const replaced: string[] = [];
  for (const [path, content] of files) {
    if (isRecord(path)) continue;
    const full = join(target, path);
    let stat;
    try {
      stat = lstatSync(full);
    } catch {
      continue;
    }
    if (!stat.isFile()) continue; // a folder or link there is refused by the transaction's checks
    const mine = readFileSync(full);
    if (sameContent(mine, content)) continue;
    changes.set(`${STATE_DIR}/replaced/${stamp}/${path}`, mine);
    replaced.push(path);
  }
  // The old merge base belongs to the records being replaced, not to the user.
  const oldBase = join(target, BASE_DIR);
  if (existsSync(oldBase)) {
    for (const file of walkFiles(oldBase)) {
      const path = `${BASE_DIR}/${relative(oldBase, file).split(sep).join('/')}`;
      if (!changes.has(path)) changes.set(path, null);
    }
  }
  commit(target, changes);
  return replaced;
}

function checkTarget(target: string, force: boolean): void {
  if (!existsSync(target)) return;
  if (!statSync(target).isDirectory()) throw new CLIError(`${target} exists and is not a folder: choose another name`, 'E_EXISTS');
  const entries = readdirSync(target).filter((e) => e !== '.git');
  if (entries.length && !force) {
    throw new CLIError(
      `${target} is not empty: choose another folder, or use --force to write into it (nothing of yours is deleted; files at generated paths are moved to ${STATE_DIR}/replaced/)`,
      'E_EXISTS',
    );
  }
}

function readAnswersFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CLIError(`cannot read answers file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'E_ANSWERS_FILE');
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new CLIError(`answers file ${path} is not valid JSON: ${(err as Error).message}`, 'E_ANSWERS_FILE');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new CLIError(`answers file ${path} must hold a JSON object like {"auth": "session"}`, 'E_ANSWERS_FILE');
  }
  // nodeserver.json of another project works too: take its answers.
  const record = data as Record<string, unknown>;
  // A record made before a group existed has that group's recorded value (a project without `lang` is JavaScript).
  const answers = (typeof record.answers === 'object' && record.answers !== null ? withRecordedDefaults(record.answers as Record<string, unknown>) : record) as Record<string, unknown>;
  const { name: _ignored, ...rest } = answers;
  return rest;
}

export function describeAnswers(answers: Answers): string {
  return groups
    .filter((g) => g.id in answers)
    .map((g) => {
      const v = answers[g.id];
      return `${g.id}=${Array.isArray(v) ? v.join(',') || 'none' : String(v)}`;
    })
    .join(' ');
}

function summary(answers: Answers, shown: string): void {
  print(`${paint.ok('✔')} Created ${paint.bold(answers.name)} in ${shown}/`);
  print();
  print(paint.bold('Features:'));
  for (const feature of chosenFeatures(answers)) {
    const { title, description } = describeFeature(feature.id);
    print(`  ${paint.ok('•')} ${title}${description ? paint.dim(` — ${description}`) : ''}`);
  }
  print();
  print(paint.bold('Next steps:'));
  if (shown !== '.') print(`  ${paint.cmd(`cd ${shown}`)}`);
  print(`  ${paint.cmd('npm start')}     ${paint.dim('# or ./start.sh, start.bat')}`);
  print(`  ${paint.cmd('npm test')}`);
  print(`  ${paint.cmd('npm run dev')}   ${paint.dim('# restarts on change')}`);
  if (answers.lang === 'ts') print(`  ${paint.cmd('npm install && npm run typecheck')}   ${paint.dim('# tsc: typescript and @types/node are the only devDependencies')}`);
}
