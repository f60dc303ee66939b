// Writes BENCHMARKS.md from the sections of one run.
import { existsSync, readFileSync } from 'node:fs';

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
  out.push(`| Node.js | ${machine.node} (every server and the load generator) |`);
  out.push(`| Date | ${run.date} |`);
  out.push(`| Command | \`${run.command}\` |`);
  out.push(`| Settings | ${options.rounds} rounds × ${options.duration} s per contender after ${options.warmup} s of warm-up, ${options.connections} keep-alive connections, autocannon in the harness process |`);
  out.push(`| Load average at start | ${machine.load} |`);
  out.push(`| Whole run | ${Math.round(run.seconds)} s |`);
  out.push('');
  out.push(
    'Every server is its own child process (same Node binary, `NODE_ENV=production`, 127.0.0.1, port 0, logs in a temporary folder); the load generator runs on the same machine, so on 2 cores the server and the load generator share the CPU with each other (and with anything else running). Medians of the rounds; min – max shows the spread. *req per server CPU-s* divides throughput by the CPU the server used: it is less sensitive to a busy machine than req/s.',
  );
  out.push('');
  out.push(`![Scenarios 1 and 2](${run.chartPath})`);
  out.push('');
  out.push('## Targets');
  out.push('');
  out.push('| Scenario | Target | This run | Verdict |');
  out.push('| --- | --- | --- | --- |');
  for (const section of run.sections) {
    for (const t of section.targets) out.push(`| ${section.number}. ${section.title} | ${t.target} | ${t.result} | ${verdict(t.met)} |`);
  }
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
