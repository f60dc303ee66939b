import { CLIError } from '../engine/errors.js';
import type { SlotTable } from '../engine/compose.js';
import type { GeneratedRecord } from '../engine/records.js';
import { SLOTS, type Answers, type Edit, type Slot } from '../types.js';
import { sourcePath } from '../engine/script-files.js';
import { editsInLanguage } from '../engine/typescript-project.js';
import { generatedAppEdits, generatedStatements } from '../engine/snippets.js';
import { exampleBody, fieldData, parseFields } from './fields.js';

/**
 * What `create-nodeserver generate <kind> <name>` makes. A kind is data, like
 * a feature: template folders under templates/generate/<kind>/ (plain files,
 * handlebars only for names) and structural edits of the shared files, which
 * the lifecycle's compose engine applies and `destroy` reverts. The code of
 * those edits is in the kind's snippets (`templates/generate/<kind>/snippets/`,
 * snippets.ts), rendered with the same data: here are only names and paths.
 */
export const KINDS = ['resource', 'route', 'middleware', 'page', 'interceptor'] as const;
export type Kind = (typeof KINDS)[number];

export interface GenerateRequest {
  kind: Kind;
  /** As the user typed it (a route: `GET /reports/:id`). */
  name: string;
  /** The rest: a resource's fields. */
  args: string[];
  /** A middleware's place: a slot or a middleware of buildApp. */
  before?: string;
  after?: string;
}

export interface Scaffold {
  kind: Kind;
  /** The recorded name (`destroy <kind> <name>` takes it). */
  name: string;
  args: string[];
  /** Folders under templates/, rendered in order. */
  templates: string[];
  data: Record<string, unknown>;
  edits: Edit[];
  /** Names the edits bring into a shared file: each must be free there. */
  names: { file: string; name: string }[];
  slot?: Slot;
  rank?: number;
  /** What it answers, for the report. */
  endpoints: string[];
}

// As the templates and snippets name them; a TypeScript project's are .ts (inProjectLanguage).
const ROUTES = 'src/routes.js';
const APP = 'src/app.js';

/** A name that is a JavaScript identifier, a file name and a URL segment at once. */
const NAME = /^[a-z][A-Za-z0-9]{0,39}$/;
const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof ' +
    'new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public ' +
    'await arguments eval undefined'
  ).split(' '),
);

export function validateName(kind: string, name: string): void {
  if (!NAME.test(name) || RESERVED.has(name)) {
    throw new CLIError(
      `invalid ${kind} name "${name}": use a letter a-z, then letters and digits (at most 40), not a JavaScript keyword, e.g. ${kind === 'resource' ? 'products' : 'audit'}`,
      'E_NAME',
    );
  }
}

/** What to make for a request in a project with these answers; `generated` and `slots` place a middleware. */
export function scaffold(request: GenerateRequest, answers: Answers, generated: GeneratedRecord[], slots: SlotTable): Scaffold {
  const app = sourcePath(APP, answers);
  switch (request.kind) {
    case 'resource':
      return inProjectLanguage(resource(request, answers), answers);
    case 'route':
      return inProjectLanguage(route(request), answers);
    case 'middleware':
      return inProjectLanguage(middleware(request, generated, slots, app), answers);
    case 'interceptor':
      return inProjectLanguage(interceptor(request, slots, app), answers);
    case 'page':
      return inProjectLanguage(page(request, answers), answers);
  }
}

/**
 * A scaffold as the project names its modules: the files its edits change,
 * the modules they import and the paths in its data are `.ts` in a
 * TypeScript project (the kinds are written once, for both languages).
 */
function inProjectLanguage(made: Scaffold, answers: Answers): Scaffold {
  const path = (p: string) => sourcePath(p, answers);
  return {
    ...made,
    data: Object.fromEntries(Object.entries(made.data).map(([k, v]) => [k, typeof v === 'string' ? path(v) : v])),
    edits: editsInLanguage(made.edits, answers),
    names: made.names.map((n) => ({ ...n, file: path(n.file) })),
  };
}

function noArgs(request: GenerateRequest): void {
  if (request.args.length) throw new CLIError(`${request.kind} takes a name only, got also: ${request.args.join(' ')}`, 'E_USAGE');
  if (request.kind !== 'middleware' && (request.before !== undefined || request.after !== undefined)) {
    throw new CLIError(`--before and --after place a middleware; a ${request.kind} has its own place`, 'E_FLAG');
  }
}

const capital = (s: string) => s[0].toUpperCase() + s.slice(1);

/** products -> product, categories -> category, boxes stays (better a plural than a wrong word). */
function singularOf(name: string): string {
  if (/[^aeiou]ies$/.test(name)) return `${name.slice(0, -3)}y`;
  if (/[^s]s$/.test(name) && name.length > 3) return name.slice(0, -1);
  return name;
}

function resource(request: GenerateRequest, answers: Answers): Scaffold {
  validateName('resource', request.name);
  if (request.before !== undefined || request.after !== undefined) throw new CLIError('--before and --after place a middleware; a resource has its own place', 'E_FLAG');
  const fields = parseFields(request.args);
  const name = request.name;
  const singular = singularOf(name);
  const natural = answers.routing === 'natural';
  const routing = `generate/resource/${natural ? 'natural' : 'table'}`;
  const names = {
    name,
    singular,
    Singular: capital(singular),
    Plural: capital(name),
    type: capital(singular),
    controller: natural ? `src/controllers/${name}.js` : `src/resources/${name}.js`,
  };
  const data = { ...names, fields: fieldData(fields, names), example: exampleBody(fields) };
  return {
    kind: 'resource',
    name,
    args: request.args,
    templates: ['generate/resource/common', routing],
    data,
    edits: natural ? [] : [{ kind: 'import', file: ROUTES, from: `./resources/${name}.js`, names: [name] }, ...generatedStatements(routing, ROUTES, 'routes', data)],
    names: natural ? [] : [{ file: ROUTES, name }],
    endpoints: natural
      ? [`GET /${name}`, `POST /${name}/create`, `GET /${name}/show/:id`, `PUT, PATCH /${name}/update/:id`, `DELETE /${name}/destroy/:id`]
      : [`GET /${name}`, `POST /${name}`, `GET /${name}/:id`, `PUT, PATCH /${name}/:id`, `DELETE /${name}/:id`],
  };
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const SEGMENT = /^(?:[A-Za-z0-9][A-Za-z0-9._~-]{0,63}|:[A-Za-z_][A-Za-z0-9_]{0,31})$/;

/** `route GET /reports/:id`: the name is the method, the path the one argument. */
function route(request: GenerateRequest): Scaffold {
  const [path, ...rest] = request.args;
  const method = request.name.toUpperCase();
  if (!METHODS.includes(method) || path === undefined) {
    throw new CLIError(`generate route takes a method and a path, e.g. generate route GET /reports/:id (methods: ${METHODS.join(', ')})`, 'E_USAGE');
  }
  if (rest.length) throw new CLIError(`route takes a method and a path only, got also: ${rest.join(' ')}`, 'E_USAGE');
  if (request.before !== undefined || request.after !== undefined) throw new CLIError('--before and --after place a middleware; a route has its own place', 'E_FLAG');
  const segments = path === '/' ? [] : path.split('/').slice(1);
  if (
    !path.startsWith('/') ||
    segments.length > 10 ||
    !segments.every((s) => SEGMENT.test(s)) ||
    new Set(segments.filter((s) => s.startsWith(':'))).size !== segments.filter((s) => s.startsWith(':')).length
  ) {
    throw new CLIError(`invalid route path "${path}": /word/:param segments (letters, digits, . _ ~ -; :param a name), e.g. /reports/:id`, 'E_NAME');
  }
  const words = segments.length ? segments.map((s) => (s.startsWith(':') ? `by-${s.slice(1)}` : s)) : ['root'];
  const parts = [method.toLowerCase(), ...words.flatMap((w) => w.split(/[^A-Za-z0-9]+/).filter(Boolean))];
  const handler = parts
    .map((p, i) => (i ? capital(p) : p))
    .join('')
    .replace(/^(\w)/, (c) => c.toLowerCase());
  const file = parts.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()).join('-');
  const samplePath = `/${segments.map((s) => (s.startsWith(':') ? `example-${s.slice(1).toLowerCase()}` : s)).join('/')}`;
  // The parameters the sample path gives, as the handler answers them.
  const params = segments.filter((s) => s.startsWith(':')).map((s) => ({ name: s.slice(1), value: `example-${s.slice(1).toLowerCase()}` }));
  const data = { method, path, handler, file, routerMethod: method.toLowerCase(), samplePath, params };
  return {
    kind: 'route',
    name: `${method} ${path}`,
    args: [],
    templates: [`generate/route/${method === 'GET' ? 'read' : 'write'}`],
    data,
    edits: [{ kind: 'import', file: ROUTES, from: `./handlers/${file}.js`, names: [handler] }, ...generatedStatements('generate/route', ROUTES, 'routes', data)],
    names: [{ file: ROUTES, name: handler }],
    endpoints: [`${method} ${path}`],
  };
}

/**
 * The place of a middleware in buildApp: before or after a slot of the
 * canonical order (its first or last place), or before or after a
 * middleware of the registry or one generated earlier. By default after
 * `body`: parsed bodies, logins and sessions are there, the routes come next.
 */
function placement(request: GenerateRequest, generated: GeneratedRecord[], slots: SlotTable, app: string): { slot: Slot; rank: number } {
  if (request.before !== undefined && request.after !== undefined) throw new CLIError('give --before or --after, not both', 'E_FLAG');
  const where = request.before !== undefined ? 'before' : 'after';
  const target = request.before ?? request.after ?? 'body';
  if ((SLOTS as readonly string[]).includes(target)) return { slot: target as Slot, rank: where === 'after' ? 999_998 : -0.5 };
  const mine = generated.find((g) => (g.kind === 'middleware' || g.kind === 'interceptor') && g.name === target && g.slot !== undefined && g.rank !== undefined);
  const slot = mine?.slot ?? slots.get(target);
  const rank = mine?.rank ?? slots.rank?.get(`use:${app}:${target}`);
  if (slot === undefined || rank === undefined) {
    const known = [...slots.keys(), ...generated.filter((g) => g.slot).map((g) => g.name)];
    throw new CLIError(`--${where} ${target}: name a slot (${SLOTS.join(', ')}) or a middleware (${known.join(', ')})`, 'E_VALUE');
  }
  return { slot, rank: where === 'after' ? rank + 0.5 : rank - 0.5 };
}

/** `app`: the project's src/app.js or src/app.ts, as the slot table names it. */
function middleware(request: GenerateRequest, generated: GeneratedRecord[], slots: SlotTable, app: string): Scaffold {
  validateName('middleware', request.name);
  noArgs(request);
  const name = request.name;
  const { slot, rank } = placement(request, generated, slots, app);
  const args = request.before !== undefined ? ['--before', request.before] : ['--after', request.after ?? 'body'];
  const data = { name, slot };
  return {
    kind: 'middleware',
    name,
    args,
    templates: ['generate/middleware'],
    data,
    edits: [{ kind: 'import', file: APP, from: `./middleware/${name}.js`, names: [name] }, ...generatedAppEdits('generate/middleware', data)],
    names: [{ file: APP, name }],
    slot,
    rank,
    endpoints: [],
  };
}

/** Interceptors run just before the routes, in the order they were made (equal ranks keep that order). */
function interceptor(request: GenerateRequest, slots: SlotTable, app: string): Scaffold {
  validateName('interceptor', request.name);
  noArgs(request);
  const name = request.name;
  const rank = (slots.rank?.get(`use:${app}:routes`) ?? 0) - 0.5;
  const data = { name };
  const uses = generatedAppEdits('generate/interceptor', data);
  // The snippet's `// slot:` line is the one place that says where interceptors go.
  const slot = uses.find((e) => e.kind === 'use')?.slot;
  if (slot === undefined) throw new Error('snippet generate/interceptor/snippets/app.js.hbs: no app.use(...) after a "// slot:" line');
  return {
    kind: 'interceptor',
    name,
    args: [],
    templates: ['generate/interceptor'],
    data,
    edits: [{ kind: 'import', file: APP, from: `./interceptors/${name}.js`, names: [name] }, ...uses],
    names: [{ file: APP, name }],
    slot,
    rank,
    endpoints: [],
  };
}

function page(request: GenerateRequest, answers: Answers): Scaffold {
  validateName('page', request.name);
  noArgs(request);
  const name = request.name;
  const handler = `${name}Page`;
  const dir = answers.bigpipe === true ? 'generate/page/bigpipe' : 'generate/page/view';
  const data = { name, handler, title: capital(name) };
  return {
    kind: 'page',
    name,
    args: [],
    templates: [dir],
    data,
    edits: [{ kind: 'import', file: ROUTES, from: `./pages/${name}.js`, names: [handler] }, ...generatedStatements(dir, ROUTES, 'routes', data)],
    names: [{ file: ROUTES, name: handler }],
    endpoints: [`GET /${name}`],
  };
}
