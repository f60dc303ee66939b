import type { Block, ImportDeclaration, SourceFile, Statement } from 'ts-morph';
import { IndentationText, Node, Project, QuoteKind, SyntaxKind } from './ts-morph.js';
import { SLOTS, type Edit, type PropertyEdit, type Slot, type UseEdit } from '../types.js';
import { EditError } from './errors.js';
import { insertImport, insertStatement, removeStatements } from './compose-insert.js';
import { addProperty, normalize, propertyTarget, removeProperty, transitionProperty } from './compose-property.js';

/**
 * Structural edits of JavaScript and TypeScript files through ts-morph (a
 * file is parsed as the language its name says: `src/app.ts` keeps its
 * annotations, `import type`, casts and generics). Every edit finds its
 * anchor by meaning (a function by name, a call by callee, an object by
 * variable), so it still lands in the right place after the user reformatted
 * or reordered the file, and it throws when the anchor is gone instead of
 * silently doing nothing. `apply` is idempotent; `revert` is its inverse.
 */

let project: Project | undefined;

function sourceFile(path: string, text: string): SourceFile {
  project ??= new Project({
    useInMemoryFileSystem: true,
    skipAddingFilesFromTsConfig: true,
    compilerOptions: { allowJs: true },
    manipulationSettings: { indentationText: IndentationText.TwoSpaces, quoteKind: QuoteKind.Single },
  });
  // Consecutive edits of a file pass each other's output along: the file
  // already parsed as that text is reused rather than parsed again.
  const parsed = project.getSourceFile(`/${path}`);
  if (parsed?.getFullText() === text) return parsed;
  return project.createSourceFile(`/${path}`, text, { overwrite: true });
}

/**
 * The registry's order: the slot of each middleware factory, and the rank
 * of every edit in the order a render applies them (`rank`). An edit applied
 * to an existing file goes where a fresh render would have put it among the
 * registry's own lines (before the first one of a later feature), so adding
 * a feature to a project gives the same file as generating it with it.
 */
export type SlotTable = Map<string, Slot> & { rank?: Map<string, number> };

export function slotTable(edits: Edit[]): SlotTable {
  const table: SlotTable = new Map();
  table.rank = new Map();
  edits.forEach((edit, i) => {
    if (edit.kind === 'use') table.set(calleeOf(edit.call), edit.slot);
    const key = rankKey(edit);
    if (key && !table.rank!.has(key)) table.rank!.set(key, i);
  });
  return table;
}

/** What identifies an inserted line of the registry's, whatever the values around it. */
function rankKey(edit: Edit): string | undefined {
  switch (edit.kind) {
    case 'statement':
      return statementKey(edit.file, edit.function, edit.code);
    case 'import':
      return `import:${edit.file}:${edit.from}`;
    case 'property':
      return propertyRankKey(edit.file, edit, edit.name);
    case 'use':
      return `use:${edit.file}:${calleeOf(edit.call)}`;
    default:
      return undefined;
  }
}

function statementKey(file: string, fn: string, code: string): string {
  return `statement:${file}:${fn}:${normalize(code)}`;
}

function propertyRankKey(file: string, edit: Pick<PropertyEdit, 'object' | 'path' | 'argument'>, name: string): string {
  return `property:${file}:${edit.object}:${(edit.path ?? []).join('.')}:${edit.argument ?? ''}:${name}`;
}

/** Applies one edit to `text` (the content of `edit.file`) and returns the new text. */
export function applyEdit(text: string, edit: Edit, slots: SlotTable = new Map()): string {
  const sf = sourceFile(edit.file, text);
  switch (edit.kind) {
    case 'import': {
      const mine = slots.rank?.get(`import:${edit.file}:${edit.from}`);
      const later = mine === undefined ? undefined : sf.getImportDeclarations().find((d) => (slots.rank!.get(`import:${edit.file}:${d.getModuleSpecifierValue()}`) ?? -1) > mine);
      return addImport(sf, edit.from, edit.names, later);
    }
    case 'use':
      return addUse(sf, edit, slots);
    case 'property':
      addProperty(
        () => propertyTarget(sf, edit.object, edit.path ?? [], edit.argument),
        edit,
        (name) => slots.rank?.get(propertyRankKey(edit.file, edit, name)),
      );
      break;
    case 'statement': {
      const body = functionBody(sf, edit.function, edit.file);
      if (findStatements(body, edit.code).length) break;
      const mine = slots.rank?.get(statementKey(edit.file, edit.function, edit.code));
      const later = mine === undefined ? undefined : body.getStatements().find((st) => (slots.rank!.get(statementKey(edit.file, edit.function, st.getText())) ?? -1) > mine);
      const ret = returnOf(body);
      return insertStatement(sf, body, edit.code, later ? { before: later } : ret ? { before: ret } : 'end');
    }
    case 'swap-import': {
      if (importsName(sf, edit.to, edit.name)) break;
      if (!importsName(sf, edit.from, edit.name)) {
        throw new EditError(`${edit.file}: expected "${edit.name}" to be imported from "${edit.from}" or "${edit.to}"`);
      }
      return swapImport(sf, edit.name, edit.from, edit.to);
    }
  }
  return sf.getFullText();
}

/**
 * Undoes one edit (the inverse of `applyEdit`); a no-op where it is already
 * undone. Reverting an import throws an EditError, changing nothing, when
 * the file still uses one of its names (a statement or middleware the user
 * changed, so its exact text was not found and stayed): revert the edits of
 * a feature in reverse order, so its statements go before its imports.
 */
export function revertEdit(text: string, edit: Edit): string {
  const out = revertOne(text, edit);
  if (edit.kind === 'import') refuseDangling(out, edit.file, edit.names, 'remove', text);
  return out;
}

/**
 * Changes one file from the edits of the features that go (`removed`, in
 * the order they were applied) to those of the features that come
 * (`added`), keeping what the user made of everything both have:
 * - an edit both have (same import, same statement, ...) stays as and where
 *   the user has it;
 * - a `property` both have (same object, path and name) is transformed, not
 *   removed and added again: shared keys keep the user's values and
 *   comments, keys only the old option had go, the new option's missing
 *   keys come with their comments, the user's own keys stay (see
 *   `transitionProperty`);
 * - every other removed edit is reverted (last applied first), then every
 *   other added edit applied.
 * Edits of other files are ignored. Throws an EditError, changing nothing,
 * when an anchor is missing or when a name whose import went is still used
 * in the file (a line the user changed).
 */
export function transition(text: string, file: string, removed: Edit[], added: Edit[], slots: SlotTable = new Map()): string {
  const before = removed.filter((e) => e.file === file);
  const after = added.filter((e) => e.file === file);
  const afterKeys = new Set(after.map(editKey));
  const beforeKeys = new Set(before.map(editKey));
  const reverts = before.filter((e) => !afterKeys.has(editKey(e)));
  let applies = after.filter((e) => !beforeKeys.has(editKey(e)));
  const pairs: [PropertyEdit, PropertyEdit][] = [];
  for (const edit of reverts) {
    if (edit.kind !== 'property') continue;
    const match = applies.find((a): a is PropertyEdit => a.kind === 'property' && propertyKey(a) === propertyKey(edit));
    if (!match) continue;
    pairs.push([edit, match]);
    applies = applies.filter((a) => a !== match);
  }
  let out = text;
  const unimported = new Set<string>();
  const removedNames = new Set(reverts.flatMap((e) => (e.kind === 'import' ? e.names : [])));
  const changed = new Set<string>();
  for (const edit of [...reverts].reverse()) {
    if (pairs.some(([from]) => from === edit)) continue;
    if (edit.kind === 'statement' && !findStatements(functionBody(sourceFile(file, out), edit.function, file), edit.code).length) {
      // The user changed this line: the names it used must not be left to whatever the added option imports under them.
      for (const name of edit.code.match(/[A-Za-z_$][\w$]*/g) ?? []) if (removedNames.has(name)) changed.add(name);
    }
    out = revertOne(out, edit);
    if (edit.kind === 'import') for (const name of edit.names) unimported.add(name);
  }
  for (const [from, to] of pairs) out = transitionProperty(sourceFile(file, out), from, to);
  for (const edit of applies) out = applyEdit(out, edit, slots);
  const produced = new Set(after.flatMap((e) => (e.kind === 'statement' ? [normalize(e.code)] : [])));
  refuseDangling(out, file, [...unimported], applies.length || pairs.length ? 'the command' : 'remove', text, [...changed], produced);
  return out;
}

/** Same edit: same fields, whatever their order. */
function editKey(edit: Edit): string {
  return JSON.stringify(Object.entries(edit).sort(([a], [b]) => a.localeCompare(b)));
}

/** Same place of a property edit: file, object, path, argument and name. */
function propertyKey(edit: PropertyEdit): string {
  return JSON.stringify([edit.file, edit.object, edit.path ?? [], edit.argument ?? null, edit.name]);
}

/**
 * Throws when a name no import of the file provides any more is still used
 * in it: the line the user changed (a wrapped route or middleware) would be
 * left referring to nothing. Names in `rebound` (used by a removed
 * statement the user changed) are refused too while imported again from
 * the added option's module, except in the statements the added edits
 * wrote (`produced`, normalized): the user's line would silently call
 * another module's function of that name.
 */
function refuseDangling(text: string, file: string, names: string[], command: string, original = text, rebound: string[] = [], produced = new Set<string>()): void {
  if (!names.length && !rebound.length) return;
  const sf = sourceFile(file, text);
  const imported = new Set(
    sf
      .getImportDeclarations()
      .flatMap((d) => [
        ...d.getNamedImports().map((n) => n.getAliasNode()?.getText() ?? n.getName()),
        ...(d.getDefaultImport() ? [d.getDefaultImport()!.getText()] : []),
        ...(d.getNamespaceImport() ? [d.getNamespaceImport()!.getText()] : []),
      ]),
  );
  const wanted = new Set(names.filter((n) => !imported.has(n)));
  const rebinding = new Set(rebound.filter((n) => imported.has(n)));
  if (!wanted.size && !rebinding.size) return;
  const declared = new Set(
    sf.getDescendants().flatMap((n) => {
      if ((Node.isVariableDeclaration(n) || Node.isParameterDeclaration(n) || Node.isBindingElement(n)) && Node.isIdentifier(n.getNameNode())) return [n.getName()];
      if (Node.isFunctionDeclaration(n) || Node.isClassDeclaration(n)) return n.getName() ? [n.getName()!] : [];
      if (Node.isInterfaceDeclaration(n) || Node.isTypeAliasDeclaration(n) || Node.isTypeParameterDeclaration(n)) return [n.getName()];
      return [];
    }),
  );
  for (const id of sf.getDescendantsOfKind(SyntaxKind.Identifier)) {
    const name = id.getText();
    if (declared.has(name) || !isReference(id)) continue;
    if (!wanted.has(name) && !(rebinding.has(name) && !produced.has(normalize(statementOf(id).getText())))) continue;
    const line = lineIn(original, text, id.getStartLineNumber());
    throw new EditError(`${file}:${line} still uses ${name} (you changed this line): change or delete it, then run ${command} again`);
  }
}

/**
 * The number of line `line` of `changed` in `original`: the edits only took
 * out and put in lines of their own, so the n-th line with that exact text
 * in one is the n-th in the other.
 */
function lineIn(original: string, changed: string, line: number): number {
  const lines = changed.split('\n');
  const wanted = lines[line - 1];
  const nth = lines.slice(0, line - 1).filter((l) => l === wanted).length;
  let seen = 0;
  for (const [i, l] of original.split('\n').entries()) if (l === wanted && seen++ === nth) return i + 1;
  return line;
}

/** The statement of a block (or of the file) that holds `node`. */
function statementOf(node: Node): Node {
  let current = node;
  for (let parent = current.getParent(); parent && !Node.isBlock(parent) && !Node.isSourceFile(parent); parent = parent.getParent()) current = parent;
  return current;
}

/** An identifier that names a variable, not a property key or member name. */
function isReference(id: Node): boolean {
  const parent = id.getParent();
  if (!parent) return false;
  if (Node.isPropertyAccessExpression(parent) && parent.getNameNode() === id) return false;
  if (Node.isQualifiedName(parent) && parent.getRight() === id) return false;
  if (
    (Node.isPropertyAssignment(parent) ||
      Node.isPropertySignature(parent) ||
      Node.isMethodSignature(parent) ||
      Node.isMethodDeclaration(parent) ||
      Node.isPropertyDeclaration(parent) ||
      Node.isGetAccessorDeclaration(parent) ||
      Node.isSetAccessorDeclaration(parent)) &&
    parent.getNameNode() === id
  )
    return false;
  if (Node.isImportSpecifier(parent) || Node.isImportClause(parent) || Node.isNamespaceImport(parent)) return false;
  if (Node.isExportSpecifier(parent) && parent.getAliasNode() === id) return false;
  if (Node.isLabeledStatement(parent) || Node.isBreakStatement(parent) || Node.isContinueStatement(parent)) return false;
  return true;
}

function revertOne(text: string, edit: Edit): string {
  const sf = sourceFile(edit.file, text);
  switch (edit.kind) {
    case 'import':
      return removeImport(sf, edit.from, edit.names);
    case 'use': {
      const body = functionBody(sf, 'buildApp', edit.file);
      const callee = calleeOf(edit.call);
      return removeStatements(
        sf,
        useStatements(body)
          .filter((s) => s.callee === callee)
          .map((s) => s.statement),
      );
    }
    case 'property':
      removeProperty(propertyTarget(sf, edit.object, edit.path ?? [], edit.argument), edit.name);
      break;
    case 'statement':
      return removeStatements(sf, findStatements(functionBody(sf, edit.function, edit.file), edit.code));
    case 'swap-import':
      if (importsName(sf, edit.to, edit.name)) return swapImport(sf, edit.name, edit.to, edit.from);
      break;
  }
  return sf.getFullText();
}

/**
 * Adds the names to the import of `from`, or a new import line below the
 * last import (a trailing comment stays on its line; no blank line is
 * added, so removing the line gives the file back). A value import never
 * goes into an `import type` of the same module (its names would be erased
 * at run time), nor a type-only one into a value import.
 */
function addImport(sf: SourceFile, from: string, names: string[], before?: ImportDeclaration, typeOnly = false): string {
  const existing = sf.getImportDeclaration((d) => d.getModuleSpecifierValue() === from && d.isTypeOnly() === typeOnly && !d.getNamespaceImport());
  if (existing) {
    const have = new Set(existing.getNamedImports().map((n) => n.getName()));
    const missing = names.filter((n) => !have.has(n));
    if (missing.length) existing.addNamedImports(missing);
    return sf.getFullText();
  }
  return insertImport(sf, `import ${typeOnly ? 'type ' : ''}{ ${names.join(', ')} } from '${from}';`, before);
}

/** Removes the names from the value imports of `from`; an import left with nothing goes, its line with it. */
function removeImport(sf: SourceFile, from: string, names: string[], typeOnly = false): string {
  const of = () => sf.getImportDeclarations().filter((d) => d.getModuleSpecifierValue() === from && d.isTypeOnly() === typeOnly);
  const emptied = (d: ImportDeclaration) =>
    d.getNamedImports().length > 0 && d.getNamedImports().every((n) => names.includes(n.getName())) && !d.getDefaultImport() && !d.getNamespaceImport();
  for (const decl of of()) {
    if (emptied(decl)) continue;
    for (const named of decl.getNamedImports()) if (names.includes(named.getName())) named.remove();
  }
  return removeStatements(sf, of().filter(emptied));
}

/** Moves `name` to another module; a declaration importing only it just changes its specifier. An `import type` stays one. */
function swapImport(sf: SourceFile, name: string, from: string, to: string): string {
  const decl = sf.getImportDeclaration((d) => d.getModuleSpecifierValue() === from && d.getNamedImports().some((n) => n.getName() === name))!;
  const typeOnly = decl.isTypeOnly();
  if (decl.getNamedImports().length === 1 && !decl.getDefaultImport() && !sf.getImportDeclaration((d) => d.getModuleSpecifierValue() === to && d.isTypeOnly() === typeOnly)) {
    decl.setModuleSpecifier(to);
    return sf.getFullText();
  }
  const without = removeImport(sf, from, [name], typeOnly);
  return addImport(sourceFile(sf.getFilePath().slice(1), without), to, [name], undefined, typeOnly);
}

function importsName(sf: SourceFile, from: string, name: string): boolean {
  return sf.getImportDeclarations().some((d) => d.getModuleSpecifierValue() === from && d.getNamedImports().some((n) => n.getName() === name));
}

/** The block of `function name` or `const name = (...) => {...}` / `function () {}`. */
function functionBody(sf: SourceFile, name: string, file: string): Block {
  const fn = sf.getFunction(name);
  let body = fn?.getBody();
  if (!body) {
    const init = sf.getVariableDeclaration(name)?.getInitializer();
    if (init && (Node.isArrowFunction(init) || Node.isFunctionExpression(init))) body = init.getBody();
  }
  if (!body || !Node.isBlock(body)) throw new EditError(`${file}: function "${name}" not found (it is where this feature registers itself)`);
  return body;
}

/** `callee(...)` -> `callee`; `a.b(...)` -> `a.b`. */
export function calleeOf(call: string): string {
  const paren = call.indexOf('(');
  return (paren === -1 ? call : call.slice(0, paren)).trim();
}

interface UseStatement {
  statement: Statement;
  callee: string;
}

/** The `<app>.use(<callee>(...))` statements directly in a block, in order. */
function useStatements(body: Block): UseStatement[] {
  const out: UseStatement[] = [];
  for (const statement of body.getStatements()) {
    if (!Node.isExpressionStatement(statement)) continue;
    const expr = statement.getExpression();
    if (!Node.isCallExpression(expr)) continue;
    const target = expr.getExpression();
    if (!Node.isPropertyAccessExpression(target) || target.getName() !== 'use') continue;
    const arg = expr.getArguments()[0];
    const callee = arg && Node.isCallExpression(arg) ? arg.getExpression().getText() : arg?.getText();
    if (callee) out.push({ statement, callee: callee.replace(/\s+/g, '') });
  }
  return out;
}

function addUse(sf: SourceFile, edit: UseEdit, slots: SlotTable): string {
  const body = functionBody(sf, 'buildApp', edit.file);
  const callee = calleeOf(edit.call);
  const uses = useStatements(body);
  if (uses.some((u) => u.callee === callee)) return sf.getFullText();
  // By slot, then by the registry's order within a slot (json before csrfFormField in `body`).
  const rank = (c: string) => slots.rank?.get(`use:${edit.file}:${c}`) ?? Number.MAX_SAFE_INTEGER;
  const order = (c: string, slot = slots.get(c)!) => SLOTS.indexOf(slot) * 1e6 + Math.min(rank(c), 1e6 - 1);
  const mine = order(callee, edit.slot);
  const known = uses.filter((u) => slots.has(u.callee));
  const receiver = uses.length ? uses[0].statement.getFirstDescendantByKindOrThrow(SyntaxKind.PropertyAccessExpression).getExpression().getText() : 'app';
  const code = `${receiver}.use(${edit.call});`;
  // Before the first middleware of a later slot: that keeps the order right even
  // when the user moved other middleware around or added their own in between.
  const after = known.find((u) => order(u.callee) > mine);
  if (after) return insertStatement(sf, body, code, { before: after.statement });
  const before = known.filter((u) => order(u.callee) <= mine);
  if (before.length) return insertStatement(sf, body, code, { after: before[before.length - 1].statement });
  const ret = returnOf(body);
  if (!ret) throw new EditError(`${edit.file}: buildApp has no middleware of a known slot and no return statement to place ${callee} before`);
  return insertStatement(sf, body, code, { before: ret });
}

/** The `return` directly in a function body (not one nested in an `if`). */
function returnOf(body: Block): Statement | undefined {
  return body.getStatements().find((s) => Node.isReturnStatement(s));
}

/** Statements of `body` equal to `code` up to whitespace, quote style and the final semicolon. */
function findStatements(body: Block, code: string): Statement[] {
  const wanted = normalize(code);
  return body.getStatements().filter((s) => normalize(s.getText()) === wanted);
}
