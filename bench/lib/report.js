// Writes BENCHMARKS.md from the sections of one run.
import { existsSync, readFileSync } from 'node:fs';
import { renderTrend } from './history.js';

/** @param {import('./format.js').Table} table */
function markdownTable(table) {
  const cell = (/** @type {string} */ s) => s.replace(/\|/g, '\\|');
  const lines = [];
  if (table.caption) lines.push(`${table.caption}\n`);
  lines.push(`| ${table.columns.map(cell).join(' | ')} |`);
  lines.push(`| ${table.columns.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`);
  for (const row of table.rows) lines.push(`| ${row.map(cell).join(' | ')} |`);
  return lines.join('\n');
}

/** @param {boolean | null} met */
function verdict(met) {
  return met === null ? 'not measured' : met ? '**met**' : '**missed**';
}

/**
 * @param {object} run
 * @param {ReturnType<typeof import('./machine.js').describeMachine>} run.machine
 * @param {string} run.date ISO date and time
 * @param {string} run.command
 * @param {import('./options.js').Options} run.options
 * @param {number} run.seconds wall time of the whole run
 * @param {import('./section.js').Section[]} run.sections
 * @param {string} run.chartPath relative to the report
 * @param {string} run.findingsPath a Markdown file of profiling findings, included as is
 * @param {import('./pinning.js').Pinning} [run.pinning] where the servers and the load generator ran
 * @param {string} [run.version] the generator's version measured
 * @param {ReturnType<typeof import('./history.js').readHistory>} run.history
 */
export function renderReport(run) {
  const { machine, options } = run;
  const out = [];
  out.push('# Benchmarks');
  out.push('');
  out.push('Written by `npm run bench` (bench/run.js): do not edit by hand, run it again. How it works and its caveats: [bench/README.md](bench/README.md).');
  out.push('');
  if (options.quick) out.push('> **Quick run** (`--quick`): short rounds for developing the harness; the numbers are not representative.\n');
  out.push('| Machine | |');
  out.push('| --- | --- |');
  out.push(`| CPU | ${machine.cpuModel}, ${machine.cores} cores |`);
  out.push(`| Memory | ${machine.memory} |`);
  out.push(`| OS | ${machine.os} |`);
  if (run.version) out.push(`| Version | create-nodeserver ${run.version} |`);
  out.push(`| Node.js | ${machine.node} (every server and the load generator; scenario 9 also times the Node lines of \`NODE_LINES\`) |`);
  out.push(`| Date | ${run.date} |`);
  out.push(`| Command | \`${run.command}\` |`);
  const placement = run.pinning ? `autocannon in its own process; ${run.pinning.description}` : 'autocannon in the harness process, not pinned';
  out.push(`| Settings | ${options.rounds} rounds × ${options.duration} s per contender after ${options.warmup} s of warm-up, ${options.connections} keep-alive connections; ${placement} |`);
  out.push(`| Load average at start | ${machine.load} |`);
  out.push(`| Whole run | ${Math.round(run.seconds)} s |`);
  out.push('');
  out.push(
    'Every server is its own child process (same Node binary, `NODE_ENV=production`, 127.0.0.1, port 0, logs in a temporary folder); the load generator (autocannon) is another process on the same machine, pinned to its own CPU when the machine has two or more (see Settings), so the server never shares a core with it, though it still shares the machine with anything else running. Medians of the rounds; min – max shows the spread. *req per server CPU-s* divides throughput by the CPU the server used: it is less sensitive to a busy machine than req/s.',
  );
  out.push('');
  out.push(`![Scenarios 1 and 2](${run.chartPath})`);
  out.push('');
  out.push('## Goals');
  out.push('');
  out.push('The goals of issues 14 and 16 (scenario 11), each checked against this run.');
  out.push('');
  out.push('| Scenario | Goal | This run | Verdict |');
  out.push('| --- | --- | --- | --- |');
  for (const section of run.sections) {
    for (const t of section.targets) if (!t.from) out.push(`| ${section.number}. ${section.title} | ${t.target} | ${t.result} | ${verdict(t.met)} |`);
  }
  out.push('');
  const kept = run.sections.flatMap((section) => section.targets.filter((t) => t.from).map((t) => ({ section, t })));
  if (kept.length > 0) {
    out.push('Checks kept from earlier issues (not goals of issues 14 or 16):');
    out.push('');
    out.push('| Scenario | Check | This run | Verdict |');
    out.push('| --- | --- | --- | --- |');
    for (const { section, t } of kept) out.push(`| ${section.number}. ${section.title} | ${t.target} (${t.from}) | ${t.result} | ${verdict(t.met)} |`);
    out.push('');
  }
  out.push('## Trend across versions');
  out.push('');
  out.push(
    'The main ratios of the last run at each version (bench/results/<version>.json); higher is better except for the time of `create --preset full`. Runs on other machines or quick runs are not comparable figure for figure.',
  );
  out.push('');
  out.push(...renderTrend(run.history));
  out.push('');
  if (existsSync(run.findingsPath)) {
    out.push(readFileSync(run.findingsPath, 'utf8').trim());
    out.push('');
  }
  for (const section of run.sections) {
    out.push(`## ${section.number}. ${section.title}`);
    out.push('');
    out.push(section.what);
    out.push('');
    if (section.status !== 'measured') out.push(`Status: **${section.status}**.\n`);
    for (const table of section.tables) {
      out.push(markdownTable(table));
      out.push('');
    }
    for (const note of section.notes) out.push(`- ${note}`);
    if (section.notes.length > 0) out.push('');
  }
  return out.join('\n');
}
