// Fastify 5 with its defaults (logger off, as in its own benchmarks).
// Modes: hello, routes <count>, json-post.
import Fastify from 'fastify';
import { announce, mode, argument } from './announce.js';
import { routePath } from '../lib/route-table.js';

const app = Fastify({ logger: false, bodyLimit: 1_048_576 });

if (mode === 'hello') {
  app.get('/hello', async () => ({ hello: 'world' }));
} else if (mode === 'routes') {
  /** @param {any} req */
  const handler = async (req) => ({ id: req.params.id });
  for (let i = 0; i < Number(argument); i++) app.get(routePath(i), handler);
} else if (mode === 'json-post') {
  app.post('/echo', async (/** @type {any} */ req) => ({ received: req.body.items.length }));
} else {
  throw new Error(`unknown mode ${mode}`);
}

await app.listen({ port: 0, host: '127.0.0.1' });
announce(app.server.address());
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
