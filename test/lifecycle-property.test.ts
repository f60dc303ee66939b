import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { applies, groups } from '../generators/registry.js';
import { resolveAnswers } from '../generators/engine/answers.js';
import { addFeature, isFixed, removeFeature } from '../generators/engine/answer-changes.js';
import { CLIError } from '../generators/engine/errors.js';
import { addedTypeErrors, planUpdate } from '../generators/engine/lifecycle.js';
import { hasConflictMarkers } from '../generators/engine/merge.js';
import { MOVES } from '../generators/engine/moves.js';
import { loadProject } from '../generators/engine/project.js';
import { commit, recover } from '../generators/engine/transaction.js';
import { typecheck } from './support/typecheck.js';
import type { Answers } from '../generators/types.js';
import { generate, pathWith, pool, projectNode, remove, ROOT, run, tempDir } from './support/project.js';
import { seeded } from './support/random.js';
import { readTree, treeDiff } from './support/tree.js';

/**
 * A seeded, property-based test of the lifecycle. Each sequence starts from
 * a fresh project with random answers or from a project of an earlier
 * release, then interleaves random user edits (comments anywhere, changed
 * settings, reformatted code (by hand and by Prettier with other settings),
 * renamed code, own routes, middleware, files and
 * tests, CRLF files) with random add, remove and regenerate. After every
 * step every user edit is still there, no conflict markers appear, and the
 * step added no type errors; an add followed by a remove gives back the
 * same bytes; at the end the whole project type-checks and its own
 * `npm test` passes. Each project's language is drawn too (fixed for its
 * sequence): the edits go to its .ts or .js files, and a TypeScript
 * project's tests run on a Node that runs TypeScript (projectNode).
 * PROPERTY_STEPS (200) and PROPERTY_SEED control it; a
 * failure prints the seed and the steps that led to it.
 */
const property = suite('lifecycle-property');
const STEPS = Number(process.env.PROPERTY_STEPS ?? 200);
const SEQUENCE = 20;
const seed = Number(process.env.PROPERTY_SEED ?? Date.now() % 1_000_000);
let root: string;

property.before(() => {
  root = tempDir('cns-prop-');
  console.log(`  property: ${STEPS} steps in sequences of ${SEQUENCE}, seed ${seed} (PROPERTY_SEED=${seed} repeats it)`);
});
property.after(() => remove(root));

type Rng = () => number;
const pick = <T>(r: Rng, list: T[]): T => list[Math.floor(r() * list.length)];

/** A text the user wrote into a file; it must be there after every step. */
interface Mark {
  file: string;
  text: string;
}

/** Random valid answers: each group gets a random value, then requirements are made to hold. */
function randomAnswers(r: Rng, name: string): Answers {
  for (;;) {
    const partial: Record<string, unknown> = { name };
    for (const g of groups) {
      if (!applies(g, partial as Answers)) continue;
      if (g.kind === 'single') partial[g.id] = pick(r, g.options!).value;
      else if (g.kind === 'multi') partial[g.id] = g.options!.map((o) => o.value).filter(() => r() < 0.4);
      else if (g.kind === 'boolean') partial[g.id] = r() < 0.5;
      else partial[g.id] = Math.floor(r() * 3);
    }
    try {
      return resolveAnswers(partial);
    } catch {
      // an invalid combination (csrf without sessions, sessions without json): draw again
    }
  }
}

const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');
/** The project's module extension: `.ts` for a TypeScript project (its server is src/server.ts), else `.js`. */
const ext = (dir: string) => (existsSync(join(dir, 'src/server.ts')) ? '.ts' : '.js');
/** A module of the project by its name without extension: `mod(dir, 'src/app')` is src/app.ts or src/app.js. */
const mod = (dir: string, name: string) => `${name}${ext(dir)}`;
const sources = (dir: string) => [
  mod(dir, 'src/app'),
  mod(dir, 'src/routes'),
  mod(dir, 'src/config'),
  ...readdirSync(join(dir, 'src/lib'))
    .filter((f) => f.endsWith(ext(dir)))
    .map((f) => `src/lib/${f}`),
];

/** The user edits: each changes the project and returns what must survive, or undefined when it does not apply. */
const userEdits: Record<string, (dir: string, r: Rng, n: number) => Mark | undefined | Promise<Mark | undefined>> = {
  comment(dir, r, n) {
    const file = pick(r, sources(dir));
    const lines = read(dir, file).split('\n');
    // Above a statement-starting line, at its indentation: a comment describing that line.
    const spots = lines.map((l, i) => (/^\s*(import |export |const |let |app\.use\(|router\.|return |\/\/ )/.test(l) ? i : -1)).filter((i) => i >= 0);
    if (!spots.length) return undefined;
    const at = pick(r, spots);
    const text = `// note ${n}: why this line is here`;
    lines.splice(at, 0, `${/^\s*/.exec(lines[at])![0]}${text}`);
    writeFileSync(join(dir, file), lines.join('\n'));
    return { file, text };
  },
  setting(dir, _r, n) {
    const text = `port: ${4000 + n}`;
    const file = mod(dir, 'src/config');
    const config = read(dir, file);
    if (!/port: \d+/.test(config)) return undefined;
    writeFileSync(join(dir, file), config.replace(/port: \d+/, text));
    return { file, text };
  },
  route(dir, _r, n) {
    const file = mod(dir, 'src/routes');
    const routes = read(dir, file);
    const text = `router.get('/mine-${n}', (req, res) => res.json({ mine: ${n} }));`;
    const at = routes.lastIndexOf('  return ');
    if (at === -1) return undefined;
    writeFileSync(join(dir, file), `${routes.slice(0, at)}  ${text}\n${routes.slice(at)}`);
    return { file, text };
  },
  middleware(dir, _r, n) {
    const file = mod(dir, 'src/app');
    const app = read(dir, file);
    const receiver = /\b(\w+)\.use\(/.exec(app)?.[1];
    const at = app.lastIndexOf('  return ');
    if (!receiver || at === -1) return undefined;
    const text = `res.setHeader('x-mine-${n}', 'yes');`;
    writeFileSync(join(dir, file), `${app.slice(0, at)}  ${receiver}.use((req, res, next) => {\n    ${text}\n    next();\n  });\n${app.slice(at)}`);
    return { file, text };
  },
  ownFile(dir, _r, n) {
    const file = mod(dir, `src/own-${n}`);
    // A JavaScript module asks for its check; TypeScript is checked as it is, with its annotation.
    const text = ext(dir) === '.ts' ? `export const own${n}: number = ${n};` : `export const own${n} = ${n};`;
    writeFileSync(join(dir, file), ext(dir) === '.ts' ? `${text}\n` : `// @ts-check\n${text}\n`);
    return { file, text };
  },
  ownTest(dir, _r, n) {
    // A project of an earlier version has the pipeline's test under its old name (moves.ts).
    const file = existsSync(join(dir, mod(dir, 'test/pipeline.test'))) ? mod(dir, 'test/pipeline.test') : mod(dir, 'test/app.test');
    const text = `test('my own test ${n}', () => assert.ok(true));`;
    writeFileSync(join(dir, file), `${read(dir, file)}\n${text}\n`);
    return { file, text };
  },
  reformat(dir) {
    // Four spaces instead of two in the composition root.
    const file = mod(dir, 'src/app');
    const app = read(dir, file);
    writeFileSync(
      join(dir, file),
      app.replace(/^( +)/gm, (s) => s + s),
    );
    return undefined;
  },
  async formatter(dir, r) {
    // The user's own formatter settings over a whole file (Biome's tabs and double quotes, no semicolons, four spaces).
    const file = pick(r, [mod(dir, 'src/app'), mod(dir, 'src/routes'), mod(dir, 'src/config')]);
    const options = { printWidth: 190, trailingComma: 'all' as const, useTabs: r() < 0.5, tabWidth: r() < 0.5 ? 4 : 2, singleQuote: r() < 0.4, semi: r() < 0.5 };
    writeFileSync(join(dir, file), await prettier.format(read(dir, file), { ...options, parser: file.endsWith('.ts') ? 'typescript' : 'babel' }));
    return undefined;
  },
  rename(dir) {
    const file = mod(dir, 'src/app');
    const app = read(dir, file);
    if (!/const app = createApp\(/.test(app)) return undefined;
    writeFileSync(
      join(dir, file),
      app
        .replace(/\bapp\.use\(/g, 'server.use(')
        .replace('const app = createApp(', 'const server = createApp(')
        .replace(/\breturn app\b/, 'return server'),
    );
    return { file, text: 'const server = createApp(' };
  },
  crlf(dir, r) {
    const file = pick(r, [mod(dir, 'src/config'), 'README.md', 'public/style.css', mod(dir, 'src/routes')]);
    if (!existsSync(join(dir, file))) return undefined;
    writeFileSync(join(dir, file), read(dir, file).replace(/\r?\n/g, '\r\n'));
    return undefined;
  },
};

/** A random add or remove that the answers allow, as words of the command. */
function randomChange(r: Rng, answers: Answers, fixed: Set<string>): { command: 'add' | 'remove'; words: string[]; switched?: boolean } | undefined {
  const g = pick(
    r,
    groups.filter((x) => x.kind !== 'number' && applies(x, answers) && !fixed.has(x.id) && !isFixed(x.id)),
  );
  const value = answers[g.id];
  if (g.kind === 'boolean') return { command: value ? 'remove' : 'add', words: [g.id] };
  const options = g.options!.map((o) => o.value);
  if (g.kind === 'multi') {
    const list = value as string[];
    const out = options.filter((o) => !list.includes(o));
    if (out.length && (r() < 0.6 || !list.length)) return { command: 'add', words: [g.id, pick(r, out)] };
    return list.length ? { command: 'remove', words: [g.id, pick(r, list)] } : undefined;
  }
  const others = options.filter((o) => o !== value);
  // Any add in a single-choice group is a switch (table -> natural): the remove that undoes it
  // brings the default's lines back the way an add does, after the user's own, so no byte round trip.
  return { command: 'add', words: [g.id, pick(r, others)], switched: true };
}

/** Runs add/remove/regenerate as the CLI does, minus its printing. Returns a refusal code, or undefined when done. */
async function lifecycle(dir: string, command: 'add' | 'remove' | 'regenerate', words: string[] = []): Promise<string | undefined> {
  recover(dir);
  const project = loadProject(dir);
  let partial: Answers;
  try {
    const change = command === 'add' ? addFeature(project.manifest.answers, words) : command === 'remove' ? removeFeature(project.manifest.answers, words) : project.manifest.answers;
    if (typeof change === 'string') return 'nothing to do';
    partial = change;
  } catch (err) {
    if (err instanceof CLIError) return err.code;
    throw err;
  }
  const known: Record<string, unknown> = { name: partial.name };
  for (const g of groups) if (partial[g.id] !== undefined && applies(g, partial)) known[g.id] = partial[g.id];
  let answers: Answers;
  try {
    answers = resolveAnswers(known, new Set());
  } catch (err) {
    if (err instanceof CLIError) return err.code;
    throw err;
  }
  const plan = await planUpdate(project, answers);
  const errors = addedTypeErrors(project, plan);
  if (errors.length) throw new Error(`${command} ${words.join(' ')} would add type errors: ${errors.join('; ')}`);
  for (const entry of plan.entries.filter((e) => e.conflicts)) {
    const resolved = typeof entry.after === 'string' ? resolveNotesOverDeletedLines(entry.after) : undefined;
    if (resolved === undefined)
      throw new Error(
        `${command} ${words.join(' ')} left ${entry.conflicts} conflict(s) in ${entry.path}: ${plan.entries
          .filter((e) => e.conflicts)
          .map((e) => e.path)
          .join(', ')}`,
      );
    plan.writes.set(entry.path, resolved);
  }
  commit(dir, plan.writes);
  return undefined;
}

/**
 * The one conflict the merge leaves on purpose for a random edit: the user's
 * note above a line the new version deleted (it would describe the wrong line
 * if placed silently; test/merge asserts it). Resolved as a user would, keeping
 * the note and letting the line go, so the sequence goes on and the note check
 * still sees it. Any other conflict, or a block whose yours side is more than
 * base plus comment lines, or whose new side is more than base minus lines, is
 * undefined: a failure.
 */
function resolveNotesOverDeletedLines(text: string): string | undefined {
  const blocks = /^<<<<<<< yours[^\n]*\n([\s\S]*?)^\|\|\|\|\|\|\| base[^\n]*\n([\s\S]*?)^=======\n([\s\S]*?)^>>>>>>> new[^\n]*\n/gm;
  let allowed = true;
  const out = text.replace(blocks, (_all, yours: string, base: string, theirs: string) => {
    const lines = (t: string) => (t === '' ? [] : t.replace(/\n$/, '').split('\n'));
    const [a, o, b] = [lines(yours), lines(base), lines(theirs)];
    const notes = a.filter((l) => /^\s*\/\/ note \d+:/.test(l));
    const code = a.filter((l) => !notes.includes(l));
    let at = 0;
    for (const line of o) if (at < b.length && b[at] === line) at++;
    if (notes.length === 0 || code.join('\n') !== o.join('\n') || at !== b.length || b.length === o.length) allowed = false;
    return [...notes, ...b].map((l) => `${l}\n`).join('');
  });
  return allowed && !hasConflictMarkers(out) ? out : undefined;
}

/** Refusals that are the answers' rules, not bugs: requirements and defaults. */
const EXPECTED_REFUSALS = new Set(['nothing to do', 'E_CONFLICT', 'E_USAGE']);

async function sequence(index: number, steps: number): Promise<{ log: string[]; dir: string }> {
  const r = seeded(seed * 1000 + index);
  const log: string[] = [];
  const fixtures = readdirSync(join(ROOT, 'fixtures/projects')).filter((f) => existsSync(join(ROOT, 'fixtures/projects', f, 'nodeserver.json')));
  let dir: string;
  // A fixture's own code and tests are written for its routing mode (an own controller, an own route).
  const fixed = new Set<string>();
  if (fixtures.length && r() < 0.3) {
    fixed.add('routing');
    const fixture = pick(r, fixtures);
    dir = join(root, `seq-${index}`);
    cpSync(join(ROOT, 'fixtures/projects', fixture), dir, { recursive: true });
    log.push(`start from fixture ${fixture}`);
  } else {
    const answers = randomAnswers(r, `seq-${index}`);
    dir = await generate(answers, root);
    log.push(`start from ${JSON.stringify(answers)}`);
  }
  const marks: Mark[] = [];
  // The user's formatter may have changed a mark's quotes, semicolons or spaces since: still the user's text.
  const formatFree = (text: string) => text.replace(/"/g, "'").replace(/[;\s]+/g, '');
  const check = (what: string) => {
    for (const m of marks) {
      // An upgrade moves a file this version renamed, with the user's text in it.
      const moved = MOVES.find((x) => x.from === m.file);
      if (moved && !existsSync(join(dir, m.file))) m.file = moved.to;
      const path = join(dir, m.file);
      if (!existsSync(path) || !formatFree(readFileSync(path, 'utf8')).includes(formatFree(m.text))) throw new Error(`after ${what}: lost "${m.text}" in ${m.file}`);
    }
    for (const [path, text] of readTree(dir)) if (!path.startsWith('.nodeserver/') && hasConflictMarkers(text)) throw new Error(`after ${what}: conflict markers in ${path}`);
  };
  for (let step = 0; step < steps; step++) {
    try {
      await oneStep(step);
    } catch (err) {
      throw Object.assign(err as Error, { log });
    }
  }
  return { log, dir };

  async function oneStep(step: number) {
    const n = index * 1000 + step;
    const kind = r();
    let what: string;
    if (kind < 0.45) {
      const name = pick(r, Object.keys(userEdits));
      const mark = await userEdits[name](dir, r, n);
      // A setting changed again replaces its earlier value.
      if (mark && name === 'setting') marks.splice(0, marks.length, ...marks.filter((m) => !m.text.startsWith('port: ')));
      if (mark) marks.push(mark);
      what = `edit ${name}${mark ? ` (${mark.file})` : ''}`;
    } else if (kind < 0.85) {
      const answers = loadProject(dir).manifest.answers;
      const change = randomChange(r, answers, fixed);
      if (!change) return;
      // A round trip only holds on a project already at this version: an add on an older
      // project also merges the upgrade, which the remove does not undo.
      const upToDate = loadProject(dir).manifest.version === JSON.parse(read(ROOT, 'package.json')).version;
      const roundTrip = change.command === 'add' && !change.switched && r() < 0.3 && upToDate;
      const before = roundTrip ? readTree(dir) : undefined;
      what = `${change.command} ${change.words.join(' ')}`;
      log.push(`(${what})`);
      const refusal = await lifecycle(dir, change.command, change.words);
      log.pop();
      what += refusal ? ` -> ${refusal}` : '';
      if (refusal && !EXPECTED_REFUSALS.has(refusal)) throw new Error(`${what}: refused`);
      if (roundTrip && !refusal) {
        const back = await lifecycle(dir, 'remove', change.words);
        what += ' then remove again';
        if (!back) {
          const diff = treeDiff(before!, readTree(dir));
          if (diff.length) throw new Error(`${what}: not the same bytes: ${diff.join(', ')}`);
        }
      }
    } else {
      const refusal = await lifecycle(dir, 'regenerate');
      what = `regenerate${refusal ? ` -> ${refusal}` : ''}`;
    }
    log.push(what);
    check(what);
  }
}

property('random user edits interleaved with add, remove and regenerate never lose an edit', async () => {
  const count = Math.ceil(STEPS / SEQUENCE);
  const failures: string[] = [];
  const finished: { index: number; dir: string; log: string[] }[] = [];
  for (let i = 0; i < count; i++) {
    try {
      const { log, dir } = await sequence(i, Math.min(SEQUENCE, STEPS - i * SEQUENCE));
      finished.push({ index: i, dir, log });
    } catch (err) {
      const log = (err as { log?: string[] }).log ?? [];
      failures.push(`sequence ${i} (PROPERTY_SEED=${seed}): ${(err as Error).message}\n    steps: ${log.join(' | ')}`);
    }
  }
  // At the end of each sequence: the whole project type-checks and passes its own tests.
  const ends = await pool(
    2,
    finished.map((s) => async () => {
      const errors = typecheck(s.dir);
      if (errors.length) return `sequence ${s.index} (PROPERTY_SEED=${seed}): type errors at the end: ${errors.slice(0, 5).join('; ')}\n    steps: ${s.log.join(' | ')}`;
      const node = projectNode(loadProject(s.dir).manifest.answers);
      const t = await run('npm', ['test', '--silent'], { cwd: s.dir, timeout: 300_000, env: pathWith(node, { NODE_ENV: 'test' }) });
      if (t.code !== 0)
        return `sequence ${s.index} (PROPERTY_SEED=${seed}): npm test failed: ${(t.stdout + t.stderr)
          .split('\n')
          .filter((l) => /^\s*not ok|^\s*error:|^\s*(expected|actual):|^\s*location:/.test(l))
          .slice(0, 12)
          .join(' / ')}\n    steps: ${s.log.join(' | ')}`;
      return '';
    }),
  );
  failures.push(...ends.filter(Boolean));
  const typescriptCount = finished.filter((s) => loadProject(s.dir).manifest.answers.lang === 'ts').length;
  console.log(`  property: ${count} sequences, ${STEPS} steps, ${finished.length} sequences finished cleanly before their tests (${typescriptCount} in TypeScript)`);
  assert.equal(failures, []);
});

property.run();
