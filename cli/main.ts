import { CLIError } from '../generators/engine/errors.js';
import { findProjectRoot } from '../generators/engine/project.js';
import { VERSION } from '../generators/engine/version.js';
import { checkFlags, COMMANDS, parseArgs, type Command } from './args.js';
import { helpText } from './help.js';
import { print, printError, setOutput } from './output.js';
import { Cancelled } from './cancelled.js';
import { create } from './commands/create.js';
import { lifecycle } from './commands/lifecycle.js';
import { generate } from './commands/generate.js';
import { list } from './commands/list.js';
import { handlePendingSignals, onSignal } from './signals.js';

/** Parses, dispatches, and turns errors into exit codes (0, 1, 2, 130). */
async function main(argv: string[]): Promise<number> {
  // Known before parsing, so even a bad flag is reported as JSON.
  setOutput({ color: !argv.includes('--no-color'), json: argv.includes('--json') });
  const args = parseArgs(argv);
  setOutput({ color: args.flags.color !== false, json: args.flags.json === true });
  if (args.flags.help) {
    print(helpText());
    return 0;
  }
  if (args.flags.version) {
    print(VERSION);
    return 0;
  }
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY) && !process.env.CI && args.flags.yes !== true && args.flags.json !== true;
  const ctx = { interactive, cwd: process.cwd() };
  let [word, ...rest] = args.positionals;
  let command: Command;
  if (word !== undefined && (COMMANDS as readonly string[]).includes(word)) {
    command = word === 'upgrade' ? 'regenerate' : word === 'g' ? 'generate' : (word as Command);
  } else {
    // Inside a project a bare word is a mistyped command far more often than
    // a new project nested in this one (that takes an explicit `create`).
    const root = word !== undefined && !word.includes('/') ? findProjectRoot(ctx.cwd) : undefined;
    if (root) {
      throw new CLIError(
        `unknown command "${word}": commands are ${COMMANDS.filter((c) => c !== 'create' && c !== 'g').join(', ')} (to make a new project here: create-nodeserver create ${word})`,
        'E_COMMAND',
      );
    }
    command = 'create';
    rest = args.positionals;
  }
  checkFlags(command, args);
  const commandArgs = { ...args, positionals: rest };
  if (command === 'list') return list(commandArgs);
  if (command === 'create') return create(commandArgs, ctx);
  if (command === 'generate' || command === 'destroy') return generate(command, commandArgs, ctx);
  return lifecycle(command, commandArgs, ctx);
}

// A closed stdout (`create-nodeserver --dry-run | head`) ends the run quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
onSignal();

main(process.argv.slice(2)).then(
  async (code) => {
    process.exitCode = code;
    await handlePendingSignals();
  },
  (err: unknown) => {
    if (err instanceof CLIError) {
      printError(err.message, err.code);
      process.exitCode = err.exitCode;
    } else if (err instanceof Cancelled) {
      printError('cancelled', 'E_CANCELLED');
      process.exitCode = 130;
    } else {
      // Not the user's mistake: show everything so it can be reported.
      printError(`internal error: ${err instanceof Error ? err.stack : String(err)}`, 'E_INTERNAL');
      process.exitCode = 70; // EX_SOFTWARE: not one of the user-facing codes, so scripts can tell a bug apart
    }
  },
);
