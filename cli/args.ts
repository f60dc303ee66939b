import { groupById, groups } from '../generators/registry.js';
import { parseValue } from '../generators/engine/answers.js';
import { CLIError } from '../generators/engine/errors.js';
import type { AnswerValue } from '../generators/types.js';

/** Flags that are not answers, with whether they take a value. */
const GENERAL: Record<string, { value: boolean; alias?: string }> = {
  help: { value: false, alias: 'h' },
  version: { value: false, alias: 'v' },
  yes: { value: false, alias: 'y' },
  preset: { value: true },
  answers: { value: true },
  'dry-run': { value: false },
  force: { value: false },
  json: { value: false },
  color: { value: false },
  'allow-dirty': { value: false },
  conflict: { value: true },
  'restore-deleted': { value: false },
  'rebuild-base': { value: false },
  before: { value: true },
  after: { value: true },
};

/** The commands, in the order help lists them (`upgrade` is `regenerate`). */
export const COMMANDS = ['create', 'add', 'remove', 'regenerate', 'upgrade', 'check', 'list', 'generate', 'g', 'destroy'] as const;
export type Command = Exclude<(typeof COMMANDS)[number], 'upgrade' | 'g'>;

/**
 * The general flags each command takes (help, version and color go
 * everywhere); `answers: true` when it also takes answer flags such as
 * `--workers 4`. A flag of another command is an error, not silently ignored.
 */
const COMMAND_FLAGS: Record<Command, { flags: string[]; answers: boolean }> = {
  create: { flags: ['yes', 'preset', 'answers', 'dry-run', 'force', 'json'], answers: true },
  add: { flags: ['yes', 'dry-run', 'json', 'allow-dirty', 'force'], answers: true },
  remove: { flags: ['yes', 'dry-run', 'json', 'allow-dirty', 'force'], answers: false },
  regenerate: { flags: ['yes', 'dry-run', 'json', 'allow-dirty', 'force', 'conflict', 'restore-deleted', 'rebuild-base'], answers: true },
  check: { flags: ['json'], answers: false },
  list: { flags: ['json'], answers: false },
  generate: { flags: ['dry-run', 'json', 'allow-dirty', 'force', 'before', 'after'], answers: false },
  destroy: { flags: ['dry-run', 'json', 'allow-dirty', 'force'], answers: false },
};

export function checkFlags(command: Command, args: ParsedArgs): void {
  const allowed = COMMAND_FLAGS[command];
  for (const flag of Object.keys(args.flags)) {
    if (['help', 'version', 'color'].includes(flag) || allowed.flags.includes(flag)) continue;
    throw new CLIError(`--${flag} does not apply to ${command}: it takes ${allowed.flags.map((f) => `--${f}`).join(', ') || 'no flags'}`, 'E_FLAG');
  }
  const answer = Object.keys(args.answers)[0];
  if (answer !== undefined && !allowed.answers) {
    const hint =
      command === 'remove'
        ? 'remove takes a feature, e.g. remove cache memory'
        : command === 'generate'
          ? 'to place a middleware use --before or --after, e.g. --after auth'
          : 'it takes no feature flags';
    throw new CLIError(`--${answer} does not apply to ${command}: ${hint}`, 'E_FLAG');
  }
}

export interface ParsedArgs {
  positionals: string[];
  /** General flags: true/false or their value. */
  flags: Record<string, string | boolean>;
  /** Answers given as flags, parsed and typed. */
  answers: Record<string, AnswerValue>;
}

/**
 * Parses argv against the general flags and one flag per registry group
 * (`--body json,form`, `--csrf` / `--no-csrf`, `--workers 4`).
 */
export function parseArgs(argv: string[]): ParsedArgs {
  const out: ParsedArgs = { positionals: [], flags: {}, answers: {} };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--') {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!token.startsWith('-') || token === '-') {
      out.positionals.push(token);
      continue;
    }
    let [name, inline] = splitFlag(token);
    const alias = Object.entries(GENERAL).find(([, spec]) => spec.alias === name);
    if (alias) name = alias[0];
    const negated = name.startsWith('no-') ? name.slice(3) : undefined;
    const takeValue = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new CLIError(`--${name} needs a value`, 'E_FLAG');
      i++;
      return next;
    };
    const general = GENERAL[name] ?? (negated !== undefined && GENERAL[negated] && !GENERAL[negated].value ? GENERAL[negated] : undefined);
    if (general) {
      const key = GENERAL[name] ? name : negated!;
      out.flags[key] = general.value ? takeValue() : key === name ? parseBool(inline, name) : false;
      continue;
    }
    const group = groupById(name) ?? (negated !== undefined ? groupById(negated) : undefined);
    if (group) {
      if (group.kind === 'boolean') {
        out.answers[group.id] = group.id === name ? parseBool(inline, name) : false;
      } else if (negated !== undefined && !groupById(name)) {
        throw new CLIError(`--${name} is not a flag: --${group.id} takes a value`, 'E_FLAG');
      } else {
        out.answers[group.id] = parseValue(group, takeValue());
      }
      continue;
    }
    throw new CLIError(`unknown flag ${token.split('=')[0]}: valid flags are ${validFlags().join(', ')}`, 'E_FLAG');
  }
  return out;
}

function splitFlag(token: string): [string, string | undefined] {
  const body = token.replace(/^--?/, '');
  const eq = body.indexOf('=');
  return eq === -1 ? [body, undefined] : [body.slice(0, eq), body.slice(eq + 1)];
}

function parseBool(inline: string | undefined, name: string): boolean {
  if (inline === undefined || /^(true|yes|1)$/i.test(inline)) return true;
  if (/^(false|no|0)$/i.test(inline)) return false;
  throw new CLIError(`invalid value "${inline}" for --${name}: use --${name} or --no-${name}`, 'E_VALUE');
}

export function validFlags(): string[] {
  const general = Object.keys(GENERAL).map((f) => (f === 'color' ? '--no-color' : `--${f}`));
  const answers = groups.map((g) => (g.kind === 'boolean' ? `--[no-]${g.id}` : `--${g.id}`));
  return [...answers, ...general];
}
