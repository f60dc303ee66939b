import { ts } from './ts-morph.js';
import { posix } from 'node:path';
import { jsdocComment, cleanTypeText } from './jsdoc-comments.js';

/**
 * JavaScript + JSDoc in, TypeScript out, one file at a time and without a
 * type checker: the templates are written in a JSDoc style whose types are
 * TypeScript's own syntax, so every annotation is already spelled out in a
 * comment and only has to move next to the code it describes. Being
 * syntactic keeps it fast (a whole project converts in milliseconds) and
 * deterministic, so render, add, remove, regenerate and generate all see the
 * same TypeScript for the same JavaScript.
 *
 * - `@param`/`@returns`/`@type`/`@template`/`@implements` become annotations,
 *   generics and `implements`; their prose stays in the comment.
 * - `@typedef` becomes a `type` alias (exported: a JS module exports
 *   its typedefs); `import('./x.js').T` in a type becomes `import type`.
 * - `/** @type {T} *\/ (expr)` becomes `expr as T`.
 * - Fields assigned in a constructor become declared class fields.
 * - Relative `.js` specifiers (imports and path strings) that name a
 *   converted file end in `.ts`.
 */

/** A project file that becomes TypeScript: its code under src/, test/ and scripts/ (public/ is the browser's). */
export function isConverted(path: string): boolean {
  return /^(src|test|scripts)\/.*\.js$/.test(path);
}

/** A relative specifier in the project file `from` (`./lib/x.js`), as TypeScript names it: `.ts` when it names a converted file. */
export function typescriptSpecifier(from: string, specifier: string): string {
  if (!specifier.startsWith('.') || !specifier.endsWith('.js')) return specifier;
  return isConverted(posix.normalize(posix.join(posix.dirname(from), specifier))) ? specifier.slice(0, -3) + '.ts' : specifier;
}

/** The TypeScript name of a project path (unchanged when it is not converted). */
export function typescriptPath(path: string): string {
  return isConverted(path) ? path.slice(0, -3) + '.ts' : path;
}

interface TextEdit {
  start: number;
  end: number;
  text: string | (() => string);
}

/**
 * Converts one JavaScript file. `path` is its project path (`src/app.js`):
 * relative specifiers are resolved against it to decide which become `.ts`.
 */
export function toTypeScript(path: string, source: string, options: { fragment?: boolean } = {}): string {
  const file = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const edits: TextEdit[] = [];
  // A fragment (an edit's code) goes into a file it cannot add imports to: its imported types stay inline.
  const typeImports = new TypeImports(path, file, options.fragment ?? false);
  const handledDocs = new Set<ts.JSDoc>();
  const type = (node: ts.TypeNode) => convertType(cleanTypeText(node.getText(file)), typeImports);

  const rewriteDoc = (doc: ts.JSDoc) => {
    if (handledDocs.has(doc)) return;
    handledDocs.add(doc);
    const text = jsdocComment(doc.getText(file));
    if (text === doc.getText(file)) return;
    if (text === '') edits.push(removeLine(source, doc.getStart(file), doc.end));
    else edits.push({ start: doc.getStart(file), end: doc.end, text });
  };

  const annotateFunction = (fn: ts.SignatureDeclaration) => {
    const generics = templatesOf(fn, type);
    if (generics) {
      const at = fn.typeParameters ? undefined : genericsPosition(fn, file);
      if (at !== undefined) edits.push({ start: at, end: at, text: generics });
    }
    for (const param of fn.parameters) {
      if (param.type) continue;
      const name = param.name.getEnd();
      // `(/** @type {T} */ x) => ...`: the parameter's own comment.
      const own = ts.getJSDocTypeTag(param);
      if (own) {
        edits.push({ start: name, end: name, text: `: ${type(own.typeExpression.type)}` });
        continue;
      }
      const tag = ts.getJSDocParameterTags(param)[0];
      if (!tag?.typeExpression) continue;
      let text = type(tag.typeExpression.type);
      if (tag.typeExpression.type.kind === ts.SyntaxKind.JSDocVariadicType) text = arrayOf(text);
      const optional = (tag.isBracketed || tag.typeExpression.type.kind === ts.SyntaxKind.JSDocOptionalType) && !param.initializer && !param.dotDotDotToken;
      edits.push({ start: name, end: name, text: `${optional ? '?' : ''}: ${text}` });
    }
    const returns = ts.getJSDocReturnTag(fn);
    if (returns?.typeExpression && !fn.type && fn.kind !== ts.SyntaxKind.Constructor && fn.kind !== ts.SyntaxKind.SetAccessor) {
      const close = closeParen(fn, file);
      edits.push({ start: close, end: close, text: `: ${type(returns.typeExpression.type)}` });
    }
  };

  const visit = (node: ts.Node): void => {
    for (const doc of jsDocsOf(node)) {
      if (doc.tags?.some((t) => ts.isJSDocTypedefTag(t) || ts.isJSDocCallbackTag(t))) {
        handledDocs.add(doc);
        edits.push({ start: doc.getStart(file), end: doc.end, text: typedefDeclarations(doc, file, type, typeImports) });
      }
    }
    if (ts.isFunctionDeclaration(node) && node.name && node.body && ts.getJSDocTypeTag(node)) {
      typedFunction(node, type(ts.getJSDocTypeTag(node)!.typeExpression.type), file, edits);
      node.forEachChild(visit);
      return;
    }
    if (
      ts.isFunctionDeclaration(node) ||
      ts.isFunctionExpression(node) ||
      ts.isArrowFunction(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isConstructorDeclaration(node) ||
      ts.isGetAccessor(node) ||
      ts.isSetAccessor(node)
    ) {
      annotateFunction(node);
    }
    if (ts.isVariableDeclaration(node) && !node.type && ts.isIdentifier(node.name)) {
      const declared = jsdocTypeOf(node);
      if (declared) edits.push({ start: node.name.end, end: node.name.end, text: `: ${type(declared)}` });
    }
    if (ts.isPropertyDeclaration(node) && !node.type) {
      const declared = jsdocTypeOf(node);
      if (declared) edits.push({ start: node.name.end, end: node.name.end, text: `: ${type(declared)}` });
    }
    if (ts.isParenthesizedExpression(node)) {
      const cast = castType(node);
      if (cast) {
        const inner = node.expression;
        const parens = needsParens(node);
        const target = cast.kind === ts.SyntaxKind.TypeReference && cast.getText(file) === 'const' ? 'const' : type(cast);
        // `as` binds tighter than an arrow, a conditional or a binary operator: those keep parentheses of their own.
        const wrap = ts.isArrowFunction(inner) || ts.isFunctionExpression(inner) || ts.isConditionalExpression(inner) || ts.isBinaryExpression(inner) || ts.isYieldExpression(inner);
        edits.push({ start: node.getStart(file), end: inner.getStart(file), text: (parens ? '(' : '') + (wrap ? '(' : '') });
        edits.push({ start: inner.end, end: node.end, text: `${wrap ? ')' : ''} as ${target}${parens ? ')' : ''}` });
      }
    }
    if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) classFields(node, file, source, type, edits);
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      renameSpecifier(node.moduleSpecifier, path, file, edits);
    } else if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      renameSpecifier(node, path, file, edits);
    } else if (ts.isTemplateExpression(node)) {
      renameSpecifier(node.head, path, file, edits);
      // `src/lib/${model}.js`: a path built around a name, as long as the folder says it is a project path.
      const tail = node.templateSpans.at(-1)!.literal;
      if (/^(\.{1,2}\/|(src|test|scripts)\/)/.test(node.head.text) && /^\.js\b/.test(tail.text) && !node.head.text.startsWith('public/')) {
        const at = tail.getStart(file) + 1;
        edits.push({ start: at, end: at + 3, text: '.ts' });
      }
    }
    node.forEachChild(visit);
  };
  visit(file);
  // Every comment left: type tags out, prose kept (after the visit, which handled typedefs).
  const allDocs = (node: ts.Node) => {
    for (const doc of jsDocsOf(node)) rewriteDoc(doc);
    node.forEachChild(allDocs);
  };
  allDocs(file);
  allDocs(file.endOfFileToken);

  const checkComment = /^\/\/ @ts-check\n\n?/;
  if (checkComment.test(source)) edits.push({ start: 0, end: source.match(checkComment)![0].length, text: '' });
  edits.push(...typeImports.joined());
  const imports = typeImports.declarations();
  if (imports) {
    const at = importsEnd(file);
    edits.push({ start: at, end: at, text: at === 0 ? `${imports}\n\n` : `\n${imports}` });
  }
  return renameProjectPaths(tidyBlankLines(source, applyEdits(source, edits, 0, source.length)));
}

/**
 * Declarations that moved or went (typedefs now imports, a constructor now
 * fields) leave their blank lines behind: at most one in a row, none at the
 * edge of a block, as the formatter keeps them. A pattern the source itself
 * has (inside a string) is left alone.
 */
function tidyBlankLines(source: string, out: string): string {
  const rules: [RegExp, string][] = [
    [/\n{3,}/g, '\n\n'],
    [/\{\n\n/g, '{\n'],
    [/\n\n([ \t]*\})/g, '\n$1'],
  ];
  for (const [pattern, replacement] of rules) if (!pattern.test(source)) out = out.replace(pattern, replacement);
  return out;
}

/** Project paths of converted files (`src/lib/router.js`) named anywhere in a text: comments, docs, scripts. */
export function renameProjectPaths(text: string): string {
  return text.replace(/(?<![\w./-])(?:src|test|scripts)\/[\w./-]*\.js\b/g, (path) => (isConverted(path) ? path.slice(0, -3) + '.ts' : path));
}

/** The text of [start, end) with the edits inside it; an edit inside a larger applied one is the larger one's business. */
function applyEdits(source: string, edits: TextEdit[], start: number, end: number): string {
  // By position; at one position insertions first (in the order made), then the widest range, which covers the narrower ones.
  const inside = edits
    .map((edit, order) => ({ edit, order }))
    .filter(({ edit }) => edit.start >= start && edit.end <= end)
    .sort((a, b) => a.edit.start - b.edit.start || Number(a.edit.end > a.edit.start) - Number(b.edit.end > b.edit.start) || b.edit.end - a.edit.end || a.order - b.order);
  let out = '';
  let at = start;
  for (const { edit } of inside) {
    if (edit.start < at) continue;
    out += source.slice(at, edit.start) + (typeof edit.text === 'string' ? edit.text : edit.text());
    at = edit.end;
  }
  return out + source.slice(at, end);
}

/** Deletes [start, end) and, when nothing else is on its lines, the lines themselves. */
function removeLine(source: string, start: number, end: number): TextEdit {
  const lineStart = source.lastIndexOf('\n', start - 1) + 1;
  const lineEnd = source.indexOf('\n', end);
  const before = source.slice(lineStart, start);
  const after = source.slice(end, lineEnd === -1 ? source.length : lineEnd);
  if (before.trim() === '' && after.trim() === '') return { start: lineStart, end: lineEnd === -1 ? source.length : lineEnd + 1, text: '' };
  return { start, end: end + (after.startsWith(' ') ? 1 : 0), text: '' };
}

function jsDocsOf(node: ts.Node): ts.JSDoc[] {
  return ((node as unknown as { jsDoc?: ts.JSDoc[] }).jsDoc ?? []).filter((d) => d.kind === ts.SyntaxKind.JSDoc);
}

/** The `@type` of a declaration, from its own comment or its statement's. */
function jsdocTypeOf(node: ts.Node): ts.TypeNode | undefined {
  const tag = ts.getJSDocTypeTag(node);
  return tag?.typeExpression.type;
}

/**
 * A function declaration typed as a whole (`@type {Middleware}`): TypeScript
 * annotates a variable, not a declaration, so it becomes `const name: T =`
 * an arrow function (a `function` expression when it uses `this`,
 * `arguments` or `yield`), whose parameters the type then gives.
 */
function typedFunction(node: ts.FunctionDeclaration, typeText: string, file: ts.SourceFile, edits: TextEdit[]) {
  const body = node.body!;
  const usesOwnScope = node.asteriskToken !== undefined || usesFunctionScope(body);
  const exported = node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) ? 'export ' : '';
  const isAsync = node.modifiers?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword) ? 'async ' : '';
  const open = node.getChildren(file).find((c) => c.kind === ts.SyntaxKind.OpenParenToken)!;
  const head = `${exported}const ${node.name!.text}: ${typeText} = ${isAsync}${usesOwnScope ? `function${node.asteriskToken ? '*' : ''} ` : ''}`;
  edits.push({ start: node.getStart(file), end: open.getStart(file), text: head });
  if (!usesOwnScope) edits.push({ start: closeParen(node, file), end: closeParen(node, file), text: ' =>' });
  edits.push({ start: body.end, end: body.end, text: ';' });
}

function usesFunctionScope(node: ts.Node): boolean {
  if (node.kind === ts.SyntaxKind.ThisKeyword || (ts.isIdentifier(node) && node.text === 'arguments')) return true;
  if (ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isClassLike(node)) return false;
  return node.forEachChild((c) => usesFunctionScope(c) || undefined) ?? false;
}

/** `/** @type {T} *\/ (expr)`: a cast. */
function castType(node: ts.ParenthesizedExpression): ts.TypeNode | undefined {
  for (const doc of jsDocsOf(node)) for (const tag of doc.tags ?? []) if (ts.isJSDocTypeTag(tag)) return tag.typeExpression.type;
  return undefined;
}

/** `expr as T` needs its parentheses kept unless it stands alone where an expression list or initializer takes it. */
function needsParens(node: ts.ParenthesizedExpression): boolean {
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent) || ts.isReturnStatement(parent) || ts.isArrayLiteralExpression(parent))
    return false;
  if (ts.isCallExpression(parent) || ts.isNewExpression(parent)) return parent.expression === node;
  if (ts.isBinaryExpression(parent) && parent.right === node && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) return false;
  if (ts.isArrowFunction(parent) && parent.body === node) return !ts.isObjectLiteralExpression(node.expression);
  if (ts.isExpressionStatement(parent)) return false;
  return true;
}

function arrayOf(text: string): string {
  return /^[\w.]+(<.*>)?$/.test(text) ? `${text}[]` : `(${text})[]`;
}

/** `<T, U extends X>` from the `@template` tags of a function or class. */
function templatesOf(node: ts.Node, type: (node: ts.TypeNode) => string): string | undefined {
  const tags = ts.getJSDocTags(node).filter(ts.isJSDocTemplateTag);
  if (tags.length === 0) return undefined;
  const params = tags.flatMap((tag) => tag.typeParameters.map((p) => (tag.constraint ? `${p.name.text} extends ${type(tag.constraint.type)}` : p.name.text)));
  return `<${params.join(', ')}>`;
}

/** Where a function's `<T>` goes: after its name, or before its `(`. */
function genericsPosition(fn: ts.SignatureDeclaration, file: ts.SourceFile): number | undefined {
  if (fn.name && !ts.isArrowFunction(fn)) return fn.name.end;
  const open = fn.getChildren(file).find((c) => c.kind === ts.SyntaxKind.OpenParenToken);
  return open?.getStart(file);
}

/** The position right after a function's parameter list, where its return type goes. */
function closeParen(fn: ts.SignatureDeclaration, file: ts.SourceFile): number {
  const close = fn.getChildren(file).find((c) => c.kind === ts.SyntaxKind.CloseParenToken);
  if (!close) throw new Error(`typescript: a function without a parameter list at ${file.fileName}:${file.getLineAndCharacterOfPosition(fn.getStart(file)).line + 1}`);
  return close.end;
}

/**
 * The declarations of a `@typedef` comment: type aliases, of an object
 * type for one with `@property` tags; the comment's prose and each
 * property's description become their doc comments.
 */
function typedefDeclarations(doc: ts.JSDoc, file: ts.SourceFile, type: (node: ts.TypeNode) => string, imports: TypeImports): string {
  const indent = lineIndent(file.text, doc.getStart(file));
  const out: string[] = [];
  let generics: string[] = [];
  const prose = commentText(doc.comment);
  // A module's typedefs are its exports; one inside a function is local to it.
  const owner = doc.parent;
  const exported = owner.kind === ts.SyntaxKind.EndOfFileToken || owner.parent?.kind === ts.SyntaxKind.SourceFile ? 'export ' : '';
  for (const tag of doc.tags ?? []) {
    if (ts.isJSDocTemplateTag(tag)) {
      generics.push(...tag.typeParameters.map((p) => (tag.constraint ? `${p.name.text} extends ${type(tag.constraint.type)}` : p.name.text)));
      continue;
    }
    if (!ts.isJSDocTypedefTag(tag) || !tag.name) {
      if (ts.isJSDocPropertyTag(tag)) continue;
      throw new Error(`typescript: a @typedef comment with a @${tag.tagName.text} tag at ${file.fileName}:${file.getLineAndCharacterOfPosition(tag.getStart(file)).line + 1}`);
    }
    const name = tag.name.getText(file) + (generics.length ? `<${generics.join(', ')}>` : '');
    generics = [];
    const description = [prose, commentText(tag.comment)].filter(Boolean).join('\n');
    const docComment = description ? docBlock(description, indent) : '';
    const literal = tag.typeExpression && ts.isJSDocTypeLiteral(tag.typeExpression) ? tag.typeExpression : undefined;
    // An object type alias, not an interface: it stays assignable to index signatures (`Record<string, unknown>`) as the typedef was.
    if (literal) {
      const members = (literal.jsDocPropertyTags ?? []).map((p) => member(p, indent + '  ', type)).join('\n');
      out.push(`${docComment}${exported}type ${name} = {\n${members}\n${indent}};`);
    } else if (tag.typeExpression && isImportOf((tag.typeExpression as ts.JSDocTypeExpression).type, tag.name.getText(file)) && !generics.length) {
      // `@typedef {import('./x.js').T} T`: the name, imported.
      imports.add((tag.typeExpression as ts.JSDocTypeExpression).type as ts.ImportTypeNode, tag.name.getText(file));
    } else if (tag.typeExpression) {
      const typeExpression = tag.typeExpression as ts.JSDocTypeExpression;
      out.push(`${docComment}${exported}type ${name} = ${type(typeExpression.type)};`);
    }
  }
  return out.join(`\n\n${indent}`);
}

function isImportOf(node: ts.TypeNode, name: string): node is ts.ImportTypeNode {
  return ts.isImportTypeNode(node) && !node.isTypeOf && !node.typeArguments && node.qualifier?.getText() === name && ts.isLiteralTypeNode(node.argument);
}

function member(tag: ts.JSDocPropertyLikeTag, indent: string, type: (node: ts.TypeNode) => string): string {
  const description = commentText(tag.comment);
  const name = tag.name.getText();
  let text: string;
  if (tag.typeExpression && ts.isJSDocTypeLiteral(tag.typeExpression.type as ts.Node)) text = 'object';
  else text = tag.typeExpression ? type(tag.typeExpression.type) : 'unknown';
  const optional = tag.isBracketed || tag.typeExpression?.type.kind === ts.SyntaxKind.JSDocOptionalType;
  return `${indent}${description ? docBlock(description, indent) : ''}${name}${optional ? '?' : ''}: ${text};`;
}

function commentText(comment: string | ts.NodeArray<ts.JSDocComment> | undefined): string {
  if (comment === undefined) return '';
  const text = typeof comment === 'string' ? comment : comment.map((c) => c.getText()).join('');
  return text.replace(/^\s*-\s+/, '').trim();
}

function docBlock(description: string, indent: string): string {
  const lines = description.split('\n');
  if (lines.length === 1) return `/** ${lines[0]} */\n${indent}`;
  return `/**\n${lines.map((l) => `${indent} *${l ? ' ' + l : ''}`).join('\n')}\n${indent} */\n${indent}`;
}

function lineIndent(text: string, at: number): string {
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart, at))![0];
}

/**
 * Fields a constructor assigns (`this.x = ...`) become declared fields. A
 * leading run of assignments that use neither the constructor's parameters
 * nor `this` moves whole (`x = init`): field initializers run right after
 * `super()`, as those lines did. The others are declared with their
 * `@type` (`x: T;`) and stay where they are.
 */
function classFields(node: ts.ClassLikeDeclaration, file: ts.SourceFile, source: string, type: (node: ts.TypeNode) => string, edits: TextEdit[]) {
  const implementsTag = ts.getJSDocImplementsTags(node);
  if (implementsTag.length) {
    const at = node.heritageClauses?.at(-1)?.end ?? node.typeParameters?.end ?? node.name?.end;
    if (at !== undefined) edits.push({ start: at, end: at, text: ` implements ${implementsTag.map((t) => t.class.getText(file)).join(', ')}` });
  }
  const generics = templatesOf(node, type);
  if (generics && node.name && !node.typeParameters) edits.push({ start: node.name.end, end: node.name.end, text: generics });

  const ctor = node.members.find(ts.isConstructorDeclaration);
  if (!ctor?.body) return;
  const declared = new Set(node.members.filter((m) => m.name && !ts.isConstructorDeclaration(m)).map((m) => m.name!.getText(file)));
  const params = new Set(ctor.parameters.flatMap((p) => bindingNames(p.name)));
  const indent = lineIndent(source, node.members[0]!.getStart(file));
  const fields: (() => string)[] = [];
  const movedStatements = new Set<ts.Statement>();
  let leading = true;
  // Before any other kind of statement (or one that hands `this` to code), a field can start with a constant wherever its line is.
  let onlyAssignments = true;
  const seen = new Set<string>();
  for (const statement of ctor.body.statements) {
    if (leading && isSuperCall(statement)) continue;
    const assignment = thisAssignment(statement);
    if (!assignment) {
      leading = false;
      onlyAssignments = false;
      continue;
    }
    const { name, value } = assignment;
    if (declared.has(name) || seen.has(name)) continue;
    seen.add(name);
    const jsdocType = ts.getJSDocTypeTag(statement)?.typeExpression.type;
    const docs = jsDocsOf(statement);
    const start = docs[0]?.getStart(file) ?? statement.getStart(file);
    const movable = (leading && !usesNames(value, params) && !usesThis(value)) || (onlyAssignments && isConstant(value));
    if (passesThis(value)) onlyAssignments = false;
    if (movable) {
      // The line moves whole, its comment too (the comment pass has taken the type tag out of it).
      edits.push(removeLine(source, start, statement.end));
      movedStatements.add(statement);
      const annotation = jsdocType ? `: ${type(jsdocType)}` : '';
      fields.push(() => {
        const comment = docs
          .map((d) => jsdocComment(d.getText(file)))
          .filter(Boolean)
          .join('\n');
        const init = applyEdits(source, edits, value.getStart(file), value.end);
        const reindented = comment.replace(/\n\s*\*/g, `\n${indent} *`);
        return `${comment ? indent + reindented + '\n' : ''}${indent}${name}${annotation} = ${init};`;
      });
    } else {
      leading = false;
      const annotation = jsdocType ? type(jsdocType) : (parameterType(ctor, value, type) ?? literalType(value));
      if (!annotation) throw new Error(`typescript: field \`${name}\` of class ${node.name?.text ?? '(anonymous)'} needs a @type in ${file.fileName}`);
      // Its comment describes the field: it goes onto the declaration (the assignment stays, bare).
      for (const doc of docs) edits.push(removeLine(source, doc.getStart(file), doc.end));
      const comment = docs
        .map((d) => jsdocComment(d.getText(file)))
        .filter(Boolean)
        .join('\n')
        .replace(/\n\s*\*/g, `\n${indent} *`);
      fields.push(() => `${comment ? indent + comment + '\n' : ''}${indent}${name}: ${annotation};`);
    }
  }
  if (fields.length === 0) return;
  // A constructor left with nothing to do goes (one that takes arguments or calls super() stays: it is not the default one).
  if (ctor.parameters.length === 0 && ctor.body.statements.every((st) => movedStatements.has(st))) {
    edits.push(removeLine(source, (jsDocsOf(ctor)[0] ?? ctor).getStart(file), ctor.end));
  }
  const at = ctor.getFullStart();
  edits.push({ start: at, end: at, text: () => '\n' + fields.map((f) => f()).join('\n') + '\n' });
}

/** A value with no effects and no inputs: a literal, an empty array or object, an empty Map or Set. */
function isConstant(value: ts.Expression): boolean {
  if (ts.isStringLiteral(value) || ts.isNumericLiteral(value) || ts.isBigIntLiteral(value) || ts.isNoSubstitutionTemplateLiteral(value)) return true;
  if (value.kind === ts.SyntaxKind.TrueKeyword || value.kind === ts.SyntaxKind.FalseKeyword || value.kind === ts.SyntaxKind.NullKeyword) return true;
  if (ts.isIdentifier(value) && value.text === 'undefined') return true;
  if (ts.isPrefixUnaryExpression(value) && value.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(value.operand)) return true;
  if (ts.isArrayLiteralExpression(value) || ts.isObjectLiteralExpression(value)) return (ts.isArrayLiteralExpression(value) ? value.elements : value.properties).length === 0;
  if (ts.isNewExpression(value) && ts.isIdentifier(value.expression) && ['Map', 'Set'].includes(value.expression.text)) return !value.arguments?.length;
  return false;
}

/** Does `value` hand `this` itself to other code (`new Reload(this)`), which could then set fields? Reading `this.x` does not. */
function passesThis(node: ts.Node): boolean {
  if (node.kind === ts.SyntaxKind.ThisKeyword) return !(ts.isPropertyAccessExpression(node.parent) && node.parent.expression === node);
  if (ts.isFunctionExpression(node) || ts.isFunctionDeclaration(node)) return false;
  return node.forEachChild((c) => passesThis(c) || undefined) ?? false;
}

/** `this.x = x` of a parameter: the parameter's type (`T | undefined` when it may be left out). */
function parameterType(ctor: ts.ConstructorDeclaration, value: ts.Expression, type: (node: ts.TypeNode) => string): string | undefined {
  if (!ts.isIdentifier(value)) return undefined;
  const param = ctor.parameters.find((p) => ts.isIdentifier(p.name) && p.name.text === value.text);
  const tag = param && ts.getJSDocParameterTags(param)[0];
  if (!param || !tag?.typeExpression) return undefined;
  const text = type(tag.typeExpression.type);
  const optional = (tag.isBracketed || tag.typeExpression.type.kind === ts.SyntaxKind.JSDocOptionalType) && !param.initializer;
  return optional ? `${text} | undefined` : text;
}

function isSuperCall(statement: ts.Statement): boolean {
  return ts.isExpressionStatement(statement) && ts.isCallExpression(statement.expression) && statement.expression.expression.kind === ts.SyntaxKind.SuperKeyword;
}

function thisAssignment(statement: ts.Statement): { name: string; value: ts.Expression } | undefined {
  if (!ts.isExpressionStatement(statement) || !ts.isBinaryExpression(statement.expression)) return undefined;
  const { left, operatorToken, right } = statement.expression;
  if (operatorToken.kind !== ts.SyntaxKind.EqualsToken || !ts.isPropertyAccessExpression(left) || left.expression.kind !== ts.SyntaxKind.ThisKeyword) return undefined;
  return { name: left.name.getText(), value: right };
}

const COMPARISONS = new Set([
  ts.SyntaxKind.LessThanToken,
  ts.SyntaxKind.LessThanEqualsToken,
  ts.SyntaxKind.GreaterThanToken,
  ts.SyntaxKind.GreaterThanEqualsToken,
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.InstanceOfKeyword,
  ts.SyntaxKind.InKeyword,
]);
const GENERIC_BUILTINS = new Set(['Map', 'Set', 'WeakMap', 'WeakSet', 'Array', 'Promise', 'WeakRef']);

/** The type of a literal a field starts with; '' when only a @type can say. */
function literalType(value: ts.Expression): string {
  if (ts.isStringLiteral(value) || ts.isNoSubstitutionTemplateLiteral(value)) return 'string';
  if (ts.isNumericLiteral(value)) return 'number';
  if (ts.isBigIntLiteral(value)) return 'bigint';
  if (value.kind === ts.SyntaxKind.TrueKeyword || value.kind === ts.SyntaxKind.FalseKeyword) return 'boolean';
  if (ts.isTemplateExpression(value)) return 'string';
  // `options.x ?? 1000`: the default says what the option holds.
  if (ts.isBinaryExpression(value) && value.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken) return literalType(value.right);
  if (ts.isPrefixUnaryExpression(value) && value.operator === ts.SyntaxKind.ExclamationToken) return 'boolean';
  if (ts.isBinaryExpression(value) && COMPARISONS.has(value.operatorToken.kind)) return 'boolean';
  // A class of the file or an import, not a generic built-in (`new Map()` says nothing of its types).
  if (ts.isNewExpression(value) && ts.isIdentifier(value.expression) && !value.typeArguments && !GENERIC_BUILTINS.has(value.expression.text)) return value.expression.text;
  return '';
}

function bindingNames(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((e) => (ts.isOmittedExpression(e) ? [] : bindingNames(e.name)));
}

function usesNames(node: ts.Node, names: Set<string>): boolean {
  if (ts.isIdentifier(node) && names.has(node.text)) return true;
  return node.forEachChild((c) => usesNames(c, names) || undefined) ?? false;
}

function usesThis(node: ts.Node): boolean {
  if (node.kind === ts.SyntaxKind.ThisKeyword || node.kind === ts.SyntaxKind.SuperKeyword) return true;
  if (ts.isFunctionExpression(node) || ts.isFunctionDeclaration(node)) return false;
  return node.forEachChild((c) => usesThis(c) || undefined) ?? false;
}

/**
 * `'./x.js'` -> `'./x.ts'` when it names a converted file: relative to
 * `path`, or to the project (code in a string, run from the project's
 * folder: `"import { buildApp } from './src/app.js';"`), or a project path
 * (`'node src/server.js'`).
 */
function renameSpecifier(literal: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral | ts.TemplateHead, path: string, file: ts.SourceFile, edits: TextEdit[]) {
  const start = literal.getStart(file) + 1;
  for (const match of literal.text.matchAll(/(?:\.{1,2}\/|\b(?=(?:src|test|scripts)\/))[\w./-]*\.js\b/g)) {
    const value = match[0];
    const targets = value.startsWith('.') ? [posix.join(posix.dirname(path), value), posix.normalize(value)] : [value];
    if (!targets.some((t) => isConverted(posix.normalize(t)))) continue;
    // The literal's text is its source between the quotes when it has no escapes (template paths never do).
    if (!file.text.slice(start).startsWith(literal.text)) continue;
    const end = start + match.index! + value.length;
    edits.push({ start: end - 3, end, text: '.ts' });
  }
}

/** Where added `import type` lines go: after the file's last import (or at the top). */
function importsEnd(file: ts.SourceFile): number {
  const imports = file.statements.filter(ts.isImportDeclaration);
  return imports.at(-1)?.end ?? 0;
}

/**
 * `import('./x.js').T` in a type: `T`, imported once with `import type`
 * (`./x.ts`). A name the file already binds keeps the inline form.
 */
class TypeImports {
  private readonly byModule = new Map<string, Set<string>>();
  private readonly bound = new Set<string>();
  private readonly valueImports = new Map<string, string>();
  /** The braces of each module's value import, where its types join it (`import { a, type B }`). */
  private readonly namedImports = new Map<string, ts.NamedImports>();
  constructor(
    private readonly path: string,
    file: ts.SourceFile,
    private readonly inline: boolean,
  ) {
    for (const statement of file.statements) {
      if (ts.isImportDeclaration(statement)) {
        const module = (statement.moduleSpecifier as ts.StringLiteral).text;
        const clause = statement.importClause;
        if (clause?.name) this.bound.add(clause.name.text);
        const bindings = clause?.namedBindings;
        if (bindings && ts.isNamedImports(bindings) && !clause.isTypeOnly && !clause.name && !this.namedImports.has(this.specifier(module)))
          this.namedImports.set(this.specifier(module), bindings);
        if (bindings && ts.isNamedImports(bindings))
          for (const e of bindings.elements) {
            this.bound.add(e.name.text);
            if (!e.propertyName) this.valueImports.set(e.name.text, module);
          }
        if (bindings && ts.isNamespaceImport(bindings)) this.bound.add(bindings.name.text);
      } else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name) this.bound.add(statement.name.text);
      else if (ts.isVariableStatement(statement)) for (const d of statement.declarationList.declarations) for (const n of bindingNames(d.name)) this.bound.add(n);
    }
    collectTypedefNames(file, this.bound);
  }

  /** `import('m').Name` declared under its own name: imported, whatever the file binds (the typedef was the binding). */
  add(node: ts.ImportTypeNode, name: string) {
    const module = this.specifier(((node.argument as ts.LiteralTypeNode).literal as ts.StringLiteral).text);
    if (!this.byModule.has(module)) this.byModule.set(module, new Set());
    this.byModule.get(module)!.add(name);
  }

  /** The text that names `name` of `module` here. */
  use(module: string, name: string): string {
    const specifier = this.specifier(module);
    if (this.inline) return `import('${specifier}').${name}`;
    if (this.valueImports.get(name) === module) return name;
    if (this.bound.has(name)) {
      if (this.byModule.get(specifier)?.has(name)) return name;
      return `import('${specifier}').${name}`;
    }
    if (!this.byModule.has(specifier)) this.byModule.set(specifier, new Set());
    this.byModule.get(specifier)!.add(name);
    this.bound.add(name);
    return name;
  }

  specifier(module: string): string {
    return typescriptSpecifier(this.path, module);
  }

  /** Types of a module the file already imports values from: `, type B` added to that import. */
  joined(): TextEdit[] {
    return [...this.byModule]
      .filter(([module]) => this.namedImports.has(module))
      .map(([module, names]) => {
        const at = this.namedImports.get(module)!.elements.end;
        return { start: at, end: at, text: [...names].map((name) => `, type ${name}`).join('') };
      });
  }

  /** `import type` lines for the modules the file imports no values from. */
  declarations(): string {
    return [...this.byModule]
      .filter(([module]) => !this.namedImports.has(module))
      .map(([module, names]) => `import type { ${[...names].sort().join(', ')} } from '${module}';`)
      .join('\n');
  }
}

/** Typedef names the file declares: an `import()` of the same name elsewhere must stay inline. */
function collectTypedefNames(file: ts.SourceFile, into: Set<string>) {
  const visit = (node: ts.Node) => {
    for (const doc of jsDocsOf(node)) for (const tag of doc.tags ?? []) if (ts.isJSDocTypedefTag(tag) && tag.name) into.add(tag.name.getText(file));
    node.forEachChild(visit);
  };
  visit(file);
  visit(file.endOfFileToken);
}

/**
 * A type written in JSDoc as TypeScript: `import()` types become names
 * imported with `import type`, JSDoc-only forms (`?T`, `*`, `T=`, `...T`)
 * their TypeScript spelling, type literals use `;`.
 */
function convertType(text: string, imports: TypeImports): string {
  // `...T` (a rest parameter) and `T=` (optional): the caller says what they mean; the type is T.
  if (text.startsWith('...')) return convertType(text.slice(3), imports);
  if (text.endsWith('=') && !text.endsWith('>=')) return convertType(text.slice(0, -1), imports);
  const predicate = /^((?:asserts\s+)?[\w$]+\s+is\s+)(.*)$/s.exec(text);
  if (predicate) return predicate[1] + convertType(predicate[2]!, imports);
  const file = ts.createSourceFile('type.ts', `type T = ${text};`, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const alias = file.statements[0];
  if (!alias || !ts.isTypeAliasDeclaration(alias)) throw new Error(`typescript: cannot read the type {${text}}`);
  const print = (node: ts.Node): string => {
    if (ts.isImportTypeNode(node) && !node.isTypeOf && node.qualifier && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      const module = node.argument.literal.text;
      const qualifier = node.qualifier.getText(file);
      const first = qualifier.split('.')[0]!;
      const rest = qualifier.slice(first.length);
      const args = node.typeArguments ? `<${node.typeArguments.map(print).join(', ')}>` : '';
      return imports.use(module, first) + rest + args;
    }
    if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      return node.getText(file).replace(node.argument.literal.getText(file), `'${imports.specifier(node.argument.literal.text)}'`);
    }
    if (node.kind === ts.SyntaxKind.JSDocAllType) return 'any';
    if (node.kind === ts.SyntaxKind.JSDocNullableType) return `${print((node as ts.JSDocNullableType).type)} | null`;
    if (node.kind === ts.SyntaxKind.JSDocNonNullableType || node.kind === ts.SyntaxKind.JSDocOptionalType) return print((node as ts.JSDocOptionalType).type);
    if (node.kind === ts.SyntaxKind.JSDocVariadicType) return print((node as ts.JSDocVariadicType).type);
    if (ts.isTypeLiteralNode(node)) {
      if (node.members.length === 0) return '{}';
      return `{ ${node.members.map((m) => spliceChildren(m, file, print).replace(/[,;]\s*$/, '')).join('; ')} }`;
    }
    return spliceChildren(node, file, print);
  };
  return print(alias.type);
}

/** A node's text with each child replaced by `print(child)`. */
function spliceChildren(node: ts.Node, file: ts.SourceFile, print: (node: ts.Node) => string): string {
  let out = '';
  let at = node.getStart(file);
  node.forEachChild((child) => {
    const start = child.getStart(file);
    out += file.text.slice(at, start) + print(child);
    at = child.end;
  });
  return out + file.text.slice(at, node.end);
}
