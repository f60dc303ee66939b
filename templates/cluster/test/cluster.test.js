// @ts-check
import { test } from 'node:test';
import assert from 'node:assert/strict';
import cluster from 'node:cluster';
import { ConfigError } from '../src/lib/config-loader.js';
import { schedulingPolicy } from '../src/lib/cluster.js';
import { testProcessModel } from './process-scenarios.js';

// Restarts, crashes, reload and shutdown with real processes and signals
// (test/process-scenarios.js); the first one with the kernel's scheduling,
// all others with the default round-robin.
testProcessModel('cluster', { CLUSTER_SCHED: 'os' });

test('cluster.sched: rr and os are the two node:cluster policies; anything else is a configuration error', () => {
  assert.equal(schedulingPolicy('rr'), cluster.SCHED_RR);
  assert.equal(schedulingPolicy('os'), cluster.SCHED_NONE);
  assert.throws(
    () => schedulingPolicy('random'),
    (err) => err instanceof ConfigError && /CLUSTER_SCHED must be rr .* or os/.test(err.message),
  );
});
