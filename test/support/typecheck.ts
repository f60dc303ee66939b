import { fileURLToPath } from 'node:url';
import { Project, ts } from 'ts-morph';

/**
 * Type-checks a generated project the way its jsconfig.json asks (strict
 * checkJs) with the TypeScript that ts-morph bundles, and the generator's own
 * @types/node (the project has no dependencies to bring them).
 * Returns one line per diagnostic; empty means clean.
 */
export function typecheck(dir: string): string[] {
  const typeRoots = [fileURLToPath(new URL('../../../node_modules/@types', import.meta.url))];
  const project = new Project({
    compilerOptions: {
      allowJs: true,
      checkJs: true,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      types: ['node'],
      typeRoots,
    },
    skipAddingFilesFromTsConfig: true,
  });
  const files = project.addSourceFilesAtPaths([`${dir}/src/**/*.js`, `${dir}/test/**/*.js`, `${dir}/scripts/**/*.js`, `${dir}/public/**/*.js`]);
  // ts-morph does not read package.json "type" when it creates source files, so
  // NodeNext would take them for CommonJS; the project is "type": "module".
  for (const file of files) (file.compilerNode as { impliedNodeFormat?: ts.ModuleKind }).impliedNodeFormat = ts.ModuleKind.ESNext;
  return project.getPreEmitDiagnostics().map((d) => {
    const file = d.getSourceFile()?.getFilePath().replace(`${dir}/`, '') ?? '';
    const line = d.getLineNumber() ?? 0;
    const message = ts.flattenDiagnosticMessageText(d.getMessageText() as string | ts.DiagnosticMessageChain, ' ');
    return `${file}:${line} TS${d.getCode()} ${message}`;
  });
}

// As a script: node typecheck.js <dir>  -> prints diagnostics, exit 1 if any.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const errors = typecheck(process.argv[2]);
  for (const e of errors) console.log(e);
  process.exitCode = errors.length ? 1 : 0;
}
