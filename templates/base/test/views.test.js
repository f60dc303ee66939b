// @ts-check
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listen } from './helpers.js';
import { readConfig } from '../src/config.js';
import { buildApp } from '../src/app.js';
import { createApp } from '../src/lib/pipeline.js';
import { views, createViews, compile, escapeHtml, TemplateError } from '../src/lib/views.js';
import { ConfigError } from '../src/lib/config-loader.js';

/**
 * A views folder holding `files` (name -> template source).
 * @param {Record<string, string>} files
 */
function makeViews(files) {
  const dir = mkdtempSync(join(tmpdir(), 'views-test-'));
  for (const [name, source] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), source);
  }
  return dir;
}

/**
 * Renders `source` as the template `page` with `data`.
 * @param {string} source
 * @param {Record<string, unknown>} [data]
 * @param {Record<string, string>} [partials] name -> source
 */
function render(source, data = {}, partials = {}) {
  const files = { 'page.html': source };
  for (const [name, text] of Object.entries(partials)) Object.assign(files, { [`partials/${name}.html`]: text });
  const dir = makeViews(files);
  try {
    return createViews({ dir, cache: true }).render('page', data);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the template language', () => {
  test('{{ value }} is HTML-escaped', () => {
    const html = render('<p title="{{ title }}">{{ title }}</p>', { title: `<script>alert("x" + 'y')</script> & \`=` });
    assert.equal(
      html,
      '<p title="&lt;script&gt;alert(&quot;x&quot; + &#39;y&#39;)&lt;/script&gt; &amp; &#96;&#61;">&lt;script&gt;alert(&quot;x&quot; + &#39;y&#39;)&lt;/script&gt; &amp; &#96;&#61;</p>',
    );
  });

  test('{{{ raw }}} is not escaped', () => {
    assert.equal(render('<div>{{{ html }}}</div>', { html: '<b>bold</b>' }), '<div><b>bold</b></div>');
  });

  test('missing values, null, functions and symbols print nothing; numbers and booleans print', () => {
    const html = render('[{{ missing }}|{{ nothing }}|{{ fn }}|{{ sym }}|{{ n }}|{{ yes }}|{{ zero }}]', {
      nothing: null,
      fn: () => 'called',
      sym: Symbol('s'),
      n: 42,
      yes: true,
      zero: 0,
    });
    assert.equal(html, '[||||42|true|0]');
  });

  test('dotted paths and array indexes', () => {
    assert.equal(render('{{ user.address.city }} {{ list.1 }} {{ list.length }}', { user: { address: { city: 'Köln' } }, list: ['a', 'b'] }), 'Köln b 2');
  });

  test('{{#each}} with this, @index, outer names and {{else}} for empty lists', () => {
    const source = '{{#each users}}{{ @index }}:{{ name }}@{{ site }};{{else}}nobody{{/each}}';
    assert.equal(render(source, { site: 'S', users: [{ name: 'ada' }, { name: 'bob', site: 'own' }] }), '0:ada@S;1:bob@own;');
    assert.equal(render(source, { users: [] }), 'nobody');
    assert.equal(render(source, {}), 'nobody');
    assert.equal(render('{{#each tags}}<{{ this }}>{{/each}}', { tags: ['a', '<b>'] }), '<a><&lt;b&gt;>');
  });

  test('nested {{#each}} reads the inner item first', () => {
    const source = '{{#each groups}}{{ name }}[{{#each members}}{{ name }}/{{ @index }}{{/each}}]{{/each}}';
    const data = {
      groups: [
        { name: 'g1', members: [{ name: 'm1' }, { name: 'm2' }] },
        { name: 'g2', members: [] },
      ],
    };
    assert.equal(render(source, data), 'g1[m1/0m2/1]g2[]');
  });

  test('{{#if}} / {{else}}, with empty lists false', () => {
    const source = '{{#if user.admin}}admin{{else}}guest{{/if}}';
    assert.equal(render(source, { user: { admin: true } }), 'admin');
    assert.equal(render(source, { user: { admin: false } }), 'guest');
    assert.equal(render(source, {}), 'guest');
    assert.equal(render('{{#if items}}some{{else}}none{{/if}}', { items: [] }), 'none');
    assert.equal(render('{{#if items}}some{{/if}}', { items: [1] }), 'some');
  });

  test('partials from partials/ see the same data, and may nest', () => {
    const html = render('{{> header}}<main>{{ body }}</main>', { title: 'T', body: 'B' }, { header: '<h1>{{ title }}</h1>{{> nav/menu}}', 'nav/menu': '<nav>{{ title }}</nav>' });
    assert.equal(html, '<h1>T</h1><nav>T</nav><main>B</main>');
  });

  test('partials inside loops see the item', () => {
    assert.equal(render('{{#each users}}{{> user}}{{/each}}', { users: [{ name: 'a' }, { name: 'b' }] }, { user: '<li>{{ name }}</li>' }), '<li>a</li><li>b</li>');
  });

  test('comments vanish and \\{{ writes a literal {{', () => {
    assert.equal(render('a{{! not shown }}b \\{{ name }}', { name: 'x' }), 'ab {{ name }}');
  });

  test('no access to prototype members, inherited or own', () => {
    const data = JSON.parse('{"__proto__": {"polluted": "yes"}, "user": {"name": "ada"}}');
    const source =
      '[{{ constructor }}|{{ constructor.name }}|{{ user.constructor.name }}|{{ user.__proto__ }}|{{ __proto__.polluted }}|{{ user.toString }}|{{ user.hasOwnProperty }}|{{ polluted }}|{{ user.name.constructor }}|{{ user.prototype }}]';
    assert.equal(render(source, data), '[|||||||||]');
    assert.equal(render('{{#each user.constructor}}x{{/each}}{{#if constructor}}x{{/if}}', data), '');
  });

  test('escapeHtml', () => {
    assert.equal(escapeHtml(`&<>"'\`=`), '&amp;&lt;&gt;&quot;&#39;&#96;&#61;');
  });
});

describe('template errors name the file and the line', () => {
  const cases = [
    ['line 1\n{{#each users}}\n{{ name }}', /page\.html:2: \{\{#each users\}\} is never closed/],
    ['{{#if a}}\n{{/each}}', /page\.html:2: \{\{\/each\}\} does not close \{\{#if a\}\} \(line 1\)/],
    ['a\n\n{{/if}}', /page\.html:3: \{\{\/if\}\} closes nothing/],
    ['{{ name', /page\.html:1: "\{\{" is never closed/],
    ['{{{ html }}', /page\.html:1: "\{\{\{" is never closed/],
    ['\n{{#with user}}{{/with}}', /page\.html:2: unknown block \{\{#with user\}\}/],
    ['{{ a b }}', /page\.html:1: \{\{ a b \}\} is not a value name/],
    ['{{ a.__proto__[0] }}', /page\.html:1: .* is not a value name/],
    ['{{else}}', /page\.html:1: \{\{else\}\} outside/],
    ['{{#if a}}{{else}}{{else}}{{/if}}', /page\.html:1: \{\{else\}\} outside/],
    ['{{> ../secret}}', /page\.html:1: .* needs a partial name/],
  ];
  for (const [source, message] of cases) {
    test(JSON.stringify(source), () => {
      assert.throws(
        () => compile(/** @type {string} */ (source), 'views/page.html'),
        (err) => err instanceof TemplateError && /** @type {RegExp} */ (message).test(err.message),
      );
    });
  }

  test('a missing partial, a partial loop and a non-list in {{#each}} fail while rendering', () => {
    assert.throws(() => render('\n{{> nope}}'), /partial "nope" \(used in .*page\.html:2\) not found/);
    assert.throws(() => render('{{> loop}}', {}, { loop: 'again {{> loop}}' }), /partials nested more than 20 deep/);
    assert.throws(() => render('{{#each user}}x{{/each}}', { user: { name: 'a' } }), /page\.html:1: \{\{#each user\}\} needs a list, got object/);
  });

  test('a folder is not a template', () => {
    const dir = makeViews({ 'partials/header.html': 'h' });
    try {
      assert.throws(() => createViews({ dir, cache: true }).render('partials', {}), /template "partials" not found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('bad template names are refused before touching the disk', () => {
    const engine = createViews({ dir: tmpdir(), cache: true });
    for (const name of ['../etc/passwd', '/abs', 'a/../b', 'page.html', '', 'a\\b']) {
      assert.throws(() => engine.render(name, {}), TemplateError, name);
    }
  });

  test('bad settings fail at start', () => {
    assert.throws(
      () => views({ dir: '', cache: true }),
      (err) => err instanceof ConfigError && /VIEWS_DIR/.test(err.message),
    );
    assert.throws(
      () => views({ dir: 'views', cache: /** @type {any} */ ('yes') }),
      (err) => err instanceof ConfigError && /VIEWS_CACHE/.test(err.message),
    );
  });
});

describe('the compiled template cache', () => {
  test('with cache on a template is read once; with cache off every render sees the file', () => {
    const dir = makeViews({ 'page.html': 'v1 {{ x }}' });
    try {
      const cached = createViews({ dir, cache: true });
      const fresh = createViews({ dir, cache: false });
      assert.equal(cached.render('page', { x: 1 }), 'v1 1');
      assert.equal(fresh.render('page', { x: 1 }), 'v1 1');
      writeFileSync(join(dir, 'page.html'), 'v2 {{ x }}');
      assert.equal(cached.render('page', { x: 2 }), 'v1 2');
      assert.equal(fresh.render('page', { x: 2 }), 'v2 2');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('res.render in a running server', () => {
  /** @type {string} */
  let dir;
  /** @type {Awaited<ReturnType<typeof listen>>} */
  let server;
  /** @type {unknown[]} */
  const logged = [];
  before(async () => {
    dir = makeViews({
      'users.html': '{{> header}}<ul>{{#each users}}<li>{{ name }}</li>{{/each}}</ul><p>{{ who }}</p>',
      'partials/header.html': '<h1>{{ title }}</h1>',
      'broken.html': '<p>\n{{#if user}}\n</p>',
    });
    const app = createApp({ env: 'test', logError: (err) => logged.push(err) });
    app.use(views({ dir, cache: true }));
    app.use((req, res, next) => {
      res.locals.who = 'from res.locals';
      if (req.path === '/users') return res.render('users', { title: 'Users <&>', users: [{ name: '<img src=x onerror=alert(1)>' }, { name: 'bob' }] });
      if (req.path === '/broken') return res.render('broken', {});
      if (req.path === '/missing') return res.render('missing', {});
      next();
    });
    server = await listen(app);
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('renders HTML with partials, escaped data and res.locals', async () => {
    const res = await server.fetch('/users');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(await res.text(), '<h1>Users &lt;&amp;&gt;</h1><ul><li>&lt;img src&#61;x onerror&#61;alert(1)&gt;</li><li>bob</li></ul><p>from res.locals</p>');
  });

  test('a broken template is a 500 without details, and the log names the template and line', async () => {
    const res = await server.fetch('/broken');
    assert.equal(res.status, 500);
    const text = await res.text();
    assert.equal(JSON.parse(text).error, 'Internal Server Error');
    assert.ok(!text.includes('broken.html'));
    const err = logged.at(-1);
    assert.ok(err instanceof TemplateError);
    assert.match(err.message, /broken\.html:2: \{\{#if user\}\} is never closed/);
  });

  test('a missing template is a 500 whose log names the file', async () => {
    const res = await server.fetch('/missing');
    assert.equal(res.status, 500);
    await res.arrayBuffer();
    assert.match(String(/** @type {Error} */ (logged.at(-1)).message), /template "missing" not found: .*missing\.html/);
  });

  test('the server keeps serving after template errors', async () => {
    const res = await server.fetch('/users');
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  });
});

describe('the composed app', () => {
  test('buildApp installs the views middleware with config.views (a bad setting stops it)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'views-test-'));
    try {
      const config = readConfig({ NODE_ENV: 'test', LOG_DIR: join(dir, 'logs') });
      assert.throws(
        () => buildApp({ ...config, views: { dir: '', cache: true } }),
        (err) => err instanceof ConfigError && /VIEWS_DIR/.test(err.message),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
