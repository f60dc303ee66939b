// Scenario 1: GET /hello answering a small JSON object. The generated
// project is the `minimal` preset exactly as created, with one route added
// to src/routes.js; it runs with every default middleware (access log file,
// metrics, security headers, static files, views, body parsers).
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { contenderServer as contender, runContenders } from '../lib/contenders.js';
import { expectResponse } from '../lib/check.js';
import { addRoutes, envNameOf, generate, generatedServer } from '../lib/generated-project.js';
import { notAvailable, resultOf } from '../lib/section.js';
import { count, throughputTable } from '../lib/format.js';

const number = 1;
const title = 'GET /hello JSON';
const what =
  '`GET /hello` answers `{"hello":"world"}` as JSON. Raw `node:http` (the ceiling), Fastify and Express with their defaults, Fastify *feature-equal* to the generated server (`@fastify/helmet` security headers, a pino log line per request written to a file asynchronously, a random request id sent back in `X-Request-Id`), and the generated `minimal` preset as `npm start` runs it, with all of its default middleware (access log written to a file, request metrics, security headers, static files and views lookups, body parsers) and one route added to `src/routes.js`. Rows marked *diagnostic* change one thing, to show what it costs: the access log turned off by its environment variable; the access log, metrics and the security headers (all but `X-Content-Type-Options`) turned off (what is left is the pipeline itself: request id, static and views look-ups, body check, router); or the `public/` folder of the project removed (or added, if the preset has none): the static-files middleware looks for a file on every GET before the router runs.';
const TARGETS = [
  'GET JSON, generated minimal with all default middleware: ≥ 1.0× Fastify and ≥ 0.9× raw node:http',
  'the same against a feature-equal Fastify (@fastify/helmet, pino logging to a file, a request id): ≥ 1.5×',
];
const FEATURED = 'Fastify, feature-equal (helmet, pino log file, request id)';

export const HELLO_ROUTE = "  router.get('/hello', (req, res) => res.json({ hello: 'world' }));";

const BARE = 'generated minimal, access log, metrics and security headers off (diagnostic)';

/**
 * The settings that turn off the defaults a bare server does without: what
 * is left is the pipeline, the request id, the static and views look-ups,
 * the body check and the router.
 * @param {string} dir
 */
async function bareEnv(dir) {
  /** @type {Record<string, string>} */
  const env = {
    [await envNameOf(dir, ['log', 'access'])]: 'false',
    [await envNameOf(dir, ['metrics', 'enabled'])]: 'false',
  };
  for (const key of ['contentSecurityPolicy', 'frameOptions', 'referrerPolicy', 'crossOriginOpenerPolicy', 'crossOriginResourcePolicy', 'hsts']) {
    env[await envNameOf(dir, ['securityHeaders', key])] = 'off';
  }
  return env;
}

/**
 * @param {import('../run.js').Context} ctx
 * @returns {Promise<import('../lib/section.js').Section>}
 */
export async function run(ctx) {
  const dir = join(ctx.tmp, 'hello-minimal');
  const made = generate(dir, ['--preset', 'minimal']);
  if (!made.ok) return notAvailable(number, title, what, `create --preset minimal failed: ${made.message}`, TARGETS);
  addRoutes(dir, HELLO_ROUTE);
  // The same project with the other state of public/: removed if the preset has one, added if not.
  const toggled = join(ctx.tmp, 'hello-minimal-public-toggled');
  cpSync(dir, toggled, { recursive: true });
  const hasPublic = existsSync(join(dir, 'public'));
  if (hasPublic) rmSync(join(toggled, 'public'), { recursive: true });
  else mkdirSync(join(toggled, 'public'));
  const toggledName = hasPublic ? 'generated minimal, public/ folder removed (diagnostic)' : 'generated minimal + public/ folder (diagnostic)';

  const load = { path: '/hello' };
  const check = (/** @type {{ name: string, url: string }} */ server) => expectResponse(server, { path: '/hello', bodyIncludes: '"hello"' }).then(() => {});
  const contenders = [
    { name: 'raw node:http', server: contender('raw-http.js', ['hello']), load, check },
    { name: 'Fastify', server: contender('fastify.js', ['hello']), load, check },
    {
      name: FEATURED,
      server: contender('fastify.js', ['hello-featured', join(ctx.tmp, 'fastify-featured-logs/access.log')]),
      load,
      check: (/** @type {{ name: string, url: string }} */ server) =>
        expectResponse(server, { path: '/hello', bodyIncludes: '"hello"', headerNames: ['x-request-id', 'x-content-type-options', 'content-security-policy'] }).then(() => {}),
    },
    { name: 'Express', server: contender('express.js', ['hello']), load, check },
    { name: 'generated minimal', server: await generatedServer(dir, 'generated minimal'), load, check },
    {
      name: 'generated minimal, access log off (diagnostic)',
      server: await generatedServer(dir, 'generated minimal, access log off', { [await envNameOf(dir, ['log', 'access'])]: 'false' }),
      load,
      check,
    },
    {
      name: BARE,
      server: await generatedServer(dir, BARE, await bareEnv(dir)),
      load,
      check,
    },
    { name: toggledName, server: await generatedServer(toggled, toggledName), load, check },
  ];
  const results = await runContenders(contenders, ctx.options, ctx.log);
  const raw = resultOf(results, 'raw node:http');
  const fastify = resultOf(results, 'Fastify');
  const generated = resultOf(results, 'generated minimal');
  const featured = resultOf(results, FEATURED);
  const toRaw = generated.rps.median / raw.rps.median;
  const toFastify = generated.rps.median / fastify.rps.median;
  const toFeatured = generated.rps.median / featured.rps.median;
  return {
    number,
    title,
    what,
    status: 'measured',
    notes: [`Load generator CPU, from its own process (median of the rounds, the highest over contenders): ${Math.max(...results.map((r) => r.loaderCpu)).toFixed(2)} cores.`],
    tables: [throughputTable(results, raw.rps.median)],
    targets: [
      {
        target: TARGETS[0],
        result: `${toFastify.toFixed(2)}× Fastify (${count(generated.rps.median)} vs ${count(fastify.rps.median)} req/s), ${toRaw.toFixed(2)}× raw node:http`,
        met: toFastify >= 1 && toRaw >= 0.9,
        ratios: { 'minimal/fastify': toFastify, 'minimal/raw': toRaw },
      },
      {
        target: TARGETS[1],
        result: `${toFeatured.toFixed(2)}× (${count(generated.rps.median)} vs ${count(featured.rps.median)} req/s)`,
        met: toFeatured >= 1.5,
        ratios: { 'minimal/fastify-featured': toFeatured },
      },
    ],
    chart: {
      title: 'Scenario 1: GET /hello (req/s, median and min–max)',
      groups: [{ label: '', bars: results.map((r) => ({ label: r.name, ...r.rps })) }],
    },
  };
}
