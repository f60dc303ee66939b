/**
 * The feature registry's vocabulary. Every feature is data of these shapes;
 * prompts, flags, --help, presets, validation, the test matrix and the
 * add/remove/regenerate lifecycle are all derived from it.
 */

/** One answer: a single choice, several choices, yes/no or a number. */
export type AnswerValue = string | string[] | boolean | number;

/** The answers a project is generated from, keyed by group id (plus `name`). */
export interface Answers {
  name: string;
  [group: string]: AnswerValue;
}

/**
 * A question of the generator. `single` and `multi` choose among `options`;
 * `boolean` is one feature switched on or off; `number` is a setting only.
 */
export interface Group {
  /** Answer key, CLI flag (`--<id>`) and the word of `add <id> [value]`. */
  id: string;
  /** The prompt's question. */
  message: string;
  /** Name of a `boolean` group's feature in summaries and the README (e.g. "CSRF protection"). */
  title?: string;
  /** Short text for --help and `list`. */
  description: string;
  kind: 'single' | 'multi' | 'boolean' | 'number';
  default: AnswerValue;
  /** Choices of `single`/`multi` groups. */
  options?: Option[];
  /** The feature of a `boolean` group when it is true. */
  feature?: Feature;
  /** For `number`: the inclusive range. */
  range?: { min: number; max: number };
  /**
   * The group only applies when this holds (e.g. `sched` only for
   * `cluster: 'cluster'`). Otherwise it is not asked, not recorded, and
   * giving its flag is an error that names the condition.
   */
  when?: { group: string; values: AnswerValue[] };
  /** The help text of `when`, e.g. "only with --cluster cluster". */
  whenText?: string;
}

export interface Option {
  /** The value on the command line and in answers. */
  value: string;
  title: string;
  description: string;
  /** The feature when chosen; none for the "nothing" option (`none`, `single`). */
  feature?: Feature;
}

/**
 * What a feature puts into a project: the files of `templates/<id>/` (every
 * file there, same relative path; `.hbs` files rendered with the answers and
 * the suffix dropped) and structural edits of files other features own. Its
 * `snippets/` folder is not copied: it holds the code of those edits, one
 * file per project file edited (config.js, app.js, routes.js; engine/snippets.ts).
 */
export interface Feature {
  /** Feature id: `templates/<id>/`, `src/lib/<id>.js`, `test/<id>.test.js`. */
  id: string;
  /**
   * Files written once and then owned by the user (example controllers):
   * never merged on regenerate; `remove` deletes them only while unchanged.
   */
  userFiles?: string[];
  /** Edits to the composition root and the other shared files. */
  edits?: (answers: Answers) => Edit[];
  /** Other groups' answers this feature needs, e.g. csrf needs auth session. */
  requires?: Requirement[];
  /**
   * Support features whose code this feature imports (ids of `support` in
   * generators/support.ts), e.g. every auth style needs `credentials`. The
   * registry brings them with the first feature that needs them and takes
   * them with the last: they are never asked for, flagged or added alone.
   */
  needs?: string[];
  /** npm scripts the feature adds to the project's package.json. */
  scripts?: Record<string, string>;
  /**
   * devDependencies the feature adds to package.json (only TypeScript's
   * compiler and Node's types, for `npm run typecheck`): a project never has
   * runtime dependencies.
   */
  devDependencies?: Record<string, string>;
  /** Endpoints the generated README lists. */
  endpoints?: Endpoint[];
}

export interface Endpoint {
  method: string;
  path: string;
  description: string;
}

export interface Requirement {
  group: string;
  /** One of these values (for multi: the list must contain one of them). */
  values: AnswerValue[];
  /** Said when the requirement fails, e.g. "--csrf needs --auth session". */
  message: string;
}

/**
 * A structural edit (ts-morph). Each is idempotent (applying it twice equals
 * once), has an exact inverse (used by `remove`), and throws an EditError
 * when its anchor (function, object, import) is missing.
 */
export type Edit = ImportEdit | UseEdit | PropertyEdit | StatementEdit | SwapImportEdit;

/** `import { a, b } from '<from>'` (merged into an existing import of `from`). */
export interface ImportEdit {
  kind: 'import';
  file: string;
  from: string;
  names: string[];
}

/**
 * `app.use(<call>)` inside `export function buildApp`, placed in its slot of
 * the canonical order (see SLOTS). The call's callee identifies it.
 */
export interface UseEdit {
  kind: 'use';
  file: string;
  slot: Slot;
  /** e.g. `session(config)`, from templates/<feature>/snippets/app.js (`appEdits`) */
  call: string;
}

/**
 * A property of an object literal: of `export const <object>` (path drills
 * into nested literals), or of argument `argument` of a call to `object`.
 */
export interface PropertyEdit {
  kind: 'property';
  file: string;
  object: string;
  /** Drill into nested object literals of the variable first. */
  path?: string[];
  /** When set, `object` names a function called in the file, and the property goes into this argument. */
  argument?: number;
  name: string;
  /**
   * JavaScript expression text; `name` alone when shorthand. A multi-line
   * value is written at no indentation (later lines relative to the first,
   * the closing one at column 0): the edit indents it where it goes. Objects
   * of several lines come from a snippet file (engine/snippets.ts).
   */
  value: string;
  /** A JSDoc comment put above the property. */
  doc?: string;
}

/**
 * A statement inside a function body, e.g. `router.post('/login', login);` in
 * `routes`, placed where a render puts it: before the first statement of a
 * later feature, else before the function's `return`, and always after the
 * declarations it uses. Matched by its text with whitespace and quote style
 * normalised.
 */
export interface StatementEdit {
  kind: 'statement';
  file: string;
  function: string;
  /** A feature's: one statement of `export function <function>` in templates/<feature>/snippets/<file's name> (`statements`); `generate`'s are built from the names given. */
  code: string;
}

/** Takes `name` from another module: `import { serve } from './lib/serve.js'` -> `'./lib/cluster.js'`. */
export interface SwapImportEdit {
  kind: 'swap-import';
  file: string;
  name: string;
  from: string;
  to: string;
}

/**
 * Canonical middleware order of `buildApp` (docs/ARCHITECTURE.md). `cache-headers`
 * (ETag, Last-Modified, max-age: hooks pushed onto `res.cacheHooks`) comes
 * before `static`, so files and handler bodies get the same headers from one
 * line; `cache` (the server-side response cache) stays after `static` and
 * `store`: it answers for handlers only and uses the shared store.
 */
export const SLOTS = [
  'request-log',
  'security-headers',
  'cache-headers',
  'static',
  'store',
  'cache',
  'cookies',
  'session',
  'csrf',
  'auth',
  'rate-limit',
  'body',
  'router',
  'natural',
] as const;
export type Slot = (typeof SLOTS)[number];

/** A named set of answers, e.g. `api`. */
export interface Preset {
  name: string;
  description: string;
  answers: Partial<Record<string, AnswerValue>>;
}
