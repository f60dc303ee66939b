// @ts-check
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startProcessServer } from './process-helpers.js';
import { testProcessModel } from './process-scenarios.js';

// Restarts, crashes, reload and shutdown with real processes and signals
// (test/process-scenarios.js).
testProcessModel('master-worker');

test('master-worker: SIGTERM while a worker waits for its restart: no restart, exit 0', async (t) => {
  const server = await startProcessServer(
    'master-worker',
    { TEST_FAIL_AT_START: '1', CLUSTER_MAX_RESTARTS: '100', CLUSTER_BACKOFF_INITIAL: '5000', CLUSTER_BACKOFF_MAX: '5000' },
    { waitForListening: false },
  );
  t.after(() => server.stop());
  await server.waitFor(/restarting worker \d in 5000 ms/);
  server.child.kill('SIGTERM');
  assert.equal(await server.exited, 0);
  assert.match(server.output, /SIGTERM received/);
  assert.doesNotMatch(server.output, /giving up/);
});
