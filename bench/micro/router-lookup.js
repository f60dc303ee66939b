// Micro-benchmark of the generated router's lookup, next to find-my-way's, on
// the route table of scenario 2 (bench/lib/route-table.js): no server, no
// sockets, only the router's own work for the five paths the load cycles over.
// Not part of `npm run bench`; run it while working on templates/base/src/lib/router.js:
//
//   node --expose-gc --min-semi-space-size=128 --max-semi-space-size=128 bench/micro/router-lookup.js [rounds]
//
// ns per lookup: the median CPU time of `rounds` batches. Bytes per lookup: the
// growth of the heap over one batch, measured with a young generation large
// enough that no collection runs during it (reported as "?" when one did).
import Router from 'find-my-way';
import { createRouter } from '../../templates/base/src/lib/router.js';
import { routePath, targetPaths } from '../lib/route-table.js';

const SIZES = [10, 100, 1000];
const BATCH = 200_000;
const rounds = Number(process.argv[2] ?? 7);
const gc = /** @type {(() => void) | undefined} */ (globalThis.gc);

/** @param {() => void} fn one lookup */
function measure(fn) {
  for (let i = 0; i < BATCH; i++) fn(); // warm-up: optimised code before timing
  /** @type {number[]} */
  const times = [];
  for (let r = 0; r < rounds; r++) {
    // CPU time, not wall-clock: the machine is shared, and time spent descheduled is not ours.
    const start = process.cpuUsage();
    for (let i = 0; i < BATCH; i++) fn();
    const used = process.cpuUsage(start);
    times.push(((used.user + used.system) * 1000) / BATCH);
  }
  times.sort((a, b) => a - b);
  let bytes = '?';
  if (gc) {
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < BATCH; i++) fn();
    const grown = process.memoryUsage().heapUsed - before;
    if (grown >= 0) bytes = (grown / BATCH).toFixed(0);
  }
  return { ns: times[Math.floor(times.length / 2)].toFixed(0), bytes };
}

/** Cycles over `paths` as the load generator does. @param {string[]} paths */
function cycle(paths) {
  let i = 0;
  return () => {
    const path = paths[i];
    i = i === paths.length - 1 ? 0 : i + 1;
    return path;
  };
}

const noop = () => {};
/** @type {string[][]} */
const rows = [];
for (const size of SIZES) {
  const paths = targetPaths(size);

  const ours = createRouter();
  for (let i = 0; i < size; i++) ours.get(routePath(i), noop);
  const middleware = ours.middleware();
  const requests = paths.map((path) => /** @type {any} */ ({ method: 'GET', path, params: null }));
  const nextRequest = cycle(/** @type {any} */ (requests));
  let missed = 0;
  const next = () => missed++;
  const generated = measure(() => middleware(/** @type {any} */ (nextRequest()), /** @type {any} */ ({}), next));
  if (missed > 0) throw new Error(`the generated router missed ${missed} lookups at ${size} routes`);

  const fmw = Router();
  for (let i = 0; i < size; i++) fmw.on('GET', routePath(i), noop);
  const fmwRequests = paths.map((url) => /** @type {any} */ ({ method: 'GET', url, headers: {} }));
  const nextFmwRequest = cycle(/** @type {any} */ (fmwRequests));
  const findMyWay = measure(() => fmw.lookup(/** @type {any} */ (nextFmwRequest()), /** @type {any} */ ({})));

  rows.push([String(size), generated.ns, generated.bytes, findMyWay.ns, findMyWay.bytes]);
}

const header = ['routes', 'generated ns', 'generated B', 'find-my-way ns', 'find-my-way B'];
console.log(`Lookup of the five scenario-2 paths in turn (median of ${rounds} batches of ${BATCH.toLocaleString('en')}):`);
console.log(header.join('\t'));
for (const row of rows) console.log(row.join('\t'));
