import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

/** This generator's version, recorded in every project it writes. */
export const VERSION: string = pkg.version;

/** Version of the answers' shape; bump when a group changes meaning, with a migration in lifecycle. */
export const ANSWERS_SCHEMA = 1;
