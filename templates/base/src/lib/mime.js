// @ts-check

/** Media types by file extension: the ones a web server meets every day. */
export const MIME_TYPES = Object.freeze({
  __proto__: null,
  html: 'text/html; charset=utf-8',
  htm: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  json: 'application/json; charset=utf-8',
  map: 'application/json; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  ico: 'image/x-icon',
  woff: 'font/woff',
  woff2: 'font/woff2',
  ttf: 'font/ttf',
  otf: 'font/otf',
  pdf: 'application/pdf',
  zip: 'application/zip',
  gz: 'application/gzip',
  wasm: 'application/wasm',
  mp4: 'video/mp4',
  webm: 'video/webm',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  webmanifest: 'application/manifest+json',
});

/**
 * The media type for a file name or extension; `application/octet-stream`
 * when unknown, so browsers download rather than guess (with nosniff).
 * @param {string} nameOrExtension `report.pdf`, `.pdf` or `pdf`
 */
export function mimeType(nameOrExtension) {
  const dot = nameOrExtension.lastIndexOf('.');
  const ext = (dot === -1 ? nameOrExtension : nameOrExtension.slice(dot + 1)).toLowerCase();
  // A null-prototype table: `constructor` or `__proto__` as an extension finds nothing.
  const table = /** @type {Record<string, string | undefined>} */ (/** @type {unknown} */ (MIME_TYPES));
  return table[ext] ?? 'application/octet-stream';
}
