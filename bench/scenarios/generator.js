// Scenario 9: the generator itself. Wall time and peak memory of
// `create --preset full`, `add` and `regenerate`, each a fresh `node`
// process as a user runs it (start-up and module loading included).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI, REPO_ROOT, available, generate, generatePreset, whileRebuilding } from '../lib/generated-project.js';
import { summarize } from '../lib/stats.js';
import { millis, mib, range } from '../lib/format.js';

const number = 9;
const title = 'The generator: create, add, regenerate';
const TARGET = '`create --preset full` < 1 s';
const PROBE = fileURLToPath(new URL('../lib/max-rss-probe.js', import.meta.url));

/**
 * Runs the CLI once and measures it.
 * @param {string[]} args
 * @param {string} cwd
 * @param {string} rssFile
 */
function timeCli(args, cwd, rssFile) {
  let ms = NaN;
  const result = whileRebuilding(() => {
    rmSync(rssFile, { force: true });
    const started = process.hrtime.bigint();
    const spawned = spawnSync(process.execPath, ['--import', PROBE, CLI, ...args], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, BENCH_MAX_RSS_FILE: rssFile, NO_COLOR: '1' },
    });
    ms = Number(process.hrtime.bigint() - started) / 1e6;
    return spawned;
  });
  if (result.status !== 0) throw new Error(`create-nodeserver ${args.join(' ')} exited with ${result.status}: ${(result.stderr || result.stdout).trim().split('\n')[0]}`);
  return { ms, rss: Number(readFileSync(rssFile, 'utf8')) * 1024 };
}

/**
 * @param {import('../run.js').Context} ctx
 * @returns {Promise<import('../lib/section.js').Section>}
 */
export async function run(ctx) {
  const runs = ctx.options.generatorRuns;
  const what = `Each command is a new \`node dist/cli/index.js …\` process, as \`npx create-nodeserver\` runs it once installed (npm's own start-up not included); wall time from spawn to exit, peak RSS from \`process.resourceUsage().maxRSS\` at exit. ${runs} runs each after one unmeasured run; \`add\` and \`regenerate\` each run on a fresh copy of a generated \`minimal\` project.`;
  const rssFile = join(ctx.tmp, 'max-rss');
  const notes = [];

  // The full preset, or what this build has of it.
  const probeDir = join(ctx.tmp, 'gen-probe');
  const full = await generatePreset(probeDir, 'full', ctx.groups);
  if (!full.ok) throw new Error(`create --preset full failed: ${full.message}`);
  const fullLabel = full.missing.length === 0 ? '`create --preset full`' : `\`create ${full.flags.join(' ')}\` (the full preset without ${full.missing.join(', ')})`;
  if (full.missing.length > 0) notes.push(`This build lacks part of the full preset (${full.missing.join(', ')}): created what it has.`);

  const pristine = join(ctx.tmp, 'gen-pristine');
  const made = generate(pristine, ['--preset', 'minimal']);
  if (!made.ok) throw new Error(`create --preset minimal failed: ${made.message}`);
  const addArgs = available(ctx.groups, 'cache', 'etag') ? ['add', 'cache', 'etag'] : null;

  /** @type {{ label: string, args: (i: number) => string[], cwd: (i: number) => string }[]} */
  const commands = [
    { label: fullLabel, args: (i) => [join(ctx.tmp, `gen-full-${i}`), '--yes', '--force', ...full.flags], cwd: () => ctx.tmp },
    { label: '`create --preset minimal`', args: (i) => [join(ctx.tmp, `gen-min-${i}`), '--yes', '--force', '--preset', 'minimal'], cwd: () => ctx.tmp },
  ];
  if (addArgs) commands.push({ label: `\`${addArgs.join(' ')}\` in a minimal project`, args: () => addArgs, cwd: (i) => copyOf(pristine, join(ctx.tmp, `gen-add-${i}`)) });
  else notes.push('`add` not measured: this build has no cache etag option to add.');
  commands.push({ label: '`regenerate` in a minimal project (same version: plans, merges, writes nothing)', args: () => ['regenerate'], cwd: (i) => copyOf(pristine, join(ctx.tmp, `gen-regen-${i}`)) });

  /** @type {string[][]} */
  const rows = [];
  let fullMs = NaN;
  for (const command of commands) {
    timeCli(command.args(-1), command.cwd(-1), rssFile); // unmeasured: fills the disk cache
    const samples = [];
    for (let i = 0; i < runs; i++) samples.push(timeCli(command.args(i), command.cwd(i), rssFile));
    const ms = summarize(samples.map((s) => s.ms));
    const rss = summarize(samples.map((s) => s.rss));
    if (command === commands[0]) fullMs = ms.median;
    rows.push([command.label, millis(ms.median), range(ms, millis), mib(rss.median), range(rss, mib)]);
    ctx.log(`    ${command.label}: ${millis(ms.median)}, ${mib(rss.median)}`);
  }
  // References: what start-up alone costs, and what loading the generator's two biggest dependencies costs.
  for (const [label, code] of [
    ['`node -e ""` (reference: Node.js start-up alone)', ''],
    ["`node -e \"import('ts-morph')\"` (reference: loading ts-morph and the TypeScript compiler)", "import('ts-morph')"],
    ["`node -e \"import('node-plop')\"` (reference: loading node-plop)", "import('node-plop')"],
  ]) {
    timeNode(code);
    const samples = Array.from({ length: runs }, () => timeNode(code));
    const ms = summarize(samples.map((s) => s.ms));
    const rss = summarize(samples.map((s) => s.rss));
    rows.push([label, millis(ms.median), range(ms, millis), mib(rss.median), range(rss, mib)]);
  }
  return {
    number,
    title,
    what,
    status: full.missing.length === 0 ? 'measured' : 'partial',
    notes,
    tables: [{ columns: ['Command', 'wall time (median)', 'min – max', 'peak RSS (median)', 'min – max'], rows }],
    targets: [{ target: TARGET, result: `${millis(fullMs)} (median)${full.missing.length ? ', partial preset' : ''}`, met: fullMs < 1000 }],
  };
}

/**
 * Wall time (ms) and peak RSS of `node -e <code>` run in the repository (where its node_modules are).
 * @param {string} code
 */
function timeNode(code) {
  const rssFile = join(REPO_ROOT, '.tmp', `bench-max-rss-${process.pid}`);
  mkdirSync(dirname(rssFile), { recursive: true });
  const started = process.hrtime.bigint();
  spawnSync(process.execPath, ['--import', PROBE, '-e', code], { cwd: REPO_ROOT, env: { ...process.env, BENCH_MAX_RSS_FILE: rssFile } });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const rss = Number(readFileSync(rssFile, 'utf8')) * 1024;
  rmSync(rssFile, { force: true });
  return { ms, rss };
}

/**
 * @param {string} from
 * @param {string} to
 */
function copyOf(from, to) {
  rmSync(to, { recursive: true, force: true });
  cpSync(from, to, { recursive: true });
  return to;
}
