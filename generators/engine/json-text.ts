/**
 * JSON text as the project's formatter (Prettier, .prettierrc.json) writes
 * it, so a record the CLI writes (nodeserver.json) is formatted like the rest
 * of the project without a formatter in it: an object one key a line, a list
 * of plain values on one line when that line fits, else one value a line.
 */
export const PRINT_WIDTH = 190;

export function jsonText(value: unknown): string {
  return `${print(value, '', 0, 0)}\n`;
}

/** `value` at `indent`, its first line starting at column `column`, followed by `after` characters (a comma). */
function print(value: unknown, indent: string, column: number, after: number): string {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((item) => item === null || typeof item !== 'object')) {
      const line = `[${value.map((item) => JSON.stringify(item)).join(', ')}]`;
      if (column + line.length + after <= PRINT_WIDTH) return line;
    }
    const items = value.map((item, i) => inner + print(item, inner, inner.length, i < value.length - 1 ? 1 : 0));
    return `[\n${items.join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined);
    if (entries.length === 0) return '{}';
    const lines = entries.map(([key, item], i) => {
      const head = `${inner}${JSON.stringify(key)}: `;
      return head + print(item, inner, head.length, i < entries.length - 1 ? 1 : 0);
    });
    return `{\n${lines.join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}
