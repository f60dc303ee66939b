// @ts-check
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createApp } from '../src/lib/pipeline.js';
import { bigpipe, ERROR_TEXT } from '../src/lib/bigpipe.js';
import { policyWithNonce } from '../src/lib/bigpipe-csp.js';
import { serializeForScript } from '../src/lib/bigpipe-html.js';
import { ConfigError } from '../src/lib/config-loader.js';
import { profilePage } from '../src/pages/profile.js';
import { startApp } from './helpers.js';

/**
 * @typedef {import('../src/lib/bigpipe.js').BigpipeOptions} BigpipeOptions
 * @typedef {import('../src/lib/bigpipe.js').BigpipeResult} BigpipeResult
 * @typedef {import('../src/lib/pipeline.js').Request} Request
 * @typedef {import('../src/lib/response.js').Response} Response
 */

/** A broken stream must fail its test, not hang the run. */
const LIMIT = { timeout: 5000 };

/**
 * A layout with one placeholder per pagelet name.
 * @param {string[]} names
 * @returns {BigpipeOptions['layout']}
 */
function layoutFor(names) {
  return ({ pagelet, scripts }) => `<!doctype html><html><head>${scripts}</head><body>${names.map((n) => pagelet(n)).join('')}</body></html>`;
}

/** A promise the test settles by hand: the pagelet waits until the test says so. */
function gate() {
  /** @type {(value?: unknown) => void} */
  let open = () => {};
  const opened = new Promise((resolve) => (open = resolve));
  return { open, opened };
}

/**
 * Starts the real app machinery with one handler that answers with a
 * Bigpipe page built by `options(req, res)`; results land in `results`.
 * @param {(req: Request, res: Response) => BigpipeOptions} options
 */
async function startPage(options) {
  /** @type {Promise<BigpipeResult>[]} */
  const results = [];
  /** @type {unknown[]} */
  const serverErrors = [];
  const app = createApp({ logError: (err) => serverErrors.push(err) });
  app.use((req, res) => {
    const result = bigpipe(req, res, options(req, res));
    results.push(result);
    return result;
  });
  const server = app.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    results,
    serverErrors,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}

/**
 * Reads a response as it streams in: `until(text)` waits for a piece of the
 * body, `done` resolves with the whole body when the response ends.
 * @param {string} url
 * @param {{ method?: string, headers?: Record<string, string> }} [init]
 */
function openStream(url, init = {}) {
  let body = '';
  /** @type {{ needle: string, resolve: () => void }[]} */
  let waiting = [];
  /** @type {(res: import('node:http').IncomingMessage) => void} */
  let gotResponse = () => {};
  const response = /** @type {Promise<import('node:http').IncomingMessage>} */ (new Promise((resolve) => (gotResponse = resolve)));
  const request = http.request(url, { method: init.method ?? 'GET', headers: init.headers });
  const done = new Promise((resolve, reject) => {
    request.on('error', reject);
    request.on('response', (res) => {
      gotResponse(res);
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
        waiting = waiting.filter((w) => !(body.includes(w.needle) && (w.resolve(), true)));
      });
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
  });
  request.end();
  return {
    request,
    response,
    /** @type {Promise<string>} */
    done: /** @type {Promise<string>} */ (done),
    body: () => body,
    /** @param {string} needle @returns {Promise<void>} */
    until: (needle) => (body.includes(needle) ? Promise.resolve() : new Promise((resolve) => waiting.push({ needle, resolve }))),
  };
}

/** The names in `bigpipe.set("name", …)` calls, in the order they were sent. @param {string} body */
function setOrder(body) {
  return [...body.matchAll(/bigpipe\.set\("([\w-]+)"/g)].map((m) => m[1]);
}

describe('bigpipe streaming', LIMIT, () => {
  test('the layout is sent before the slowest pagelet settles; the page ends after it', async (t) => {
    const slow = gate();
    const page = await startPage(() => ({
      layout: layoutFor(['fast', 'slow']),
      pagelets: [
        { name: 'fast', load: async () => 'quick' },
        { name: 'slow', load: async () => (await slow.opened, 'finally') },
      ],
    }));
    t.after(() => page.close());
    const stream = openStream(`${page.url}/`);
    await stream.until('bigpipe.set("fast","quick")');
    assert.match(stream.body(), /<div data-pagelet="slow" data-state="loading"/);
    assert.doesNotMatch(stream.body(), /bigpipe\.set\("slow"/);
    assert.doesNotMatch(stream.body(), /<\/html>/);
    slow.open();
    const body = await stream.done;
    assert.match(body, /bigpipe\.set\("slow","finally"\)<\/script>\n<\/body><\/html>$/);
  });

  test('pagelets are written in the order they complete', async (t) => {
    const gates = { a: gate(), b: gate(), c: gate() };
    const page = await startPage(() => ({
      layout: layoutFor(['a', 'b', 'c']),
      pagelets: Object.entries(gates).map(([name, g]) => ({ name, load: async () => (await g.opened, name) })),
    }));
    t.after(() => page.close());
    const stream = openStream(`${page.url}/`);
    await stream.until('data-pagelet="c"');
    gates.b.open();
    await stream.until('bigpipe.set("b"');
    gates.c.open();
    await stream.until('bigpipe.set("c"');
    gates.a.open();
    assert.deepEqual(setOrder(await stream.done), ['b', 'c', 'a']);
  });

  test('headers: HTML, not cached, not buffered, chunked without Content-Length', async (t) => {
    const page = await startPage(() => ({ layout: layoutFor(['one']), pagelets: [{ name: 'one', load: async () => 1 }] }));
    t.after(() => page.close());
    const stream = openStream(`${page.url}/`, { headers: { 'accept-encoding': 'gzip, br' } });
    const res = await stream.response;
    await stream.done;
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers['x-accel-buffering'], 'no');
    assert.equal(res.headers['transfer-encoding'], 'chunked');
    assert.equal(res.headers['content-length'], undefined);
    assert.equal(res.headers['content-encoding'], undefined);
  });

  test('HEAD gets the headers only and loads nothing', async (t) => {
    let loads = 0;
    const page = await startPage(() => ({ layout: layoutFor(['one']), pagelets: [{ name: 'one', load: async () => ++loads }] }));
    t.after(() => page.close());
    const stream = openStream(`${page.url}/`, { method: 'HEAD' });
    const res = await stream.response;
    assert.equal(await stream.done, '');
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(loads, 0);
  });
});

describe('bigpipe escaping', LIMIT, () => {
  const hostile = {
    script: '</script><script>alert(1)</script>',
    upper: '</SCRIPT >',
    comment: '<!-- <script>',
    separators: 'line\u2028paragraph\u2029end',
    amp: 'Tom & Jerry > "quotes" \'single\'',
  };

  test('data cannot close the inline script, and reads back exactly', async (t) => {
    const page = await startPage(() => ({ layout: layoutFor(['evil']), pagelets: [{ name: 'evil', load: async () => hostile }] }));
    t.after(() => page.close());
    const body = await openStream(`${page.url}/`).done;
    const scripts = body.match(/<script\b[^>]*>[\s\S]*?<\/script>/g) ?? [];
    assert.equal(scripts.length, 2, 'the client script and one pagelet script, nothing injected');
    const call = /** @type {string} */ (scripts[1]).replace(/^<script[^>]*>bigpipe\.set\("evil",/, '').replace(/\)<\/script>$/, '');
    assert.doesNotMatch(call, /[<>&\u2028\u2029]/);
    assert.deepEqual(JSON.parse(call), hostile);
    assert.doesNotMatch(body, /<!--|alert\(1\)<\/script>|\u2028/);
  });

  test('serializeForScript escapes <, >, &, U+2028 and U+2029 as \\uXXXX', () => {
    assert.equal(serializeForScript('</script>&\u2028\u2029'), '"\\u003c/script\\u003e\\u0026\\u2028\\u2029"');
    assert.equal(serializeForScript(undefined), 'null');
  });

  test('the query string is escaped in the no-JavaScript redirect', async (t) => {
    const page = await startPage(() => ({ layout: layoutFor(['one']), pagelets: [{ name: 'one', load: async () => 1 }] }));
    t.after(() => page.close());
    const body = await openStream(`${page.url}/?x=%22%3E%3Cscript%3Ealert(1)%3C/script%3E`).done;
    assert.doesNotMatch(body, /"><script>alert/);
    assert.match(body, /<noscript><meta http-equiv="refresh" content="0; url=\?x=%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E&amp;nojs=1"><\/noscript>/);
  });

  test('a pagelet name that is not a plain word is refused before anything is sent', async (t) => {
    const page = await startPage(() => ({ layout: () => '', pagelets: [{ name: '"><script>', load: async () => 1 }] }));
    t.after(() => page.close());
    const res = await fetch(`${page.url}/`);
    assert.equal(res.status, 500);
    assert.doesNotMatch(await res.text(), /script/);
    assert.equal(page.serverErrors.length, 1);
  });

  test('a pagelet without a placeholder in the layout is a 500, not a page that never fills', async (t) => {
    const page = await startPage(() => ({ layout: layoutFor([]), pagelets: [{ name: 'lost', load: async () => 1 }] }));
    t.after(() => page.close());
    const res = await fetch(`${page.url}/`);
    assert.equal(res.status, 500);
    assert.match(String(page.serverErrors[0]), /no placeholder for pagelet\(s\) lost/);
  });
});

describe('bigpipe errors, timeouts and disconnects', LIMIT, () => {
  test('a failing and a late pagelet are sent as errors; the others and the page complete', async (t) => {
    /** @type {unknown[]} */
    const reported = [];
    /** @type {AbortSignal | undefined} */
    let lateSignal;
    const page = await startPage(() => ({
      layout: layoutFor(['broken', 'late', 'fine']),
      onError: (err) => reported.push(err),
      pagelets: [
        {
          name: 'broken',
          load: async () => {
            throw new Error('password=hunter2 at db.query');
          },
        },
        { name: 'late', timeout: 20, load: (signal) => new Promise(() => (lateSignal = signal)) },
        { name: 'fine', load: async () => 'all good' },
      ],
    }));
    t.after(() => page.close());
    const body = await openStream(`${page.url}/`).done;
    assert.match(body, /bigpipe\.set\("broken",null,\{"error":"failed"\}\)/);
    assert.match(body, /bigpipe\.set\("late",null,\{"error":"timeout"\}\)/);
    assert.match(body, /bigpipe\.set\("fine","all good"\)/);
    assert.match(body, /<\/html>$/);
    assert.doesNotMatch(body, /hunter2|db\.query|Error|\n\s+at /);
    assert.equal(reported.length, 1, 'the failure is reported on the server');
    assert.equal(lateSignal?.aborted, true, 'the late pagelet is told to stop');
    assert.equal(/** @type {DOMException} */ (lateSignal?.reason).name, 'TimeoutError');
    assert.deepEqual((await page.results[0]).states, { broken: 'failed', late: 'timeout', fine: 'done' });
  });

  test('data that JSON cannot represent, or non-string HTML, fails the pagelet only', async (t) => {
    const circular = /** @type {Record<string, unknown>} */ ({});
    circular.self = circular;
    const page = await startPage(() => ({
      layout: layoutFor(['circular', 'notHtml', 'ok']),
      onError: () => {},
      pagelets: [
        { name: 'circular', load: async () => circular },
        { name: 'notHtml', html: true, load: async () => ({ not: 'a string' }) },
        { name: 'ok', load: async () => 'ok' },
      ],
    }));
    t.after(() => page.close());
    await openStream(`${page.url}/`).done;
    assert.deepEqual((await page.results[0]).states, { circular: 'failed', notHtml: 'failed', ok: 'done' });
  });

  test('a client that disconnects aborts the loading pagelets and gets no more writes', async (t) => {
    const released = gate();
    /** @type {AbortSignal[]} */
    const signals = [];
    let writesAfterClose = 0;
    const page = await startPage((req, res) => {
      if (req.path === '/again') return { layout: layoutFor(['quick']), pagelets: [{ name: 'quick', load: async () => 'fine' }] };
      let closed = false;
      res.once('close', () => (closed = true));
      const write = res.write.bind(res);
      res.write = /** @type {typeof res.write} */ (
        (/** @type {any[]} */ ...args) => {
          if (closed) writesAfterClose++;
          return write(.../** @type {[any, any]} */ (args));
        }
      );
      return {
        layout: layoutFor(['hangs', 'ignoresSignal']),
        pagelets: [
          {
            name: 'hangs',
            load: (signal) =>
              new Promise((_resolve, reject) => {
                signals.push(signal);
                signal.addEventListener('abort', () => reject(signal.reason));
              }),
          },
          { name: 'ignoresSignal', load: async () => (await released.opened, 'too late') },
        ],
      };
    });
    t.after(() => page.close());
    const stream = openStream(`${page.url}/`);
    stream.done.catch(() => {}); // the request is destroyed on purpose
    await stream.until('data-pagelet="ignoresSignal"');
    stream.request.destroy();
    const result = await page.results[0];
    assert.equal(result.aborted, true);
    assert.deepEqual(result.states, { hangs: 'aborted', ignoresSignal: 'aborted' });
    assert.equal(signals[0].aborted, true, 'load() sees its signal abort');
    released.open();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(writesAfterClose, 0);
    // The server keeps serving.
    const next = await fetch(`${page.url}/again`);
    assert.equal(next.status, 200);
    assert.match(await next.text(), /bigpipe\.set\("quick","fine"\)[\s\S]*<\/html>$/);
  });

  test('a slow reader is respected: after write() returns false the next write waits for drain', async (t) => {
    /** @type {string[]} */
    const events = [];
    const big = 'x'.repeat(256 * 1024);
    const page = await startPage((_req, res) => {
      const write = res.write.bind(res);
      res.on('drain', () => events.push('drain'));
      res.write = /** @type {typeof res.write} */ (
        (/** @type {any[]} */ ...args) => {
          const ok = write(.../** @type {[any, any]} */ (args));
          events.push(ok ? 'write' : 'write-full');
          return ok;
        }
      );
      return {
        layout: layoutFor(['a', 'b', 'c']),
        pagelets: ['a', 'b', 'c'].map((name) => ({ name, load: async () => big })),
      };
    });
    t.after(() => page.close());
    const body = await openStream(`${page.url}/`).done;
    assert.equal(setOrder(body).length, 3);
    assert.equal(body.split(big).length, 4, 'every large pagelet arrived whole');
    assert.ok(events.includes('write-full'), `expected write() to report a full buffer: ${events}`);
    events.forEach((event, i) => {
      if (event === 'write-full' && i + 1 < events.length) assert.equal(events[i + 1], 'drain', `write #${i + 1} did not wait: ${events}`);
    });
  });
});

describe('bigpipe without JavaScript (?nojs=1)', LIMIT, () => {
  test('the whole page is rendered on the server, data escaped, errors shown', async (t) => {
    const page = await startPage(() => ({
      layout: layoutFor(['text', 'list', 'fields', 'trusted', 'broken']),
      onError: () => {},
      pagelets: [
        { name: 'text', load: async () => '</script><script>alert(1)</script> & <!--' },
        { name: 'list', load: async () => ['<b>one</b>', 2] },
        { name: 'fields', load: async () => ({ '<key>': '<value>' }) },
        { name: 'trusted', html: true, load: async () => '<em>built by the server</em>' },
        {
          name: 'broken',
          load: async () => {
            throw new Error('secret detail');
          },
        },
      ],
    }));
    t.after(() => page.close());
    const res = await fetch(`${page.url}/?nojs=1`);
    const body = await res.text();
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(Number(res.headers.get('content-length')), Buffer.byteLength(body));
    assert.doesNotMatch(body, /<script|bigpipe\.set|<!--|secret/);
    assert.match(body, /<div data-pagelet="text" data-state="done">&lt;\/script&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; &lt;!--<\/div>/);
    assert.match(body, /<ul><li>&lt;b&gt;one&lt;\/b&gt;<\/li><li>2<\/li><\/ul>/);
    assert.match(body, /<dl><dt>&lt;key&gt;<\/dt><dd>&lt;value&gt;<\/dd><\/dl>/);
    assert.match(body, /<div data-pagelet="trusted" data-state="done"><em>built by the server<\/em><\/div>/);
    assert.match(body, new RegExp(`<div data-pagelet="broken" data-state="error">${ERROR_TEXT}</div>`));
    assert.match(body, /<\/html>$/);
  });
});

describe('Content-Security-Policy', LIMIT, () => {
  test('the nonce joins the script directive the policy has', () => {
    assert.equal(policyWithNonce("default-src 'self'; img-src *", 'abc'), "default-src 'self'; img-src *; script-src 'self' 'nonce-abc'");
    assert.equal(policyWithNonce("script-src 'none'; object-src 'none'", 'abc'), "script-src 'nonce-abc'; object-src 'none'");
    assert.equal(policyWithNonce("script-src 'self' 'nonce-abc'", 'abc'), "script-src 'self' 'nonce-abc'");
    assert.equal(policyWithNonce("img-src 'self'", 'abc'), "img-src 'self'", 'scripts are not restricted: nothing to add');
  });
});

describe('GET /profile (the example page)', LIMIT, () => {
  const app = startApp({ bigpipe: { timeout: 2000, profile: { userDelay: 1, activityDelay: 5, recommendationsDelay: 10 } } });
  after(async () => (await app).close());

  test('streams the frame, then all three pagelets, every inline script with the nonce of the CSP', async () => {
    const { url } = await app;
    const stream = openStream(`${url}/profile`);
    const res = await stream.response;
    const body = await stream.done;
    assert.equal(res.statusCode, 200);
    assert.deepEqual(setOrder(body).sort(), ['activity', 'recommendations', 'user']);
    assert.match(body, /<script src="\/bigpipe\.js" nonce="[^"]+"><\/script>[\s\S]*<\/head>/);
    const nonces = new Set([...body.matchAll(/<script\b[^>]*\bnonce="([^"]+)"/g)].map((m) => m[1]));
    assert.equal(nonces.size, 1);
    assert.equal((body.match(/<script\b/g) ?? []).length, 4, 'every script carries the nonce');
    const policy = String(res.headers['content-security-policy'] ?? '');
    if (policy) assert.ok(policy.includes(`'nonce-${[...nonces][0]}'`), policy);
    const again = await fetch(`${url}/profile`);
    await again.text();
    assert.doesNotMatch(String(again.headers.get('content-security-policy')), new RegExp(`nonce-${[...nonces][0]}`.replace(/[+/=]/g, '\\$&')), 'a fresh nonce per response');
  });

  test('?nojs=1 renders every pagelet on the server', async () => {
    const { fetch } = await app;
    const body = await (await fetch('/profile?nojs=1')).text();
    assert.equal((body.match(/data-state="done"/g) ?? []).length, 3);
    assert.match(body, /A new user/);
    assert.match(body, /Node\.js &amp; &lt;small&gt; servers/);
  });

  test('bad settings stop the start with a message that says what to set', async () => {
    const { config } = await app;
    assert.throws(() => profilePage({ ...config, bigpipe: { ...config.bigpipe, timeout: 0 } }), ConfigError);
    assert.throws(() => profilePage({ ...config, bigpipe: { ...config.bigpipe, profile: { ...config.bigpipe.profile, userDelay: -1 } } }), /userDelay/);
  });
});
