import type { CallExpression, ObjectLiteralExpression, SourceFile } from 'ts-morph';
import { Node, Project, SyntaxKind } from './ts-morph.js';
import type { PropertyEdit } from '../types.js';
import { EditError } from './errors.js';
import { isTypeScript } from './script-files.js';

/** Property edits: keys of object literals (`defaults` in src/config.js or src/config.ts, an options argument of a call). */

/** The object literal a property edit targets. */
export function propertyTarget(sf: SourceFile, object: string, path: string[], argument?: number): ObjectLiteralExpression {
  let target: Node | undefined;
  if (argument !== undefined) {
    const calls = sf.getDescendantsOfKind(SyntaxKind.CallExpression).filter((c: CallExpression) => c.getExpression().getText() === object);
    if (calls.length !== 1) throw new EditError(`${sf.getBaseName()}: expected one call to ${object}(...), found ${calls.length}`);
    target = calls[0].getArguments()[argument];
    if (!target) throw new EditError(`${sf.getBaseName()}: ${object}(...) has no argument #${argument + 1} to add to`);
  } else {
    target = sf.getVariableDeclaration(object)?.getInitializer();
  }
  target = uncast(target);
  for (const key of path) {
    if (!target || !Node.isObjectLiteralExpression(target)) break;
    const prop = target.getProperty(key);
    target = uncast(prop && Node.isPropertyAssignment(prop) ? prop.getInitializer() : undefined);
    if (!target) throw new EditError(`${sf.getBaseName()}: ${[object, ...path].join('.')} not found`);
  }
  if (!target || !Node.isObjectLiteralExpression(target)) {
    throw new EditError(`${sf.getBaseName()}: ${[object, ...path].join('.')} is not an object literal to add to`);
  }
  return target;
}

/**
 * The expression inside casts and parentheses: in TypeScript an object
 * literal may be written `{ ... } as Config`, `{ ... } satisfies Config` or
 * `({ ... })`; its keys are edited the same.
 */
function uncast(node: Node | undefined): Node | undefined {
  let current = node;
  while (current && (Node.isAsExpression(current) || Node.isSatisfiesExpression(current) || Node.isParenthesizedExpression(current) || Node.isTypeAssertion(current))) {
    current = current.getExpression();
  }
  return current;
}

/**
 * Adds a property unless the key exists (an existing key holds the user's
 * value and is never overwritten). A one-line literal stays on one line.
 */
export function addProperty(locate: () => ObjectLiteralExpression, edit: PropertyEdit, rankOf: (name: string) => number | undefined = () => undefined): void {
  const target = locate();
  if (target.getProperty(edit.name)) return;
  const text = edit.value === edit.name ? edit.name : `${edit.name}: ${edit.value}`;
  // Before the first key of a later feature, where a render puts it; else last.
  const mine = rankOf(edit.name);
  const names = target.getProperties().map((p) => (Node.isPropertyAssignment(p) || Node.isShorthandPropertyAssignment(p) ? p.getName() : ''));
  const later = mine === undefined ? -1 : names.findIndex((n) => (rankOf(n) ?? -1) > mine);
  const index = later === -1 ? names.length : later;
  if (isOneLine(target) && !edit.doc) {
    const props = target.getProperties().map((p) => p.getText());
    props.splice(index, 0, text);
    target.replaceWithText(`{ ${props.join(', ')} }`);
    return;
  }
  const entry = `${edit.doc ? `/** ${edit.doc} */\n` : ''}${edit.value === edit.name ? edit.name : `${edit.name}: ${edit.value}`}`;
  if (insertEntry(target, index, entry)) return;
  const trailingComma = hasTrailingComma(target);
  const leadingTrivia = edit.doc ? `/** ${edit.doc} */\n` : undefined;
  if (edit.value === edit.name) target.addShorthandPropertyAssignment({ name: edit.name, leadingTrivia });
  else target.addPropertyAssignment({ name: edit.name, initializer: edit.value, leadingTrivia });
  // Text insertions make ts-morph forget its nodes: find the literal again after each.
  if (trailingComma) ensureTrailingComma(target);
  alignContinuationLines(locate().getPropertyOrThrow(edit.name));
}

/**
 * Removes a property, keeping the literal's layout and trailing-comma style.
 * In a multi-line literal the property's lines go (with the comments right
 * above it and a trailing comment on its last line); the lines around it,
 * trailing comments of the line before included, stay as they are.
 */
export function removeProperty(target: ObjectLiteralExpression, name: string): void {
  const prop = target.getProperty(name);
  if (!prop) return;
  if (isOneLine(target)) {
    const props = target
      .getProperties()
      .filter((p) => p !== prop)
      .map((p) => p.getText());
    target.replaceWithText(props.length ? `{ ${props.join(', ')} }` : '{}');
    return;
  }
  const sf = target.getSourceFile();
  const text = sf.getFullText();
  const props = target.getProperties();
  const last = props.at(-1) === prop;
  const trailingComma = hasTrailingComma(target);
  const comma = prop.getNextSiblingIfKind(SyntaxKind.CommaToken);
  const end = comma ? comma.getEnd() : prop.getEnd();
  const rest = text.slice(end, lineEndOf(text, end));
  const start = topOfComments(text, prop);
  if (text.slice(lineStartOf(text, start), start).trim() || !/^\s*(\/\/.*|\/\*.*?\*\/\s*)?$/.test(rest)) {
    // Shares a line with other code: let ts-morph take it out.
    prop.remove();
    if (trailingComma) ensureTrailingComma(target);
    return;
  }
  const cuts: [number, number][] = [[lineStartOf(text, start), Math.min(lineEndOf(text, end) + 1, text.length)]];
  if (props.length === 1) {
    target.replaceWithText('{}');
    return;
  }
  // Without trailing commas, the property before the removed last one loses its comma.
  if (last && !trailingComma) {
    const before = props.at(-2)!.getNextSiblingIfKind(SyntaxKind.CommaToken);
    if (before) cuts.push([before.getStart(), before.getEnd()]);
  }
  let out = text;
  for (const [from, to] of cuts.sort((a, b) => b[0] - a[0])) out = out.slice(0, from) + out.slice(to);
  sf.replaceWithText(out);
}

/**
 * Writes a property (`entry`: its comment lines and `name: value`, later
 * lines indented relative to the first) into a multi-line literal as lines of
 * its own, indented like the other properties: before property `index`
 * (above the comments that describe it) or after the last one (after its
 * comma and trailing comment), keeping the literal's trailing-comma style.
 * ts-morph wrote a second comma when comments followed the last property.
 * Returns false, changing nothing, for a layout it does not handle (one-line
 * or empty literals, properties sharing lines): the caller uses ts-morph.
 */
function insertEntry(target: ObjectLiteralExpression, index: number, entry: string): boolean {
  const props = target.getProperties();
  if (!props.length || isOneLine(target)) return false;
  const sf = target.getSourceFile();
  const text = sf.getFullText();
  const indent = props[0].getIndentationText();
  if (props.some((p) => text.slice(lineStartOf(text, p.getStart()), p.getStart()).trim())) return false;
  const lines = entry
    .split('\n')
    .map((l) => (l ? indent + l : l))
    .join('\n');
  let out: string;
  if (index < props.length) {
    const pos = lineStartOf(text, topOfComments(text, props[index]));
    out = `${text.slice(0, pos)}${lines},\n${text.slice(pos)}`;
  } else {
    const last = props.at(-1)!;
    const comma = last.getNextSiblingIfKind(SyntaxKind.CommaToken);
    const end = comma ? comma.getEnd() : last.getEnd();
    const eol = lineEndOf(text, end);
    if (!/^\s*(\/\/.*|\/\*.*?\*\/\s*)?$/.test(text.slice(end, eol)) || eol === text.length) return false;
    out = `${text.slice(0, eol + 1)}${lines}${comma ? ',' : ''}\n${text.slice(eol + 1)}`;
    if (!comma) out = `${out.slice(0, last.getEnd())},${out.slice(last.getEnd())}`;
  }
  sf.replaceWithText(out);
  return true;
}

/** The comment ranges on their own lines right above `node` (not a trailing comment of the line before). */
function ownLineCommentRanges(node: Node) {
  const text = node.getSourceFile().getFullText();
  return node.getLeadingCommentRanges().filter((c) => !text.slice(text.lastIndexOf('\n', c.getPos() - 1) + 1, c.getPos()).trim());
}

/** The start of the comments on the lines right above `node` (no blank line between), or of `node`. */
function topOfComments(text: string, node: Node): number {
  let top = node.getStart();
  for (const c of ownLineCommentRanges(node).reverse()) {
    if (c.getEnd() > top || !/^[ \t]*\r?\n[ \t]*$/.test(text.slice(c.getEnd(), top))) break;
    top = c.getPos();
  }
  return top;
}

function lineStartOf(text: string, pos: number): number {
  return text.lastIndexOf('\n', pos - 1) + 1;
}

function lineEndOf(text: string, pos: number): number {
  const i = text.indexOf('\n', pos);
  return i === -1 ? text.length : i;
}

/**
 * The writer indents a multi-line initializer one level too deep; re-base its
 * later lines so the closing line sits at the property's own indentation.
 */
function alignContinuationLines(node: Node): void {
  const text = node.getText();
  const lines = text.split('\n');
  if (lines.length < 2) return;
  const own = node.getIndentationText();
  const last = /^ */.exec(lines[lines.length - 1])![0].length;
  const extra = last - own.length;
  if (extra <= 0) return;
  const fixed = [lines[0], ...lines.slice(1).map((l) => (l.startsWith(' '.repeat(extra)) ? l.slice(extra) : l))].join('\n');
  node.getSourceFile().replaceText([node.getStart(), node.getEnd()], fixed);
}

/** Is there a comma after the last property (a trailing comment after it or not)? */
function hasTrailingComma(target: ObjectLiteralExpression): boolean {
  return target.getProperties().at(-1)?.getNextSiblingIfKind(SyntaxKind.CommaToken) !== undefined;
}

function ensureTrailingComma(target: ObjectLiteralExpression): void {
  const last = target.getProperties().at(-1);
  if (last && !hasTrailingComma(target)) target.getSourceFile().insertText(last.getEnd(), ',');
}

function isOneLine(node: Node): boolean {
  return !node.getText().includes('\n');
}

/** Code text up to whitespace, quote style, a final semicolon and a trailing comma in a call. */
export function normalize(code: string): string {
  return code.replace(/\s+/g, '').replace(/"/g, "'").replace(/;$/, '').replace(/,\)/g, ')');
}

/** A key of a feature's default object (`cluster: {...}`) as the registry writes it. */
interface DefaultKey {
  name: string;
  /** The value as written after the colon (a cast comment included); `name` for shorthand. */
  value: string;
  /** The comments on the lines right above the key. */
  comments: string[];
}

/** The keys of an object-literal value text of `file` (read in its language), in order; undefined when it is not an object literal. */
function defaultKeys(value: string, file: string): DefaultKey[] | undefined {
  const sf = scratch.createSourceFile(isTypeScript(file) ? '/value.ts' : '/value.js', `const value = ${value};\n`, { overwrite: true });
  const init = uncast(sf.getVariableDeclarationOrThrow('value').getInitializerOrThrow());
  if (!Node.isObjectLiteralExpression(init)) return undefined;
  const keys: DefaultKey[] = [];
  for (const p of init.getProperties()) {
    if (Node.isPropertyAssignment(p)) keys.push({ name: p.getName(), value: initializerText(p.getInitializerOrThrow()), comments: ownLineComments(p) });
    else if (Node.isShorthandPropertyAssignment(p)) keys.push({ name: p.getName(), value: p.getName(), comments: ownLineComments(p) });
  }
  return keys;
}

const scratch = new Project({ useInMemoryFileSystem: true, skipAddingFilesFromTsConfig: true, compilerOptions: { allowJs: true } });

/** A value with a comment between the colon and it (`/** @type {string[]} *\/ ([])`). */
function initializerText(init: Node): string {
  return init.getFullText().trim();
}

function ownLineComments(node: Node): string[] {
  return ownLineCommentRanges(node).map((c) => c.getText());
}

const sameComments = (a: string[], b: string[]) => a.map((c) => c.replace(/\s+/g, ' ')).join('\n') === b.map((c) => c.replace(/\s+/g, ' ')).join('\n');

/**
 * Turns the property `from` put into the property `to` puts at the same
 * place (same object, path and name), keeping what the user made of it:
 * - a key both defaults have keeps the user's value and comments (a value
 *   or comment still as `from` wrote it becomes `to`'s);
 * - a key only `from` has goes; a key only `to` has is added with its
 *   comments, next to the key it follows in `to` (a shared key the user
 *   deleted stays deleted);
 * - the user's own keys stay;
 * - the doc comment above the property becomes `to`'s unless the user changed it.
 * A value that is not an object literal is replaced only while unchanged.
 * A property the user deleted is added as `to` writes it.
 */
export function transitionProperty(sf: SourceFile, from: PropertyEdit, to: PropertyEdit): string {
  const locateObject = () => propertyTarget(sf, to.object, to.path ?? [], to.argument);
  const locate = () => {
    const prop = locateObject().getProperty(to.name);
    return prop && Node.isPropertyAssignment(prop) ? prop : undefined;
  };
  const existing = locateObject().getProperty(to.name);
  if (!existing) {
    addProperty(locateObject, to);
    return sf.getFullText();
  }
  if (!Node.isPropertyAssignment(existing)) return sf.getFullText(); // shorthand or method: the user's
  const oldKeys = defaultKeys(from.value, from.file);
  const newKeys = defaultKeys(to.value, to.file);
  const value = existing.getInitializerOrThrow();
  if (!oldKeys || !newKeys || !Node.isObjectLiteralExpression(uncast(value))) {
    if (normalize(initializerText(value)) === normalize(from.value) && normalize(from.value) !== normalize(to.value)) {
      existing.setInitializer(to.value);
      alignContinuationLines(locate()!);
    }
    return replaceDoc(sf, locate()!, from, to);
  }
  const oldByName = new Map(oldKeys.map((k) => [k.name, k]));
  const newByName = new Map(newKeys.map((k) => [k.name, k]));
  const object = () => uncast(locate()!.getInitializerOrThrow()) as ObjectLiteralExpression;

  // Keys only the old option has.
  for (const key of oldKeys) if (!newByName.has(key.name)) removeProperty(object(), key.name);

  // Shared keys the user left as the old option wrote them take the new option's text.
  for (const key of newKeys) {
    const old = oldByName.get(key.name);
    const mine = object().getProperty(key.name);
    if (!old || !mine || !Node.isPropertyAssignment(mine)) continue;
    if (normalize(initializerText(mine.getInitializerOrThrow())) === normalize(old.value) && normalize(old.value) !== normalize(key.value)) {
      mine.setInitializer(key.value);
    }
  }

  // Keys only the new option has, beside their neighbour in its order (a shared key the user deleted stays deleted).
  for (const [i, key] of newKeys.entries()) {
    if (oldByName.has(key.name) || object().getProperty(key.name)) continue;
    const target = object();
    const props = target.getProperties();
    const indexOf = (name: string) => props.findIndex((p) => (Node.isPropertyAssignment(p) || Node.isShorthandPropertyAssignment(p)) && p.getName() === name);
    let index = props.length;
    const previous = newKeys
      .slice(0, i)
      .reverse()
      .find((k) => indexOf(k.name) !== -1);
    const next = newKeys.slice(i + 1).find((k) => indexOf(k.name) !== -1);
    if (previous) index = indexOf(previous.name) + 1;
    else if (next) index = indexOf(next.name);
    const entry = [...key.comments, key.value === key.name ? key.name : `${key.name}: ${key.value}`].join('\n');
    if (insertEntry(target, index, entry)) continue;
    const trailingComma = hasTrailingComma(target);
    const leadingTrivia = key.comments.length ? `${key.comments.join('\n')}\n` : undefined;
    if (key.value === key.name) target.insertShorthandPropertyAssignment(index, { name: key.name, leadingTrivia });
    else target.insertPropertyAssignment(index, { name: key.name, initializer: key.value, leadingTrivia });
    if (trailingComma) ensureTrailingComma(object());
  }

  // Comments of shared keys, as the old option wrote them, become the new option's.
  const splices: [number, number, string][] = [];
  for (const key of newKeys) {
    const old = oldByName.get(key.name);
    const mine = object().getProperty(key.name);
    if (!old || !mine || sameComments(old.comments, key.comments)) continue;
    const ranges = ownLineCommentRanges(mine);
    if (
      !sameComments(
        ranges.map((r) => r.getText()),
        old.comments,
      )
    )
      continue;
    const indent = mine.getIndentationText();
    if (ranges.length) splices.push([ranges[0].getPos(), ranges.at(-1)!.getEnd(), key.comments.join(`\n${indent}`)]);
    else if (key.comments.length) splices.push([mine.getStart(), mine.getStart(), `${key.comments.join(`\n${indent}`)}\n${indent}`]);
  }
  let text = sf.getFullText();
  for (const [start, end, insert] of splices.sort((a, b) => b[0] - a[0])) text = text.slice(0, start) + insert + text.slice(end);
  if (splices.length) sf.replaceWithText(text);
  return replaceDoc(sf, locate()!, from, to);
}

/** The doc comment above the property becomes `to`'s while it is still `from`'s. */
function replaceDoc(sf: SourceFile, prop: Node, from: PropertyEdit, to: PropertyEdit): string {
  const text = sf.getFullText();
  if (!from.doc || !to.doc || from.doc === to.doc) return text;
  const doc = ownLineCommentRanges(prop).at(-1);
  if (!doc || doc.getText() !== `/** ${from.doc} */`) return text;
  return text.slice(0, doc.getPos()) + `/** ${to.doc} */` + text.slice(doc.getEnd());
}
