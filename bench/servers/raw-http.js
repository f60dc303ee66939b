// The ceiling: node:http with nothing in between, written as compactly as a
// hand-tuned server would be. Modes: hello, routes (no router: every path
// gets the same handler), dashboard, json-post, form-post, static <file>, upload <dir>.
import http from 'node:http';
import { createReadStream, createWriteStream, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import { announce, mode, argument } from './announce.js';

/** @type {http.RequestListener} */
let handler;

if (mode === 'hello') {
  handler = (req, res) => {
    const body = JSON.stringify({ hello: 'world' });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
} else if (mode === 'routes') {
  handler = (req, res) => {
    const body = JSON.stringify({ id: (req.url ?? '').split('/')[3] });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
} else if (mode === 'dashboard') {
  // Scenario 4's page without a session: the same body the generated route sends.
  const items = Array.from({ length: 16 }, (_, i) => ({ id: i, title: `Task number ${i}`, done: i % 3 === 0 }));
  handler = (req, res) => {
    const body = JSON.stringify({ title: 'Dashboard', visits: 0, items });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
} else if (mode === 'json-post') {
  handler = (req, res) => {
    /** @type {Buffer[]} */
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const body = JSON.stringify({ received: value.items.length });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  };
} else if (mode === 'form-post') {
  handler = (req, res) => {
    /** @type {Buffer[]} */
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const fields = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const body = JSON.stringify({ received: new Set(fields.keys()).size });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  };
} else if (mode === 'static') {
  // One file, stat-ed per request (it may change), 304 on If-Modified-Since.
  handler = (req, res) => {
    const stat = statSync(argument);
    const lastModified = new Date(Math.floor(stat.mtimeMs / 1000) * 1000).toUTCString();
    const since = req.headers['if-modified-since'];
    if (since !== undefined && Date.parse(since) >= Date.parse(lastModified)) {
      res.writeHead(304, { 'last-modified': lastModified });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': stat.size, 'last-modified': lastModified });
    createReadStream(argument).pipe(res);
  };
} else if (mode === 'upload') {
  // The upload ceiling: the raw request body streamed to a file (no multipart parsing).
  handler = (req, res) => {
    const file = join(argument, randomUUID());
    pipeline(req, createWriteStream(file)).then(
      () => {
        const { size } = statSync(file);
        unlinkSync(file);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ size }));
      },
      () => res.destroy(),
    );
  };
} else {
  throw new Error(`unknown mode ${mode}`);
}

const server = http.createServer(handler);
server.listen(0, '127.0.0.1', () => announce(server.address()));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
