import { describeValues, groups } from '../generators/registry.js';
import { presets } from '../generators/presets.js';
import { paint } from './output.js';

/** `--help`, derived from the registry so it can never drift from the flags. */
export function helpText(): string {
  const rows: [string, string][] = groups.map((g) => {
    const flag = g.kind === 'boolean' ? `--[no-]${g.id}` : `--${g.id} <${describeValues(g)}>`;
    const extra = g.whenText ? ` (${g.whenText})` : '';
    const def = Array.isArray(g.default) ? g.default.join(',') || 'none' : String(g.default);
    return [flag, `${g.description}${extra} [default: ${def}]`];
  });
  const general: [string, string][] = [
    ['--preset <name>', `start from a preset: ${presets.map((p) => p.name).join(', ')}`],
    ['--answers <file.json>', 'read answers from a JSON file (flags win)'],
    ['-y, --yes', 'do not ask: flags, preset and defaults only'],
    ['--dry-run', 'print the files it would write, write nothing'],
    [
      '--force',
      'create: write into a non-empty folder (deletes nothing; your files at generated paths go to .nodeserver/replaced/); add/remove/regenerate: write even if the change adds type errors',
    ],
    ['--json', 'machine-readable output'],
    ['--before, --after <name>', 'generate middleware: its place in buildApp, a slot or a middleware (default: --after body)'],
    ['--no-color', 'plain output (also NO_COLOR=1)'],
    ['-h, --help', 'this help'],
    ['-v, --version', 'the generator version'],
  ];
  const width = Math.max(...[...rows, ...general].map(([f]) => f.length)) + 2;
  const fmt = ([f, d]: [string, string]) => `  ${paint.cmd(f.padEnd(width))}${d}`;
  return [
    `${paint.bold('create-nodeserver')}: a zero-dependency Node.js server, and a way to keep it`,
    '',
    'Usage:',
    '  create-nodeserver [dir] [flags]           create a project (create-nodeserver create <dir> inside another project)',
    '  create-nodeserver add <group> [value]     add a feature to this project',
    '  create-nodeserver remove <group> [value]  remove a feature from this project',
    '  create-nodeserver regenerate | upgrade    bring this project to this generator version',
    '  create-nodeserver check                   exit 0 when up to date, 1 when behind',
    '  create-nodeserver list                    every feature, with descriptions',
    '  create-nodeserver generate <kind> <name>  (alias g) new code of yours, wired in and tested:',
    '      g resource products name:string price:number tags:string[] note:string?',
    '        (types: string, number, integer, boolean, string[], number[]; ? = optional)',
    '      g route GET /reports/:id   g middleware audit --after auth   g page dashboard   g interceptor maintenance',
    '  create-nodeserver destroy <kind> <name>   take generated code out again (files you changed are kept)',
    '',
    'Features:',
    ...rows.map(fmt),
    '',
    'Options:',
    ...general.map(fmt),
    '',
    'Presets:',
    ...presets.map((p) => `  ${paint.cmd(p.name.padEnd(width))}${p.description}`),
    '',
    'Lifecycle options (run anywhere inside a project): --dry-run, --json, --allow-dirty, --force,',
    '  regenerate: --conflict markers|ours|theirs, --restore-deleted, --rebuild-base (records damaged, same version)',
    'Exit codes: 0 done, 1 user error (nothing written), 2 done with conflicts left, 130 cancelled,',
    '            70 internal error (a bug: the stack is printed, please report it)',
  ].join('\n');
}
