// Express 5 with its defaults. Modes: hello, routes <count>, json-post, form-post, static <dir>.
import express from 'express';
import { announce, mode, argument } from './announce.js';
import { routePath } from '../lib/route-table.js';

const app = express();

if (mode === 'hello') {
  app.get('/hello', (req, res) => res.json({ hello: 'world' }));
} else if (mode === 'routes') {
  /** @type {express.RequestHandler} */
  const handler = (req, res) => res.json({ id: req.params.id ?? 'static' });
  for (let i = 0; i < Number(argument); i++) app.get(routePath(i), handler);
} else if (mode === 'json-post') {
  app.post('/echo', express.json({ limit: '1mb' }), (req, res) => res.json({ received: req.body.items.length }));
} else if (mode === 'form-post') {
  app.post('/form', express.urlencoded({ extended: false, limit: '1mb' }), (req, res) => res.json({ received: Object.keys(req.body).length }));
} else if (mode === 'static') {
  // serve-static: ETag and Last-Modified on, like the generated project with both cache features.
  app.use(express.static(argument));
} else {
  throw new Error(`unknown mode ${mode}`);
}

const server = app.listen(0, '127.0.0.1', () => announce(server.address()));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
