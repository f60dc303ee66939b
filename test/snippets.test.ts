import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ModuleKind, ModuleResolutionKind, Project, ScriptTarget } from 'ts-morph';
import { allContributions } from '../generators/engine/render.js';
import { resolveAnswers } from '../generators/engine/answers.js';
import { snippetFilesRead } from '../generators/engine/snippets.js';
import { SNIPPETS_DIR, TEMPLATES_DIR, templateFiles } from '../generators/engine/templates.js';

/** Every file under templates/<feature>/snippets/, as `<feature>/snippets/<file>`. */
function snippetFiles(): string[] {
  const out: string[] = [];
  for (const feature of readdirSync(TEMPLATES_DIR)) {
    const dir = join(TEMPLATES_DIR, feature, SNIPPETS_DIR);
    if (existsSync(dir)) for (const file of readdirSync(dir)) out.push(`${feature}/${SNIPPETS_DIR}/${file}`);
  }
  return out.sort();
}

/** The edits of every feature, with answers that reach every answer-dependent snippet. */
function allEdits() {
  return [{}, { cluster: 'cluster', sched: 'os', workers: 3 }, { cluster: 'master-worker', workers: 2 }].flatMap((a) => {
    const answers = resolveAnswers({ name: 'x', ...a });
    return allContributions().flatMap((c) => c.edits?.(answers) ?? []);
  });
}

test('every snippet file is read by an edit, and every edit finds its snippet', () => {
  const edits = allEdits(); // throws when a snippet file or export an edit names is missing
  assert.ok(edits.length > 0);
  const files = snippetFiles();
  assert.ok(files.length >= 15, `snippet files: ${files}`);
  assert.equal([...snippetFilesRead].sort(), files, 'a snippet file no edit reads is dead code');
});

test('multi-line values are written at no indentation (the compose step indents them)', () => {
  for (const edit of allEdits()) {
    if (edit.kind !== 'property' || !edit.value.includes('\n')) continue;
    const lines = edit.value.split('\n');
    assert.ok(/^\S/.test(lines.at(-1)!), `${edit.file} ${edit.name}: last line "${lines.at(-1)}" is indented`);
    assert.ok(lines.slice(1, -1).every((l) => !l || l.startsWith('  ')), `${edit.name}: inner lines one level in`);
    assert.not.match(edit.value, /^\s*\.\.\./m, `${edit.name}: spreads of other snippets are expanded`);
  }
});

test('the answers reach their snippet values', () => {
  const edits = allEdits().filter((e) => e.kind === 'property' && e.name === 'cluster');
  const values = edits.map((e) => (e.kind === 'property' ? e.value : ''));
  assert.ok(values.some((v) => /workers: 3,\n[^]*sched: 'os',/.test(v)), 'node:cluster gets workers and sched');
  assert.ok(values.some((v) => /workers: 2,/.test(v) && !v.includes('sched')), 'master-worker gets workers, no sched');
});

test('snippets are not copied into projects', () => {
  for (const file of snippetFiles()) {
    const feature = file.split('/')[0];
    assert.not.ok(templateFiles(feature).some((t) => t.target.startsWith(`${SNIPPETS_DIR}/`)), `${feature} copies its snippets`);
  }
});

test('snippets parse and type-check (strict, checkJs)', () => {
  const project = new Project({
    skipAddingFilesFromTsConfig: true,
    compilerOptions: {
      allowJs: true,
      checkJs: true,
      strict: true,
      noEmit: true,
      target: ScriptTarget.ES2022,
      module: ModuleKind.NodeNext,
      moduleResolution: ModuleResolutionKind.NodeNext,
      types: [],
    },
  });
  for (const file of snippetFiles()) project.addSourceFileAtPath(join(TEMPLATES_DIR, file));
  const diagnostics = project.getPreEmitDiagnostics();
  assert.equal(project.formatDiagnosticsWithColorAndContext(diagnostics), '');
});

test.run();
