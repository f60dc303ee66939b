import { configDefault } from './engine/snippets.js';
import type { Answers, Edit, Group } from './types.js';

const SERVER = 'src/server.js';

/**
 * The process model. `single` is the base's src/lib/serve.js; the two
 * multi-process models swap the `serve` that src/server.js imports for
 * their own (same signature) and add the `cluster` settings. The master and
 * worker logic they share (restarts, limits, reload, shutdown, logs and
 * metrics through the master) is the `process-support` support feature
 * (templates/process-support: src/lib/supervisor.js and the modules it
 * imports, src/lib/worker.js), which both need.
 */
export const cluster: Group = {
  id: 'cluster',
  message: 'How many processes should serve requests?',
  description: 'one process, node:cluster (round-robin or OS scheduling) or a master that passes its listening socket to forked workers',
  kind: 'single',
  default: 'single',
  options: [
    {
      value: 'single',
      title: 'Single process',
      description: 'one process with graceful shutdown; run several behind a load balancer or a process manager',
    },
    {
      value: 'cluster',
      title: 'node:cluster',
      description: 'workers forked by node:cluster, auto-restart with limits and back-off, zero-downtime reload on SIGHUP',
      feature: {
        id: 'cluster',
        needs: ['process-support'],
        edits: (answers: Answers): Edit[] => [{ kind: 'swap-import', file: SERVER, name: 'serve', from: './lib/serve.js', to: './lib/cluster.js' }, clusterSettings(answers, 'cluster')],
      },
    },
    {
      value: 'master-worker',
      title: 'Master and workers',
      description: 'the master listens and passes the socket to child_process.fork() workers (handle passing); same restarts, limits and reload',
      feature: {
        id: 'master-worker',
        needs: ['process-support'],
        edits: (answers: Answers): Edit[] => [
          { kind: 'swap-import', file: SERVER, name: 'serve', from: './lib/serve.js', to: './lib/master-worker.js' },
          clusterSettings(answers, 'master-worker'),
        ],
      },
    },
  ],
};

export const sched: Group = {
  id: 'sched',
  message: 'Who hands new connections to the workers?',
  description: 'rr: the master, round-robin (even load); os: the kernel (one hop less, load can be uneven)',
  kind: 'single',
  default: 'rr',
  when: { group: 'cluster', values: ['cluster'] },
  whenText: 'only with --cluster cluster',
  options: [
    { value: 'rr', title: 'Round-robin', description: 'the master accepts and hands each connection to the next worker (cluster.SCHED_RR)' },
    { value: 'os', title: 'Operating system', description: 'every worker accepts on the shared socket, the kernel picks (cluster.SCHED_NONE)' },
  ],
};

export const workers: Group = {
  id: 'workers',
  message: 'How many worker processes? (0: one per CPU)',
  description: 'number of worker processes; 0 means os.availableParallelism() at start',
  kind: 'number',
  default: 0,
  range: { min: 0, max: 64 },
  when: { group: 'cluster', values: ['cluster', 'master-worker'] },
  whenText: 'only with --cluster cluster or --cluster master-worker',
};

/**
 * The `cluster` key of `defaults` in src/config.js, from the model's
 * templates/<feature>/snippets/config.js with the answers' worker count
 * (and, for node:cluster, who hands out connections).
 */
function clusterSettings(answers: Answers, feature: 'cluster' | 'master-worker'): Edit {
  const workers = String(typeof answers.workers === 'number' ? answers.workers : 0);
  const sched = `'${answers.sched === 'os' ? 'os' : 'rr'}'`;
  return configDefault(feature, 'cluster', { set: feature === 'cluster' ? { workers, sched } : { workers } });
}
