// Scenario 3: POST of a 1 KiB JSON body, parsed and answered with a small
// JSON object, through each server's own JSON body parser.
import { join } from 'node:path';
import { contenderServer, runContenders } from '../lib/contenders.js';
import { expectResponse } from '../lib/check.js';
import { addRoutes, generate, generatedServer } from '../lib/generated-project.js';
import { count, throughputTable } from '../lib/format.js';
import { notAvailable, resultOf } from '../lib/section.js';
import { jsonBody1KiB } from '../lib/json-body.js';

const number = 3;
const title = 'JSON POST, 1 KiB body';
const what =
  '`POST /echo` with a 1,024-byte JSON body (`Content-Type: application/json`); each server parses it with its own JSON body parser and answers `{"received":<number of items>}`. Raw `node:http` collects the chunks and calls `JSON.parse` (no limits, no content-type check); Fastify uses its built-in parser, Express `express.json()`, the generated `minimal` preset its default `body()` middleware.';
const TARGETS = ['generated JSON POST ≥ Fastify'];

/**
 * @param {import('../run.js').Context} ctx
 * @returns {Promise<import('../lib/section.js').Section>}
 */
export async function run(ctx) {
  const dir = join(ctx.tmp, 'json-post-minimal');
  const made = generate(dir, ['--preset', 'minimal']);
  if (!made.ok) return notAvailable(number, title, what, `create --preset minimal failed: ${made.message}`, TARGETS);
  addRoutes(dir, "  router.post('/echo', (req, res) => res.json({ received: /** @type {any} */ (req.body).items.length }));");

  const { body, items } = jsonBody1KiB();
  const headers = { 'content-type': 'application/json' };
  const load = { method: 'POST', path: '/echo', headers, body };
  const check = async (/** @type {{ name: string, url: string }} */ server) => {
    await expectResponse(server, { method: 'POST', path: '/echo', headers, body, bodyIncludes: `"received":${items}` });
  };
  const results = await runContenders(
    [
      { name: 'raw node:http', server: contenderServer('raw-http.js', ['json-post']), load, check },
      { name: 'Fastify', server: contenderServer('fastify.js', ['json-post']), load, check },
      { name: 'Express', server: contenderServer('express.js', ['json-post']), load, check },
      { name: 'generated minimal', server: await generatedServer(dir, 'generated minimal'), load, check },
    ],
    ctx.options,
    ctx.log,
  );
  const raw = resultOf(results, 'raw node:http');
  const fastify = resultOf(results, 'Fastify');
  const generated = resultOf(results, 'generated minimal');
  return {
    number,
    title,
    what,
    status: 'measured',
    notes: [],
    tables: [throughputTable(results, raw.rps.median)],
    targets: [
      {
        target: TARGETS[0],
        result: `${count(generated.rps.median)} vs ${count(fastify.rps.median)} req/s (${(generated.rps.median / fastify.rps.median).toFixed(2)}×)`,
        met: generated.rps.median >= fastify.rps.median,
      },
    ],
  };
}
