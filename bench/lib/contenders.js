// Runs several servers against the same load, fairly: all of them are
// started, checked and warmed up first, then measured in rounds, and the
// order of the contenders turns by one each round, so none always runs
// right after the same neighbour (or always first, on a cold machine).
import { fileURLToPath } from 'node:url';
import { measure } from './load.js';
import { summarize } from './stats.js';
import { startServer } from './server-process.js';

/**
 * @typedef {object} Contender
 * @property {string} name
 * @property {import('./server-process.js').ServerSpec} server how to start it
 * @property {import('./load.js').LoadSpec} load what to send
 * @property {(server: import('./server-process.js').RunningServer) => Promise<void>} [check]
 *   throws when the server does not answer as the scenario needs (wrong status, missing header)
 */

/**
 * @typedef {object} ContenderResult
 * @property {string} name
 * @property {import('./load.js').LoadResult[]} rounds
 * @property {ReturnType<typeof summarize>} rps
 * @property {number} p99 median over rounds, ms
 * @property {number} cpu median server CPU use, cores
 * @property {number} loaderCpu median load generator CPU use, cores
 * @property {number} perCpuSecond median requests per server CPU-second
 * @property {number} unexpected summed over rounds
 * @property {number} peakRss VmHWM of the server's main process at the end, bytes
 */

/**
 * @param {Contender[]} contenders
 * @param {import('./options.js').Options} options
 * @param {(line: string) => void} log
 * @returns {Promise<ContenderResult[]>}
 */
export async function runContenders(contenders, options, log) {
  /** @type {import('./server-process.js').RunningServer[]} */
  const servers = [];
  try {
    for (const contender of contenders) {
      const server = await startServer(contender.server);
      servers.push(server);
      if (contender.check) await contender.check(server);
    }
    const settings = { connections: options.connections };
    for (const [i, contender] of contenders.entries()) {
      if (options.warmup > 0) await measure(servers[i], contender.load, { ...settings, duration: options.warmup });
    }
    /** @type {import('./load.js').LoadResult[][]} */
    const results = contenders.map(() => []);
    for (let round = 0; round < options.rounds; round++) {
      for (let k = 0; k < contenders.length; k++) {
        const i = (k + round) % contenders.length;
        const result = await measure(servers[i], contenders[i].load, { ...settings, duration: options.duration });
        results[i].push(result);
        log(`    round ${round + 1} ${contenders[i].name}: ${Math.round(result.rps)} req/s, server ${result.cpu.toFixed(2)} cores`);
      }
    }
    return contenders.map((contender, i) => summarizeRounds(contender.name, results[i], servers[i]));
  } finally {
    for (const server of servers) await server.stop();
  }
}

/**
 * @param {string} name
 * @param {import('./load.js').LoadResult[]} rounds
 * @param {import('./server-process.js').RunningServer} server
 * @returns {ContenderResult}
 */
function summarizeRounds(name, rounds, server) {
  const pick = (/** @type {(r: import('./load.js').LoadResult) => number} */ f) => summarize(rounds.map(f)).median;
  return {
    name,
    rounds,
    rps: summarize(rounds.map((r) => r.rps)),
    p99: pick((r) => r.p99),
    cpu: pick((r) => r.cpu),
    loaderCpu: pick((r) => r.loaderCpu),
    perCpuSecond: pick((r) => r.perCpuSecond),
    unexpected: rounds.reduce((sum, r) => sum + r.unexpected, 0),
    peakRss: server.memory()?.peak ?? NaN,
  };
}

/**
 * How to start a contender of bench/servers/ (`raw-http.js`, `fastify.js`, `express.js`).
 * @param {string} script
 * @param {string[]} args its mode and argument
 * @returns {import('./server-process.js').ServerSpec}
 */
export function contenderServer(script, args) {
  return {
    name: `${script} ${args.join(' ')}`,
    args: [fileURLToPath(new URL(`../servers/${script}`, import.meta.url)), ...args],
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  };
}
