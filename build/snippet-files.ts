import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SNIPPETS_DIR, TEMPLATES_DIR, walkFiles } from '../generators/engine/templates.js';
import { PREBUILT_SNIPPETS, parseSnippetFile, type SnippetFile } from '../generators/engine/snippets.js';
import { prebuiltKey } from '../generators/engine/prebuilt-key.js';

/**
 * `npm run build`: every feature's snippet file, parsed (snippets.ts), so
 * that `create`, `add` and `regenerate` read their edits without parsing
 * any snippet. Looked up by path and text: a snippet edited after the build
 * is parsed when it is read, as before. `generate`'s snippets are
 * templates rendered with the user's names, parsed when rendered.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));

const out: Record<string, SnippetFile> = {};
for (const path of walkFiles(TEMPLATES_DIR)) {
  const where = relative(TEMPLATES_DIR, path).split(sep).join('/');
  const [feature, dir] = where.split('/');
  if (feature === 'generate' || dir !== SNIPPETS_DIR || !where.endsWith('.js')) continue;
  const text = readFileSync(path, 'utf8');
  out[prebuiltKey(where, text)] = parseSnippetFile(where, text);
}
writeFileSync(join(root, 'dist/generators/engine', PREBUILT_SNIPPETS), JSON.stringify(out));
console.log(`snippet-files: ${Object.keys(out).length} files`);
