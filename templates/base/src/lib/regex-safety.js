// @ts-check

/**
 * Checks a route parameter pattern such as `\d+` (from `/users/:id(\d+)`)
 * for the shapes that make a backtracking regex engine take exponential or
 * high-polynomial time on a crafted input ("ReDoS"). JavaScript's engine
 * backtracks, and a route pattern runs on every request, so one bad pattern
 * would let a single request block the whole server.
 *
 * The check is conservative: it may reject a pattern that happens to be
 * safe, with a message that says how to rewrite it. Rejected are:
 * - a variable quantifier inside a repeated group: `(a+)+`, `(\d*)*`,
 *   `(a?){2,}` (the classic exponential case; fixed counts like
 *   `(-[0-9a-f]{4}){3}` are fine);
 * - alternation inside a repeated group whose branches can start with the
 *   same character: `(a|ab)+`, `(\w|\d)*` (also exponential);
 * - two variable-length repeats in a row that can match the same
 *   characters: `\d+\d*`, `.*.*` (polynomial, and it adds up);
 * - backreferences and lookarounds, which this check cannot reason about.
 * Parameter values are also capped by `maxParamLength` before any pattern
 * runs, which bounds whatever polynomial cost is left.
 */

/**
 * @typedef {{ kind: 'char' | 'class' | 'anchor', source: string }} Atom one character (or none, for anchors)
 * @typedef {{ kind: 'group', alternatives: Item[][] }} Group
 * @typedef {{ atom: Atom | Group, min: number, max: number, source: string }} Item
 */

/**
 * Throws an Error that explains the problem when `pattern` is unsafe or
 * invalid; returns the compiled, anchored RegExp otherwise.
 * @param {string} pattern the regex source, without slashes or flags
 * @param {string} where e.g. `route "/users/:id(\d+)"`, for the message
 * @returns {RegExp}
 */
export function compileSafePattern(pattern, where) {
  /** @type {RegExp} */
  let regex;
  try {
    // Anchored: a parameter must match as a whole, not just contain a match.
    regex = new RegExp(`^(?:${pattern})$`);
  } catch (err) {
    throw new Error(`Invalid regular expression ${JSON.stringify(pattern)} in ${where}: ${/** @type {Error} */ (err).message}`);
  }
  /** @type {string | null} */
  let problem;
  try {
    problem = findProblem(parse(pattern));
  } catch (err) {
    // The parser refuses backreferences and lookarounds with a reason.
    problem = /** @type {Error} */ (err).message;
  }
  if (problem) {
    throw new Error(`Unsafe regular expression ${JSON.stringify(pattern)} in ${where}: ${problem}`);
  }
  return regex;
}

/**
 * Returns a description of the first unsafe shape, or null.
 * @param {Group} group
 * @param {boolean} [repeated] whether the group sits under a repeat
 * @returns {string | null}
 */
function findProblem(group, repeated = false) {
  if (repeated && group.alternatives.length > 1 && !branchesStartDifferently(group)) {
    return 'alternatives inside a repeated group can match the same text in several ways, which takes exponential time on some inputs. Make every alternative start with a different character, or use a character class like [a-z0-9].';
  }
  for (const items of group.alternatives) {
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      const isRepeated = item.max > 1;
      if (item.atom.kind === 'group') {
        if (isRepeated && containsVariableQuantifier(item.atom)) {
          return `the quantifier in "${item.source}" is nested inside another one, which takes exponential time on some inputs. Repeat a single part instead, e.g. "(ab)+" or "[ab]+".`;
        }
        const inner = findProblem(item.atom, repeated || isRepeated);
        if (inner) return inner;
      }
      const previous = previousVariableRepeat(items, i);
      if (isVariableRepeat(item) && previous && mayOverlap(previous.atom, item.atom)) {
        return `"${previous.source}" and "${item.source}" follow each other and can match the same characters, so a failing input is tried in many ways. Merge them into one repeat or put a separator between them.`;
      }
    }
  }
  return null;
}

/** @param {Item} item a repeat whose length can vary by more than one */
function isVariableRepeat(item) {
  return item.max > 1 && item.max !== item.min;
}

/**
 * The closest variable repeat before `items[i]`, looking past optional
 * items (`x?`) only, since those can match nothing.
 * @param {Item[]} items
 * @param {number} i
 */
function previousVariableRepeat(items, i) {
  for (let j = i - 1; j >= 0; j--) {
    if (isVariableRepeat(items[j])) return items[j];
    if (items[j].min > 0 && items[j].atom.kind !== 'anchor') return null;
  }
  return null;
}

/**
 * Whether something inside can match a varying number of times (`?`, `*`,
 * `+`, `{1,3}`): that is what gives a repeated group many ways to match.
 * Fixed counts like `{4}` leave no choice and are fine.
 * @param {Group} group
 * @returns {boolean}
 */
function containsVariableQuantifier(group) {
  return group.alternatives.some((items) => items.some((item) => item.min !== item.max || (item.atom.kind === 'group' && containsVariableQuantifier(item.atom))));
}

/**
 * True when every alternative starts with a required single character and
 * no two of those first characters can be the same.
 * @param {Group} group
 */
function branchesStartDifferently(group) {
  /** @type {Atom[]} */
  const firsts = [];
  for (const items of group.alternatives) {
    const first = items[0];
    if (!first || first.min < 1 || first.atom.kind === 'group' || first.atom.kind === 'anchor') return false;
    firsts.push(first.atom);
  }
  for (let a = 0; a < firsts.length; a++) {
    for (let b = a + 1; b < firsts.length; b++) {
      if (mayOverlap(firsts[a], firsts[b])) return false;
    }
  }
  return true;
}

/**
 * Whether two atoms can match the same character. Groups are assumed to
 * overlap with anything (conservative). Single-character atoms are compared
 * by trying every Latin-1 character; atoms that mention other code points
 * are assumed to overlap, since sampling could miss them.
 * @param {Atom | Group} a
 * @param {Atom | Group} b
 */
function mayOverlap(a, b) {
  if (a.kind === 'group' || b.kind === 'group') return true;
  if (a.kind === 'anchor' || b.kind === 'anchor') return false;
  if (!isLatin1Only(a.source) || !isLatin1Only(b.source)) return true;
  const matchA = new RegExp(`^(?:${a.source})$`);
  const matchB = new RegExp(`^(?:${b.source})$`);
  for (let code = 0; code < 256; code++) {
    const char = String.fromCharCode(code);
    if (matchA.test(char) && matchB.test(char)) return true;
  }
  // Negated classes and \W, \D, \S also match everything above Latin-1.
  const far = '\u4e2d';
  return matchA.test(far) && matchB.test(far);
}

/** @param {string} source */
function isLatin1Only(source) {
  return !/\\u|\\x|[^\x00-\xff]/.test(source);
}

/**
 * A small parser for the subset of regex syntax that matters here. Its input
 * has already compiled as a RegExp, so it may assume the syntax is valid.
 * @param {string} source
 * @returns {Group}
 */
function parse(source) {
  let pos = 0;

  /** @returns {Group} */
  function parseAlternatives() {
    /** @type {Item[][]} */
    const alternatives = [[]];
    while (pos < source.length && source[pos] !== ')') {
      if (source[pos] === '|') {
        pos++;
        alternatives.push([]);
        continue;
      }
      const start = pos;
      const atom = parseAtom();
      const { min, max } = parseQuantifier();
      alternatives[alternatives.length - 1].push({ atom, min, max, source: source.slice(start, pos) });
    }
    return { kind: 'group', alternatives };
  }

  /** @returns {Atom | Group} */
  function parseAtom() {
    const char = source[pos];
    if (char === '(') {
      pos++;
      if (source.startsWith('?:', pos)) pos += 2;
      else if (/^\?<?[=!]/.test(source.slice(pos, pos + 3))) throw new Error('lookahead and lookbehind are not supported in route patterns');
      else if (source.startsWith('?<', pos)) pos = source.indexOf('>', pos) + 1;
      const group = parseAlternatives();
      pos++; // ')'
      return group;
    }
    if (char === '[') {
      const start = pos;
      pos++;
      while (source[pos] !== ']') pos += source[pos] === '\\' ? 2 : 1;
      pos++;
      return { kind: 'class', source: source.slice(start, pos) };
    }
    if (char === '\\') return parseEscape();
    pos++;
    if (char === '^' || char === '$') return { kind: 'anchor', source: char };
    return { kind: char === '.' ? 'class' : 'char', source: char === '.' ? '.' : escapeLiteral(char) };
  }

  /** @returns {Atom} */
  function parseEscape() {
    const start = pos;
    const letter = source[pos + 1];
    if (/[1-9]/.test(letter) || (letter === 'k' && source[pos + 2] === '<')) {
      throw new Error('backreferences are not supported in route patterns');
    }
    pos += 2;
    if (letter === 'x') pos += 2;
    else if (letter === 'u') pos += source[pos] === '{' ? source.indexOf('}', pos) + 1 - pos : 4;
    else if (letter === 'c') pos += 1;
    const text = source.slice(start, pos);
    if (letter === 'b' || letter === 'B') return { kind: 'anchor', source: text };
    return { kind: /[dDwWsS]/.test(letter) ? 'class' : 'char', source: text };
  }

  /** @returns {{ min: number, max: number }} */
  function parseQuantifier() {
    /** @type {{ min: number, max: number }} */
    let result = { min: 1, max: 1 };
    const char = source[pos];
    if (char === '*') result = { min: 0, max: Infinity };
    else if (char === '+') result = { min: 1, max: Infinity };
    else if (char === '?') result = { min: 0, max: 1 };
    else if (char === '{') {
      const braces = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(pos));
      // Without the `u` flag a `{` that is not a quantifier is a plain character.
      if (!braces) return result;
      const min = Number(braces[1]);
      const max = braces[2] === undefined ? min : braces[3] === '' ? Infinity : Number(braces[3]);
      pos += braces[0].length - 1;
      result = { min, max };
    } else {
      return result;
    }
    pos++;
    if (source[pos] === '?') pos++; // lazy quantifiers backtrack just as much
    return result;
  }

  return parseAlternatives();
}

/** @param {string} char a character outside any class, to rebuild a one-character RegExp */
function escapeLiteral(char) {
  return /[\\^$.*+?()[\]{}|/]/.test(char) ? `\\${char}` : char;
}
