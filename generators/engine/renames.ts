import { ts } from './ts-morph.js';
import { lineKey } from './formatting.js';
import { parseScript } from './script-files.js';

/**
 * Renames the user made in a JavaScript or TypeScript file, found by comparing it with
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

/** A file read once: the identifiers that name a binding (not a property after a dot, not an object key), and where its comments are. */
interface Scan {
  bindings: Map<string, Occurrence[]>;
  comments: Occurrence[];
}

function scan(text: string, path: string): Scan {
  const file = parseScript(path, text);
  const bindings = new Map<string, Occurrence[]>();
  const comments = new Map<number, Occurrence>();
  const visit = (node: ts.Node) => {
    if (ts.isIdentifier(node)) {
      const parent = node.parent;
      const member =
        (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
        ((ts.isPropertyAssignment(parent) || ts.isMethodDeclaration(parent) || ts.isPropertyDeclaration(parent) || ts.isPropertySignature(parent) || ts.isMethodSignature(parent)) &&
          parent.name === node) ||
        // A member of a type: `Config.port` in TypeScript, `import('./x.ts').Request`.
        (ts.isQualifiedName(parent) && parent.right === node) ||
        (ts.isImportTypeNode(parent) && parent.qualifier === node) ||
        ts.isShorthandPropertyAssignment(parent);
      if (!member) bindings.set(node.text, [...(bindings.get(node.text) ?? []), { start: node.getStart(file), end: node.getEnd() }]);
    }
    for (const range of [...(ts.getLeadingCommentRanges(text, node.getFullStart()) ?? []), ...(ts.getTrailingCommentRanges(text, node.getEnd()) ?? [])]) {
      comments.set(range.pos, { start: range.pos, end: range.end });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return { bindings, comments: [...comments.values()] };
}

/** `text` with each occurrence replaced by its `to`. */
function replaceAt(text: string, edits: (Occurrence & { to: string })[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.to + out.slice(e.end);
  return out;
}

/** A name as code mentions it in a comment: `app.use(...)`, `app(`. */
// Not a module path (`./lib/app.js`), not a property (`res.app`).
const codeMention = (name: string) => new RegExp(`(?<![\\w$./-])${name.replace(/\$/g, '\\$')}(?=\\s*[.(])(?!\\.[cm]?[jt]s\\b)`, 'g');

/** Names the user renamed throughout `ours` since `base`: each old name is gone and explains at least two changed lines. */
export function findRenames(ours: string, base: string, path = 'file.js'): Renames {
  const [mine, before] = [scan(ours, path), scan(base, path)];
  const gone = [...before.bindings.keys()].filter((n) => !mine.bindings.has(n)).slice(0, 20);
  const fresh = [...mine.bindings.keys()].filter((n) => !before.bindings.has(n)).slice(0, 20);
  const renames: Renames = new Map();
  if (!gone.length || !fresh.length) return renames;
  // Formatting is not what a rename is about: a user may have reformatted the file too (formatting.ts).
  const ourLines = new Set(ours.split('\n').map(lineKey));
  const matching = (text: string) => text.split('\n').filter((l) => ourLines.has(lineKey(l))).length;
  const unchanged = matching(base);
  for (const old of gone) {
    let best: string | undefined;
    let gain = 1;
    for (const name of fresh) {
      if ([...renames.values()].some((r) => r.to === name)) continue;
      const g =
        matching(
          replaceAt(
            base,
            before.bindings.get(old)!.map((o) => ({ ...o, to: name })),
          ),
        ) - unchanged;
      if (g > gain) [best, gain] = [name, g];
    }
    if (best) renames.set(old, { to: best, inComments: !mine.comments.some((c) => codeMention(old).test(ours.slice(c.start, c.end))) });
  }
  return renames;
}

/** `text` with the renames applied to its bindings, and to the code mentions in its comments. */
export function applyRenames(text: string, renames: Renames, path = 'file.js'): string {
  if (!renames.size) return text;
  const { bindings, comments } = scan(text, path);
  const edits: (Occurrence & { to: string })[] = [];
  for (const [name, occurrences] of bindings) {
    const rename = renames.get(name);
    if (rename) for (const o of occurrences) edits.push({ ...o, to: rename.to });
  }
  for (const c of comments) {
    const body = text.slice(c.start, c.end);
    for (const [name, { to, inComments }] of renames) {
      if (inComments) for (const m of body.matchAll(codeMention(name))) edits.push({ start: c.start + m.index, end: c.start + m.index + name.length, to });
    }
  }
  return replaceAt(text, edits);
}
