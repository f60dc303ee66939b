import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Node, Project, type CallExpression } from 'ts-morph';
import { cache } from '../generators/cache.js';
import { resolveAnswers } from '../generators/engine/answers.js';
import { render } from '../generators/engine/render.js';

/**
 * Each cache strategy is wired once: one `app.use(<strategy>(...))` line in
 * src/app.js, whose hook reaches static files and handler bodies alike
 * (static-files.js and `res.send()` both run `res.cacheHooks`). A second
 * wiring (a hook passed to `staticFiles(...)` as well) or a strategy placed
 * after the static files, which would then miss its headers, fails here;
 * the headers themselves are checked by each feature's own tests in the
 * rendered project (through the real `buildApp()`).
 */

const options = cache.options!;
const answers = (values: string[]) => resolveAnswers({ lang: 'js', name: 'cache-wiring', cache: values });

/** The names each strategy imports into src/app.js, by option value. */
function importedNames(value: string): string[] {
  const option = options.find((o) => o.value === value)!;
  return (option.feature!.edits?.(answers([value])) ?? []).flatMap((e) => (e.kind === 'import' && e.file === 'src/app.js' ? e.names : []));
}

/** The `app.use(<call>)` calls of buildApp, in order. */
function uses(appJs: string): CallExpression[] {
  const sf = new Project({ useInMemoryFileSystem: true }).createSourceFile('/app.js', appJs);
  const body = sf.getFunctionOrThrow('buildApp').getBodyOrThrow();
  return body
    .getDescendants()
    .filter((n): n is CallExpression => Node.isCallExpression(n) && n.getExpression().getText() === 'app.use')
    .map((n) => {
      const inner = n.getArguments()[0];
      assert.ok(Node.isCallExpression(inner), `app.use(${inner?.getText()}) calls a factory`);
      return inner as CallExpression;
    });
}

test('every cache strategy is one use edit and touches no other call', () => {
  for (const option of options) {
    const edits = option.feature!.edits?.(answers([option.value])) ?? [];
    const appEdits = edits.filter((e) => e.file === 'src/app.js' && e.kind !== 'import');
    assert.equal(
      appEdits.map((e) => e.kind),
      ['use'],
      `${option.value}: ${JSON.stringify(appEdits)}`,
    );
  }
});

for (const chosen of [...options.map((o) => [o.value]), options.map((o) => o.value)]) {
  test(`cache ${chosen.join(',')}: each strategy's names are used in one app.use line, static files take no cache argument`, async () => {
    const appJs = (await render(answers(chosen))).get('src/app.js')!.content as string;
    const calls = uses(appJs);
    const names = calls.map((c) => c.getExpression().getText());
    const at = (name: string) => names.indexOf(name);
    const staticFiles = calls[at('staticFiles')];
    assert.equal(
      staticFiles.getArguments().map((a) => a.getText()),
      ['config.static'],
      'staticFiles(config.static)',
    );
    for (const value of chosen) {
      const mine = importedNames(value);
      const lines = calls.filter((c) => mine.some((name) => new RegExp(`\\b${name}\\b`).test(c.getText())));
      assert.is(lines.length, 1, `${value}: ${lines.map((c) => c.getText()).join(' | ')}`);
      const callee = lines[0].getExpression().getText();
      // The memory cache answers for handlers only, after the static files; the others must come before them.
      if (value === 'memory') assert.ok(at(callee) > at('staticFiles'), `${callee} after staticFiles`);
      else assert.ok(at(callee) < at('staticFiles'), `${callee} before staticFiles: ${names.join(', ')}`);
    }
  });
}

test.run();
