import { Node, SyntaxKind, type CallExpression, type ObjectLiteralExpression, type SourceFile } from 'ts-morph';
import type { PropertyEdit } from '../types.js';
import { EditError } from './errors.js';

/** Property edits: keys of object literals (`defaults` in src/config.js, an options argument of a call). */

/** The object literal a property edit targets. */
export function propertyTarget(sf: SourceFile, object: string, path: string[], argument?: number): ObjectLiteralExpression {
  let target: Node | undefined;
  if (argument !== undefined) {
    const calls = sf
      .getDescendantsOfKind(SyntaxKind.CallExpression)
      .filter((c: CallExpression) => c.getExpression().getText() === object);
    if (calls.length !== 1) throw new EditError(`${sf.getBaseName()}: expected one call to ${object}(...), found ${calls.length}`);
    target = calls[0].getArguments()[argument];
    if (!target) throw new EditError(`${sf.getBaseName()}: ${object}(...) has no argument #${argument + 1} to add to`);
  } else {
    target = sf.getVariableDeclaration(object)?.getInitializer();
  }
  for (const key of path) {
    if (!target || !Node.isObjectLiteralExpression(target)) break;
    const prop = target.getProperty(key);
    target = prop && Node.isPropertyAssignment(prop) ? prop.getInitializer() : undefined;
    if (!target) throw new EditError(`${sf.getBaseName()}: ${[object, ...path].join('.')} not found`);
  }
  if (!target || !Node.isObjectLiteralExpression(target)) {
    throw new EditError(`${sf.getBaseName()}: ${[object, ...path].join('.')} is not an object literal to add to`);
  }
  return target;
}

/**
 * Adds a property unless the key exists (an existing key holds the user's
 * value and is never overwritten). A one-line literal stays on one line.
 */
export function addProperty(locate: () => ObjectLiteralExpression, edit: PropertyEdit): void {
  const target = locate();
  if (target.getProperty(edit.name)) return;
  const text = edit.value === edit.name ? edit.name : `${edit.name}: ${edit.value}`;
  if (isOneLine(target) && !edit.doc) {
    const props = target.getProperties().map((p) => p.getText());
    target.replaceWithText(`{ ${[...props, text].join(', ')} }`);
    return;
  }
  const trailingComma = hasTrailingComma(target);
  const leadingTrivia = edit.doc ? `/** ${edit.doc} */\n` : undefined;
  if (edit.value === edit.name) target.addShorthandPropertyAssignment({ name: edit.name, leadingTrivia });
  else target.addPropertyAssignment({ name: edit.name, initializer: dedent(edit.value), leadingTrivia });
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
    const props = target.getProperties().filter((p) => p !== prop).map((p) => p.getText());
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
 * Removes the common indentation of a multi-line value's later lines: the
 * writer indents them to the property's own depth, whatever the registry's
 * source looked like.
 */
function dedent(value: string): string {
  const [first, ...rest] = value.split('\n');
  const indents = rest.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return [first, ...rest.map((l) => l.slice(Math.min(cut, /^ */.exec(l)![0].length)))].join('\n');
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
