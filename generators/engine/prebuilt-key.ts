import { createHash } from 'node:crypto';

/**
 * The key of a file's entry in a table `npm run build` writes ahead of time
 * (typescript-templates.json, snippet-files.json): its path and its text, so
 * a file changed since the build finds no entry and is worked out again.
 */
export function prebuiltKey(path: string, text: string): string {
  return createHash('sha256').update(path).update('\0').update(text).digest('base64url');
}
