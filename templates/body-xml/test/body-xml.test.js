// @ts-check
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { body } from '../src/lib/body.js';
import { parseXml } from '../src/lib/body-xml.js';
import { ConfigError } from '../src/lib/config-loader.js';
import { defaults, readConfig } from '../src/config.js';
import { startApp } from './helpers.js';
import { startBodyApp, connect, rawRequest, answersOnNewConnection } from './body-helpers.js';

const XML_TYPE = { 'Content-Type': 'application/xml' };

describe('body: XML', { timeout: 10_000 }, () => {
  /** @type {Awaited<ReturnType<typeof startBodyApp>>} */
  let app;
  before(async () => {
    app = await startBodyApp({ limit: 4000, xml: { maxDepth: 5, maxAttributes: 3 } }, { xml: parseXml });
  });
  after(() => app.close());

  /** @param {string} data @param {Record<string, string>} [headers] */
  const post = (data, headers = XML_TYPE) => app.fetch('/', { method: 'POST', headers, body: data });
  /** @param {string} data */
  const parsed = async (data) => {
    const res = await post(data);
    assert.equal(res.status, 200, data);
    return (await res.json()).body;
  };

  test('elements, attributes, repeated children and text become a plain object', async () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<!-- an order -->
<order id="7" status='new'>
  <item sku="t1">tea</item>
  <item>milk</item>
  <note>hot &amp; sweet</note>
  <empty/>
</order>`;
    assert.deepEqual(await parsed(xml), {
      order: { '@id': '7', '@status': 'new', item: [{ '@sku': 't1', '#text': 'tea' }, 'milk'], note: 'hot & sweet', empty: '' },
    });
  });

  test('every object has no prototype', async () => {
    const res = await post('<a x="1"><b>2</b></a>');
    assert.equal((await res.json()).nullPrototype, true);
    const inner = await startBodyApp({}, { xml: parseXml }, (req, res) => {
      const value = /** @type {any} */ (req.body);
      res.json({ rootProto: Object.getPrototypeOf(value.a), childProto: Object.getPrototypeOf(value.a.b) });
    });
    try {
      const checked = await inner.fetch('/', { method: 'POST', headers: XML_TYPE, body: '<a x="1"><b y="2">3</b></a>' });
      assert.deepEqual(await checked.json(), { rootProto: null, childProto: null });
    } finally {
      await inner.close();
    }
  });

  test('the predefined entities, numeric references, CDATA and namespaces', async () => {
    assert.deepEqual(await parsed('<t a="&quot;&apos;&lt;">&lt;&gt;&amp;&#233;&#xE9;&#x1F600;<![CDATA[<not a tag> & raw]]></t>'), {
      t: { '@a': `"'<`, '#text': '<>&éé😀<not a tag> & raw' },
    });
    assert.deepEqual(await parsed('<s:Envelope xmlns:s="urn:x"><s:Body>1</s:Body></s:Envelope>'), {
      's:Envelope': { '@xmlns:s': 'urn:x', 's:Body': '1' },
    });
  });

  test('numeric references with leading zeros are valid XML (§4.1) and decode', async () => {
    const zeros = '0'.repeat(40);
    assert.deepEqual(await parsed(`<t a="&#x0041;&#${zeros}66;">&#0000000065;&#x0041;&#x${zeros}1F600;</t>`), {
      t: { '@a': 'AB', '#text': 'AA😀' },
    });
    // Still refused, however many zeros lead: no digits, NUL, a surrogate, past U+10FFFF, a capital X, not hex.
    for (const reference of ['&#;', '&#x;', '&#00;', `&#x${zeros}D800;`, '&#x0110000;', `&#${zeros}1114112;`, '&#99999999999999999999;', '&#X41;', '&#x4G;']) {
      assert.equal((await post(`<a>${reference}</a>`)).status, 400, reference);
    }
  });

  test('accepts text/xml and +xml types', async () => {
    for (const type of ['text/xml', 'application/atom+xml', 'application/xml; charset=utf-8']) {
      const res = await post('<a>1</a>', { 'Content-Type': type });
      assert.deepEqual((await res.json()).body, { a: '1' }, type);
    }
  });

  test('400 for any DOCTYPE: billion laughs and external entities are never expanded', async () => {
    const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<lolz>&lol3;</lolz>`;
    const externalEntity = '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>';
    const externalDtd = '<!DOCTYPE foo SYSTEM "http://127.0.0.1:1/evil.dtd"><foo/>';
    const parameterEntity = '<!DOCTYPE foo [<!ENTITY % p SYSTEM "http://127.0.0.1:1/x"> %p;]><foo/>';
    for (const xml of [billionLaughs, externalEntity, externalDtd, parameterEntity, '<a><!ELEMENT a ANY></a>']) {
      const res = await post(xml);
      assert.equal(res.status, 400);
      assert.match((await res.json()).message, /DOCTYPE/);
    }
  });

  test('400 for entities it does not define, even without a DOCTYPE', async () => {
    for (const xml of ['<a>&xxe;</a>', '<a>&nbsp;</a>', '<a b="&lol;"/>', '<a>&#0;</a>', '<a>&#xD800;</a>', '<a>&#x110000;</a>', '<a>fish & chips</a>']) {
      assert.equal((await post(xml)).status, 400, xml);
    }
  });

  test('400 for names like __proto__; nothing is polluted', async () => {
    for (const xml of ['<__proto__><polluted>yes</polluted></__proto__>', '<a><__proto__><polluted>yes</polluted></__proto__></a>', '<a __proto__="x"/>']) {
      const res = await post(xml);
      assert.equal(res.status, 400, xml);
    }
    // constructor/prototype are ordinary names in an object without a prototype.
    assert.deepEqual(await parsed('<a><constructor><prototype><polluted>yes</polluted></prototype></constructor></a>'), {
      a: { constructor: { prototype: { polluted: 'yes' } } },
    });
    assert.equal(/** @type {any} */ ({}).polluted, undefined);
  });

  test('400 for documents that are not well-formed, and the same connection keeps working', async () => {
    const broken = [
      '<a><b></a></b>',
      '<a>',
      '<a></b>',
      '</a>',
      '<a/><b/>',
      'text<a/>',
      '<a/>text',
      '<a b="1" b="2"/>',
      '<a b=1/>',
      '<a b="x<y"/>',
      '<a><!-- never closed</a>',
      '<a><![CDATA[never closed</a>',
      '<?xml version="1.0"?>',
      '<a>\u0001</a>',
      '<1a/>',
      '<a x="1"y="2"/>',
      '',
    ];
    const connection = await connect(app.port);
    for (const xml of broken) {
      connection.write(rawRequest({ body: xml, headers: { ...XML_TYPE, 'Content-Length': Buffer.byteLength(xml) } }));
      const res = await connection.response();
      // The empty body is no body at all: req.body stays undefined.
      if (xml === '') assert.equal(res.status, 200);
      else assert.equal(res.status, 400, xml);
    }
    connection.write(rawRequest({ body: '<ok/>', headers: XML_TYPE }));
    assert.deepEqual(JSON.parse((await connection.response()).body).body, { ok: '' });
    connection.destroy();
  });

  test('400 when nested deeper than maxDepth, 413 for more attributes than maxAttributes', async () => {
    assert.deepEqual(await parsed('<a><b><c><d><e>5</e></d></c></b></a>'), { a: { b: { c: { d: { e: '5' } } } } });
    const deep = await post('<a><b><c><d><e><f>6</f></e></d></c></b></a>');
    assert.equal(deep.status, 400);
    assert.match((await deep.json()).message, /deeper than 5/);
    assert.equal((await post('<a w="1" x="2" y="3" z="4"/>')).status, 413);
  });

  test('a deeply nested bomb is refused without exhausting the stack', async () => {
    const bomb = '<a>'.repeat(500) + '</a>'.repeat(500);
    assert.equal((await post(bomb)).status, 400);
  });

  test('415 for charsets other than UTF-8, also when only the XML declaration names one', async () => {
    assert.equal((await post('<a/>', { 'Content-Type': 'application/xml; charset=iso-8859-1' })).status, 415);
    assert.equal((await post('<?xml version="1.0" encoding="ISO-8859-1"?><a/>')).status, 415);
    assert.equal((await post('<?xml version="1.0" encoding="utf-8"?><a/>')).status, 200);
  });

  test('413 for an oversized body, with Content-Length and chunked; the server keeps serving', async () => {
    const big = `<a>${'x'.repeat(5000)}</a>`;
    const connection = await connect(app.port);
    connection.write(rawRequest({ body: big, headers: XML_TYPE }));
    assert.equal((await connection.response()).status, 413);
    connection.write(rawRequest({ chunks: [big.slice(0, 2500), big.slice(2500)], headers: XML_TYPE }));
    assert.equal((await connection.response()).status, 413);
    connection.write(rawRequest({ body: '<after/>', headers: XML_TYPE }));
    assert.deepEqual(JSON.parse((await connection.response()).body).body, { after: '' });
    connection.destroy();
    assert.equal((await answersOnNewConnection(app.port)).status, 200);
  });

  test('400 for a truncated body', async () => {
    const connection = await connect(app.port);
    connection.write(rawRequest({ headers: { ...XML_TYPE, 'Content-Length': 100 } }));
    connection.write('<a><b>');
    connection.end();
    assert.equal((await connection.response()).status, 400);
    assert.equal((await answersOnNewConnection(app.port)).status, 200);
  });

  test('limits are checked at startup', () => {
    for (const [setting, value, variable] of [
      ['maxDepth', 0, 'BODY_XML_MAX_DEPTH'],
      ['maxAttributes', 'many', 'BODY_XML_MAX_ATTRIBUTES'],
    ]) {
      assert.throws(
        () => body({ ...defaults.body, xml: { [setting]: value } }, { xml: parseXml }),
        (err) => err instanceof ConfigError && err.message.includes(String(variable)),
      );
    }
  });
});

describe('body: XML in the generated app', { timeout: 10_000 }, () => {
  test('the app parses XML (its settings come from config.body.xml)', async () => {
    assert.equal(readConfig({}).body.xml.maxDepth, 32);
    const app = await startApp();
    try {
      // OPTIONS: a method CSRF protection (when chosen) lets through; no route
      // answers it here, so 404 means the body was parsed and 415 that no parser took it.
      const xml = await app.fetch('/no-such-page', { method: 'OPTIONS', headers: XML_TYPE, body: '<a/>' });
      assert.equal(xml.status, 404);
      const doctype = await app.fetch('/no-such-page', { method: 'OPTIONS', headers: XML_TYPE, body: '<!DOCTYPE a><a/>' });
      assert.equal(doctype.status, 400);
    } finally {
      await app.close();
    }
  });
});
