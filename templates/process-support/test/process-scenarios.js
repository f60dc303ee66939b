// @ts-check
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { delay, eventually, get, startKeepAliveLoad, startLoad, startProcessServer, untilPid } from './process-helpers.js';

/**
 * The behaviour both multi-process models promise, as tests with real
 * processes and real signals; the tests of the project's process model
 * (cluster or master-worker) run them for it. Each test starts its
 * own server with 2 workers and kills whatever is left at the end.
 * @param {'cluster' | 'master-worker'} model
 * @param {Record<string, string>} [env] extra settings for the first test (e.g. a scheduling policy)
 */
export function testProcessModel(model, env = {}) {
  test(`${model}: 2 workers share the port; one access log, metrics of every worker, broadcasts between workers`, async (t) => {
    const server = await startProcessServer(model, env);
    t.after(() => server.stop());
    const pids = server.workerPids();
    assert.equal(pids.length, 2);
    for (const pid of pids) await untilPid(server.url, (p) => p === pid);

    // Both workers' lines end up in the one access.log the master writes.
    const requests = 20;
    for (let i = 0; i < requests; i++) assert.equal((await get(server.url, `/pid?n=${i}`)).status, 200);
    await eventually(() => server.accessLines().filter((line) => / GET \/pid\?n=\d+ 200 /.test(line)).length === requests, `${requests} lines in access.log`);

    const metrics = await get(server.url, '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.body, /^http_requests_total\{worker="1",method="GET",status="200"\} \d+$/m);
    assert.match(metrics.body, /^http_requests_total\{worker="2",method="GET",status="200"\} \d+$/m);
    assert.match(metrics.body, /^nodeserver_workers 2$/m);
    assert.match(metrics.body, /^nodeserver_worker_restarts_total 0$/m);

    // State shared through the master reaches the other worker.
    const value = `hello-${process.pid}`;
    const sharer = (await get(server.url, `/share?value=${value}`)).body.pid;
    const other = pids.find((pid) => pid !== sharer);
    let seen = null;
    for (let i = 0; i < 200 && seen !== value; i++) {
      const res = await get(server.url, '/shared');
      if (res.body.pid === other) seen = res.body.shared;
    }
    assert.equal(seen, value);

    // Ctrl-C in a terminal signals every process of the group: the workers
    // leave the shutdown to the master, so the request in flight completes.
    const from = server.output.length;
    const slow = get(server.url, '/slow?ms=1000');
    await server.waitFor(/slow request started/, from);
    server.signalGroup('SIGINT');
    assert.equal((await slow).status, 200);
    assert.equal(await server.exited, 0);
    assert.match(server.output, /SIGINT received: draining 2 workers/);
  });

  test(`${model}: kill -9 of a worker under load: a replacement comes up, requests after it succeed`, async (t) => {
    const server = await startProcessServer(model);
    t.after(() => server.stop());
    const [victim, survivor] = server.workerPids();
    // A connection node:cluster had just handed to the killed worker is never answered:
    // give up on such a request after 2 s instead of 10.
    const load = startLoad(server.url, { timeout: 2000 });
    await eventually(() => load.result.ok >= 10, 'load is running');

    const from = server.output.length;
    process.kill(victim, 'SIGKILL');
    await server.waitFor(new RegExp(`pid ${victim}\\) was killed by SIGKILL`), from);
    const [, replacement] = await server.waitFor(/worker \d \(pid (\d+)\) listening/, from);
    await load.stop(); // requests in flight on the killed worker may fail: that is what kill -9 does

    await untilPid(server.url, (pid) => pid === Number(replacement));
    for (let i = 0; i < 20; i++) {
      const res = await get(server.url, '/pid');
      assert.equal(res.status, 200);
      assert.ok([survivor, Number(replacement)].includes(res.body.pid), `answered by ${res.body.pid}`);
    }
  });

  test(`${model}: a crash in a worker: its in-flight requests finish, a replacement serves, no request fails`, async (t) => {
    const server = await startProcessServer(model);
    t.after(() => server.stop());
    const load = startLoad(server.url);
    // A failed step must not leave the load running (the test would never end).
    t.after(() => load.stop());
    await eventually(() => load.result.ok >= 10, 'load is running');

    const from = server.output.length;
    const slow = [get(server.url, '/slow?ms=1000'), get(server.url, '/slow?ms=1000')];
    // Throws 50 ms in, answers 1000 ms in: the answer comes from a worker that has already crashed.
    const crash = await get(server.url, '/crash?ms=1000', { keepAlive: true });
    assert.equal(crash.status, 200);
    assert.equal(crash.headers.connection, 'close', 'a draining worker tells the client not to reuse the connection');
    for (const res of await Promise.all(slow)) assert.equal(res.status, 200);

    const crashed = crash.body.pid;
    await server.waitFor(new RegExp(`pid ${crashed}\\) crashed: Error: boom`), from);
    const [, replacement] = await server.waitFor(/worker \d \(pid (\d+)\) listening/, from);
    await server.waitFor(new RegExp(`pid ${crashed}\\) exited with code 1`), from);
    await untilPid(server.url, (pid) => pid === Number(replacement));
    const result = await load.stop();
    assert.deepEqual(result.failures, [], 'no request was refused or cut while the worker was replaced');
    assert.ok(result.ok > 0);

    // The master wrote the crash into error.log.
    await eventually(() => readFileSync(join(server.dir, 'logs', 'error.log'), 'utf8').includes('boom (a test crash)'), 'the crash in error.log');
  });

  test(`${model}: SIGHUP under load replaces every worker with no failed request; SIGTERM lets a slow request finish, exit 0`, async (t) => {
    const server = await startProcessServer(model);
    t.after(() => server.stop());
    const before = server.workerPids();
    const load = startLoad(server.url);
    await eventually(() => load.result.ok >= 10, 'load is running');

    const from = server.output.length;
    server.child.kill('SIGHUP');
    await server.waitFor(/reload finished/, from);
    for (const pid of before) await server.waitFor(new RegExp(`pid ${pid}\\) exited with code 0`), from);
    await delay(100); // a little load on the new workers alone
    const result = await load.stop();
    assert.deepEqual(result.failures, [], 'no request failed during the reload');
    assert.ok(result.ok > 0);

    for (let i = 0; i < 20; i++) {
      const res = await get(server.url, '/shared');
      assert.equal(res.status, 200);
      assert.ok(!before.includes(res.body.pid), `old worker ${res.body.pid} still answers`);
      assert.equal(res.body.configSeen, true, 'the master sent the configuration after the reload');
    }

    const fromStop = server.output.length;
    const slow = get(server.url, '/slow?ms=1500');
    await server.waitFor(/slow request started/, fromStop);
    server.child.kill('SIGTERM');
    const res = await slow;
    assert.equal(res.status, 200);
    assert.equal(await server.exited, 0);
    assert.match(server.output, /all workers stopped: bye/);
    // The last request's line was written before the master exited.
    assert.ok(server.accessLines().some((line) => line.includes(' GET /slow?ms=1500 200 ')));
  });

  test(`${model}: 50 keep-alive connections under load through a crash, a SIGHUP reload and SIGTERM: no request fails`, { timeout: 120_000 }, async (t) => {
    // A 2 s keep-alive timeout (the client lets a connection go after 1 s idle)
    // keeps the drains short; their rules are the same at any length.
    const server = await startProcessServer(model, { SERVER_KEEP_ALIVE_TIMEOUT: '2000' });
    t.after(() => server.stop());
    const load = startKeepAliveLoad(server.url);
    t.after(() => load.stop());
    await eventually(() => load.current.ok >= 500, 'load is running');

    // A crash: only the request that caused it may fail (here it even gets its answer).
    load.phase('crash');
    let from = server.output.length;
    const crash = await get(server.url, '/crash?ms=200', { keepAlive: true });
    const crashed = crash.body.pid;
    await server.waitFor(new RegExp(`pid ${crashed}\\) crashed: Error: boom`), from);
    const [, replacement] = await server.waitFor(/worker \d \(pid (\d+)\) listening/, from);
    await server.waitFor(new RegExp(`pid ${crashed}\\) exited with code 1`), from);
    // Its keep-alive connections moved to the other worker, which may keep them
    // all: the replacement need not get any of the load.

    load.phase('reload');
    from = server.output.length;
    const before = server.workerPids().filter((pid) => pid !== crashed);
    assert.ok(before.includes(Number(replacement)));
    server.child.kill('SIGHUP');
    await server.waitFor(/reload finished/, from);
    for (const pid of before) await server.waitFor(new RegExp(`pid ${pid}\\) exited with code 0`), from);
    const fresh = server.workerPids().filter((pid) => !before.includes(pid) && pid !== crashed);
    assert.equal(fresh.length, 2);
    await eventually(() => fresh.some((pid) => load.current.pids.has(pid)), 'the new workers serve the load');

    // Out of rotation first, as a load balancer does before it stops a server.
    load.phase('SIGTERM', { newConnections: false });
    await eventually(() => load.settled, 'only open connections are used');
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    const phases = await load.stop();

    const figures = ['crash', 'reload', 'SIGTERM'].map((name) => {
      const counts = phases.get(name);
      return `${name}: ${counts?.sent} sent, ${(counts?.failed.length ?? 0) + (counts?.refused ?? 0)} failed`;
    });
    t.diagnostic(`${model} on Node ${process.version}: ${figures.join('; ')}`);
    for (const name of ['crash', 'reload', 'SIGTERM']) {
      const counts = /** @type {NonNullable<ReturnType<typeof phases.get>>} */ (phases.get(name));
      assert.ok(counts.ok > 0, `requests were answered during the ${name}`);
      assert.deepEqual(counts.failed, [], `no request failed during the ${name}`);
      assert.equal(counts.refused, 0, `no connection was refused during the ${name}`);
    }
  });

  test(`${model}: scheduled heap snapshots: the master and then each worker, one at a time, the newest kept per process`, async (t) => {
    const server = await startProcessServer(model, { HEAP_INTERVAL: '1000', HEAP_MAX_FILES: '1' });
    t.after(() => server.stop());
    const written = () => [...server.output.matchAll(/Heap snapshot written to \S+-(master|worker\d)-\d+-\d+\.heapsnapshot/g)].map((m) => m[1]);
    // The rounds, each from a master's snapshot to the next. A round that
    // started while a worker was still starting has only the ones listening.
    const rounds = () => written().reduce((all, name) => (name === 'master' ? [...all, [name]] : (all.at(-1)?.push(name), all)), /** @type {string[][]} */ ([]));
    const complete = () => rounds().filter((round) => round.length === 3);
    // Two whole rounds: each process has written twice, so retention has had to choose.
    await eventually(() => complete().length >= 2, 'two rounds of heap snapshots');
    const order = written().join(' ');
    // The master's schedule, not one per process: every round starts with the
    // master, then the workers one after the other (never two at once, none twice).
    assert.equal(written()[0], 'master', order);
    for (const round of rounds()) assert.equal(new Set(round).size, round.length, order);
    for (const round of complete().slice(0, 2)) assert.deepEqual(round.slice(1).sort(), ['worker1', 'worker2'], order);
    // HEAP_MAX_FILES=1 keeps one per process: no process deletes another's.
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    const files = readdirSync(join(server.dir, 'heapdumps')).map((name) => name.replace(/^heap-[\d.TZ-]+-(\w+)-\d+-\d+\.heapsnapshot$/, '$1'));
    assert.deepEqual(files.sort(), ['master', 'worker1', 'worker2']);
  });

  test(`${model}: a worker that fails at start: restarts with back-off, then the master gives up, runs the onGiveUp command and exits 1`, async (t) => {
    const server = await startProcessServer(
      model,
      {
        TEST_FAIL_AT_START: '1',
        CLUSTER_MAX_RESTARTS: '3',
        CLUSTER_BACKOFF_INITIAL: '20',
        CLUSTER_BACKOFF_MAX: '1000',
        // Runs in the server's working directory, the reason in the environment.
        CLUSTER_ON_GIVE_UP: `printf '%s' "$NODESERVER_GIVE_UP_REASON" > gave-up.txt`,
      },
      { waitForListening: false },
    );
    t.after(() => server.stop());
    assert.equal(await server.exited, 1);
    assert.match(server.output, /giving up: 4 worker restarts within 60 s, more than the limit of 3/);
    // The master waited for the hook before it exited.
    assert.match(readFileSync(join(server.dir, 'gave-up.txt'), 'utf8'), /^giving up: 4 worker restarts within 60 s, more than the limit of 3/);
    // Exponential back-off: the first restart at once, then 20 ms, 40 ms.
    assert.match(server.output, /restarting worker \d in 20 ms/);
    assert.match(server.output, /restarting worker \d in 40 ms/);
    const starts = server.output.match(/failed to start/g) ?? [];
    assert.ok(starts.length >= 4, server.output);
  });

  test(`${model}: a worker with a configuration error: the master gives up at once and calls the onGiveUp module`, async (t) => {
    const hooks = mkdtempSync(join(tmpdir(), 'nodeserver-hook-test-'));
    t.after(() => rmSync(hooks, { recursive: true, force: true }));
    const hook = join(hooks, 'on-give-up.mjs');
    const told = join(hooks, 'told.json');
    writeFileSync(hook, `import { writeFileSync } from 'node:fs';\nexport default async (info) => writeFileSync(${JSON.stringify(told)}, JSON.stringify(info));\n`);
    const server = await startProcessServer(model, { TEST_CONFIG_ERROR: '1', CLUSTER_ON_GIVE_UP: hook }, { waitForListening: false });
    t.after(() => server.stop());
    assert.equal(await server.exited, 1);
    assert.match(server.output, /Configuration error: TEST_SETTING must be set/);
    assert.match(server.output, /giving up: worker \d stopped with a configuration error/);
    assert.doesNotMatch(server.output, /restarting worker/);
    const info = JSON.parse(readFileSync(told, 'utf8'));
    assert.match(info.reason, /^giving up: worker \d stopped with a configuration error/);
    assert.equal(info.pid, server.child.pid, 'called in the master');
  });

  test(`${model}: a SIGHUP does not reset the restart count: restarts before the reload still count toward the limit`, async (t) => {
    const server = await startProcessServer(model, { CLUSTER_MAX_RESTARTS: '2' });
    t.after(() => server.stop());
    const alive = () => server.workerPids().filter((pid) => !new RegExp(`pid ${pid}\\) (was killed|exited)`).test(server.output));
    for (const restart of [1, 2]) {
      const from = server.output.length;
      process.kill(alive()[0], 'SIGKILL');
      await server.waitFor(/worker \d \(pid \d+\) listening/, from);
      assert.doesNotMatch(server.output, /giving up/, `restart ${restart} is within the limit`);
    }
    const from = server.output.length;
    server.child.kill('SIGHUP');
    await server.waitFor(/reload finished/, from);
    await eventually(() => alive().length === 2, 'the old workers are gone');
    // The third restart within the window: more than 2, reload or not.
    process.kill(alive()[0], 'SIGKILL');
    assert.equal(await server.exited, 1);
    assert.match(server.output, /giving up: 3 worker restarts within 60 s, more than the limit of 2/);
  });

  test(`${model}: a failing onGiveUp hook is reported, and the master still exits 1`, async (t) => {
    const server = await startProcessServer(model, { TEST_CONFIG_ERROR: '1', CLUSTER_ON_GIVE_UP: 'exit 3' }, { waitForListening: false });
    t.after(() => server.stop());
    assert.equal(await server.exited, 1);
    assert.match(server.output, /the give-up hook \(cluster\.onGiveUp: exit 3\) failed: it exited with code 3/);
  });
}
