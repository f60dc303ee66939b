import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isCheckedFile, typecheck as check } from '../../generators/engine/typecheck.js';
import { readTree } from './tree.js';

/**
 * Type-checks a generated project on disk with the engine's check (strict
 * checkJs, the generator's @types/node). One line per diagnostic; empty: clean.
 */
export function typecheck(dir: string): string[] {
  const files = new Map<string, string>();
  for (const path of readTree(dir).keys()) if (isCheckedFile(path)) files.set(path, readFileSync(`${dir}/${path}`, 'utf8'));
  return check(files);
}

// As a script: node typecheck.js <dir>  -> prints diagnostics, exit 1 if any.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const errors = typecheck(process.argv[2]);
  for (const e of errors) console.log(e);
  process.exitCode = errors.length ? 1 : 0;
}
