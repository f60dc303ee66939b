/**
 * Aligns the tables of a Markdown text the way the project's formatter
 * (Prettier) does: every cell padded to its column's widest (at least 3),
 * the delimiter row dashes of that width. A table whose rows come from the
 * answers (the README's features and endpoints) cannot be aligned in its
 * handlebars template, so the engine aligns it after the fill.
 */
export function alignTables(markdown: string): string {
  const lines = markdown.split('\n');
  const out: string[] = [];
  let fence: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && (fence === undefined || marker.startsWith(fence))) fence = fence === undefined ? marker : undefined;
    if (fence !== undefined || !isRow(line) || !isDelimiter(lines[i + 1] ?? '')) {
      out.push(line);
      continue;
    }
    let end = i + 2;
    while (end < lines.length && isRow(lines[end])) end++;
    out.push(...alignTable(lines.slice(i, end)));
    i = end - 1;
  }
  return out.join('\n');
}

const isRow = (line: string) => line.startsWith('|') && line.trimEnd().endsWith('|');
const isDelimiter = (line: string) => isRow(line) && cells(line).every((cell) => /^:?-+:?$/.test(cell));

/** The cells of a row: split at each `|` that is neither escaped nor inside a code span. */
function cells(row: string): string[] {
  const out: string[] = [];
  let cell = '';
  let code = 0;
  const text = row.trim().slice(1, -1);
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      cell += c + text[++i];
      continue;
    }
    if (c === '`') {
      let run = 1;
      while (text[i + run] === '`') run++;
      code = code === 0 ? run : code === run ? 0 : code;
      cell += text.slice(i, i + run);
      i += run - 1;
      continue;
    }
    if (c === '|' && code === 0) {
      out.push(cell.trim());
      cell = '';
      continue;
    }
    cell += c;
  }
  out.push(cell.trim());
  return out;
}

/** Display width: code points (the generator's Markdown has no wide characters). */
const width = (text: string) => [...text].length;

function alignTable(rows: string[]): string[] {
  const table = rows.map(cells);
  const align = table[1].map((cell) => (cell.startsWith(':') && cell.endsWith(':') ? 'center' : cell.endsWith(':') ? 'right' : cell.startsWith(':') ? 'left' : 'none'));
  const body = table.filter((_, i) => i !== 1);
  const widths = align.map((_, column) => Math.max(3, ...body.map((row) => width(row[column] ?? ''))));
  const pad = (text: string, column: number) => {
    const space = widths[column] - width(text);
    if (align[column] === 'right') return ' '.repeat(space) + text;
    if (align[column] === 'center') return ' '.repeat(Math.floor(space / 2)) + text + ' '.repeat(space - Math.floor(space / 2));
    return text + ' '.repeat(space);
  };
  const line = (row: string[]) => `| ${widths.map((_, column) => pad(row[column] ?? '', column)).join(' | ')} |`;
  const delimiter = widths.map((w, column) => {
    const a = align[column];
    return `${a === 'left' || a === 'center' ? ':' : '-'}${'-'.repeat(w - 2)}${a === 'right' || a === 'center' ? ':' : '-'}`;
  });
  return [line(body[0]), `| ${delimiter.join(' | ')} |`, ...body.slice(1).map(line)];
}

/** A handlebars-filled file as written: a Markdown file's tables aligned, any other file as filled. */
export function alignFilled(path: string, text: string): string {
  return path.endsWith('.md') ? alignTables(text) : text;
}

/**
 * Plain text (a feature's description) as Markdown that shows it as it is:
 * `__proto__` would be bold "proto", and a `|` would end a table cell.
 */
export function markdownText(text: string): string {
  // An underscore inside a word (METRICS_TOKEN) is text already; one at a word's edge may be emphasis.
  return text.replace(/[\\`*[\]<|]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, '\\$&');
}
