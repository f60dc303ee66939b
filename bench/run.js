// `npm run bench`: every scenario of issues 7, 14 and 16, one after the other, then
// BENCHMARKS.md and the chart. A scenario whose feature this build does not
// generate yet is reported as "not available"; one that fails is reported as
// failed, and the others still run. The measured run is kept as
// bench/results/<version>.json, the history behind the report's trend table.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parseOptions, USAGE } from './lib/options.js';
import { describeMachine } from './lib/machine.js';
import { renderReport } from './lib/report.js';
import { renderChart } from './lib/chart.js';
import { REPO_ROOT, listGroups } from './lib/generated-project.js';
import { choosePinning, usePinning } from './lib/pinning.js';
import { stopLoader } from './lib/load.js';
import { readHistory } from './lib/history.js';
import * as hello from './scenarios/hello.js';
import * as routing from './scenarios/routing.js';
import * as jsonPost from './scenarios/json-post.js';
import * as fullStack from './scenarios/full-stack.js';
import * as staticFiles from './scenarios/static-files.js';
import * as multipart from './scenarios/multipart.js';
import * as bigpipe from './scenarios/bigpipe.js';
import * as cluster from './scenarios/cluster.js';
import * as generator from './scenarios/generator.js';
import * as memory from './scenarios/memory.js';
import * as sharedStore from './scenarios/shared-store.js';

/**
 * @typedef {object} Context
 * @property {import('./lib/options.js').Options} options
 * @property {string} tmp a temporary folder for this run (removed at the end)
 * @property {Awaited<ReturnType<typeof listGroups>>} groups the feature groups this build generates
 * @property {(line: string) => void} log progress on stderr
 */

/** The scenarios in issue order: number, title, module. */
const SCENARIOS = [
  { number: 1, title: 'GET /hello JSON', module: hello },
  { number: 2, title: 'Routing at scale', module: routing },
  { number: 3, title: 'POST bodies: 1 KiB JSON and a URL-encoded form', module: jsonPost },
  { number: 4, title: 'Full stack: web and full presets vs minimal', module: fullStack },
  { number: 5, title: 'Static file: 200 with Last-Modified, 304 revalidation', module: staticFiles },
  { number: 6, title: 'Multipart upload of a large file', module: multipart },
  { number: 7, title: 'Bigpipe: layout first byte and last pagelet', module: bigpipe },
  { number: 8, title: 'Cluster: single vs cluster vs master-worker', module: cluster },
  { number: 9, title: 'The generator: create, add, regenerate', module: generator },
  { number: 10, title: 'Memory under a long load', module: memory },
  { number: 11, title: 'Shared store and rate limit: Redis sessions, limiter cost', module: sharedStore },
];

/** @type {import('./lib/options.js').Options} */
let options;
try {
  options = parseOptions(process.argv.slice(2), process.env);
} catch (err) {
  // Bad flags: one line saying what is wrong, nothing measured or written.
  process.stderr.write(`bench: ${err instanceof Error ? err.message.split('\n')[0] : err}\n`);
  process.exit(1);
}
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}

// One file per version (the last run at that version): the history the trend table reads.
const version = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version;
const resultsDir = join(REPO_ROOT, 'bench/results');
const resultsPath = join(resultsDir, `${version}.json`);

/** @type {{ version?: string, machine: ReturnType<typeof describeMachine>, pinning?: import('./lib/pinning.js').Pinning, date: string, command: string, options: import('./lib/options.js').Options, seconds: number, sections: import('./lib/section.js').Section[] }} */
let run;
let saved = false;
if (options.render) {
  if (!existsSync(resultsPath)) throw new Error(`--render: no ${relative(process.cwd(), resultsPath)} yet (run the benchmarks at this version first)`);
  run = JSON.parse(readFileSync(resultsPath, 'utf8'));
} else {
  run = await measureAll();
  if (isFullRun(run.options) || !existsSync(resultsPath) || !isFullRun(JSON.parse(readFileSync(resultsPath, 'utf8')).options)) {
    mkdirSync(dirname(resultsPath), { recursive: true });
    writeFileSync(resultsPath, `${JSON.stringify(run, null, 1)}\n`);
    saved = true;
  } else {
    process.stderr.write(`kept ${relative(process.cwd(), resultsPath)}: it holds a full run, and this one is quick or partial\n`);
  }
}

/**
 * A run the history keeps over any quick or partial one at the same version.
 * @param {{ quick?: boolean, only?: number[] | null }} runOptions
 */
function isFullRun(runOptions) {
  return !runOptions.quick && !runOptions.only;
}

/** Runs the scenarios. */
async function measureAll() {
  const started = Date.now();
  const machine = describeMachine();
  const pinning = choosePinning(options.pin);
  usePinning(pinning);
  const tmp = mkdtempSync(join(tmpdir(), 'nodeserver-bench-'));
  const log = (/** @type {string} */ line) => process.stderr.write(`${line}\n`);
  /** @type {Context} */
  const ctx = { options, tmp, groups: await listGroups(), log };
  log(`placement: ${pinning.description}`);

  /** @type {import('./lib/section.js').Section[]} */
  const sections = [];
  try {
    for (const scenario of SCENARIOS) {
      if (options.only && !options.only.includes(scenario.number)) continue;
      log(`scenario ${scenario.number}: ${scenario.title}`);
      const begun = Date.now();
      try {
        sections.push(await scenario.module.run(ctx));
      } catch (err) {
        log(`  failed: ${err instanceof Error ? err.stack : err}`);
        sections.push({
          number: scenario.number,
          title: scenario.title,
          what: '',
          status: 'failed',
          notes: [`The harness failed: ${err instanceof Error ? err.message : String(err)}`],
          tables: [],
          targets: [],
        });
      }
      log(`  done in ${((Date.now() - begun) / 1000).toFixed(1)} s`);
    }
  } finally {
    await stopLoader();
    rmSync(tmp, { recursive: true, force: true });
  }
  return {
    version,
    machine,
    pinning,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    options,
    seconds: (Date.now() - started) / 1000,
    sections,
  };
}

const outPath = resolve(REPO_ROOT, options.out);
const chartPath = resolve(REPO_ROOT, options.chart);
const charts = run.sections.flatMap((s) => (s.chart ? [s.chart] : []));
mkdirSync(dirname(chartPath), { recursive: true });
const { machine } = run;
writeFileSync(chartPath, renderChart(charts, `${machine.cpuModel}, ${machine.cores} cores, Node.js ${machine.node}, ${run.date}${run.options.quick ? ' (quick run)' : ''}`));
const report = renderReport({
  ...run,
  chartPath: relative(dirname(outPath), chartPath),
  findingsPath: join(REPO_ROOT, 'bench/findings.md'),
  history: readHistory(resultsDir),
});
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, report);
process.stderr.write(`wrote ${relative(process.cwd(), outPath)}, ${relative(process.cwd(), chartPath)}${saved ? ` and ${relative(process.cwd(), resultsPath)}` : ''}\n`);
