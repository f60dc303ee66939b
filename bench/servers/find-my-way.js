// find-my-way alone (Fastify's router) on node:http: the router a generated
// project's 1,000-route table is compared with. Modes: routes <count>.
import http from 'node:http';
import Router from 'find-my-way';
import { announce, mode, argument } from './announce.js';
import { routePath } from '../lib/route-table.js';

if (mode !== 'routes') throw new Error(`unknown mode ${mode}`);
const router = Router({
  defaultRoute: (req, res) => {
    res.statusCode = 404;
    res.end();
  },
});
/** @type {Router.Handler<Router.HTTPVersion.V1>} */
const handler = (req, res, params) => {
  const body = JSON.stringify({ id: params.id ?? 'static' });
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
};
for (let i = 0; i < Number(argument); i++) router.on('GET', routePath(i), handler);

const server = http.createServer((req, res) => router.lookup(req, res));
server.listen(0, '127.0.0.1', () => announce(server.address()));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
