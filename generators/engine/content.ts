import { diffComm } from 'node-diff3';

/**
 * File contents as the engine sees them: text (a string, always valid
 * UTF-8 on disk) or bytes (anything else: images, fonts, archives). Bytes
 * are copied as they are and never merged or edited as text.
 */
export type Content = string | Uint8Array;

// fatal: a file that is not UTF-8 must never be read as text and written back
// with U+FFFD in it. ignoreBOM: a BOM the user has is kept, not stripped.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The text of `bytes`, or undefined when they are not text (not UTF-8, or a NUL byte as binary formats have). */
export function decodeText(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

export function isBytes(content: Content | undefined): content is Uint8Array {
  return content !== undefined && typeof content !== 'string';
}

export function toBytes(content: Content): Buffer {
  return typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
}

/** Byte equality (a text and the same bytes are the same file). */
export function sameContent(a: Content | undefined, b: Content | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (typeof a === 'string' && typeof b === 'string') return a === b;
  return toBytes(a).equals(toBytes(b));
}

export type Eol = '\n' | '\r\n';

/** The line ending a text mostly uses (LF when it has no line breaks). */
export function eolOf(text: string): Eol {
  const crlf = text.match(/\r\n/g)?.length ?? 0;
  const lf = (text.match(/\n/g)?.length ?? 0) - crlf;
  return crlf > lf ? '\r\n' : '\n';
}

export function toLf(text: string): string {
  return text.replace(/\r\n/g, '\n');
}

/**
 * `edited` (LF), an edit of `original`, with the line breaks of `original`:
 * its one kind when it has one, else line by line. A file with both kinds
 * (a line pasted from elsewhere) keeps each line's break, and new lines take
 * the kind most lines have, so an edit and its inverse give back the bytes.
 */
export function keepEols(original: string, edited: string): string {
  const text = toLf(edited);
  if (!original.includes('\r\n')) return text;
  if (!/(^|[^\r])\n/.test(original)) return withEol(text, '\r\n');
  const rows = original.split('\n');
  const endings = rows.slice(0, -1).map((r): Eol => (r.endsWith('\r') ? '\r\n' : '\n'));
  const dominant = eolOf(original);
  const out = text.split('\n');
  const breaks: Eol[] = [];
  let at = 0;
  for (const part of diffComm(
    rows.map((r) => r.replace(/\r$/, '')),
    out,
  )) {
    if (part.common) for (const _ of part.common) breaks.push(endings[at++] ?? dominant);
    else {
      at += part.buffer1?.length ?? 0;
      for (const _ of part.buffer2 ?? []) breaks.push(dominant);
    }
  }
  return out.map((line, i) => (i < out.length - 1 ? line + breaks[i] : line)).join('');
}

/** `text` (LF) with every line break written as `eol`. */
export function withEol(text: string, eol: Eol): string {
  return eol === '\n' ? text : toLf(text).replace(/\n/g, '\r\n');
}
