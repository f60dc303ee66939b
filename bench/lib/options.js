// Command-line and environment options of `npm run bench`.
// Flags win over environment variables; both fall back to the defaults below,
// which keep a full run of every scenario under about ten minutes on 2 cores.

const FULL = {
  duration: 3, // seconds of load per round and contender
  rounds: 3, // rounds per contender; contenders alternate inside each round
  warmup: 1, // seconds of load before the first round (JIT, caches, sockets)
  connections: 50, // concurrent keep-alive connections of the load generator
  uploadMiB: 256, // size of the multipart upload of scenario 6
  generatorRuns: 5, // repetitions of each generator command in scenario 9
  memorySeconds: 60, // one uninterrupted load of scenario 10
};

// A median needs at least 3 rounds (issue 14): fewer are refused.
const MIN_ROUNDS = 3;

// --quick: for developing the harness on a busy machine, not for publishing.
const QUICK = { duration: 1, rounds: 3, warmup: 0.5, connections: 50, uploadMiB: 32, generatorRuns: 2, memorySeconds: 10 };

const USAGE = `Usage: npm run bench -- [flags]
  --quick             1 s rounds, 32 MiB upload, 10 s memory load (development only)
  --duration <s>      seconds of load per round (BENCH_DURATION, default ${FULL.duration})
  --rounds <n>        rounds per contender, at least ${MIN_ROUNDS} (BENCH_ROUNDS, default ${FULL.rounds})
  --warmup <s>        seconds of warm-up per contender (BENCH_WARMUP, default ${FULL.warmup})
  --connections <n>   concurrent connections (BENCH_CONNECTIONS, default ${FULL.connections})
  --upload-mib <n>    multipart upload size in MiB (BENCH_UPLOAD_MIB, default ${FULL.uploadMiB})
  --memory-seconds <s> length of the memory scenario's load (BENCH_MEMORY_SECONDS, default ${FULL.memorySeconds})
  --no-pin            do not pin servers and load generator to separate CPUs (BENCH_PIN=0)
  --only <list>       scenario numbers to run, e.g. 1,2 (BENCH_ONLY, default all)
  --out <file>        the report to write (default BENCHMARKS.md)
  --chart <file>      the SVG chart to write (default bench/results/chart.svg)
  --render            measure nothing: write the report and chart again from
                      bench/results/<version>.json (after editing bench/findings.md)
  -h, --help          this help`;

/**
 * @param {string[]} argv process.argv.slice(2)
 * @param {Record<string, string | undefined>} env
 */
export function parseOptions(argv, env) {
  const quick = argv.includes('--quick') || env.BENCH_QUICK === '1';
  const base = quick ? QUICK : FULL;
  const options = {
    quick,
    help: false,
    render: false,
    duration: numberFrom(env.BENCH_DURATION, base.duration),
    rounds: numberFrom(env.BENCH_ROUNDS, base.rounds),
    warmup: numberFrom(env.BENCH_WARMUP, base.warmup),
    connections: numberFrom(env.BENCH_CONNECTIONS, base.connections),
    uploadMiB: numberFrom(env.BENCH_UPLOAD_MIB, base.uploadMiB),
    generatorRuns: base.generatorRuns,
    memorySeconds: numberFrom(env.BENCH_MEMORY_SECONDS, base.memorySeconds),
    pin: env.BENCH_PIN !== '0',
    only: listFrom(env.BENCH_ONLY),
    out: 'BENCHMARKS.md',
    chart: 'bench/results/chart.svg',
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      return next;
    };
    if (flag === '--quick') continue;
    else if (flag === '-h' || flag === '--help') options.help = true;
    else if (flag === '--render') options.render = true;
    else if (flag === '--duration') options.duration = positive(flag, value());
    else if (flag === '--rounds') options.rounds = positive(flag, value());
    else if (flag === '--warmup') options.warmup = Number(value());
    else if (flag === '--connections') options.connections = positive(flag, value());
    else if (flag === '--upload-mib') options.uploadMiB = positive(flag, value());
    else if (flag === '--memory-seconds') options.memorySeconds = positive(flag, value());
    else if (flag === '--no-pin') options.pin = false;
    else if (flag === '--only') options.only = listFrom(value());
    else if (flag === '--out') options.out = value();
    else if (flag === '--chart') options.chart = value();
    else throw new Error(`unknown flag ${flag}\n${USAGE}`);
  }
  options.rounds = Math.round(options.rounds);
  if (options.rounds < MIN_ROUNDS) throw new Error(`--rounds must be at least ${MIN_ROUNDS}: the report shows medians with min – max`);
  if (!(options.warmup >= 0)) throw new Error('--warmup must be 0 or more seconds');
  return options;
}

/** @typedef {ReturnType<typeof parseOptions>} Options */

export { USAGE };

/** @param {string | undefined} text @param {number} fallback */
function numberFrom(text, fallback) {
  if (text === undefined || text === '') return fallback;
  return positive('a BENCH_ variable', text);
}

/** @param {string} name @param {string} text */
function positive(name, text) {
  const value = Number(text);
  if (!(value > 0)) throw new Error(`${name} must be a positive number, got ${text}`);
  return value;
}

/** @param {string | undefined} text */
function listFrom(text) {
  if (!text) return null;
  return text
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n));
}
