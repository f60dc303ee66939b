// @ts-check
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { createApp } from '../src/lib/pipeline.js';
import { HttpError } from '../src/lib/http-error.js';
import { startApp } from './helpers.js';

/**
 * Serves an app made of `middleware` on a random port; 5xx errors are
 * collected in `logged` instead of being printed.
 * @param {import('../src/lib/pipeline.js').Middleware[]} middleware
 * @param {{ env?: string }} [options]
 */
async function serve(middleware, options = {}) {
  /** @type {unknown[]} */
  const logged = [];
  const app = createApp({ env: options.env ?? 'test', logError: (err) => logged.push(err) });
  for (const fn of middleware) app.use(fn);
  const server = app.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    logged,
    /** @param {string} path @param {RequestInit} [init] */
    fetch: (path, init) => fetch(`http://127.0.0.1:${port}${path}`, init),
    /**
     * Sends raw bytes (for request targets fetch does not send) and returns the whole answer.
     * @param {string} bytes
     * @returns {Promise<string>}
     */
    raw: (bytes) =>
      new Promise((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => socket.end(bytes));
        let text = '';
        socket.setEncoding('latin1');
        socket.on('data', (chunk) => (text += chunk));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      }),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}

/** Waits a moment for work that is still running after the response. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('middleware runner', () => {
  test('middleware runs in order; one may answer without calling next', async () => {
    /** @type {string[]} */
    const ran = [];
    const app = await serve([
      (req, res, next) => {
        ran.push('first');
        next();
      },
      (req, res) => {
        ran.push('second');
        res.json({ answeredBy: 'second' });
      },
      () => {
        ran.push('third');
      },
    ]);
    try {
      const res = await app.fetch('/');
      assert.deepEqual(await res.json(), { answeredBy: 'second' });
      await tick();
      assert.deepEqual(ran, ['first', 'second']);
    } finally {
      await app.close();
    }
  });

  test('async middleware is awaited through next()', async () => {
    const app = await serve([
      async (req, res, next) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        req.locals.user = 'from-async';
        next();
      },
      (req, res) => res.json({ user: req.locals.user }),
    ]);
    try {
      assert.deepEqual(await (await app.fetch('/')).json(), { user: 'from-async' });
    } finally {
      await app.close();
    }
  });

  test('a thrown error, a rejection and a rejection without a reason all become a logged 500', async () => {
    const app = await serve([
      (req, res, next) => {
        if (req.path === '/throw') throw new Error('sync failure');
        next();
      },
      async (req, res, next) => {
        if (req.path === '/reject') throw new Error('async failure');
        if (req.path === '/empty') return Promise.reject(undefined);
        next();
      },
    ]);
    try {
      for (const [path, message] of [
        ['/throw', 'sync failure'],
        ['/reject', 'async failure'],
        ['/empty', 'rejected without a reason'],
      ]) {
        const res = await app.fetch(path);
        assert.equal(res.status, 500, path);
        assert.deepEqual(await res.json(), { error: 'Internal Server Error', status: 500 });
        assert.equal(/** @type {Error} */ (app.logged.at(-1)).message, message);
      }
    } finally {
      await app.close();
    }
  });

  test('next(err) with an HttpError answers its status, message and headers, and is not logged', async () => {
    const app = await serve([
      (req, res, next) => {
        res.setHeader('Content-Disposition', 'attachment'); // set for an answer that is not sent
        next(new HttpError(401, 'Log in first', { headers: { 'WWW-Authenticate': 'Basic realm="app"' } }));
      },
    ]);
    try {
      const res = await app.fetch('/');
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('www-authenticate'), 'Basic realm="app"');
      assert.equal(res.headers.get('content-disposition'), null);
      assert.deepEqual(await res.json(), { error: 'Unauthorized', status: 401, message: 'Log in first' });
      assert.equal(app.logged.length, 0);
    } finally {
      await app.close();
    }
  });

  test('the message of a 5xx HttpError stays in the log', async () => {
    const app = await serve([() => Promise.reject(new HttpError(503, 'the payments service timed out'))]);
    try {
      const res = await app.fetch('/');
      assert.equal(res.status, 503);
      assert.deepEqual(await res.json(), { error: 'Service Unavailable', status: 503 });
      assert.equal(/** @type {Error} */ (app.logged[0]).message, 'the payments service timed out');
    } finally {
      await app.close();
    }
  });

  test('next() called twice is an error: logged and answered 500', async () => {
    const app = await serve([
      (req, res, next) => {
        next();
        next();
      },
      async (req, res) => {
        // Still working when the second next() arrives.
        await tick();
        if (!res.headersSent) res.json({ late: true });
      },
    ]);
    try {
      const res = await app.fetch('/');
      assert.equal(res.status, 500);
      assert.match(/** @type {Error} */ (app.logged[0]).message, /^next\(\) called multiple times in middleware #0/);
    } finally {
      await app.close();
    }
  });

  test('an error after the headers were sent cuts the connection instead of faking a complete body', async () => {
    const app = await serve([
      async (req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write('partial');
        await tick();
        throw new Error('failed half way');
      },
    ]);
    try {
      const res = await app.fetch('/');
      assert.equal(res.status, 200);
      await assert.rejects(res.text());
      assert.equal(/** @type {Error} */ (app.logged[0]).message, 'failed half way');
    } finally {
      await app.close();
    }
  });

  test('the stack reaches the client only in development', async () => {
    const failing = () => {
      throw new Error('secret internals');
    };
    const production = await serve([failing], { env: 'production' });
    const development = await serve([failing], { env: 'development' });
    try {
      const hidden = await (await production.fetch('/')).text();
      assert.equal(hidden, JSON.stringify({ error: 'Internal Server Error', status: 500 }));
      const shown = await (await development.fetch('/')).json();
      assert.match(shown.stack, /^Error: secret internals\n\s+at failing/);
    } finally {
      await production.close();
      await development.close();
    }
  });

  test('a 4xx never carries a stack, not even in development', async () => {
    const app = await serve(
      [
        () => {
          throw new HttpError(422, 'name is required');
        },
      ],
      { env: 'development' },
    );
    try {
      const res = await app.fetch('/');
      assert.equal(res.status, 422);
      assert.deepEqual(await res.json(), { error: 'Unprocessable Entity', status: 422, message: 'name is required' });
    } finally {
      await app.close();
    }
  });

  test('req.path and req.query come from the request target, also in absolute form', async () => {
    const app = await serve([(req, res) => res.json({ path: req.path, query: Object.fromEntries(req.query) })]);
    try {
      assert.deepEqual(await (await app.fetch('/a/b%20c?x=1&y=2')).json(), { path: '/a/b%20c', query: { x: '1', y: '2' } });
      for (const [target, expected] of [
        ['http://localhost/users/7?full=1', '{"path":"/users/7","query":{"full":"1"}}'],
        ['HTTP://LOCALHOST:3000', '{"path":"/","query":{}}'],
        ['http://localhost?x=1', '{"path":"/","query":{"x":"1"}}'],
      ]) {
        const raw = await app.raw(`GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
        assert.ok(raw.endsWith(`\r\n\r\n${expected}`), raw);
      }
    } finally {
      await app.close();
    }
  });

  test('app.use refuses what is not a function', () => {
    assert.throws(() => createApp().use(/** @type {any} */ ('router')), /app\.use\(\) expects a middleware function/);
  });
});

describe('the real app', () => {
  test('an unknown path is a JSON 404 and the connection stays usable', async () => {
    const app = await startApp();
    try {
      const res = await app.fetch('/no/such/page');
      assert.equal(res.status, 404);
      assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.notEqual(res.headers.get('connection'), 'close');
      assert.deepEqual(await res.json(), { error: 'Not Found', status: 404 });
      assert.equal((await app.fetch('/health')).status, 200);
    } finally {
      await app.close();
    }
  });

  test('the favicon is served byte for byte as an icon', async () => {
    const app = await startApp();
    try {
      const res = await app.fetch('/favicon.ico');
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'image/x-icon');
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), readFileSync(new URL('../public/favicon.ico', import.meta.url)));
    } finally {
      await app.close();
    }
  });
});

describe('response helpers', () => {
  /** @type {Record<string, import('../src/lib/pipeline.js').Middleware>} */
  const routes = {
    '/json': (req, res) => res.status(201).json({ ok: true, list: [1] }),
    '/text': (req, res) => res.type('txt').send('plain text'),
    '/html': (req, res) => res.send('<p>hello</p>'),
    '/bytes': (req, res) => res.send(Buffer.from([0, 1, 2])),
    '/object': (req, res) => res.send({ sent: 'as json' }),
    '/unicode': (req, res) => res.send('héllo'),
    '/no-content': (req, res) => res.status(204).send('ignored'),
    '/not-modified': (req, res) => res.status(304).json({ ignored: true }),
    '/go': (req, res) => res.redirect('/target path?x=1', 303),
    '/go-absolute': (req, res) => res.redirect('https://example.org/a'),
    '/go-evil': (req, res) => res.redirect('//evil.com/steal'),
    '/go-backslash': (req, res) => res.redirect('/\\evil.com'),
    '/go-script': (req, res) => res.redirect('javascript:alert(1)'),
    '/download': (req, res) => res.attachment('reports/Übersicht "2024".pdf').send(Buffer.from('%PDF')),
  };
  /** @type {import('../src/lib/pipeline.js').Middleware} */
  const dispatch = (req, res, next) => (Object.hasOwn(routes, req.path) ? routes[req.path](req, res, next) : next());

  test('json, send and type set the body, Content-Type and Content-Length', async () => {
    const app = await serve([dispatch]);
    try {
      const json = await app.fetch('/json');
      assert.equal(json.status, 201);
      assert.equal(json.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.equal(await json.text(), '{"ok":true,"list":[1]}');
      const text = await app.fetch('/text');
      assert.equal(text.headers.get('content-type'), 'text/plain; charset=utf-8');
      assert.equal(await text.text(), 'plain text');
      assert.equal((await app.fetch('/html')).headers.get('content-type'), 'text/html; charset=utf-8');
      const bytes = await app.fetch('/bytes');
      assert.equal(bytes.headers.get('content-type'), 'application/octet-stream');
      assert.deepEqual([...new Uint8Array(await bytes.arrayBuffer())], [0, 1, 2]);
      assert.deepEqual(await (await app.fetch('/object')).json(), { sent: 'as json' });
      // Content-Length counts bytes, not characters.
      assert.equal((await app.fetch('/unicode')).headers.get('content-length'), '6');
    } finally {
      await app.close();
    }
  });

  test('HEAD gets the headers of GET without the body; 204 and 304 never have a body', async () => {
    const app = await serve([dispatch]);
    try {
      const head = await app.fetch('/json', { method: 'HEAD' });
      assert.equal(head.headers.get('content-length'), '22');
      assert.equal(await head.text(), '');
      const noContent = await app.fetch('/no-content');
      assert.equal(noContent.status, 204);
      assert.equal(noContent.headers.get('content-type'), null);
      assert.equal(await noContent.text(), '');
      const notModified = await app.fetch('/not-modified');
      assert.equal(notModified.status, 304);
      assert.equal(notModified.headers.get('content-length'), null);
      assert.equal(await notModified.text(), '');
    } finally {
      await app.close();
    }
  });

  test('redirect sends an encoded Location; it refuses targets that would leave the site', async () => {
    const app = await serve([dispatch]);
    try {
      const go = await app.fetch('/go', { redirect: 'manual' });
      assert.equal(go.status, 303);
      assert.equal(go.headers.get('location'), '/target%20path?x=1');
      const absolute = await app.fetch('/go-absolute', { redirect: 'manual' });
      assert.equal(absolute.status, 302);
      assert.equal(absolute.headers.get('location'), 'https://example.org/a');
      for (const path of ['/go-evil', '/go-backslash', '/go-script']) {
        const res = await app.fetch(path, { redirect: 'manual' });
        assert.equal(res.status, 500, path);
        assert.equal(res.headers.get('location'), null, path);
        assert.match(String(app.logged.at(-1)), /redirect\(\) expects a path starting with "\/" or an http\(s\) URL/);
      }
    } finally {
      await app.close();
    }
  });

  test('attachment names the download with an ASCII fallback and the UTF-8 name', async () => {
    const app = await serve([dispatch]);
    try {
      const res = await app.fetch('/download');
      assert.equal(res.headers.get('content-type'), 'application/pdf');
      assert.equal(res.headers.get('content-disposition'), `attachment; filename="_bersicht _2024_.pdf"; filename*=UTF-8''%C3%9Cbersicht%20%222024%22.pdf`);
    } finally {
      await app.close();
    }
  });
});
