import { appEdits, configDefault } from './engine/snippets.js';
import type { Edit, Group } from './types.js';

const APP = 'src/app.js';

/**
 * Registers a body parser: import it into the composition root and add it
 * to the parsers argument of `body(config.body, { json: parseJson })`
 * (templates/<feature>/snippets/app.js).
 */
function parser(feature: string, exportName: string, from: string): Edit[] {
  return [{ kind: 'import', file: APP, from, names: [exportName] }, ...appEdits(feature)];
}

/** A format's own settings: `config.body.<format>` (env `BODY_<FORMAT>_...`), from templates/<feature>/snippets/config.js. */
function settings(feature: string, format: string): Edit {
  return configDefault(feature, format, { path: ['body'] });
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
        edits: (): Edit[] => parser('body-json', 'parseJson', './lib/body.js'),
      },
    },
    {
      value: 'form',
      title: 'Form bodies',
      description: 'application/x-www-form-urlencoded into a flat object without prototype, repeated names as arrays',
      feature: {
        id: 'body-form',
        edits: (): Edit[] => [...parser('body-form', 'parseForm', './lib/body-form.js'), settings('body-form', 'form')],
      },
    },
    {
      value: 'xml',
      title: 'XML bodies',
      description: 'application/xml, text/xml and +xml into plain objects; no DTDs or custom entities (XXE and billion-laughs safe)',
      feature: {
        id: 'body-xml',
        edits: (): Edit[] => [...parser('body-xml', 'parseXml', './lib/body-xml.js'), settings('body-xml', 'xml')],
      },
    },
    {
      value: 'multipart',
      title: 'File uploads',
      description: 'multipart/form-data streamed to temporary files with random names, limits for size and counts, files removed after the response',
      feature: {
        id: 'body-multipart',
        edits: (): Edit[] => [...parser('body-multipart', 'parseMultipart', './lib/body-multipart.js'), settings('body-multipart', 'multipart')],
      },
    },
    {
      value: 'text',
      title: 'Plain text bodies',
      description: 'text/plain (or the media types you list) as a string, in any charset the runtime can decode',
      feature: {
        id: 'body-text',
        edits: (): Edit[] => [...parser('body-text', 'parseText', './lib/body-text.js'), settings('body-text', 'text')],
      },
    },
  ],
};
