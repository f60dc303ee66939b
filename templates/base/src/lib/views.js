// @ts-check
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { requireSetting } from './config-loader.js';

/**
 * A small template language for HTML pages, used by `res.render(name, data)`.
 *
 *   {{ user.name }}              the value, HTML-escaped (always safe in text and quoted attributes)
 *   {{{ trustedHtml }}}          the value as it is: only for HTML you produced yourself
 *   {{#each users}} {{ name }} #{{ @index }} {{else}} nobody {{/each}}
 *   {{#if user.admin}} ... {{else}} ... {{/if}}
 *   {{> header}}                 the partial views/partials/header.html, same data
 *   {{! a comment }}             left out of the page;  \{{ writes a literal {{
 *
 * Names are looked up in the innermost `{{#each}}` item first, then outward
 * to the data given to render. Only own properties are visible: never
 * `constructor`, `__proto__` or anything inherited, so a template cannot
 * reach code. Templates are parsed once and kept (`cache: true`).
 */

/**
 * @typedef {object} ViewsOptions
 * @property {string} dir folder of the templates (`<name>.html`) and of `partials/`
 * @property {boolean} cache keep compiled templates (turn off while editing them)
 */

/**
 * @typedef {object} Views
 * @property {(name: string, data: Record<string, unknown>) => string} render the HTML of `<dir>/<name>.html`
 */

/**
 * @typedef {{ type: 'text', text: string }
 *   | { type: 'value', path: string, raw: boolean, line: number }
 *   | { type: 'each' | 'if', path: string, line: number, body: TemplateNode[], otherwise: TemplateNode[] }
 *   | { type: 'partial', name: string, line: number }} TemplateNode
 */

/** @typedef {{ file: string, nodes: TemplateNode[] }} Template */

/** A broken template, or a missing one: a bug of the server, answered with a 500. */
export class TemplateError extends Error {
  /** @param {string} message starts with `<file>:<line>:` when a line is known */
  constructor(message) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** Template and partial names: letters, digits, `_`, `-`, and `/` between folders. */
const NAME = /^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*$/;
/** `this`, `@index`, `user.name`, `this.name`, `items.0`. */
const PATH = /^(?:@index|this|(?:this\.)?[A-Za-z_$][\w$-]*(?:\.(?:[A-Za-z_$][\w$-]*|\d+))*)$/;
/** Never readable, even as own properties (a JSON body may carry `"__proto__"`). */
const BLOCKED = new Set(['__proto__', 'constructor', 'prototype']);
/** A partial that includes itself would otherwise recurse until the stack overflows. */
const MAX_PARTIAL_DEPTH = 20;

/**
 * The views middleware: gives every response the template engine, so
 * `res.render()` works in any handler.
 * @param {ViewsOptions} options
 * @returns {import('./pipeline.js').Middleware}
 */
export function views(options) {
  const engine = createViews(options);
  return function useViews(_req, res, next) {
    res.views = engine;
    next();
  };
}

/**
 * @param {ViewsOptions} options
 * @returns {Views}
 */
export function createViews(options) {
  requireSetting(typeof options?.dir === 'string' && options.dir !== '', 'views.dir must name the templates folder, e.g. VIEWS_DIR=views');
  requireSetting(typeof options.cache === 'boolean', 'views.cache must be true or false (VIEWS_CACHE)');
  const dir = resolve(options.dir);
  /** @type {Map<string, Template>} compiled templates by file */
  const compiled = new Map();

  /**
   * @param {string} relativeFile e.g. `users.html` or `partials/header.html`
   * @param {string} what how to name it in a "not found" message
   */
  function load(relativeFile, what) {
    const file = join(dir, relativeFile);
    const cached = compiled.get(file);
    if (cached) return cached;
    const shownAs = join(options.dir, relativeFile);
    let source;
    try {
      source = readFileSync(file, 'utf8');
    } catch (err) {
      const code = /** @type {NodeJS.ErrnoException} */ (err).code;
      if (code === 'ENOENT' || code === 'EISDIR') throw new TemplateError(`${what} not found: ${shownAs}`);
      throw err;
    }
    const template = compile(source, shownAs);
    if (options.cache) compiled.set(file, template);
    return template;
  }

  /** @type {Context['partial']} */
  function partial(name, from, line) {
    if (!NAME.test(name)) throw new TemplateError(`${from}:${line}: bad partial name ${JSON.stringify(name)}`);
    return load(join('partials', `${name}.html`), `partial "${name}" (used in ${from}:${line})`);
  }

  return {
    render(name, data) {
      // The name may come from a request one day: never let it leave the folder.
      if (typeof name !== 'string' || !NAME.test(name)) {
        throw new TemplateError(`bad template name ${JSON.stringify(name)}: use letters, digits, "_", "-" and "/", without ".html"`);
      }
      const template = load(`${name}.html`, `template "${name}"`);
      return renderTemplate(template, [{ value: data, index: 0 }], { partial, depth: 0 });
    },
  };
}

/**
 * Parses a template into a tree of nodes, or throws a TemplateError naming
 * the file and line of the mistake.
 * @param {string} source
 * @param {string} file shown in error messages
 * @returns {Template}
 */
export function compile(source, file) {
  /** @type {TemplateNode[]} */
  const nodes = [];
  /** @type {{ block: Extract<TemplateNode, { type: 'each' | 'if' }> | null, children: TemplateNode[], inElse: boolean }[]} */
  const open = [{ block: null, children: nodes, inElse: false }];
  let pos = 0;
  let line = 1;
  /** @param {string} message @param {number} [at] */
  const fail = (message, at = line) => new TemplateError(`${file}:${at}: ${message}`);
  /** @param {string} text */
  const addText = (text) => {
    if (text === '') return;
    const children = open[open.length - 1].children;
    const last = children[children.length - 1];
    if (last?.type === 'text') last.text += text;
    else children.push({ type: 'text', text });
    line += countLines(text);
  };

  while (pos < source.length) {
    const start = source.indexOf('{{', pos);
    if (start === -1) {
      addText(source.slice(pos));
      break;
    }
    if (source[start - 1] === '\\') {
      addText(source.slice(pos, start - 1) + '{{');
      pos = start + 2;
      continue;
    }
    addText(source.slice(pos, start));
    const raw = source.startsWith('{{{', start);
    const closer = raw ? '}}}' : '}}';
    const end = source.indexOf(closer, start);
    if (end === -1) throw fail(`"${raw ? '{{{' : '{{'}" is never closed with "${closer}"`);
    const tag = source.slice(start + closer.length, end).trim();
    const tagLine = line;
    line += countLines(source.slice(start, end));
    pos = end + closer.length;
    const top = open[open.length - 1];

    if (raw) {
      if (!PATH.test(tag)) throw fail(`{{{ ${tag} }}} needs a value name such as {{{ page.html }}}`, tagLine);
      top.children.push({ type: 'value', path: tag, raw: true, line: tagLine });
    } else if (tag.startsWith('!')) {
      // A comment: nothing to output.
    } else if (tag.startsWith('#')) {
      const match = /^#(each|if)\s+(\S+)$/.exec(tag);
      if (match === null) throw fail(`unknown block {{${tag}}}: use {{#each list}} or {{#if value}}`, tagLine);
      const [, type, path] = match;
      if (!PATH.test(path)) throw fail(`{{${tag}}} needs a value name such as users or page.items`, tagLine);
      const block = { type: /** @type {'each' | 'if'} */ (type), path, line: tagLine, body: [], otherwise: [] };
      top.children.push(block);
      open.push({ block, children: block.body, inElse: false });
    } else if (tag === 'else') {
      if (top.block === null || top.inElse) throw fail('{{else}} outside of {{#if}} or {{#each}}', tagLine);
      top.inElse = true;
      top.children = top.block.otherwise;
    } else if (tag.startsWith('/')) {
      const type = tag.slice(1).trim();
      if (top.block === null) throw fail(`{{${tag}}} closes nothing`, tagLine);
      if (type !== top.block.type) {
        throw fail(`{{${tag}}} does not close {{#${top.block.type} ${top.block.path}}} (line ${top.block.line})`, tagLine);
      }
      open.pop();
    } else if (tag.startsWith('>')) {
      const name = tag.slice(1).trim();
      if (!NAME.test(name)) throw fail(`{{${tag}}} needs a partial name such as header or forms/login`, tagLine);
      top.children.push({ type: 'partial', name, line: tagLine });
    } else {
      if (!PATH.test(tag)) throw fail(`{{ ${tag} }} is not a value name: use e.g. {{ title }} or {{ user.name }}`, tagLine);
      top.children.push({ type: 'value', path: tag, raw: false, line: tagLine });
    }
  }
  const unclosed = open[open.length - 1].block;
  if (unclosed) throw fail(`{{#${unclosed.type} ${unclosed.path}}} is never closed with {{/${unclosed.type}}}`, unclosed.line);
  return { file, nodes };
}

/**
 * @typedef {{ value: unknown, index: number }} Scope one level of data: the render data, or an `{{#each}}` item
 * @typedef {object} Context
 * @property {(name: string, from: string, line: number) => Template} partial
 * @property {number} depth how many partials deep we are
 */

/**
 * @param {Template} template
 * @param {Scope[]} scopes innermost last
 * @param {Context} context
 */
function renderTemplate(template, scopes, context) {
  let out = '';
  /** @param {TemplateNode[]} nodes */
  const renderNodes = (nodes) => {
    for (const node of nodes) {
      switch (node.type) {
        case 'text':
          out += node.text;
          break;
        case 'value': {
          const text = toText(lookup(scopes, node.path));
          out += node.raw ? text : escapeHtml(text);
          break;
        }
        case 'if':
          renderNodes(isTruthy(lookup(scopes, node.path)) ? node.body : node.otherwise);
          break;
        case 'each': {
          const list = lookup(scopes, node.path);
          if (!list) {
            renderNodes(node.otherwise);
            break;
          }
          if (!Array.isArray(list)) {
            throw new TemplateError(`${template.file}:${node.line}: {{#each ${node.path}}} needs a list, got ${typeof list}`);
          }
          if (list.length === 0) renderNodes(node.otherwise);
          list.forEach((item, index) => {
            scopes.push({ value: item, index });
            renderNodes(node.body);
            scopes.pop();
          });
          break;
        }
        case 'partial': {
          if (context.depth >= MAX_PARTIAL_DEPTH) {
            throw new TemplateError(`${template.file}:${node.line}: partials nested more than ${MAX_PARTIAL_DEPTH} deep (does "${node.name}" include itself?)`);
          }
          const partial = context.partial(node.name, template.file, node.line);
          out += renderTemplate(partial, scopes, { ...context, depth: context.depth + 1 });
          break;
        }
      }
    }
  };
  renderNodes(template.nodes);
  return out;
}

/**
 * Finds a value: `this` and `@index` refer to the innermost scope; a name
 * is searched from the innermost scope outwards; the rest of a dotted
 * path reads own properties only.
 * @param {Scope[]} scopes
 * @param {string} path
 */
function lookup(scopes, path) {
  const innermost = scopes[scopes.length - 1];
  if (path === '@index') return innermost.index;
  const keys = path.split('.');
  let value;
  if (keys[0] === 'this') {
    value = innermost.value;
    keys.shift();
  } else {
    const first = /** @type {string} */ (keys.shift());
    for (let i = scopes.length - 1; i >= 0 && value === undefined; i--) value = ownValue(scopes[i].value, first);
  }
  for (const key of keys) value = ownValue(value, key);
  return value;
}

/**
 * @param {unknown} target
 * @param {string} key
 */
function ownValue(target, key) {
  if (target === null || target === undefined || BLOCKED.has(key)) return undefined;
  return Object.hasOwn(/** @type {object} */ (target), key) ? /** @type {Record<string, unknown>} */ (target)[key] : undefined;
}

/**
 * Empty lists are false, as in Handlebars, so `{{#if users}}` reads naturally.
 * @param {unknown} value
 */
function isTruthy(value) {
  return Array.isArray(value) ? value.length > 0 : Boolean(value);
}

/**
 * Functions are never called nor printed (their source is not page content).
 * @param {unknown} value
 */
function toText(value) {
  if (value === undefined || value === null || typeof value === 'function' || typeof value === 'symbol') return '';
  return String(value);
}

/** @type {Record<string, string>} */
const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;', '=': '&#61;' };

/**
 * Escapes text for HTML: `&<>"'` plus the backtick and `=`, which matter in
 * unquoted attributes (the same set Handlebars escapes).
 * @param {string} text
 */
export function escapeHtml(text) {
  return text.replace(/[&<>"'`=]/g, (c) => ESCAPES[c]);
}

/** @param {string} text */
function countLines(text) {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
