import { applies, groups, matrixValues, requirementsOf } from '../../generators/registry.js';
import { presets } from '../../generators/presets.js';
import type { Answers } from '../../generators/types.js';
import { resolveAnswers } from '../../generators/engine/answers.js';

/**
 * The test matrix, derived from the registry (the generator must work
 * for every valid combination): every preset, every option alone on top of the defaults,
 * and an all-pairs set in which every pair of options from two different
 * groups appears in at least one project. The full cross product is tens of
 * thousands of projects; this stays in the dozens.
 */
export interface MatrixEntry {
  /** Stable, readable id: `preset-web`, `alone-auth-session`, `pairs-07`. */
  id: string;
  answers: Answers;
}

/** A choice of a project: one value of one group (an option, a boolean or a number). */
type Choice = string; // `${group}=${value}`

export function testMatrix(): MatrixEntry[] {
  const entries: MatrixEntry[] = [];
  const seen = new Set<string>();
  const add = (id: string, partial: Record<string, unknown>) => {
    let answers: Answers;
    try {
      answers = resolveAnswers({ ...partial, name: 'matrix-app' });
    } catch {
      return; // a combination the registry forbids (e.g. csrf without sessions)
    }
    const key = JSON.stringify(answers);
    if (seen.has(key)) return;
    seen.add(key);
    entries.push({ id, answers: { ...answers, name: id } });
  };
  // The language's default is the machine's (lang.ts): every entry names its language, so the
  // matrix is the same on every Node. Presets do not fix it: each is made in both.
  for (const preset of presets) {
    add(`preset-${preset.name}`, { lang: 'js', ...preset.answers });
    add(`preset-${preset.name}-ts`, { lang: 'ts', ...preset.answers });
  }
  for (const group of groups) {
    for (const value of matrixValues(group)) {
      const requires = requirementsOf(group, value);
      // A multi option joins the defaults (JSON bodies stay: other features need them).
      const chosen = group.kind === 'multi' ? [...new Set([...(group.default as string[]), value as string])] : value;
      add(`alone-${group.id}-${String(value).replace(/[^a-z0-9]+/gi, '-')}`, { lang: 'js', ...requires, [group.id]: chosen });
    }
  }
  pairwise().forEach((answers, i) => add(`pairs-${String(i + 1).padStart(2, '0')}`, answers));
  return entries;
}

function choicesOf(answers: Answers): Choice[] {
  const out: Choice[] = [];
  for (const group of groups) {
    if (!(group.id in answers)) continue;
    const v = answers[group.id];
    if (Array.isArray(v)) {
      if (!v.length) out.push(`${group.id}=none`);
      for (const item of v) out.push(`${group.id}=${item}`);
    } else out.push(`${group.id}=${String(v)}`);
  }
  return out;
}

/** Deterministic PRNG (mulberry32), so the matrix is the same on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomAnswers(next: () => number): Answers | undefined {
  const partial: Record<string, unknown> = {};
  for (const group of groups) {
    if (!applies(group, partial as Answers)) continue;
    const values = matrixValues(group);
    if (group.kind === 'multi') partial[group.id] = values.filter(() => next() < 0.45);
    else partial[group.id] = values[Math.floor(next() * values.length)];
  }
  try {
    return resolveAnswers({ ...partial, name: 'matrix-app' });
  } catch {
    return undefined;
  }
}

/**
 * Greedy all-pairs cover over a seeded sample of valid projects: the pairs to
 * cover are those that occur in some valid project (so forbidden pairs such
 * as csrf with Basic auth are never demanded), and each round takes the
 * sampled project that covers the most pairs not yet covered.
 */
export function pairwise(samples = 4000): Answers[] {
  const next = random(20261121);
  const candidates: { answers: Answers; pairs: string[] }[] = [];
  for (let i = 0; i < samples; i++) {
    const answers = randomAnswers(next);
    if (!answers) continue;
    const choices = choicesOf(answers);
    const pairs: string[] = [];
    for (let a = 0; a < choices.length; a++) {
      for (let b = a + 1; b < choices.length; b++) {
        if (choices[a].split('=')[0] !== choices[b].split('=')[0]) pairs.push(`${choices[a]}|${choices[b]}`);
      }
    }
    candidates.push({ answers, pairs });
  }
  const uncovered = new Set(candidates.flatMap((c) => c.pairs));
  const chosen: Answers[] = [];
  while (uncovered.size) {
    let best = candidates[0];
    let bestGain = -1;
    for (const c of candidates) {
      let gain = 0;
      for (const p of c.pairs) if (uncovered.has(p)) gain++;
      if (gain > bestGain) {
        best = c;
        bestGain = gain;
      }
    }
    if (bestGain <= 0) break;
    for (const p of best.pairs) uncovered.delete(p);
    chosen.push(best.answers);
  }
  return chosen;
}

/** The pairs the matrix covers, for the test that checks the cover is complete. */
export function coveredPairs(entries: MatrixEntry[]): Set<string> {
  const out = new Set<string>();
  for (const { answers } of entries) {
    const f = choicesOf(answers);
    for (let a = 0; a < f.length; a++) for (let b = a + 1; b < f.length; b++) out.add(`${f[a]}|${f[b]}`);
  }
  return out;
}
