/**
 * A JSDoc comment once its types live in TypeScript annotations: type tags
 * go, the prose stays. `@param name text` and `@returns text` are kept when
 * they say something beyond the type; `@type {T} text` leaves its text.
 */

/** Tags whose only job was a type: dropped with it (their text, if any, is kept as prose where it reads as such). */
const TYPE_ONLY = new Set(['template', 'implements', 'satisfies', 'this', 'extends', 'augments']);

interface Block {
  tag: string | undefined;
  lines: string[];
}

/** The rewritten comment; '' when nothing is left of it. Unchanged text when it held no type. */
export function jsdocComment(comment: string): string {
  const singleLine = !comment.includes('\n');
  // The lines' ` * ` sits one column right of the `/**`: the indent is what comes before that space.
  const indent = singleLine ? '' : (/\n([ \t]*)\*/.exec(comment)?.[1] ?? '').replace(/ $/, '');
  const lines = comment
    .replace(/^\/\*\*/, '')
    .replace(/\*\/$/, '')
    .split('\n')
    .map((line, i) => (i === 0 ? line.trim() : line.replace(/^\s*\* ?/, '').trimEnd()));
  const blocks: Block[] = [{ tag: undefined, lines: [] }];
  // One line may hold several tags (`/** @param {string} a @returns {boolean} */`): each starts a block.
  for (const line of lines.flatMap(splitTags)) {
    const tag = /^@(\w+)/.exec(line.trim())?.[1];
    if (tag) blocks.push({ tag, lines: [line.trim()] });
    else blocks.at(-1)!.lines.push(line);
  }
  let changed = false;
  const out: string[] = [];
  for (const block of blocks) {
    const rewritten = rewriteBlock(block);
    if (rewritten !== block.lines) changed = true;
    out.push(...rewritten);
  }
  if (!changed) return comment;
  while (out.length && out[0]!.trim() === '') out.shift();
  while (out.length && out.at(-1)!.trim() === '') out.pop();
  if (out.length === 0) return '';
  if (out.length === 1 && (singleLine || out[0]!.length < 100)) return `/** ${out[0]!.trim()} */`;
  return `/**\n${out.map((l) => `${indent} *${l ? ' ' + l : ''}`).join('\n')}\n${indent} */`;
}

function rewriteBlock(block: Block): string[] {
  const { tag, lines } = block;
  if (!tag) return lines;
  if (TYPE_ONLY.has(tag)) return [];
  if (tag !== 'param' && tag !== 'arg' && tag !== 'argument' && tag !== 'returns' && tag !== 'return' && tag !== 'type') return lines;
  const text = lines.join('\n').replace(/^@\w+\s*/, '');
  const afterType = text.startsWith('{') ? text.slice(balancedEnd(text)).replace(/^[ \t]+/, '') : text;
  if (tag === 'type') return afterType.trim() ? afterType.split('\n') : [];
  if (tag === 'returns' || tag === 'return') {
    const prose = afterType.replace(/^-\s+/, '');
    return prose.trim() ? `@returns ${prose}`.split('\n') : [];
  }
  const name = /^(\[[^\]]*\]|[\w$.]+)/.exec(afterType)?.[1];
  if (!name) return lines;
  const prose = afterType.slice(name.length).replace(/^\s*(-\s+)?/, '');
  if (!prose.trim()) return [];
  const bare = name.startsWith('[') ? name.slice(1, -1).split('=')[0]!.trim() : name;
  if (text === afterType) return lines;
  return `@param ${bare} ${prose}`.split('\n');
}

/** A line cut before each ` @tag` that is outside braces (a type may hold `@`-free braces, never a tag). */
function splitTags(line: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '{') depth++;
    else if (line[i] === '}') depth--;
    else if (depth === 0 && i > from && line[i] === '@' && /\s/.test(line[i - 1]!) && /^@(param|returns?|type|template|implements|arg|argument)\b/.test(line.slice(i))) {
      parts.push(line.slice(from, i).trimEnd());
      from = i;
    }
  }
  parts.push(line.slice(from));
  return parts;
}

/** The index just past the `{...}` that `text` starts with. */
function balancedEnd(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return i + 1;
  }
  return text.length;
}

/** A type's text as written inside a comment, without the ` * ` of its continuation lines, on one line. */
export function cleanTypeText(text: string): string {
  return text
    .replace(/\n\s*\*(?!\/)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
