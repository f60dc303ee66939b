import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { decodeText, toBytes, type Content } from '../../generators/engine/content.js';

/** A comparable string for a file: its text, or its bytes in hex when it is binary. */
export function contentKey(content: Content): string {
  const text = typeof content === 'string' ? content : decodeText(content);
  return text ?? `bytes:${toBytes(content).toString('hex')}`;
}

/** Every file under `dir` (path -> content key), for comparing whole projects byte for byte. */
export function readTree(dir: string, skip: (path: string) => boolean = () => false): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      const path = relative(dir, full).split(sep).join('/');
      if (skip(path) || entry.name === 'node_modules' || entry.name === '.git') continue;
      if (entry.isDirectory()) walk(full);
      else out.set(path, contentKey(readFileSync(full)));
    }
  };
  walk(dir);
  return out;
}

/** Paths that differ between two trees (added, removed or changed). */
export function treeDiff(a: Map<string, string>, b: Map<string, string>): string[] {
  const paths = new Set([...a.keys(), ...b.keys()]);
  return [...paths].filter((p) => a.get(p) !== b.get(p)).sort();
}
