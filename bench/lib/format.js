// Number formatting and the throughput table shared by the scenarios.

/** @param {number} n */
export function count(n) {
  if (!Number.isFinite(n)) return 'n/a';
  return Math.round(n).toLocaleString('en-US');
}

/** @param {number} n @param {number} [digits] */
export function fixed(n, digits = 2) {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

/** @param {number} bytes */
export function mib(bytes) {
  return Number.isFinite(bytes) ? `${(bytes / 1048576).toFixed(1)} MiB` : 'n/a';
}

/** @param {number} ms */
export function millis(ms) {
  if (!Number.isFinite(ms)) return 'n/a';
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(1)} ms`;
}

/** @param {{ min: number, max: number }} s @param {(n: number) => string} f */
export function range(s, f) {
  return `${f(s.min)} – ${f(s.max)}`;
}

/** @param {number} value @param {number} reference */
export function ratio(value, reference) {
  if (!(reference > 0) || !Number.isFinite(value)) return 'n/a';
  return `${(value / reference).toFixed(2)}×`;
}

/**
 * @typedef {object} Table
 * @property {string} [caption]
 * @property {string[]} columns
 * @property {string[][]} rows
 */

/**
 * The standard table of a load scenario: one row per contender. The load
 * generator's CPU (from its own process) shows when it, not the server, was the limit.
 * @param {import('./contenders.js').ContenderResult[]} results
 * @param {number} rawRps median req/s of raw node:http, the reference of the ratio column
 * @param {string} [caption]
 * @param {string} [reference] the contender of rawRps, when a scenario has no raw node:http
 * @returns {Table}
 */
export function throughputTable(results, rawRps, caption, reference = 'raw node:http') {
  return {
    caption,
    columns: ['Contender', 'req/s (median)', 'min – max', `× ${reference}`, 'p99 latency', 'server CPU (cores)', 'req per server CPU-s', 'load generator CPU (cores)', 'server peak RSS'],
    rows: results.map((r) => [
      r.name + (r.unexpected > 0 ? ` (${count(r.unexpected)} unexpected responses)` : ''),
      count(r.rps.median),
      range(r.rps, count),
      ratio(r.rps.median, rawRps),
      millis(r.p99),
      fixed(r.cpu),
      count(r.perCpuSecond),
      fixed(r.loaderCpu),
      mib(r.peakRss),
    ]),
  };
}
