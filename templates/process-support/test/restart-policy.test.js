// @ts-check
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { ConfigError } from '../src/lib/config-loader.js';
import { RestartBudget, RestartPolicy, backoffDelay, checkClusterSettings, workerCount } from '../src/lib/restart-policy.js';

// The master's restart rules in isolation. The master and its workers
// themselves are tested with real processes by the tests of the project's
// process model (cluster or master-worker).

const settings = {
  workers: 2,
  maxRestarts: 10,
  restartWindow: 60_000,
  backoffInitial: 100,
  backoffMax: 10_000,
  killTimeout: 5000,
  startTimeout: 30_000,
  shutdownTimeout: 10_000,
};

test('back-off: the first restart at once, then doubling from backoffInitial up to backoffMax', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => backoffDelay(n, 100, 10_000)),
    [0, 100, 200, 400, 800, 1600, 3200, 6400, 10_000],
  );
});

test('restart budget: counts the restarts within the sliding window only', () => {
  const budget = new RestartBudget(3, 1000);
  assert.equal(budget.record(0), 1);
  assert.equal(budget.record(100), 2);
  assert.equal(budget.record(200), 3);
  assert.equal(budget.record(300), 4, 'a fourth within 1 s: more than the limit');
  assert.equal(budget.record(1150), 3, 'the ones at 0 and 100 ms are out of the window');
  assert.equal(budget.record(5000), 1);
});

test('restart policy: restarts with back-off up to maxRestarts, then gives up naming the limit', () => {
  const policy = new RestartPolicy({ ...settings, maxRestarts: 3 });
  assert.deepEqual(
    [0, 1, 2].map((t) => policy.next(t)),
    [
      { giveUp: false, recent: 1, delay: 0 },
      { giveUp: false, recent: 2, delay: 100 },
      { giveUp: false, recent: 3, delay: 200 },
    ],
  );
  const fourth = policy.next(3);
  assert.equal(fourth.giveUp, true);
  assert.match(fourth.giveUp ? fourth.reason : '', /4 worker restarts within 60 s, more than the limit of 3 \(cluster.maxRestarts/);
  // Outside the window the count starts again.
  assert.deepEqual(policy.next(60_004), { giveUp: false, recent: 1, delay: 0 });
});

test('restart policy: new limits (a reload) keep the restarts counted so far', () => {
  const policy = new RestartPolicy({ ...settings, maxRestarts: 5 });
  policy.next(0);
  policy.next(1);
  policy.update({ ...settings, maxRestarts: 2, backoffInitial: 50 });
  const third = policy.next(2);
  assert.equal(third.giveUp, true, 'the two earlier restarts count under the new limit of 2');
});

test('workers: 0 means one per CPU this process may use', () => {
  assert.equal(workerCount({ ...settings, workers: 0 }), os.availableParallelism());
  assert.equal(workerCount({ ...settings, workers: 3 }), 3);
});

test('bad cluster settings are refused with the variable to fix', () => {
  checkClusterSettings(settings);
  const cases = [
    [{ workers: -1 }, /^CLUSTER_WORKERS must be a whole number from 0/],
    [{ workers: 65 }, /^CLUSTER_WORKERS must be/],
    [{ maxRestarts: 1.5 }, /^CLUSTER_MAX_RESTARTS must be/],
    [{ killTimeout: -5 }, /^CLUSTER_KILL_TIMEOUT must be a number of milliseconds/],
    [{ backoffInitial: 20_000 }, /^CLUSTER_BACKOFF_INITIAL \(20000\) must not be larger than CLUSTER_BACKOFF_MAX/],
  ];
  for (const [change, message] of /** @type {[object, RegExp][]} */ (cases)) {
    assert.throws(
      () => checkClusterSettings({ ...settings, ...change }),
      (err) => err instanceof ConfigError && message.test(err.message),
      JSON.stringify(change),
    );
  }
});
