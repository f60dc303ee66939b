// @ts-check
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { once } from 'node:events';
import { ConfigError } from '../src/lib/config-loader.js';
import { installHeapSnapshots } from '../src/lib/heap-snapshot.js';

/** @param {string} dir */
function snapshots(dir) {
  try {
    return readdirSync(dir).filter((name) => name.endsWith('.heapsnapshot'));
  } catch {
    return [];
  }
}

/** The first bytes of a file. */
function head(/** @type {string} */ path) {
  const fd = openSync(path, 'r');
  const buffer = Buffer.alloc(20);
  readSync(fd, buffer, 0, 20, 0);
  closeSync(fd);
  return buffer.toString('utf8');
}

/**
 * Checks `condition` every 20 ms, at most for 20 s (a bound, not a timing assertion).
 * @param {() => boolean} condition
 */
async function eventually(condition) {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  return condition();
}

/**
 * Starts a small process that installs the heap snapshots with `settings`
 * (snapshots of a small heap are quicker than of this test runner's), and
 * collects the paths it reports as written.
 * @param {import('node:test').TestContext} t
 * @param {Partial<import('../src/lib/heap-snapshot.js').HeapSettings>} settings
 * @param {{ base?: string, env?: Record<string, string> }} [options] base: the folder (shared by several), env: extra variables (NODESERVER_WORKER names a worker)
 */
async function startSnapshotter(t, settings, { base = mkdtempSync(join(tmpdir(), 'nodeserver-heap-test-')), env = {} } = {}) {
  const dir = join(base, 'heapdumps');
  const module = new URL('../src/lib/heap-snapshot.js', import.meta.url).href;
  const heap = { dir, onSignal: false, interval: 0, maxFiles: 3, ...settings };
  const script = `import { installHeapSnapshots } from ${JSON.stringify(module)};
installHeapSnapshots({ heap: ${JSON.stringify(heap)} });
console.log('installed');
setTimeout(() => {}, 20_000); // stays alive until the test ends it`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  t.after(async () => {
    // Stopped before its folder goes, so it cannot write into it again.
    child.kill('SIGKILL');
    await once(child, 'exit');
    rmSync(base, { recursive: true, force: true });
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (output += chunk));
  await eventually(() => output.includes('installed'));
  return {
    child,
    dir,
    /** Paths reported as written so far. */
    written: () => [...output.matchAll(/Heap snapshot written to (\S+)/g)].map((m) => m[1]),
  };
}

test('SIGUSR2 writes a heap snapshot into the folder; only the newest maxFiles are kept', async (t) => {
  const { child, dir, written } = await startSnapshotter(t, { onSignal: true, maxFiles: 1 });
  child.kill('SIGUSR2');
  assert.ok(await eventually(() => written().length === 1), 'a snapshot after the signal');
  const [first] = written();
  assert.equal(dirname(first), dir);
  assert.match(head(first), /^\{"snapshot":/, 'a V8 heap snapshot (JSON)');
  assert.match(basename(first), new RegExp(`^heap-\\d{4}-\\d\\d-\\d\\dT[\\d.-]+Z-main-${child.pid}-1\\.heapsnapshot$`));
  child.kill('SIGUSR2');
  assert.ok(await eventually(() => written().length === 2), 'a second snapshot');
  assert.deepEqual(snapshots(dir), [basename(written()[1])], 'only the newest one is left');
});

test('retention is per process: HEAP_MAX_FILES=1 keeps one per worker and never deletes the snapshots of another process', async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'nodeserver-heap-test-'));
  const one = await startSnapshotter(t, { onSignal: true, maxFiles: 1 }, { base, env: { NODESERVER_WORKER: '1' } });
  const two = await startSnapshotter(t, { onSignal: true, maxFiles: 1 }, { base, env: { NODESERVER_WORKER: '2' } });
  one.child.kill('SIGUSR2');
  assert.ok(await eventually(() => one.written().length === 1));
  two.child.kill('SIGUSR2');
  assert.ok(await eventually(() => two.written().length === 1));
  two.child.kill('SIGUSR2');
  assert.ok(await eventually(() => two.written().length === 2));
  assert.match(basename(one.written()[0]), /-worker1-\d+-1\.heapsnapshot$/);
  assert.deepEqual(snapshots(one.dir).sort(), [basename(one.written()[0]), basename(two.written()[1])].sort(), "worker 1's snapshot survives worker 2's second one");
});

test('an interval writes snapshots by itself', async (t) => {
  const { dir, written } = await startSnapshotter(t, { interval: 1000 });
  assert.ok(await eventually(() => written().length >= 1), 'a snapshot after one interval');
  assert.ok(snapshots(dir).includes(basename(written()[0])));
});

test('bad settings are refused with the variable to fix', () => {
  const good = { dir: 'heapdumps', onSignal: true, interval: 0, maxFiles: 3 };
  const isConfigError = (/** @type {RegExp} */ pattern) => (/** @type {unknown} */ err) => err instanceof ConfigError && pattern.test(err.message);
  // The checks run before anything is installed, so a refused call installs nothing.
  assert.throws(() => installHeapSnapshots({ heap: { ...good, interval: 500 } }), isConfigError(/^HEAP_INTERVAL must be 0 or at least 1000/));
  assert.throws(() => installHeapSnapshots({ heap: { ...good, maxFiles: 0 } }), isConfigError(/^HEAP_MAX_FILES must be 1 or more/));
  assert.throws(() => installHeapSnapshots({ heap: { ...good, dir: '' } }), isConfigError(/^HEAP_DIR must/));
});
