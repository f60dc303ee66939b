import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { TEMPLATES_DIR, walkFiles } from '../generators/engine/templates.js';
import { isConverted, toTypeScript } from '../generators/engine/typescript.js';
import { PREBUILT_FILE } from '../generators/engine/typescript-project.js';
import { prebuiltKey } from '../generators/engine/prebuilt-key.js';

/**
 * `npm run build`: the TypeScript of every plain template module, converted
 * (typescript.ts) and then formatted by Prettier with the repository's
 * settings, as a careful person would leave it: the converter moves types
 * next to code and Prettier re-wraps what got long. A generated project has
 * no formatter, so this is done once here; render looks a template's text
 * up by its path and content (typescript-project.ts). Handlebars templates
 * and edits' code convert at render time (short lines, nothing to re-wrap).
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const options = { ...JSON.parse(readFileSync(join(root, '.prettierrc.json'), 'utf8')), parser: 'typescript' };

const out: Record<string, string> = {};
for (const path of walkFiles(TEMPLATES_DIR)) {
  const [feature, ...rest] = relative(TEMPLATES_DIR, path).split(sep);
  const target = rest.join('/');
  if (feature === 'generate' || rest[0] === 'snippets' || !isConverted(target)) continue;
  const source = readFileSync(path, 'utf8');
  out[prebuiltKey(target, source)] = await prettier.format(toTypeScript(target, source), options);
}
writeFileSync(join(root, 'dist/generators/engine', PREBUILT_FILE), JSON.stringify(out));
console.log(`typescript-templates: ${Object.keys(out).length} modules`);
