import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { applyFormatting, findFormatting, sameCode } from '../generators/engine/formatting.js';
import { ROOT } from './support/project.js';

/**
 * formatting.ts: what a user's formatter did to a whole file, learned from
 * it and its merge base, and applied to new code; and whether a file differs
 * from its base in formatting only. Checked against real Prettier runs over
 * real templates.
 */
const template = readFileSync(join(ROOT, 'templates/base/src/lib/access-log.js'), 'utf8');
const biome = { printWidth: 190, trailingComma: 'all' as const, useTabs: true, singleQuote: false, semi: false, parser: 'babel' };
const fourSpaces = { printWidth: 190, trailingComma: 'all' as const, tabWidth: 4, singleQuote: true, semi: true, parser: 'babel' };

test("learns Prettier's other settings from a file formatted with them", async () => {
  const tabs = findFormatting(await prettier.format(template, biome), template);
  assert.equal([tabs.doubleQuotes, tabs.noSemicolons, tabs.indentation.get('  '), tabs.indentation.get('    ')], [true, true, '\t', '\t\t']);
  const four = findFormatting(await prettier.format(template, fourSpaces), template);
  assert.equal([four.doubleQuotes, four.noSemicolons, four.indentation.get('  ')], [false, false, '    ']);
  const none = findFormatting(template.replace('export function', '// mine\nexport function'), template);
  assert.equal([none.doubleQuotes, none.noSemicolons, none.indentation.size], [false, false, 0]);
});

test('formats new code the way Prettier would have with those settings', async () => {
  const formatting = findFormatting(await prettier.format(template, biome), template);
  const code = [
    "import { x } from './x.js';",
    '',
    "// Don't touch 'these' quotes; or this semicolon;",
    'export function f(list) {',
    "  for (const item of list) if (item === 'skip') continue;",
    '  const said = \'say "hi"\';',
    "  const it = 'it\\'s';",
    '  const t = `a ${said} b`;',
    '  const n = 1;',
    '  (n || said).toString();',
    '  return [said, it, t];',
    '}',
    '',
  ].join('\n');
  assert.is(applyFormatting(code, formatting), await prettier.format(code, biome));
});

test('a file only reformatted is the same code; a changed comment, string or token is not', async () => {
  for (const options of [biome, fourSpaces]) assert.ok(sameCode(await prettier.format(template, options), template));
  // Each change must really change the template, or the test would pass for nothing.
  const changed = (from: string, to: string) => {
    const out = template.replace(from, to);
    assert.ok(out !== template, `the template has no ${from}`);
    return out;
  };
  assert.not.ok(sameCode(changed('/**', '/** Mine.'), template), 'a comment');
  assert.not.ok(sameCode(changed("'close'", "'finish'"), template), 'a string');
  assert.not.ok(sameCode(changed('export function', 'function'), template), 'a token');
  assert.not.ok(sameCode('// @ts-check\nrun(); // why: a\n', '// @ts-check\nrun(); // why: b\n'), 'a comment at the end of a line');
  assert.ok(sameCode('// @ts-check\nrun() // why: a\n', '// @ts-check\nrun(); // why: a\n'), 'only a semicolon');
  // A fragment the parser cannot account for is never called the same.
  assert.not.ok(sameCode('f(a))', 'f(a)))'), 'stray closers');
});

test.run();
