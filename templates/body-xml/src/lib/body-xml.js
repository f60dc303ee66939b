// @ts-check
import { HttpError } from './http-error.js';
import { ConfigError, envName } from './config-loader.js';

/*
 * XML bodies (`application/xml`, `text/xml`, `+xml`) to plain objects:
 *
 *   <order id="7"><item>tea</item><item>milk</item><note>hot</note></order>
 *   -> { order: { '@id': '7', item: ['tea', 'milk'], note: 'hot' } }
 *
 * - An element with only text becomes its text; one with attributes or
 *   child elements becomes an object: attributes as `@name`, children by
 *   name (a repeated name gives an array), its own text (trimmed) as
 *   `#text`. Every object has no prototype.
 * - Safe by construction, because this parser knows no DTDs: any DOCTYPE
 *   (or other `<!` declaration) -> 400. So no entity expansion ("billion
 *   laughs"), no external entities (XXE, reading server files or URLs).
 *   Only the five predefined entities (&lt; &gt; &amp; &quot; &apos;) and
 *   numeric references (&#233; &#xE9;, leading zeros allowed) are
 *   understood; others, and references to characters XML does not allow
 *   (&#0;, surrogates), -> 400.
 * - Limits: nesting deeper than `maxDepth` -> 400, an element with more than
 *   `maxAttributes` attributes -> 413, the body size as for every format.
 * - An element or attribute named `__proto__` -> 400.
 * - Not well-formed (mismatched or unclosed tags, two root elements, text
 *   outside the root, a bare `&` or `<`) -> 400.
 * - Comments and processing instructions (including `<?xml ...?>`) are
 *   skipped; CDATA sections are text. Namespace prefixes are kept as
 *   written (`soap:Body`), not resolved.
 * - UTF-8 only: another charset, or an XML declaration naming another
 *   encoding when the Content-Type names none -> 415.
 */

/** @typedef {{ maxDepth: number, maxAttributes: number }} XmlSettings */

/** @typedef {{ [name: string]: XmlValue | XmlValue[] }} XmlObject */
/** @typedef {string | XmlObject} XmlValue */

/** @type {import('./body.js').TextParser<XmlSettings>} */
export const parseXml = {
  reads: 'text',
  types: ['application/xml', 'text/xml', '+xml'],
  charsets: ['utf-8'],
  configure(settings, name) {
    return {
      maxDepth: count(settings.maxDepth ?? 32, ['body', name, 'maxDepth']),
      maxAttributes: count(settings.maxAttributes ?? 64, ['body', name, 'maxAttributes']),
    };
  },
  parse(text, { params, settings }) {
    const declared = /^<\?xml[^>]*?\bencoding\s*=\s*["']([^"']*)["']/.exec(text)?.[1];
    if (params.charset === undefined && declared !== undefined && !/^utf-?8$/i.test(declared)) {
      throw new HttpError(415, `Only UTF-8 XML is accepted, this document says encoding="${declared.slice(0, 40)}"`);
    }
    return xmlToObject(text, settings);
  },
};

/**
 * @param {unknown} value
 * @param {string[]} path
 */
function count(value, path) {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new ConfigError(`${envName(path)} must be a whole number (1 or more), got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A name as XML allows it (simplified to letters, digits and `_ : . -` plus any non-ASCII). */
const NAME = /[A-Za-z_:\u00C0-\uFFFF][\w.:\u00B7\u00C0-\uFFFF-]*/y;
/** ` name="value"` or ` name='value'`; a `<` inside a value is not allowed. */
const ATTRIBUTE = /\s+([A-Za-z_:\u00C0-\uFFFF][\w.:\u00B7\u00C0-\uFFFF-]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y;
const START_TAG_END = /\s*(\/?)>/y;
const END_TAG_END = /\s*>/y;
/** Control characters XML 1.0 does not allow anywhere (§2.2). */
const FORBIDDEN_CHARACTERS = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
const PREDEFINED_ENTITIES = new Map([
  ['lt', '<'],
  ['gt', '>'],
  ['amp', '&'],
  ['quot', '"'],
  ['apos', "'"],
]);

/**
 * @typedef {object} OpenElement
 * @property {string} name
 * @property {XmlObject} node attributes and children collected so far
 * @property {boolean} hasAttributes
 * @property {boolean} hasChildren
 * @property {string} text
 */

/**
 * Parses a whole document into `{ rootName: value }`.
 * @param {string} input
 * @param {XmlSettings} settings
 * @returns {XmlObject}
 */
export function xmlToObject(input, settings) {
  if (FORBIDDEN_CHARACTERS.test(input)) throw malformed('it contains control characters');
  // XML treats every line break as "\n" (§2.11).
  const source = input.replace(/\r\n?/g, '\n');
  /** @type {OpenElement[]} open elements, innermost last */
  const stack = [];
  /** @type {XmlObject | undefined} */
  let document;
  let position = 0;

  while (position < source.length) {
    const open = source.indexOf('<', position);
    const textEnd = open === -1 ? source.length : open;
    if (textEnd > position) addText(source.slice(position, textEnd));
    if (open === -1) break;
    if (source.startsWith('<!--', open)) {
      position = skipPast('-->', open + 4, 'a comment');
    } else if (source.startsWith('<![CDATA[', open)) {
      const end = source.indexOf(']]>', open + 9);
      if (end === -1) throw malformed('a CDATA section is never closed');
      const current = stack.at(-1);
      if (current === undefined) throw malformed('CDATA outside the root element');
      current.text += source.slice(open + 9, end);
      position = end + 3;
    } else if (source.startsWith('<!', open)) {
      throw new HttpError(400, 'XML with a DOCTYPE or other declarations is not accepted (no DTDs, no custom entities)');
    } else if (source.startsWith('<?', open)) {
      position = skipPast('?>', open + 2, 'a processing instruction');
    } else if (source.startsWith('</', open)) {
      position = endTag(open);
    } else {
      position = startTag(open);
    }
  }
  const unclosed = stack.at(-1);
  if (unclosed !== undefined) throw malformed(`<${short(unclosed.name)}> is never closed`);
  if (document === undefined) throw malformed('there is no root element');
  return document;

  /** @param {string} raw */
  function addText(raw) {
    const current = stack.at(-1);
    if (current !== undefined) current.text += decodeEntities(raw);
    else if (/\S/.test(raw)) throw malformed('text outside the root element');
  }

  /**
   * @param {string} terminator
   * @param {number} from
   * @param {string} what
   */
  function skipPast(terminator, from, what) {
    const end = source.indexOf(terminator, from);
    if (end === -1) throw malformed(`${what} is never closed`);
    return end + terminator.length;
  }

  /** @param {number} open index of `<` */
  function startTag(open) {
    const name = readName(open + 1);
    if (stack.length === 0 && document !== undefined) throw malformed('there is more than one root element');
    if (stack.length >= settings.maxDepth) throw malformed(`elements are nested deeper than ${settings.maxDepth} levels`);
    /** @type {XmlObject} */
    const node = Object.create(null);
    let attributes = 0;
    let position = NAME.lastIndex;
    for (;;) {
      ATTRIBUTE.lastIndex = position;
      const match = ATTRIBUTE.exec(source);
      if (match === null) break;
      attributes += 1;
      if (attributes > settings.maxAttributes) throw new HttpError(413, `An XML element has more than ${settings.maxAttributes} attributes`);
      const key = `@${checkName(match[1])}`;
      if (key in node) throw malformed(`attribute "${short(match[1])}" appears twice`);
      // Whitespace in attribute values is normalised to spaces (§3.3.3), then entities decoded.
      node[key] = decodeEntities((match[2] ?? match[3]).replace(/[\t\n]/g, ' '));
      position = ATTRIBUTE.lastIndex;
    }
    START_TAG_END.lastIndex = position;
    const end = START_TAG_END.exec(source);
    if (end === null) throw malformed(`the tag <${short(name)}> is malformed`);
    const element = { name, node, hasAttributes: attributes > 0, hasChildren: false, text: '' };
    if (end[1] === '/') close(element);
    else stack.push(element);
    return START_TAG_END.lastIndex;
  }

  /** @param {number} open index of `</` */
  function endTag(open) {
    const name = readName(open + 2);
    END_TAG_END.lastIndex = NAME.lastIndex;
    if (END_TAG_END.exec(source) === null) throw malformed(`the end tag </${short(name)}> is malformed`);
    const element = stack.pop();
    if (element === undefined) throw malformed(`</${short(name)}> has no start tag`);
    if (element.name !== name) throw malformed(`</${short(name)}> closes <${short(element.name)}>`);
    close(element);
    return END_TAG_END.lastIndex;
  }

  /** @param {number} at */
  function readName(at) {
    NAME.lastIndex = at;
    const match = NAME.exec(source);
    if (match === null) throw malformed('a tag has no valid name (a bare "<" in text must be written &lt;)');
    return checkName(match[0]);
  }

  /** @param {OpenElement} element */
  function close(element) {
    const value = valueOf(element);
    const parent = stack.at(-1);
    if (parent === undefined) {
      document = Object.create(null);
      /** @type {XmlObject} */ (document)[element.name] = value;
      return;
    }
    parent.hasChildren = true;
    const existing = parent.node[element.name];
    if (existing === undefined) parent.node[element.name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else parent.node[element.name] = [existing, value];
  }
}

/**
 * @param {OpenElement} element
 * @returns {XmlValue}
 */
function valueOf(element) {
  if (!element.hasAttributes && !element.hasChildren) return element.text;
  const text = element.text.trim();
  if (text !== '') element.node['#text'] = text;
  return element.node;
}

/** @param {string} name */
function checkName(name) {
  if (name === '__proto__') throw malformed('the name "__proto__" is not allowed');
  return name;
}

/**
 * A reference (XML 1.0 §4.1): `&name;`, `&#65;` or `&#x41;`. The digits
 * are not bounded in number: `&#0000000065;` is as valid as `&#65;`.
 */
const REFERENCE = /&(?:#x([0-9a-fA-F]+)|#([0-9]+)|([A-Za-z_:][\w.:-]*));/y;

/**
 * Replaces the predefined entities and numeric character references.
 * @param {string} raw
 */
function decodeEntities(raw) {
  if (!raw.includes('&')) return raw;
  let decoded = '';
  let position = 0;
  for (;;) {
    const ampersand = raw.indexOf('&', position);
    if (ampersand === -1) return decoded + raw.slice(position);
    REFERENCE.lastIndex = ampersand;
    const match = REFERENCE.exec(raw);
    if (match === null) throw malformed('a bare "&" (write &amp;)');
    const [reference, hex, decimal, name] = match;
    decoded += raw.slice(position, ampersand) + (name !== undefined ? entity(name) : character(hex ?? decimal, hex !== undefined ? 16 : 10, reference));
    position = REFERENCE.lastIndex;
  }
}

/** @param {string} name what stands between `&` and `;` */
function entity(name) {
  const predefined = PREDEFINED_ENTITIES.get(name);
  if (predefined !== undefined) return predefined;
  throw malformed(`&${short(name)}; is not allowed (only &lt; &gt; &amp; &quot; &apos; and &#...; references)`);
}

/**
 * The character of a numeric reference, if XML allows it (§2.2, Char):
 * never NUL, most control characters, surrogates, or beyond U+10FFFF.
 * @param {string} digits
 * @param {16 | 10} radix
 * @param {string} reference the whole reference, for the message
 */
function character(digits, radix, reference) {
  // Leading zeros say nothing; without them, more digits than U+10FFFF has
  // (6 hex, 7 decimal) are out of range however they go on.
  const significant = digits.replace(/^0+(?=.)/, '');
  const code = significant.length <= (radix === 16 ? 6 : 7) ? parseInt(significant, radix) : -1;
  if (!isXmlCharacter(code)) throw malformed(`${short(reference)} is not a character XML allows`);
  return String.fromCodePoint(code);
}

/**
 * XML 1.0 §2.2 Char.
 * @param {number} code
 */
function isXmlCharacter(code) {
  return code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
}

/** @param {string} detail */
function malformed(detail) {
  return new HttpError(400, `Malformed XML: ${detail}`);
}

/**
 * Client-chosen names in messages, kept short.
 * @param {string} text
 */
function short(text) {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
