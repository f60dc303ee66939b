// @ts-check
import cluster from 'node:cluster';
import { ConfigError } from './config-loader.js';
import { exitOnConfigError } from './serve.js';
import { Supervisor } from './supervisor.js';
import { runWorker } from './worker.js';

/**
 * Several processes with node:cluster. The same entry (src/server.js) runs
 * in the master and in every worker; `serve()` tells them apart:
 *
 * - the master (src/lib/supervisor.js) forks `cluster.workers` workers and
 *   keeps them running (restarts, limits, reload on SIGHUP, shutdown on
 *   SIGTERM/SIGINT);
 * - each worker (src/lib/worker.js) calls `server.listen(port)`, which
 *   node:cluster turns into a share of one listening socket.
 *
 * Who picks the worker for a new connection (`cluster.sched`, env
 * CLUSTER_SCHED):
 * - `rr` (round-robin, the default): the master accepts every connection
 *   and hands it to the next worker, so the load is spread evenly;
 * - `os`: every worker accepts on the shared socket itself and the kernel
 *   picks; one hop less, but Linux tends to wake the same few workers, so
 *   the load can be uneven (the reason Node made `rr` the default).
 * Node's own variable NODE_CLUSTER_SCHED_POLICY (`rr` or `none`) is honoured
 * when CLUSTER_SCHED is not set.
 */

/**
 * Same signature as `serve` of src/lib/serve.js, so src/server.js only
 * changes the module it imports `serve` from.
 * @param {() => import('./pipeline.js').App} buildApp
 * @param {import('./supervisor.js').ProcessConfig} config
 */
export function serve(buildApp, config) {
  if (cluster.isWorker) {
    runWorker(buildApp, config, (server) => listenOn(server, config.port, config.host));
    return;
  }
  /** @type {Supervisor} */
  let supervisor;
  try {
    // Must be set before the first fork; it cannot change afterwards.
    cluster.schedulingPolicy = schedulingPolicy(chosenSched(config.cluster.sched));
    supervisor = new Supervisor({
      name: 'cluster',
      config,
      spawn: (slot) => cluster.fork({ NODESERVER_WORKER: String(slot) }).process,
      rereadConfig,
    });
  } catch (err) {
    exitOnConfigError(err);
  }
  supervisor.start();
}

/**
 * `CLUSTER_SCHED` if set, else Node's `NODE_CLUSTER_SCHED_POLICY`, else the setting.
 * @param {string | undefined} setting
 */
function chosenSched(setting) {
  const fromNode = process.env.NODE_CLUSTER_SCHED_POLICY;
  if (process.env.CLUSTER_SCHED === undefined && (fromNode === 'rr' || fromNode === 'none')) {
    return fromNode === 'none' ? 'os' : 'rr';
  }
  return setting ?? 'rr';
}

/**
 * @param {string} sched `rr` or `os`
 * @returns {number}
 */
export function schedulingPolicy(sched) {
  if (sched === 'rr') return cluster.SCHED_RR;
  if (sched === 'os') return cluster.SCHED_NONE;
  throw new ConfigError(`CLUSTER_SCHED must be rr (the master hands out connections round-robin) or os (the kernel picks a worker), got ${JSON.stringify(sched)}`);
}

/**
 * @param {import('node:http').Server} server
 * @param {number} port
 * @param {string} host
 * @returns {Promise<void>}
 */
function listenOn(server, port, host) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Reads src/config.js again for a reload (SIGHUP). The query string makes
 * it a new module instance: an imported module is otherwise cached for the
 * life of the process, and edits to its defaults would not be seen.
 * @returns {Promise<import('./supervisor.js').ProcessConfig>}
 */
async function rereadConfig() {
  const module = await import(`../config.js?reload=${Date.now()}`);
  return module.readConfig();
}
