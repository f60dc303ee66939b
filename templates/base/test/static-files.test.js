// @ts-check
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startApp, listen, request } from './helpers.js';
import { createApp } from '../src/lib/pipeline.js';
import { staticFiles, parseRange } from '../src/lib/static-files.js';
import { ConfigError } from '../src/lib/config-loader.js';

const HELLO = 'Hello, static world!\n';
const SECRET = 'TOP SECRET';
const BIG = randomBytes(256 * 1024);
const canSymlink = process.platform !== 'win32';

/**
 * A public folder with the files the tests ask for, and secrets beside it.
 * @returns {{ dir: string, root: string }}
 */
function makeSite() {
  const dir = mkdtempSync(join(tmpdir(), 'static-files-test-'));
  const root = join(dir, 'public');
  const files = {
    'hello.txt': HELLO,
    'index.html': '<h1>home</h1>',
    'sub/index.html': 'sub index',
    'sub/.hidden': 'hidden',
    'empty-dir/readme.txt': 'a folder without index.html',
    '.env': 'SECRET=1',
    '.git/config': '[core]',
    'empty.txt': '',
    'notes.unknownext': 'what am I',
    'hello world.txt': 'spaces',
    'café.txt': 'accents',
    '%2e%2e/trap.txt': 'a folder literally named %2e%2e',
  };
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), content);
  }
  writeFileSync(join(root, 'big.bin'), BIG);
  writeFileSync(join(dir, 'secret.txt'), SECRET);
  mkdirSync(join(dir, 'outside'));
  writeFileSync(join(dir, 'outside', 'secret.txt'), SECRET);
  if (canSymlink) {
    symlinkSync(join(dir, 'outside', 'secret.txt'), join(root, 'escape.txt'));
    symlinkSync(join(dir, 'outside'), join(root, 'escape-dir'));
    symlinkSync(join(root, 'hello.txt'), join(root, 'alias.txt'));
    symlinkSync(join(root, '.env'), join(root, 'dot-alias.txt'));
  }
  return { dir, root };
}

describe('static files through the app', () => {
  /** @type {Awaited<ReturnType<typeof startApp>>} */
  let app;
  /** @type {{ dir: string, root: string }} */
  let site;
  before(async () => {
    site = makeSite();
    app = await startApp({ static: { root: site.root, index: 'index.html' } });
  });
  after(async () => {
    await app.close();
    rmSync(site.dir, { recursive: true, force: true });
  });

  test('GET serves the file with its type and length, and advertises ranges', async () => {
    const res = await app.fetch('/hello.txt');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(res.headers.get('content-length'), String(Buffer.byteLength(HELLO)));
    assert.equal(res.headers.get('accept-ranges'), 'bytes');
    assert.equal(await res.text(), HELLO);
  });

  test('the query string does not matter', async () => {
    const res = await app.fetch('/hello.txt?v=2');
    assert.equal(res.status, 200);
    assert.equal(await res.text(), HELLO);
  });

  test('HEAD sends the headers of GET and no body', async () => {
    const res = await request(app.url, '/hello.txt', { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-length'], String(Buffer.byteLength(HELLO)));
    assert.equal(res.body.length, 0);
  });

  test('other methods are not served from public/', async () => {
    const res = await app.fetch('/hello.txt', { method: 'DELETE' });
    assert.notEqual(res.status, 200);
    assert.ok(!(await res.text()).includes('Hello'));
  });

  test('unknown extensions are application/octet-stream; encoded names work', async () => {
    const unknown = await app.fetch('/notes.unknownext');
    assert.equal(unknown.headers.get('content-type'), 'application/octet-stream');
    await unknown.arrayBuffer();
    const spaced = await app.fetch('/hello%20world.txt');
    assert.equal(await spaced.text(), 'spaces');
    const accented = await app.fetch('/caf%C3%A9.txt');
    assert.equal(await accented.text(), 'accents');
  });

  test('a large file arrives intact', async () => {
    const res = await app.fetch('/big.bin');
    assert.equal(res.status, 200);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(BIG));
  });

  test('an empty file is a 200 with no body', async () => {
    const res = await app.fetch('/empty.txt');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), '0');
    assert.equal(await res.text(), '');
  });

  test('missing files and files used as folders are 404', async () => {
    for (const path of ['/nope.txt', '/hello.txt/more', '/sub/nope/']) {
      const res = await app.fetch(path);
      assert.equal(res.status, 404, path);
      await res.arrayBuffer();
    }
  });

  describe('directories', () => {
    test('/ serves index.html', async () => {
      const res = await app.fetch('/');
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.equal(await res.text(), '<h1>home</h1>');
    });

    test('a folder with a trailing slash serves its index.html', async () => {
      const res = await app.fetch('/sub/');
      assert.equal(await res.text(), 'sub index');
    });

    test('a folder without the slash redirects to it (301), keeping the query', async () => {
      const res = await app.fetch('/sub?x=1', { redirect: 'manual' });
      assert.equal(res.status, 301);
      assert.equal(res.headers.get('location'), '/sub/?x=1');
      await res.arrayBuffer();
    });

    test('the redirect never points to another site (//host)', async () => {
      const res = await request(app.url, '//sub');
      assert.equal(res.status, 301);
      assert.equal(res.headers.location, '/sub/');
    });

    test('a folder without index.html is 404 (no listing)', async () => {
      for (const path of ['/empty-dir/', '/empty-dir']) {
        const res = await app.fetch(path, { redirect: 'manual' });
        assert.equal(res.status, 404, path);
        await res.arrayBuffer();
      }
    });
  });

  describe('hostile paths never leave the root', () => {
    const escapes = [
      '/../secret.txt',
      '/../../secret.txt',
      '/sub/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/.%2e/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/..%2fsecret.txt',
      '/..%2Fsecret.txt',
      '/..%2f..%2fsecret.txt',
      '/..\\secret.txt',
      '/..%5csecret.txt',
      '/..%5Csecret.txt',
      '/sub\\..\\..\\secret.txt',
      '//../secret.txt',
      '/%2e%2e/outside/secret.txt',
      `/${'../'.repeat(20)}etc/passwd`,
    ];
    for (const path of escapes) {
      test(`${path} -> 404`, async () => {
        const res = await request(app.url, path);
        assert.equal(res.status, 404);
        assert.ok(!res.body.toString().includes(SECRET));
      });
    }

    test('double encoding is decoded once: /%252e%252e/ is the literal folder "%2e%2e"', async () => {
      const escape = await request(app.url, '/%252e%252e/secret.txt');
      assert.equal(escape.status, 404);
      assert.ok(!escape.body.toString().includes(SECRET));
      const literal = await request(app.url, '/%252e%252e/trap.txt');
      assert.equal(literal.status, 200);
      assert.equal(literal.body.toString(), 'a folder literally named %2e%2e');
    });

    test('an encoded slash or backslash is never a separator', async () => {
      for (const path of ['/sub%2Findex.html', '/sub%2findex.html', '/sub%5Cindex.html']) {
        const res = await request(app.url, path);
        assert.equal(res.status, 404, path);
      }
    });

    test('a NUL byte is a 400', async () => {
      for (const path of ['/hello.txt%00.html', '/%00', '/sub/%00/index.html']) {
        const res = await request(app.url, path);
        assert.equal(res.status, 400, path);
        assert.equal(JSON.parse(res.body.toString()).status, 400);
      }
    });

    test('dotfiles and dot folders are hidden (404)', async () => {
      for (const path of ['/.env', '/%2eenv', '/.git/config', '/sub/.hidden', '/.git/']) {
        const res = await request(app.url, path);
        assert.equal(res.status, 404, path);
        assert.ok(!res.body.toString().includes('SECRET=1'), path);
      }
    });

    test('malformed percent-encoding is answered with a 4xx, not a crash', async () => {
      const res = await request(app.url, '/%E0%A4%A.txt');
      assert.ok(res.status >= 400 && res.status < 500, String(res.status));
    });

    test('symlinks inside the root are followed', { skip: !canSymlink }, async () => {
      const res = await app.fetch('/alias.txt');
      assert.equal(res.status, 200);
      assert.equal(await res.text(), HELLO);
    });

    test('symlinks escaping the root are 404', { skip: !canSymlink }, async () => {
      for (const path of ['/escape.txt', '/escape-dir/secret.txt']) {
        const res = await request(app.url, path);
        assert.equal(res.status, 404, path);
        assert.ok(!res.body.toString().includes(SECRET), path);
      }
    });

    test('a symlink to a dotfile is 404 too', { skip: !canSymlink }, async () => {
      const res = await request(app.url, '/dot-alias.txt');
      assert.equal(res.status, 404);
    });

    test('the server still serves after all of that', async () => {
      const res = await app.fetch('/hello.txt');
      assert.equal(await res.text(), HELLO);
    });
  });

  describe('ranges', () => {
    const size = Buffer.byteLength(HELLO);

    test('a single range is a 206 with Content-Range', async () => {
      const res = await app.fetch('/hello.txt', { headers: { Range: 'bytes=0-4' } });
      assert.equal(res.status, 206);
      assert.equal(res.headers.get('content-range'), `bytes 0-4/${size}`);
      assert.equal(res.headers.get('content-length'), '5');
      assert.equal(await res.text(), 'Hello');
    });

    test('open-ended, suffix and too-long ranges', async () => {
      const cases = [
        ['bytes=7-', HELLO.slice(7), `bytes 7-${size - 1}/${size}`],
        ['bytes=-7', HELLO.slice(-7), `bytes ${size - 7}-${size - 1}/${size}`],
        ['bytes=-1000', HELLO, `bytes 0-${size - 1}/${size}`],
        ['bytes=15-1000', HELLO.slice(15), `bytes 15-${size - 1}/${size}`],
      ];
      for (const [range, body, contentRange] of cases) {
        const res = await app.fetch('/hello.txt', { headers: { Range: range } });
        assert.equal(res.status, 206, range);
        assert.equal(res.headers.get('content-range'), contentRange, range);
        assert.equal(await res.text(), body, range);
      }
    });

    test('a range of a large file is exact', async () => {
      const res = await app.fetch('/big.bin', { headers: { Range: 'bytes=100000-199999' } });
      assert.equal(res.status, 206);
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(BIG.subarray(100000, 200000)));
    });

    test('an unsatisfiable range is a 416 with Content-Range: bytes */length', async () => {
      for (const range of ['bytes=1000-', `bytes=${size}-${size + 5}`, 'bytes=-0']) {
        const res = await app.fetch('/hello.txt', { headers: { Range: range } });
        assert.equal(res.status, 416, range);
        assert.equal(res.headers.get('content-range'), `bytes */${size}`, range);
        await res.arrayBuffer();
      }
      const empty = await app.fetch('/empty.txt', { headers: { Range: 'bytes=0-' } });
      assert.equal(empty.status, 416);
      assert.equal(empty.headers.get('content-range'), 'bytes */0');
      await empty.arrayBuffer();
    });

    test('several ranges, other units and bad syntax get the whole file (200)', async () => {
      for (const range of ['bytes=0-1,3-4', 'items=0-1', 'bytes=abc', 'bytes=5-2', 'bytes=-', 'bytes 0-4']) {
        const res = await app.fetch('/hello.txt', { headers: { Range: range } });
        assert.equal(res.status, 200, range);
        assert.equal(res.headers.get('content-range'), null, range);
        assert.equal(await res.text(), HELLO, range);
      }
    });

    test('HEAD with a range answers the headers of the 206', async () => {
      const res = await request(app.url, '/hello.txt', { method: 'HEAD', headers: { Range: 'bytes=0-4' } });
      assert.equal(res.status, 206);
      assert.equal(res.headers['content-length'], '5');
      assert.equal(res.body.length, 0);
    });
  });
});

describe('cache hooks on res.cacheHooks reach static files (what the cache features plug into)', () => {
  /** @type {{ dir: string, root: string }} */
  let site;
  /** @type {Awaited<ReturnType<typeof listen>>} */
  let server;
  const size = Buffer.byteLength(HELLO);
  before(async () => {
    site = makeSite();
    const app = createApp({ env: 'test', logError: () => {} });
    // Stand-ins for the cache features' middleware: a strong ETag and a fixed Last-Modified.
    app.use((_req, res, next) => {
      res.cacheHooks.push(
        () => res.setHeader('ETag', '"v1"'),
        () => res.setHeader('Last-Modified', 'Tue, 01 Oct 2024 10:00:00 GMT'),
      );
      next();
    });
    app.use(staticFiles({ root: site.root, index: 'index.html' }));
    server = await listen(app);
  });
  after(async () => {
    await server.close();
    rmSync(site.dir, { recursive: true, force: true });
  });

  test('the hooks set their headers on files', async () => {
    const res = await server.fetch('/hello.txt');
    assert.equal(res.headers.get('etag'), '"v1"');
    assert.equal(res.headers.get('last-modified'), 'Tue, 01 Oct 2024 10:00:00 GMT');
    await res.arrayBuffer();
  });

  test('If-None-Match matching the hook ETag is a 304 without body', async () => {
    const res = await request(server.url, '/hello.txt', { headers: { 'If-None-Match': '"v1"' } });
    assert.equal(res.status, 304);
    assert.equal(res.headers.etag, '"v1"');
    assert.equal(res.body.length, 0);
  });

  test('If-Range with the current strong ETag allows the 206', async () => {
    const res = await request(server.url, '/hello.txt', { headers: { Range: 'bytes=0-4', 'If-Range': '"v1"' } });
    assert.equal(res.status, 206);
    assert.equal(res.body.toString(), 'Hello');
  });

  test('If-Range with an old ETag, a weak ETag or another date sends the whole file', async () => {
    for (const ifRange of ['"v0"', 'W/"v1"', 'Wed, 02 Oct 2024 10:00:00 GMT', 'not a date']) {
      const res = await request(server.url, '/hello.txt', { headers: { Range: 'bytes=0-4', 'If-Range': ifRange } });
      assert.equal(res.status, 200, ifRange);
      assert.equal(res.body.toString(), HELLO, ifRange);
    }
  });

  test('If-Range with the exact Last-Modified allows the 206', async () => {
    const res = await request(server.url, '/hello.txt', { headers: { Range: 'bytes=0-4', 'If-Range': 'Tue, 01 Oct 2024 10:00:00 GMT' } });
    assert.equal(res.status, 206);
    assert.equal(res.headers['content-range'], `bytes 0-4/${size}`);
  });

  test('If-Match with another ETag, or If-Unmodified-Since before the change, is a 412', async () => {
    /** @type {Record<string, string>[]} */
    const cases = [{ 'If-Match': '"v0"' }, { 'If-Match': 'W/"v1"' }, { 'If-Unmodified-Since': 'Mon, 30 Sep 2024 10:00:00 GMT' }];
    for (const headers of cases) {
      const res = await request(server.url, '/hello.txt', { headers });
      assert.equal(res.status, 412, JSON.stringify(headers));
      assert.equal(res.headers.etag, undefined);
    }
    const ok = await request(server.url, '/hello.txt', { headers: { 'If-Match': '"v0", "v1"' } });
    assert.equal(ok.status, 200);
  });
});

describe('without cache hooks no conditional request fires', () => {
  test('If-None-Match: * and If-Range are answered with the whole file', async () => {
    const site = makeSite();
    const app = createApp({ env: 'test' });
    app.use(staticFiles({ root: site.root, index: 'index.html' }));
    const server = await listen(app);
    try {
      const star = await request(server.url, '/hello.txt', { headers: { 'If-None-Match': '*' } });
      assert.equal(star.status, 200);
      assert.equal(star.body.toString(), HELLO);
      const ranged = await request(server.url, '/hello.txt', { headers: { Range: 'bytes=0-4', 'If-Range': '"x"' } });
      assert.equal(ranged.status, 200);
      assert.equal(ranged.body.toString(), HELLO);
    } finally {
      await server.close();
      rmSync(site.dir, { recursive: true, force: true });
    }
  });

  test('a root that does not exist serves nothing and breaks nothing', async () => {
    const app = createApp({ env: 'test' });
    app.use(staticFiles({ root: join(tmpdir(), 'no-such-folder-for-static-files'), index: 'index.html' }));
    const server = await listen(app);
    try {
      const res = await server.fetch('/hello.txt');
      assert.equal(res.status, 404);
      await res.arrayBuffer();
      // Right after, the root is not looked up again, yet a NUL byte is still refused.
      const nul = await server.fetch('/hello.txt%00.html');
      assert.equal(nul.status, 400);
      await nul.arrayBuffer();
    } finally {
      await server.close();
    }
  });
});

describe('the welcome page in public/', () => {
  test('GET / serves public/index.html, its stylesheet, and the base endpoints it lists exist', async () => {
    // Default settings: `public` relative to the working directory, the project root under `npm test`.
    const app = await startApp();
    try {
      const page = await app.fetch('/');
      assert.equal(page.status, 200);
      assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
      const html = await page.text();
      assert.match(html, /Your server is running/);
      const css = await app.fetch('/style.css');
      assert.equal(css.status, 200);
      assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
      await css.arrayBuffer();
      for (const path of ['/health', '/ready']) {
        assert.ok(html.includes(`href="${path}"`), path);
        const res = await app.fetch(path);
        // /ready is 503 until serve() has started listening; what matters here is that it exists.
        assert.notEqual(res.status, 404, path);
        await res.arrayBuffer();
      }
    } finally {
      await app.close();
    }
  });
});

describe('remembered misses', () => {
  test('a missing path is remembered for a second, then looked up again', async () => {
    const site = makeSite();
    const app = await startApp({ static: { root: site.root, index: 'index.html' } });
    try {
      assert.equal((await app.fetch('/late.txt')).status, 404);
      writeFileSync(join(site.root, 'late.txt'), 'here now');
      // Within the second the miss is remembered (no stat for it): still 404.
      assert.equal((await app.fetch('/late.txt')).status, 404);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const res = await app.fetch('/late.txt');
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'here now');
    } finally {
      await app.close();
      rmSync(site.dir, { recursive: true, force: true });
    }
  });

  test('a public folder created after start is served within a second', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'static-files-test-'));
    const app = await startApp({ static: { root: join(dir, 'public'), index: 'index.html' } });
    try {
      assert.equal((await app.fetch('/a.txt')).status, 404);
      mkdirSync(join(dir, 'public'));
      writeFileSync(join(dir, 'public', 'a.txt'), 'a');
      await new Promise((resolve) => setTimeout(resolve, 1100));
      assert.equal(await (await app.fetch('/a.txt')).text(), 'a');
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('small files kept in memory', () => {
  test('a changed file is served at once, even at the same size', async () => {
    const site = makeSite();
    const app = await startApp({ static: { root: site.root, index: 'index.html' } });
    try {
      assert.equal(await (await app.fetch('/hello.txt')).text(), HELLO);
      const changed = HELLO.toUpperCase();
      writeFileSync(join(site.root, 'hello.txt'), changed);
      const res = await app.fetch('/hello.txt');
      assert.equal(await res.text(), changed);
      assert.equal(res.headers.get('content-length'), String(changed.length));
      const range = await app.fetch('/hello.txt', { headers: { range: 'bytes=0-4' } });
      assert.equal(await range.text(), 'HELLO');
    } finally {
      await app.close();
      rmSync(site.dir, { recursive: true, force: true });
    }
  });

  test('a removed file is 404 at once', async () => {
    const site = makeSite();
    const app = await startApp({ static: { root: site.root, index: 'index.html' } });
    try {
      assert.equal((await app.fetch('/hello.txt')).status, 200);
      rmSync(join(site.root, 'hello.txt'));
      assert.equal((await app.fetch('/hello.txt')).status, 404);
    } finally {
      await app.close();
      rmSync(site.dir, { recursive: true, force: true });
    }
  });

  test('a symlink pointed at another file (which no watch reports) is followed within a second', { skip: !canSymlink }, async () => {
    const site = makeSite();
    const app = await startApp({ static: { root: site.root, index: 'index.html' } });
    try {
      assert.equal(await (await app.fetch('/alias.txt')).text(), HELLO);
      rmSync(join(site.root, 'alias.txt'));
      symlinkSync(join(site.root, 'index.html'), join(site.root, 'alias.txt'));
      await new Promise((resolve) => setTimeout(resolve, 1100));
      assert.equal(await (await app.fetch('/alias.txt')).text(), '<h1>home</h1>');
    } finally {
      await app.close();
      rmSync(site.dir, { recursive: true, force: true });
    }
  });

  test('a file from memory answers HEAD, ranges and the whole body like one read from disk', async () => {
    const site = makeSite();
    const app = await startApp({ static: { root: site.root, index: 'index.html' } });
    try {
      // The first request reads the file, the next ones are answered from memory.
      for (let i = 0; i < 2; i++) {
        const whole = await app.fetch('/hello.txt');
        assert.equal(await whole.text(), HELLO);
        const head = await app.fetch('/hello.txt', { method: 'HEAD' });
        assert.equal(head.headers.get('content-length'), String(HELLO.length));
        assert.equal(await head.text(), '');
        const range = await app.fetch('/hello.txt', { headers: { range: 'bytes=7-12' } });
        assert.equal(range.status, 206);
        assert.equal(await range.text(), HELLO.slice(7, 13));
      }
    } finally {
      await app.close();
      rmSync(site.dir, { recursive: true, force: true });
    }
  });
});

describe('settings and helpers', () => {
  test('bad settings fail at start with a message naming the setting', () => {
    assert.throws(
      () => staticFiles({ root: '', index: 'index.html' }),
      (err) => err instanceof ConfigError && /STATIC_ROOT/.test(err.message),
    );
    assert.throws(
      () => staticFiles({ root: 'public', index: '../index.html' }),
      (err) => err instanceof ConfigError && /static\.index/.test(err.message),
    );
  });

  test('parseRange', () => {
    assert.deepEqual(parseRange('bytes=0-0', 10), { start: 0, end: 0 });
    assert.deepEqual(parseRange('bytes=9-', 10), { start: 9, end: 9 });
    assert.deepEqual(parseRange(' bytes=2-3 ', 10), { start: 2, end: 3 });
    assert.equal(parseRange('bytes=10-', 10), 'unsatisfiable');
    assert.equal(parseRange('bytes=-5', 0), 'unsatisfiable');
    assert.equal(parseRange('bytes=0-1,2-3', 10), null);
    assert.equal(parseRange('bytes=--1', 10), null);
  });
});
