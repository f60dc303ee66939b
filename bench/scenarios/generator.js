// Scenario 9: the generator itself. Wall time and peak memory of
// `create --preset full`, `add` and `regenerate` on a full project, each a
// fresh `node` process as a user runs it (start-up and module loading
// included); each also on every Node line of NODE_LINES (the binaries
// .ci/run installs): the supported lines are what users run, and the goal
// of `create` differs by Node version.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI, REPO_ROOT, available, generate, generatePreset, whileRebuilding } from '../lib/generated-project.js';
import { summarize } from '../lib/stats.js';
import { unpinnedNode } from '../lib/pinning.js';
import { millis, mib, range } from '../lib/format.js';

const number = 9;
const title = 'The generator: create, add, regenerate';
const TARGETS = ['`create --preset full`: ≤ 0.6 s on Node 22+, ≤ 0.9 s on Node 20', '`add` and `regenerate` on a full project: ≤ 0.8 s'];
/** The goal for `create --preset full` on a Node major version, ms. */
const createGoal = (/** @type {number} */ major) => (major >= 22 ? 600 : 900);
const PROBE = fileURLToPath(new URL('../lib/max-rss-probe.js', import.meta.url));

/**
 * Runs the CLI once and measures it.
 * @param {string[]} args
 * @param {string} cwd
 * @param {string} rssFile
 * @param {string} [node] the Node binary (this one by default)
 */
function timeCli(args, cwd, rssFile, node = process.execPath) {
  let ms = NaN;
  const result = whileRebuilding(() => {
    rmSync(rssFile, { force: true });
    const started = process.hrtime.bigint();
    const [command, commandArgs] = unpinnedNode(node, ['--import', PROBE, CLI, ...args]);
    const spawned = spawnSync(command, commandArgs, {
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
  const lines = nodeLines();
  const what = `Each command is a new \`node dist/cli/index.js …\` process, as \`npx create-nodeserver\` runs it once installed (npm's own start-up not included); wall time from spawn to exit, peak RSS from \`process.resourceUsage().maxRSS\` at exit. ${runs} runs each after one unmeasured run (which also fills Node 22+'s compile cache, as any earlier run of the CLI would); \`add\` and \`regenerate\` each run on a fresh copy of a generated \`full\` project. The commands run on this machine's Node (${process.version})${lines.length ? `; \`create --preset full\`, \`add\` and \`regenerate\` also on each Node line of \`NODE_LINES\` (${lines.map((l) => l.version).join(', ')})` : '; set `NODE_LINES` (as .ci/run does) to time the commands on Node 22+ too'}.`;
  const rssFile = join(ctx.tmp, 'max-rss');
  const notes = [];

  // The full preset, or what this build has of it.
  const probeDir = join(ctx.tmp, 'gen-probe');
  const full = await generatePreset(probeDir, 'full', ctx.groups);
  if (!full.ok) throw new Error(`create --preset full failed: ${full.message}`);
  const fullLabel = full.missing.length === 0 ? '`create --preset full`' : `\`create ${full.flags.join(' ')}\` (the full preset without ${full.missing.join(', ')})`;
  if (full.missing.length > 0) notes.push(`This build lacks part of the full preset (${full.missing.join(', ')}): created what it has.`);

  // A full project for regenerate; for add, the same without the server-side cache, which add puts back.
  const pristine = probeDir;
  const canAdd = available(ctx.groups, 'cache', 'memory') && available(ctx.groups, 'cache', 'max-age');
  const addPristine = join(ctx.tmp, 'gen-pristine-add');
  if (canAdd) {
    const made = generate(addPristine, [...full.flags, '--cache', ['etag', 'last-modified', 'max-age'].filter((v) => available(ctx.groups, 'cache', v)).join(',')]);
    if (!made.ok) throw new Error(`create (full without cache memory) failed: ${made.message}`);
  } else {
    notes.push('`add` not measured: this build has no cache memory option to add.');
  }

  /** @type {{ label: string, args: (i: number) => string[], cwd: (i: number) => string, node?: string, goal?: number, kind: 'create' | 'change' | 'other' }[]} */
  const commands = [
    {
      label: `${fullLabel} (Node ${process.version})`,
      args: (i) => [join(ctx.tmp, `gen-full-${i}`), '--yes', '--force', ...full.flags],
      cwd: () => ctx.tmp,
      goal: createGoal(major(process.version)),
      kind: 'create',
    },
    ...lines.map((line) => ({
      label: `${fullLabel} (Node ${line.version})`,
      args: (/** @type {number} */ i) => [join(ctx.tmp, `gen-full-${line.major}-${i}`), '--yes', '--force', ...full.flags],
      cwd: () => ctx.tmp,
      node: line.path,
      goal: createGoal(line.major),
      kind: /** @type {const} */ ('create'),
    })),
    { label: '`create --preset minimal`', args: (i) => [join(ctx.tmp, `gen-min-${i}`), '--yes', '--force', '--preset', 'minimal'], cwd: () => ctx.tmp, kind: 'other' },
  ];
  // add and regenerate on this machine's Node and on each Node line (the projects are JavaScript, made by this Node).
  const nodes = [{ version: process.version, major: major(process.version), path: undefined }, ...lines];
  if (canAdd)
    for (const node of nodes)
      commands.push({
        label: `\`add cache memory\` in a full project (the full preset without it; Node ${node.version})`,
        args: () => ['add', 'cache', 'memory'],
        cwd: (i) => copyOf(addPristine, join(ctx.tmp, `gen-add-${node.major}-${i}`)),
        node: node.path,
        goal: 800,
        kind: 'change',
      });
  for (const node of nodes)
    commands.push({
      label: `\`regenerate\` in a full project (same version: plans, merges, writes nothing; Node ${node.version})`,
      args: () => ['regenerate'],
      cwd: (i) => copyOf(pristine, join(ctx.tmp, `gen-regen-${node.major}-${i}`)),
      node: node.path,
      goal: 800,
      kind: 'change',
    });

  /** @type {string[][]} */
  const rows = [];
  /** @type {{ kind: string, label: string, ms: number, goal: number, node: string }[]} */
  const checked = [];
  let fullMs = NaN;
  for (const command of commands) {
    timeCli(command.args(-1), command.cwd(-1), rssFile, command.node); // unmeasured: fills the disk cache
    const samples = [];
    for (let i = 0; i < runs; i++) samples.push(timeCli(command.args(i), command.cwd(i), rssFile, command.node));
    const ms = summarize(samples.map((s) => s.ms));
    const rss = summarize(samples.map((s) => s.rss));
    if (command === commands[0]) fullMs = ms.median;
    if (command.goal !== undefined)
      checked.push({ kind: command.kind, label: command.label, ms: ms.median, goal: command.goal, node: command.node ? nodeVersion(command.node) : process.version });
    rows.push([command.label, millis(ms.median), range(ms, millis), command.goal === undefined ? '' : `≤ ${command.goal} ms`, mib(rss.median), range(rss, mib)]);
    ctx.log(`    ${command.label}: ${millis(ms.median)}, ${mib(rss.median)}`);
  }
  // References: what start-up alone costs, and what loading the generator's two biggest dependencies costs.
  for (const [label, code] of [
    ['`node -e ""` (reference: Node.js start-up alone)', ''],
    ['`node -e "import(\'ts-morph\')"` (reference: loading ts-morph and the TypeScript compiler)', "import('ts-morph')"],
    ['`node -e "import(\'node-plop\')"` (reference: loading node-plop)', "import('node-plop')"],
  ]) {
    timeNode(code);
    const samples = Array.from({ length: runs }, () => timeNode(code));
    const ms = summarize(samples.map((s) => s.ms));
    const rss = summarize(samples.map((s) => s.rss));
    rows.push([label, millis(ms.median), range(ms, millis), '', mib(rss.median), range(rss, mib)]);
  }
  const creates = checked.filter((c) => c.kind === 'create');
  const changes = checked.filter((c) => c.kind === 'change');
  /** @type {Record<string, number>} */
  const createRatios = { 'create-full-ms': fullMs };
  for (const c of creates) createRatios[`create-full-ms-node${major(c.node)}`] = c.ms;
  return {
    number,
    title,
    what,
    status: full.missing.length === 0 ? 'measured' : 'partial',
    notes,
    tables: [{ columns: ['Command', 'wall time (median)', 'min – max', 'goal', 'peak RSS (median)', 'min – max'], rows }],
    targets: [
      {
        target: TARGETS[0],
        result:
          creates.map((c) => `${c.node}: ${millis(c.ms)}`).join(', ') + (full.missing.length ? ' (partial preset)' : '') + (lines.length ? '' : '; Node 22+ not measured (no NODE_LINES)'),
        met: creates.every((c) => c.ms <= c.goal),
        ratios: createRatios,
      },
      {
        target: TARGETS[1],
        result: changes.length ? changes.map((c) => `${c.label.split('`')[1]} (${c.node}): ${millis(c.ms)}`).join(', ') : 'not available in this build',
        met: changes.length ? changes.every((c) => c.ms <= c.goal) : null,
        ratios: Object.fromEntries(changes.map((c) => [`${c.label.split('`')[1].split(' ')[0]}-full-ms${c.node === process.version ? '' : `-node${major(c.node)}`}`, c.ms])),
      },
    ],
  };
}

/** @param {string} version e.g. v22.11.0 */
function major(version) {
  return Number(/^v?(\d+)/.exec(version)?.[1] ?? NaN);
}

/** @param {string} node path of a Node binary */
function nodeVersion(node) {
  return spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
}

/**
 * The Node binaries of NODE_LINES (colon-separated paths, as .ci/run sets it)
 * that exist, other than this one's version.
 * @returns {{ path: string, version: string, major: number }[]}
 */
function nodeLines() {
  return (process.env.NODE_LINES ?? '')
    .split(':')
    .filter((path) => path !== '' && existsSync(path))
    .map((path) => ({ path, version: nodeVersion(path) }))
    .filter((line) => line.version !== '' && line.version !== process.version)
    .map((line) => ({ ...line, major: major(line.version) }));
}

/**
 * Wall time (ms) and peak RSS of `node -e <code>` run in the repository (where its node_modules are).
 * @param {string} code
 */
function timeNode(code) {
  const rssFile = join(REPO_ROOT, '.tmp', `bench-max-rss-${process.pid}`);
  mkdirSync(dirname(rssFile), { recursive: true });
  const started = process.hrtime.bigint();
  const [command, args] = unpinnedNode(process.execPath, ['--import', PROBE, '-e', code]);
  spawnSync(command, args, { cwd: REPO_ROOT, env: { ...process.env, BENCH_MAX_RSS_FILE: rssFile } });
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
