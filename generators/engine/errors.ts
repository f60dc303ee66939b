/**
 * A mistake of the user (bad flag, bad answers, wrong folder): printed as one
 * line, exit code 1, nothing written. Anything else is a bug and prints its
 * stack. Codes are stable so tests and scripts can match them.
 */
export class CLIError extends Error {
  readonly code: string;
  readonly exitCode: number;
  constructor(message: string, code = 'E_USAGE', exitCode = 1) {
    super(message);
    this.name = 'CLIError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** A structural edit could not find its anchor (a function, an object, an import). */
export class EditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EditError';
  }
}
