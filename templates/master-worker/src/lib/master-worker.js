// @ts-check
import { fork } from 'node:child_process';
import net from 'node:net';
import { exitOnConfigError } from './serve.js';
import { Supervisor } from './supervisor.js';
import { runWorker } from './worker.js';

/**
 * Several processes the classic way, without node:cluster: the master opens
 * the listening socket and hands it to workers started with
 * `child_process.fork()` (`child.send('server', server)`), and each worker
 * listens on that same socket (`httpServer.listen(handle)`). The kernel
 * gives each new connection to one of the processes waiting on the socket,
 * so the workers accept connections themselves, with no hop through the master.
 *
 * The master keeps its copy of the socket open, to hand it to replacement
 * workers. Linux also wakes the master for new connections, so it accepts
 * some of them itself; it never reads them (`pauseOnConnect`) but passes
 * each one on to a listening worker (`child.send('socket', socket)`), which
 * serves it with `server.emit('connection', socket)`. While no worker is
 * listening (all of them restarting), the master holds such connections
 * until one is, instead of refusing them.
 *
 * Everything else (restarts, limits, crash handling, reload on SIGHUP,
 * shutdown on SIGTERM/SIGINT, logs, metrics) is the same as with
 * node:cluster: src/lib/supervisor.js and src/lib/worker.js.
 */

/** Connections the master holds while no worker listens; beyond that they are closed. */
const MAX_WAITING_CONNECTIONS = 1024;

/**
 * Same signature as `serve` of src/lib/serve.js, so src/server.js only
 * changes the module it imports `serve` from.
 * @param {() => import('./pipeline.js').App} buildApp
 * @param {import('./supervisor.js').ProcessConfig} config
 */
export function serve(buildApp, config) {
  if (isWorker()) {
    runWorker(buildApp, config, listenOnMastersSocket);
    return;
  }

  const server = net.createServer({ pauseOnConnect: true });
  /** @type {net.Socket[]} */
  const waiting = [];
  let next = 0;
  /** @type {Supervisor} */
  let supervisor;

  /** @param {net.Socket} socket */
  const handOver = (socket) => {
    const workers = supervisor.listeningWorkers();
    if (workers.length === 0) {
      if (waiting.length < MAX_WAITING_CONNECTIONS) waiting.push(socket);
      else socket.destroy();
      return;
    }
    const worker = workers[next++ % workers.length];
    // After a successful send the master's copy is closed; on failure the worker is gone.
    worker.child.send('socket', socket, (err) => {
      if (err) socket.destroy();
    });
  };

  try {
    supervisor = new Supervisor({
      name: 'master-worker',
      config,
      spawn: (slot) => fork(process.argv[1], process.argv.slice(2), { env: { ...process.env, NODESERVER_WORKER: String(slot) } }),
      rereadConfig,
      onMessage: (worker, message) => {
        if (/** @type {{ type?: unknown }} */ (message)?.type === 'need-server') worker.child.send('server', server, () => {});
      },
      onListening: () => {
        for (const socket of waiting.splice(0)) handOver(socket);
      },
      onStop: () => {
        server.close();
        for (const socket of waiting.splice(0)) socket.destroy();
      },
    });
  } catch (err) {
    exitOnConfigError(err);
  }

  server.on('connection', (socket) => {
    // A client may reset while we hold its connection; that must not end the master.
    socket.on('error', () => socket.destroy());
    handOver(socket);
  });
  server.on('error', (err) => {
    const code = /** @type {NodeJS.ErrnoException} */ (err).code ?? err.message;
    console.error(`Cannot listen on ${config.host}:${config.port}: ${code}. Set HOST/PORT to a free address this user may bind.`);
    process.exit(1);
  });
  server.listen(config.port, config.host, () => supervisor.start());
}

/** A worker was started by the master with its slot in the environment and an IPC channel. */
function isWorker() {
  return process.env.NODESERVER_WORKER !== undefined && typeof process.send === 'function';
}

/**
 * Asks the master for its listening socket and listens on it; serves the
 * connections the master passes on.
 * @param {import('node:http').Server} server
 * @returns {Promise<void>}
 */
function listenOnMastersSocket(server) {
  return new Promise((resolve, reject) => {
    process.on('message', (message, handle) => {
      if (message === 'server' && handle) {
        server.once('error', reject);
        server.listen(/** @type {net.Server} */ (handle), () => {
          server.off('error', reject);
          resolve();
        });
      } else if (message === 'socket' && handle) {
        server.emit('connection', handle);
      }
    });
    process.send?.({ type: 'need-server' });
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
