import kleur from 'kleur';

/**
 * The only module that colours text. kleur already turns colours off for
 * NO_COLOR, TERM=dumb and non-TTY output; `--no-color` turns them off here.
 */
export function setColor(enabled: boolean): void {
  kleur.enabled = enabled && kleur.enabled;
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
  process.stdout.write(`${line}\n`);
}

export function printError(message: string): void {
  process.stderr.write(`${paint.error(`error: ${message}`)}\n`);
}
