// What a scenario hands to the report.

/**
 * @typedef {object} Target
 * @property {string} target what the issue asks for
 * @property {string} result what this run measured
 * @property {boolean | null} met null: not measured in this build
 * @property {string} [from] set on a check kept from an earlier issue (e.g. "issue 7") that is
 *   not one of the goals of issues 14 and 16: the report lists it apart from the goals
 * @property {Record<string, number>} [ratios] the figures behind the verdict, as numbers,
 *   named as in history.js's TREND (e.g. `minimal/fastify`), so the trend across versions reads no text
 */

/**
 * @typedef {object} ChartBar
 * @property {string} label
 * @property {number} median
 * @property {number} min
 * @property {number} max
 */

/**
 * @typedef {object} Section
 * @property {number} number scenario number of the issue
 * @property {string} title
 * @property {string} what what is measured and how, one paragraph
 * @property {'measured' | 'partial' | 'not available' | 'failed'} status
 * @property {string[]} notes
 * @property {import('./format.js').Table[]} tables
 * @property {Target[]} targets
 * @property {{ title: string, groups: { label: string, bars: ChartBar[] }[] }} [chart]
 */

/**
 * A section for a scenario this build cannot run (its feature is not generated yet).
 * @param {number} number
 * @param {string} title
 * @param {string} what
 * @param {string} reason
 * @param {string[]} targets the targets for this scenario
 * @returns {Section}
 */
export function notAvailable(number, title, what, reason, targets = []) {
  return {
    number,
    title,
    what,
    status: 'not available',
    notes: [`Not available in this build: ${reason}`],
    tables: [],
    targets: targets.map((target) => ({ target, result: 'not available in this build', met: null })),
  };
}

/**
 * @param {import('./contenders.js').ContenderResult[]} results
 * @param {string} name
 */
export function resultOf(results, name) {
  const found = results.find((r) => r.name === name);
  if (!found) throw new Error(`no result for ${name}`);
  return found;
}
