import { ts } from 'ts-morph';

/**
 * Renames the user made in a JavaScript file, found by comparing it with
 * its merge base, so that a three-way merge can carry them into the lines
 * the new version changed. A user who renames `app` to `server` in
 * src/app.js touches every line of `buildApp()`; the new version adds a
 * middleware line there. Line by line that is a conflict on every line;
 * with the rename applied to the base and to the new version first, the
 * only change left on the user's side is none, and the new line arrives as
 * `server.use(...)`.
 */
export type Renames = Map<string, Rename>;

interface Rename {
  to: string;
  /** The user renamed the code mentions in comments too (`app.use(...)` in a doc comment). */
  inComments: boolean;
}

interface Occurrence {
  start: number;
  end: number;
}

/** The identifiers of a file that name a binding: not a property after a dot, not an object key. */
function bindings(text: string): Map<string, Occurrence[]> {
  const file = ts.createSourceFile('file.js', text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const out = new Map<string, Occurrence[]>();
  const visit = (node: ts.Node) => {
    if (ts.isIdentifier(node)) {
      const parent = node.parent;
      const member = (ts.isPropertyAccessExpression(parent) && parent.name === node) || ((ts.isPropertyAssignment(parent) || ts.isMethodDeclaration(parent) || ts.isPropertyDeclaration(parent)) && parent.name === node) || ts.isShorthandPropertyAssignment(parent);
      if (!member) out.set(node.text, [...(out.get(node.text) ?? []), { start: node.getStart(file), end: node.getEnd() }]);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out;
}

/** Where the comments of a file are. */
function comments(text: string): Occurrence[] {
  const file = ts.createSourceFile('file.js', text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const seen = new Map<number, Occurrence>();
  const visit = (node: ts.Node) => {
    for (const range of [...(ts.getLeadingCommentRanges(text, node.getFullStart()) ?? []), ...(ts.getTrailingCommentRanges(text, node.getEnd()) ?? [])]) {
      seen.set(range.pos, { start: range.pos, end: range.end });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return [...seen.values()];
}

/** A name as code mentions it in a comment: `app.use(...)`, `app(`. */
// Not a module path (`./lib/app.js`), not a property (`res.app`).
const codeMention = (name: string) => new RegExp(`(?<![\\w$./-])${name.replace(/\$/g, '\\$')}(?=\\s*[.(])(?!\\.[cm]?[jt]s\\b)`, 'g');

/** Names the user renamed throughout `ours` since `base`: each old name is gone and explains at least two changed lines. */
export function findRenames(ours: string, base: string): Renames {
  const [mine, before] = [bindings(ours), bindings(base)];
  const gone = [...before.keys()].filter((n) => !mine.has(n)).slice(0, 20);
  const fresh = [...mine.keys()].filter((n) => !before.has(n)).slice(0, 20);
  const renames: Renames = new Map();
  if (!gone.length || !fresh.length) return renames;
  const ourLines = new Set(ours.split('\n'));
  const matching = (text: string) => text.split('\n').filter((l) => ourLines.has(l)).length;
  const unchanged = matching(base);
  for (const old of gone) {
    let best: string | undefined;
    let gain = 1;
    for (const name of fresh) {
      if ([...renames.values()].some((r) => r.to === name)) continue;
      const g = matching(applyRenames(base, new Map([[old, { to: name, inComments: false }]]))) - unchanged;
      if (g > gain) [best, gain] = [name, g];
    }
    if (best) renames.set(old, { to: best, inComments: !comments(ours).some((c) => codeMention(old).test(ours.slice(c.start, c.end))) });
  }
  return renames;
}

/** `text` with the renames applied to its bindings, and to the code mentions in its comments. */
export function applyRenames(text: string, renames: Renames): string {
  if (!renames.size) return text;
  const edits: { start: number; end: number; to: string }[] = [];
  for (const [name, occurrences] of bindings(text)) {
    const rename = renames.get(name);
    if (rename) for (const o of occurrences) edits.push({ ...o, to: rename.to });
  }
  for (const c of comments(text)) {
    const body = text.slice(c.start, c.end);
    for (const [name, { to, inComments }] of renames) {
      if (inComments) for (const m of body.matchAll(codeMention(name))) edits.push({ start: c.start + m.index, end: c.start + m.index + name.length, to });
    }
  }
  let out = text;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.to + out.slice(e.end);
  return out;
}
