// Scenario 5: a static file from public/, answered in full (200 with
// Last-Modified) and revalidated (If-Modified-Since -> 304 without a body).
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contenderServer, runContenders } from '../lib/contenders.js';
import { expectResponse } from '../lib/check.js';
import { available, generate, generatedServer } from '../lib/generated-project.js';
import { count, throughputTable } from '../lib/format.js';
import { notAvailable, resultOf } from '../lib/section.js';

const number = 5;
const title = 'Static file: 200 with Last-Modified, 304 revalidation';
const what =
  '`GET /bench.txt`, a 16 KiB file in `public/`: once without a condition (200, whole body, `Last-Modified`), once with `If-Modified-Since` set to that date (304, no body). The generated project is the `minimal` preset with `--cache etag,last-modified` (Last-Modified comes from the cache-last-modified feature) and the file added to its `public/`; Express serves the same folder with `express.static` and Fastify with `@fastify/static` (both with their defaults: ETag and Last-Modified on); raw `node:http` stats the file on every request, compares the date and streams it.';
const TARGETS = ['static file 16 KiB: ≥ 1.0× @fastify/static'];
const FILE_SIZE = 16 * 1024;

/**
 * @param {import('../run.js').Context} ctx
 * @returns {Promise<import('../lib/section.js').Section>}
 */
export async function run(ctx) {
  if (!available(ctx.groups, 'cache', 'last-modified')) return notAvailable(number, title, what, 'the cache group has no last-modified option', TARGETS);
  const dir = join(ctx.tmp, 'static-minimal');
  const flags = ['--preset', 'minimal', '--cache', available(ctx.groups, 'cache', 'etag') ? 'etag,last-modified' : 'last-modified'];
  const made = generate(dir, flags);
  if (!made.ok) return notAvailable(number, title, what, `create ${flags.join(' ')} failed: ${made.message}`, TARGETS);
  const publicDir = join(dir, 'public');
  mkdirSync(publicDir, { recursive: true });
  const file = join(publicDir, 'bench.txt');
  writeFileSync(file, 'A line of a public text file, repeated to fill sixteen KiB.\n'.repeat(Math.ceil(FILE_SIZE / 60)).slice(0, FILE_SIZE));
  // Deployed files are older than the requests: a date on a whole second, an hour ago.
  const anHourAgo = Math.floor(Date.now() / 1000) - 3600;
  utimesSync(file, anHourAgo, anHourAgo);

  // The date every contender sends back is the one it gave: read it from one answer first.
  /** @type {Record<string, string>} */
  const lastModified = {};
  /** @param {string} name */
  const conditional = (name) => ({
    path: '/bench.txt',
    expectStatus: 304,
    get headers() {
      return { 'if-modified-since': lastModified[name] ?? '' };
    },
  });
  /**
   * @param {string} name
   * @param {import('../lib/server-process.js').ServerSpec} server
   * @returns {import('../lib/contenders.js').Contender[]}
   */
  const pair = (name, server) => [
    {
      name: `${name}, 200`,
      server: { ...server, name: `${name}, 200` },
      load: { path: '/bench.txt' },
      check: async (running) => {
        await expectResponse(running, { path: '/bench.txt', headerNames: ['last-modified'], bodyIncludes: 'A line of a public text file' });
      },
    },
    {
      name: `${name}, 304`,
      server: { ...server, name: `${name}, 304` },
      load: conditional(`${name}, 304`),
      check: async (running) => {
        const response = await expectResponse(running, { path: '/bench.txt', headerNames: ['last-modified'] });
        lastModified[running.name] = String(response.headers['last-modified']);
        await expectResponse(running, { path: '/bench.txt', headers: { 'if-modified-since': lastModified[running.name] }, status: 304 });
      },
    },
  ];
  const results = await runContenders(
    [
      ...pair('raw node:http', contenderServer('raw-http.js', ['static', file])),
      ...pair('Express static', contenderServer('express.js', ['static', publicDir])),
      ...pair('@fastify/static', contenderServer('fastify.js', ['static', publicDir])),
      ...pair('generated', await generatedServer(dir, 'generated')),
    ],
    ctx.options,
    ctx.log,
  );
  const raw200 = resultOf(results, 'raw node:http, 200').rps.median;
  const raw304 = resultOf(results, 'raw node:http, 304').rps.median;
  const ratio200 = resultOf(results, 'generated, 200').rps.median / resultOf(results, '@fastify/static, 200').rps.median;
  const ratio304 = resultOf(results, 'generated, 304').rps.median / resultOf(results, '@fastify/static, 304').rps.median;
  return {
    number,
    title,
    what,
    status: 'measured',
    notes: [`Generated with \`create-nodeserver ${flags.join(' ')}\`.`, 'The goal is read on the 200 (the whole file); the 304 ratio is shown beside it.'],
    tables: [
      throughputTable(
        results.filter((r) => r.name.endsWith('200')),
        raw200,
        '200 with the whole 16 KiB body:',
      ),
      throughputTable(
        results.filter((r) => r.name.endsWith('304')),
        raw304,
        '304 Not Modified (If-Modified-Since):',
      ),
    ],
    targets: [
      {
        target: TARGETS[0],
        result: `200: ${ratio200.toFixed(2)}× (${count(resultOf(results, 'generated, 200').rps.median)} vs ${count(resultOf(results, '@fastify/static, 200').rps.median)} req/s); 304: ${ratio304.toFixed(2)}×`,
        met: ratio200 >= 1,
        ratios: { 'static-200/fastify-static': ratio200, 'static-304/fastify-static': ratio304 },
      },
    ],
  };
}
