// Scenario 8: the process models of the generated project on GET /hello:
// one process, node:cluster (round-robin and OS scheduling) and a master
// that passes its listening socket to forked workers.
import os from 'node:os';
import { join } from 'node:path';
import { contenderServer, runContenders } from '../lib/contenders.js';
import { expectResponse } from '../lib/check.js';
import { addRoutes, available, generate, generatedServer } from '../lib/generated-project.js';
import { throughputTable } from '../lib/format.js';
import { notAvailable, resultOf } from '../lib/section.js';
import { HELLO_ROUTE } from './hello.js';
import { activePinning } from '../lib/pinning.js';

const number = 8;
const title = 'Cluster: single vs cluster vs master-worker';

/**
 * @param {import('../run.js').Context} ctx
 * @returns {Promise<import('../lib/section.js').Section>}
 */
export async function run(ctx) {
  const cores = os.availableParallelism();
  const pinning = activePinning();
  const placement = pinning.pinned
    ? `The servers are pinned to CPU ${pinning.serverCpus} and the load generator to CPU ${pinning.loaderCpus}, so the master and all workers share the servers' CPUs: more processes cannot give more throughput than those CPUs, and on a 2-core machine (one CPU for the servers) this scenario shows the cost of the process models, not their scaling.`
    : 'The load generator runs on the same CPUs, so workers compete with it: more processes cannot give more throughput than the cores it leaves free.';
  const what = `\`GET /hello\` (scenario 1's route) on the generated \`minimal\` preset with each \`--cluster\` option and its default number of workers (\`os.availableParallelism()\`, here ${cores}). ${placement} Server CPU counts the master and all workers.`;
  if (!available(ctx.groups, 'cluster')) return notAvailable(number, title, what, 'there is no cluster group');

  /** @type {{ name: string, flags: string[] }[]} */
  const models = [{ name: 'generated single', flags: ['--cluster', 'single'] }];
  if (available(ctx.groups, 'cluster', 'cluster')) {
    models.push({ name: 'generated cluster (round-robin)', flags: ['--cluster', 'cluster', ...(available(ctx.groups, 'sched', 'rr') ? ['--sched', 'rr'] : [])] });
    if (available(ctx.groups, 'sched', 'os')) models.push({ name: 'generated cluster (OS scheduling)', flags: ['--cluster', 'cluster', '--sched', 'os'] });
  }
  if (available(ctx.groups, 'cluster', 'master-worker')) models.push({ name: 'generated master-worker', flags: ['--cluster', 'master-worker'] });

  const check = async (/** @type {{ name: string, url: string }} */ server) => {
    await expectResponse(server, { path: '/hello', bodyIncludes: '"hello"' });
  };
  /** @type {import('../lib/contenders.js').Contender[]} */
  const contenders = [{ name: 'raw node:http (one process)', server: contenderServer('raw-http.js', ['hello']), load: { path: '/hello' }, check }];
  /** @type {string[]} */
  const notes = [];
  for (const [i, model] of models.entries()) {
    const dir = join(ctx.tmp, `cluster-${i}`);
    const flags = ['--preset', 'minimal', ...model.flags];
    const made = generate(dir, flags);
    if (!made.ok) {
      notes.push(`${model.name}: \`create ${flags.join(' ')}\` failed: ${made.message}`);
      continue;
    }
    addRoutes(dir, HELLO_ROUTE);
    contenders.push({ name: model.name, server: await generatedServer(dir, model.name), load: { path: '/hello' }, check });
    notes.push(`${model.name}: \`create-nodeserver ${flags.join(' ')}\`.`);
  }
  const results = await runContenders(contenders, ctx.options, ctx.log);
  const raw = resultOf(results, 'raw node:http (one process)');
  return {
    number,
    title,
    what,
    status: 'measured',
    notes: [...notes, 'The issue sets no target for this scenario.'],
    tables: [throughputTable(results, raw.rps.median)],
    targets: [],
  };
}
