// The history of runs: one bench/results/<version>.json per released
// version (the last run made at that version), and the trend of the main
// ratios across them. Targets carry their ratios as numbers (`ratios`);
// files written before that existed (0.2.0) only have the text of each
// result, so for them the figure is read from that text.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * @typedef {object} TrendRow
 * @property {string} key the name in a target's `ratios`
 * @property {string} label column heading
 * @property {number} scenario where the figure comes from
 * @property {(target: string) => boolean} legacyTarget which target of an old file holds it
 * @property {RegExp} legacyResult the figure in that target's result text (first match, or last with the g flag)
 * @property {(n: number) => string} format
 */

const times = (/** @type {number} */ n) => `${n.toFixed(2)}×`;

/** @type {TrendRow[]} */
export const TREND = [
  { key: 'minimal/raw', label: 'GET JSON: generated minimal / raw node:http', scenario: 1, legacyTarget: (t) => t.includes('raw node:http'), legacyResult: /([\d.]+)×/, format: times },
  { key: 'minimal/fastify', label: 'GET JSON: generated minimal / Fastify', scenario: 1, legacyTarget: (t) => t.includes('Fastify'), legacyResult: /([\d.]+)×/g, format: times },
  { key: 'json-post/fastify', label: 'JSON POST / Fastify', scenario: 3, legacyTarget: (t) => t.includes('Fastify'), legacyResult: /([\d.]+)×/g, format: times },
  { key: 'web/minimal', label: 'web / minimal', scenario: 4, legacyTarget: (t) => t.includes('minimal'), legacyResult: /([\d.]+)×/, format: times },
  { key: 'routes-1000/10', label: '1,000 / 10 routes', scenario: 2, legacyTarget: (t) => t.includes('1,000'), legacyResult: /([\d.]+)×/, format: times },
  {
    key: 'create-full-ms',
    label: '`create --preset full`',
    scenario: 9,
    legacyTarget: (t) => t.includes('create --preset full'),
    legacyResult: /([\d.]+) ms/,
    format: (n) => `${Math.round(n)} ms`,
  },
];

/**
 * The trend figures of one run.
 * @param {{ sections: import('./section.js').Section[] }} run
 * @returns {Record<string, number>}
 */
export function trendOf(run) {
  /** @type {Record<string, number>} */
  const values = {};
  for (const row of TREND) {
    const section = run.sections.find((s) => s.number === row.scenario);
    if (!section) continue;
    const stored = section.targets.find((t) => t.ratios && Number.isFinite(t.ratios[row.key]))?.ratios?.[row.key];
    if (stored !== undefined) {
      values[row.key] = stored;
      continue;
    }
    const legacy = section.targets.find((t) => !t.ratios && row.legacyTarget(t.target));
    if (!legacy) continue;
    const matches = [...legacy.result.matchAll(new RegExp(row.legacyResult.source, 'g'))];
    const match = row.legacyResult.global ? matches.at(-1) : matches[0];
    if (match) values[row.key] = Number(match[1]);
  }
  return values;
}

/** @param {string} version */
function versionKey(version) {
  return version
    .split(/[.-]/)
    .map((part) => (/^\d+$/.test(part) ? part.padStart(6, '0') : part))
    .join('.');
}

/**
 * Every bench/results/<version>.json, oldest version first.
 * @param {string} dir
 * @returns {{ version: string, date: string, quick: boolean, partial: boolean, values: Record<string, number> }[]}
 */
export function readHistory(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /^\d+\.\d+\.\d+(?:-[\w.]+)?\.json$/.test(name))
    .map((name) => {
      const run = JSON.parse(readFileSync(join(dir, name), 'utf8'));
      return { version: name.slice(0, -'.json'.length), date: String(run.date ?? ''), quick: Boolean(run.options?.quick), partial: Boolean(run.options?.only), values: trendOf(run) };
    })
    .sort((a, b) => (versionKey(a.version) < versionKey(b.version) ? -1 : 1));
}

/**
 * The trend table of the report (Markdown lines).
 * @param {ReturnType<typeof readHistory>} history
 */
export function renderTrend(history) {
  const lines = [];
  lines.push(`| Version | Date | ${TREND.map((r) => r.label).join(' | ')} |`);
  lines.push(`| --- | --- | ${TREND.map(() => '---:').join(' | ')} |`);
  for (const entry of history) {
    const marks = [entry.quick ? 'quick run' : '', entry.partial ? 'some scenarios only' : ''].filter(Boolean);
    const version = `${entry.version}${marks.length ? ` (${marks.join(', ')})` : ''}`;
    lines.push(`| ${version} | ${entry.date.slice(0, 10)} | ${TREND.map((r) => (entry.values[r.key] === undefined ? '–' : r.format(entry.values[r.key]))).join(' | ')} |`);
  }
  return lines;
}
