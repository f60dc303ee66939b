// @ts-check

/**
 * The two ways Bigpipe puts data into a page, each with its own escaping:
 * inside an inline `<script>` (streaming) and as HTML text (no-JavaScript
 * fallback). Keeping them in one small module makes them easy to review.
 */

/** Characters that end or confuse an inline script, or JavaScript source itself. */
const SCRIPT_UNSAFE = /[<>&\u2028\u2029]/g;

/**
 * JSON for an inline `<script>`: `<`, `>`, `&`, U+2028 and U+2029 become
 * `\uXXXX` escapes. JSON.parse and JavaScript read them back as the same
 * characters, but the HTML parser never sees `</script`, `<!--` or `]]>`, so
 * data can neither close the script element nor start a new one (see the
 * "script data" states of the HTML standard, §13.2.5.4). U+2028/U+2029 are
 * line terminators in older JavaScript engines.
 * @param {unknown} value anything JSON can represent
 * @returns {string}
 */
export function serializeForScript(value) {
  const json = JSON.stringify(value) ?? 'null';
  return json.replace(SCRIPT_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** @type {Record<string, string>} */
const HTML_ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text as HTML: safe in element content and in quoted attribute values.
 * @param {unknown} text
 */
export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]);
}

/**
 * The server-side twin of the default renderer of `public/bigpipe.js`:
 * text stays text, a list becomes `<ul>`, an object becomes `<dl>` of its
 * fields. Every value is escaped, so data can never become markup.
 * @param {unknown} data
 * @returns {string}
 */
export function renderData(data) {
  if (data === null || data === undefined) return '';
  if (Array.isArray(data)) {
    return `<ul>${data.map((item) => `<li>${renderData(item)}</li>`).join('')}</ul>`;
  }
  if (typeof data === 'object') {
    const fields = Object.entries(data).map(([key, value]) => `<dt>${escapeHtml(key)}</dt><dd>${renderData(value)}</dd>`);
    return `<dl>${fields.join('')}</dl>`;
  }
  return escapeHtml(data);
}
