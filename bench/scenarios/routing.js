// Scenario 2: the same handler behind 10, 100 and 1,000 registered routes
// (a third static, a third with one parameter, a third with two), requests
// spread over the table.
// A router that looks routes up in a tree stays flat; one that scans a list
// slows down as the table grows.
import { join } from 'node:path';
import { contenderServer, runContenders } from '../lib/contenders.js';
import { checkPaths } from '../lib/check.js';
import { addRoutes, generate, generatedServer } from '../lib/generated-project.js';
import { count, throughputTable } from '../lib/format.js';
import { notAvailable, resultOf } from '../lib/section.js';
import { targetPaths } from '../lib/route-table.js';

const number = 2;
const title = 'Routing at scale';
const what =
  "The same JSON handler behind 10, 100 and 1,000 registered routes, a third of them static (`/api/r<i>/list`), a third with one parameter (`/api/r<i>/:id`) and a third with two (`/api/r<i>/:id/items/:item`); the load cycles over five routes spread from the first to the last one registered. The generated `minimal` preset gets the routes in its `src/routes.js` (a loop, as a user would write it); Fastify, Express and find-my-way alone (Fastify's router on `node:http`, no framework) register the same paths. Raw `node:http` has no router at all (every path gets the handler): the ceiling. Each size is a fresh server process.";
const TARGETS = ['router, 1,000 routes (static and with parameters): ≥ 0.9× of 10 routes, and ≥ find-my-way alone in the same run'];
const ROUTERS = ['generated', 'find-my-way', 'Fastify', 'Express'];
const SIZES = [10, 100, 1000];

/** The loop added to the generated src/routes.js: the paths of bench/lib/route-table.js. */
export const ROUTE_LOOP = `  // Benchmark (bench/scenarios/routing.js): the same handler behind BENCH_ROUTE_COUNT routes.
  const routeCount = Number(process.env.BENCH_ROUTE_COUNT ?? '10');
  for (let i = 0; i < routeCount; i++) {
    const path = i % 3 === 0 ? \`/api/r\${i}/list\` : i % 3 === 1 ? \`/api/r\${i}/:id\` : \`/api/r\${i}/:id/items/:item\`;
    router.get(path, (req, res) => res.json({ id: req.params.id ?? 'static' }));
  }`;

/**
 * @param {import('../run.js').Context} ctx
 * @returns {Promise<import('../lib/section.js').Section>}
 */
export async function run(ctx) {
  const dir = join(ctx.tmp, 'routing-minimal');
  const made = generate(dir, ['--preset', 'minimal']);
  if (!made.ok) return notAvailable(number, title, what, `create --preset minimal failed: ${made.message}`, TARGETS);
  addRoutes(dir, ROUTE_LOOP);

  /** @type {import('../lib/contenders.js').Contender[]} */
  const contenders = [];
  const rawPaths = targetPaths(1000);
  contenders.push({
    name: 'raw node:http (no router)',
    server: contenderServer('raw-http.js', ['routes']),
    load: { requests: rawPaths.map((path) => ({ path })) },
    check: checkPaths(rawPaths, { bodyIncludes: '"id":' }),
  });
  for (const size of SIZES) {
    const paths = targetPaths(size);
    const load = { requests: paths.map((path) => ({ path })) };
    const check = checkPaths(paths, { bodyIncludes: '"id":' });
    contenders.push({ name: `generated, ${size} routes`, server: await generatedServer(dir, `generated ${size}`, { BENCH_ROUTE_COUNT: String(size) }), load, check });
    contenders.push({ name: `find-my-way, ${size} routes`, server: contenderServer('find-my-way.js', ['routes', String(size)]), load, check });
    contenders.push({ name: `Fastify, ${size} routes`, server: contenderServer('fastify.js', ['routes', String(size)]), load, check });
    contenders.push({ name: `Express, ${size} routes`, server: contenderServer('express.js', ['routes', String(size)]), load, check });
  }
  const results = await runContenders(contenders, ctx.options, ctx.log);
  const raw = resultOf(results, 'raw node:http (no router)');
  const at = (/** @type {string} */ who, /** @type {number} */ size) => resultOf(results, `${who}, ${size} routes`);
  const flatness = at('generated', 1000).rps.median / at('generated', 10).rps.median;
  const perCpuFlatness = at('generated', 1000).perCpuSecond / at('generated', 10).perCpuSecond;
  const toFindMyWay = at('generated', 1000).rps.median / at('find-my-way', 1000).rps.median;

  const bySize = {
    caption: 'Throughput per table size (median req/s; in parentheses, 1,000 routes relative to 10):',
    columns: ['Router', ...SIZES.map((s) => `${count(s)} routes`), '1,000 vs 10 (req/s)', '1,000 vs 10 (req per CPU-s)'],
    rows: ROUTERS.map((who) => [
      who,
      ...SIZES.map((s) => count(at(who, s).rps.median)),
      `${(at(who, 1000).rps.median / at(who, 10).rps.median).toFixed(2)}×`,
      `${(at(who, 1000).perCpuSecond / at(who, 10).perCpuSecond).toFixed(2)}×`,
    ]),
  };
  return {
    number,
    title,
    what,
    status: 'measured',
    notes: [
      'The generated project runs with all of its default middleware, so its absolute level is that of scenario 1; what this scenario shows is the change with the table size. find-my-way alone has no middleware at all: the goal asks the generated server, middleware included, to keep up with it.',
    ],
    tables: [bySize, throughputTable(results, raw.rps.median, 'Every server:')],
    targets: [
      {
        target: TARGETS[0],
        result: `1,000 routes: ${flatness.toFixed(2)}× the req/s of 10 routes (${perCpuFlatness.toFixed(2)}× per CPU-s); ${toFindMyWay.toFixed(2)}× find-my-way alone at 1,000 routes`,
        met: (flatness >= 0.9 || perCpuFlatness >= 0.9) && toFindMyWay >= 1,
        ratios: { 'routes-1000/10': flatness, 'routes-1000/10-per-cpu': perCpuFlatness, 'routes-1000/find-my-way': toFindMyWay },
      },
    ],
    chart: {
      title: 'Scenario 2: routing at 10 / 100 / 1,000 routes (req/s, median and min–max)',
      groups: ROUTERS.map((who) => ({
        label: who,
        bars: SIZES.map((s) => ({ label: `${count(s)} routes`, ...at(who, s).rps })),
      })),
    },
  };
}
