import type { Edit, Group } from './types.js';

const APP = 'src/app.js';
const CONFIG = 'src/config.js';

/**
 * Registers a body parser: import it into the composition root and add it
 * to the parsers argument of `body(config.body, { json: parseJson })`.
 */
function parser(format: string, exportName: string, from: string): Edit[] {
  return [
    { kind: 'import', file: APP, from, names: [exportName] },
    { kind: 'property', file: APP, object: 'body', argument: 1, name: format, value: exportName },
  ];
}

/** A format's own settings: `config.body.<format>` (env `BODY_<FORMAT>_...`). */
function settings(format: string, doc: string, value: string): Edit {
  return { kind: 'property', file: CONFIG, object: 'defaults', path: ['body'], name: format, doc, value };
}

/**
 * Request body formats. The body middleware and the JSON parser are part of
 * the base runtime (templates/base/src/lib/body.js); every other format is a
 * parser module of its own, picked by the request's media type.
 */
export const body: Group = {
  id: 'body',
  message: 'Which request body formats should the server parse?',
  description: 'JSON, URL-encoded forms, XML, multipart uploads and plain text, each with limits (413), 415 for other types and 400 for malformed input',
  kind: 'multi',
  default: ['json'],
  options: [
    {
      value: 'json',
      title: 'JSON bodies',
      description: 'application/json and +json, strict (objects and arrays), __proto__ keys refused',
      feature: {
        id: 'body-json',
        // parseJson lives in the base body.js and is registered in the template already;
        // declaring it here is what lets a project without JSON drop it.
        edits: (): Edit[] => parser('json', 'parseJson', './lib/body.js'),
      },
    },
    {
      value: 'form',
      title: 'Form bodies',
      description: 'application/x-www-form-urlencoded into a flat object without prototype, repeated names as arrays',
      feature: {
        id: 'body-form',
        edits: (): Edit[] => [
          ...parser('form', 'parseForm', './lib/body-form.js'),
          settings('form', 'URL-encoded forms; see src/lib/body-form.js.', `{
      /** Most fields a form may have (413 above). */
      parameterLimit: 1000,
    }`),
        ],
      },
    },
    {
      value: 'xml',
      title: 'XML bodies',
      description: 'application/xml, text/xml and +xml into plain objects; no DTDs or custom entities (XXE and billion-laughs safe)',
      feature: {
        id: 'body-xml',
        edits: (): Edit[] => [
          ...parser('xml', 'parseXml', './lib/body-xml.js'),
          settings('xml', 'XML bodies; see src/lib/body-xml.js.', `{
      /** Deepest nesting of elements (400 beyond). */
      maxDepth: 32,
      /** Most attributes on one element (413 above). */
      maxAttributes: 64,
    }`),
        ],
      },
    },
    {
      value: 'multipart',
      title: 'File uploads',
      description: 'multipart/form-data streamed to temporary files with random names, limits for size and counts, files removed after the response',
      feature: {
        id: 'body-multipart',
        edits: (): Edit[] => [
          ...parser('multipart', 'parseMultipart', './lib/body-multipart.js'),
          settings('multipart', 'File uploads (multipart/form-data); see src/lib/body-multipart.js.', `{
      /** Largest whole upload request in bytes (instead of body.limit). */
      limit: 52_428_800,
      /** Folder for uploaded files; empty: "nodeserver-uploads" in the system's temp folder. */
      uploadDir: '',
      /** Largest single file in bytes. */
      fileSize: 10_485_760,
      /** Most files in one request. */
      files: 10,
      /** Most non-file fields in one request. */
      fields: 100,
      /** Largest non-file field value in bytes (fields are kept in memory). */
      fieldSize: 65_536,
      /** Most parts (files + fields) in one request. */
      parts: 110,
      /** Largest header block of one part in bytes. */
      headerSize: 8192,
    }`),
        ],
      },
    },
    {
      value: 'text',
      title: 'Plain text bodies',
      description: 'text/plain (or the media types you list) as a string, in any charset the runtime can decode',
      feature: {
        id: 'body-text',
        edits: (): Edit[] => [
          ...parser('text', 'parseText', './lib/body-text.js'),
          settings('text', 'Plain text bodies; see src/lib/body-text.js.', `{
      /** Media types read as text, e.g. BODY_TEXT_TYPES=text/plain,text/csv (text/* for all). */
      types: ['text/plain'],
    }`),
        ],
      },
    },
  ],
};
