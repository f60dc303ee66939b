// Scenario 3: POST bodies through each server's own body parser: a 1 KiB
// JSON body, and a 1 KiB URL-encoded form, each answered with a small JSON
// object.
import { join } from 'node:path';
import { contenderServer, runContenders } from '../lib/contenders.js';
import { expectResponse } from '../lib/check.js';
import { addRoutes, available, generate, generatedServer } from '../lib/generated-project.js';
import { count, throughputTable } from '../lib/format.js';
import { notAvailable, resultOf } from '../lib/section.js';
import { formBody1KiB, jsonBody1KiB } from '../lib/json-body.js';

const number = 3;
const title = 'POST bodies: 1 KiB JSON and a URL-encoded form';
const what =
  '`POST /echo` with a 1,024-byte JSON body (`Content-Type: application/json`), and `POST /form` with a 1,024-byte URL-encoded form (`application/x-www-form-urlencoded`, 24 fields); each server parses the body with its own parser and answers `{"received":<number of items or fields>}`. Raw `node:http` collects the chunks and calls `JSON.parse` or `URLSearchParams` (no limits, no content-type check); Fastify uses its built-in JSON parser and `@fastify/formbody` for forms, Express `express.json()` and `express.urlencoded()`. The generated project is the `minimal` preset (JSON bodies only, its default) for JSON, and the `minimal` preset with `--body json,form` for the form, each with its default `body()` middleware.';
const TARGETS = ['POST 1 KiB JSON: ≥ 1.0× Fastify', 'POST urlencoded form: ≥ 1.0× Fastify with @fastify/formbody'];

/**
 * @param {import('../run.js').Context} ctx
 * @returns {Promise<import('../lib/section.js').Section>}
 */
export async function run(ctx) {
  const dir = join(ctx.tmp, 'json-post-minimal');
  const made = generate(dir, ['--preset', 'minimal']);
  if (!made.ok) return notAvailable(number, title, what, `create --preset minimal failed: ${made.message}`, TARGETS);
  addRoutes(dir, "  router.post('/echo', (req, res) => res.json({ received: /** @type {any} */ (req.body).items.length }));");

  const json = jsonBody1KiB();
  const jsonHeaders = { 'content-type': 'application/json' };
  const jsonLoad = { method: 'POST', path: '/echo', headers: jsonHeaders, body: json.body };
  const jsonCheck = async (/** @type {{ name: string, url: string }} */ server) => {
    await expectResponse(server, { method: 'POST', path: '/echo', headers: jsonHeaders, body: json.body, bodyIncludes: `"received":${json.items}` });
  };
  /** @type {import('../lib/contenders.js').Contender[]} */
  const contenders = [
    { name: 'raw node:http, JSON', server: contenderServer('raw-http.js', ['json-post']), load: jsonLoad, check: jsonCheck },
    { name: 'Fastify, JSON', server: contenderServer('fastify.js', ['json-post']), load: jsonLoad, check: jsonCheck },
    { name: 'Express, JSON', server: contenderServer('express.js', ['json-post']), load: jsonLoad, check: jsonCheck },
    { name: 'generated minimal, JSON', server: await generatedServer(dir, 'generated minimal, JSON'), load: jsonLoad, check: jsonCheck },
  ];

  /** @type {string[]} */
  const notes = [];
  const formDir = join(ctx.tmp, 'form-post-minimal');
  const formFlags = ['--preset', 'minimal', '--body', 'json,form'];
  const formMade = available(ctx.groups, 'body', 'form') ? generate(formDir, formFlags) : { ok: false, message: 'the body group has no form option' };
  if (formMade.ok) {
    addRoutes(formDir, "  router.post('/form', (req, res) => res.json({ received: Object.keys(/** @type {any} */ (req.body)).length }));");
    const form = formBody1KiB();
    const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };
    const formLoad = { method: 'POST', path: '/form', headers: formHeaders, body: form.body };
    const formCheck = async (/** @type {{ name: string, url: string }} */ server) => {
      await expectResponse(server, { method: 'POST', path: '/form', headers: formHeaders, body: form.body, bodyIncludes: `"received":${form.fields}` });
    };
    contenders.push(
      { name: 'raw node:http, form', server: contenderServer('raw-http.js', ['form-post']), load: formLoad, check: formCheck },
      { name: 'Fastify + @fastify/formbody, form', server: contenderServer('fastify.js', ['form-post']), load: formLoad, check: formCheck },
      { name: 'Express, form', server: contenderServer('express.js', ['form-post']), load: formLoad, check: formCheck },
      { name: 'generated minimal --body json,form, form', server: await generatedServer(formDir, 'generated, form'), load: formLoad, check: formCheck },
    );
    notes.push(`The form's project: \`create-nodeserver ${formFlags.join(' ')}\`.`);
  } else {
    notes.push(`The form was not measured: ${formMade.ok ? '' : formMade.message}.`);
  }

  const results = await runContenders(contenders, ctx.options, ctx.log);
  const jsonRatio = resultOf(results, 'generated minimal, JSON').rps.median / resultOf(results, 'Fastify, JSON').rps.median;
  const tables = [
    throughputTable(
      results.filter((r) => r.name.endsWith('JSON')),
      resultOf(results, 'raw node:http, JSON').rps.median,
      '1 KiB JSON:',
    ),
  ];
  /** @type {import('../lib/section.js').Target[]} */
  const targets = [
    {
      target: TARGETS[0],
      result: `${jsonRatio.toFixed(2)}× (${count(resultOf(results, 'generated minimal, JSON').rps.median)} vs ${count(resultOf(results, 'Fastify, JSON').rps.median)} req/s)`,
      met: jsonRatio >= 1,
      ratios: { 'json-post/fastify': jsonRatio },
    },
  ];
  if (formMade.ok) {
    const generated = resultOf(results, 'generated minimal --body json,form, form');
    const fastify = resultOf(results, 'Fastify + @fastify/formbody, form');
    const formRatio = generated.rps.median / fastify.rps.median;
    tables.push(
      throughputTable(
        results.filter((r) => r.name.endsWith('form')),
        resultOf(results, 'raw node:http, form').rps.median,
        '1 KiB URL-encoded form:',
      ),
    );
    targets.push({
      target: TARGETS[1],
      result: `${formRatio.toFixed(2)}× (${count(generated.rps.median)} vs ${count(fastify.rps.median)} req/s)`,
      met: formRatio >= 1,
      ratios: { 'form-post/fastify': formRatio },
    });
  } else {
    targets.push({ target: TARGETS[1], result: 'not available in this build', met: null });
  }
  return { number, title, what, status: 'measured', notes, tables, targets };
}
