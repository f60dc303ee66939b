// Fastify 5, logger off as in its own benchmarks, unless the mode says otherwise.
// Modes: hello, hello-featured <log file>, routes <count>, json-post,
// form-post, static <dir>.
// hello-featured is the feature-equal contender of the generated server
// (issue 14): security headers by @fastify/helmet, a pino access log written
// to a file (asynchronously, as pino is run in production) and a request id
// answered in X-Request-Id.
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { announce, mode, argument } from './announce.js';
import { routePath } from '../lib/route-table.js';

/** @type {import('fastify').FastifyServerOptions} */
const options = { logger: false, bodyLimit: 1_048_576 };
if (mode === 'hello-featured') {
  const { default: pino } = await import('pino');
  Object.assign(options, {
    logger: undefined,
    loggerInstance: pino({ level: 'info' }, pino.destination({ dest: argument, sync: false, mkdir: true })),
    genReqId: () => randomUUID(),
  });
}
const app = Fastify(options);

if (mode === 'hello') {
  app.get('/hello', async () => ({ hello: 'world' }));
} else if (mode === 'hello-featured') {
  await app.register((await import('@fastify/helmet')).default);
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  app.get('/hello', async () => ({ hello: 'world' }));
} else if (mode === 'routes') {
  /** @param {any} req */
  const handler = async (req) => ({ id: req.params.id ?? 'static' });
  for (let i = 0; i < Number(argument); i++) app.get(routePath(i), handler);
} else if (mode === 'json-post') {
  app.post('/echo', async (/** @type {any} */ req) => ({ received: req.body.items.length }));
} else if (mode === 'form-post') {
  await app.register((await import('@fastify/formbody')).default);
  app.post('/form', async (/** @type {any} */ req) => ({ received: Object.keys(req.body).length }));
} else if (mode === 'static') {
  // @fastify/static with its defaults: ETag and Last-Modified on, like the generated project with both cache features.
  await app.register((await import('@fastify/static')).default, { root: argument });
} else {
  throw new Error(`unknown mode ${mode}`);
}

await app.listen({ port: 0, host: '127.0.0.1' });
announce(app.server.address());
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
