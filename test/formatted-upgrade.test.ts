import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { hasConflictMarkers } from '../generators/engine/merge.js';
import { cli, remove, ROOT, run, tempDir } from './support/project.js';
import { typecheck } from './support/typecheck.js';
import { readTree } from './support/tree.js';

/**
 * A user who ran their own formatter over the whole project (Biome's style:
 * tabs, double quotes, no semicolons) upgrades it: `regenerate` leaves no
 * conflict, brings the new version's lines in the user's style, deletes the
 * files this version no longer generates that the user had only reformatted
 * (and keeps those with real edits), and the project type-checks and passes
 * its own tests. Before formatting.ts, every line the new version changed was
 * a conflict.
 */
const upgrade = suite('formatted-upgrade');
const biome = { printWidth: 190, trailingComma: 'all' as const, useTabs: true, singleQuote: false, semi: false, parser: 'babel' };
// The user's text, whatever their formatter did to its quotes, semicolons and spaces.
const formatFree = (text: string) => text.replace(/"/g, "'").replace(/[;\s]+/g, '');
let root: string;
upgrade.before(() => {
  root = tempDir('cns-formatted-');
});
upgrade.after(() => remove(root));

for (const fixture of ['0.1.0-edited-minimal', '0.2.0-edited-web']) {
  upgrade(`${fixture}, formatted with tabs, double quotes and no semicolons, then regenerated`, async () => {
    const app = join(root, fixture);
    cpSync(join(ROOT, 'fixtures/projects', fixture), app, { recursive: true });
    const edits = JSON.parse(readFileSync(join(ROOT, 'fixtures/projects', `${fixture}.edits.json`), 'utf8')) as { contains: Record<string, string[]> };
    for (const [path, text] of readTree(app)) {
      if (/^(src|test|scripts)\/.*\.js$/.test(path) && typeof text === 'string') writeFileSync(join(app, path), await prettier.format(text, biome));
    }

    const r = await cli(['regenerate'], app);
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.not.match(r.stdout, /conflict/, r.stdout);
    const kept = [...r.stdout.matchAll(/~ keep +(\S+)/g)].map((m) => m[1]);
    assert.equal(
      kept.filter((path) => !(path in edits.contains)),
      [],
      'only files with real edits of the user are kept',
    );
    assert.match(r.stdout, /delete +\S+ +\(no longer generated; you had only reformatted it\)/);
    for (const [path, text] of readTree(app)) assert.not.ok(typeof text === 'string' && !path.startsWith('.nodeserver/') && hasConflictMarkers(text), path);
    for (const [path, marks] of Object.entries(edits.contains)) {
      const now = formatFree(readFileSync(join(app, path), 'utf8'));
      for (const mark of marks) assert.ok(now.includes(formatFree(mark)), `${path} still has ${JSON.stringify(mark)}`);
    }
    // The new version's middleware line arrives in the user's style.
    const composed = readFileSync(join(app, 'src/app.js'), 'utf8');
    assert.match(composed, /^\tapp\.use\(instanceId\(config\.instanceId\)\)$/m);
    assert.match(composed, /^import { createApp } from "\.\/lib\/pipeline\.js"$/m);
    assert.equal(typecheck(app), [], 'the project type-checks');
    const t = await run('npm', ['test', '--silent'], { cwd: app, timeout: 300_000 });
    assert.is(t.code, 0, `the project passes its own tests:\n${t.stdout.slice(-3000)}${t.stderr.slice(-2000)}`);
  });
}

upgrade.run();
