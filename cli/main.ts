import { CLIError } from '../generators/engine/errors.js';
import { VERSION } from '../generators/engine/version.js';
import { parseArgs } from './args.js';
import { helpText } from './help.js';
import { print, printError, setColor } from './output.js';
import { Cancelled } from './cancelled.js';
import { create } from './commands/create.js';
import { lifecycle, LIFECYCLE_COMMANDS } from './commands/lifecycle.js';
import { list } from './commands/list.js';

/** Parses, dispatches, and turns errors into exit codes (0, 1, 2, 130). */
async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  setColor(args.flags.color !== false);
  if (args.flags.help) {
    print(helpText());
    return 0;
  }
  if (args.flags.version) {
    print(VERSION);
    return 0;
  }
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY) && !process.env.CI && args.flags.yes !== true;
  const ctx = { interactive, cwd: process.cwd() };
  const [command, ...rest] = args.positionals;
  if (command === 'list') return list(args);
  if (command && LIFECYCLE_COMMANDS.includes(command)) return lifecycle(command, { ...args, positionals: rest }, ctx);
  return create(args, ctx);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof CLIError) {
      printError(err.message);
      process.exitCode = err.exitCode;
    } else if (err instanceof Cancelled) {
      process.stderr.write('cancelled\n');
      process.exitCode = 130;
    } else {
      // Not the user's mistake: show everything so it can be reported.
      process.stderr.write(`internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 70; // EX_SOFTWARE: not one of the user-facing codes, so scripts can tell a bug apart
    }
  },
);
