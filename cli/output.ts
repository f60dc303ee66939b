import kleur from 'kleur';

/**
 * The only module that writes to the terminal and colours text. With --json
 * stdout carries exactly one JSON document, so human lines are dropped.
 */
let json = false;

/**
 * Colours: off with --no-color, with NO_COLOR set to anything but the empty
 * string (no-color.org), TERM=dumb, or output that is not a terminal
 * (FORCE_COLOR turns them on there).
 */
export function setOutput(options: { color: boolean; json: boolean }): void {
  json = options.json;
  const env = process.env;
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0';
  kleur.enabled = options.color && !env.NO_COLOR && env.TERM !== 'dumb' && (forced || Boolean(process.stdout.isTTY));
}

export const paint = {
  error: (s: string) => kleur.red(s),
  ok: (s: string) => kleur.green(s),
  warn: (s: string) => kleur.yellow(s),
  dim: (s: string) => kleur.dim(s),
  bold: (s: string) => kleur.bold(s),
  cmd: (s: string) => kleur.cyan(s),
};

export function print(line = ''): void {
  if (!json) process.stdout.write(`${line}\n`);
}

/** The one JSON document of a --json run. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Something the user must know even with --json (recovery of an interrupted command): stderr. */
export function notice(line: string): void {
  process.stderr.write(`${paint.warn(line)}\n`);
}

export function printError(message: string, code: string): void {
  if (json) printJson({ error: { code, message } });
  else process.stderr.write(`${paint.error(`error: ${message}`)}\n`);
}

export function isJson(): boolean {
  return json;
}
