import type { Answers, Group } from './types.js';

/** The languages a project is written in: the values of the `lang` group. */
export type Lang = 'ts' | 'js';

/**
 * What a project's package.json and README say for each language. `node` is
 * the first Node.js release that runs the project as generated: 22.18 is the
 * first 22.x that strips TypeScript types without a flag.
 */
export const LANGUAGES: Record<Lang, { ext: string; node: string }> = {
  ts: { ext: 'ts', node: '22.18' },
  js: { ext: 'js', node: '22' },
};

/** `process.features` as Node 22.10+ describes it (`typescript` is 'strip', 'transform' or false; absent before). */
type Features = { typescript?: string | boolean };

/** Does this Node run `.ts` files without flags (type stripping on by default)? */
export function runsTypeScript(features: Features = process.features as Features): boolean {
  return Boolean(features.typescript);
}

/**
 * The language a new project gets when none is given: TypeScript when the
 * Node running the generator runs it natively (the project will start with
 * the same Node), JavaScript otherwise. Never used for a project recorded
 * before `lang` existed: that one is JavaScript (records.ts).
 */
export function defaultLang(features: Features = process.features as Features): Lang {
  return runsTypeScript(features) ? 'ts' : 'js';
}

/** The language of these answers (a render always has `lang`; older records are migrated to `js` before they get here). */
export function langOf(answers: Answers): Lang {
  return answers.lang === 'ts' ? 'ts' : 'js';
}

/**
 * The language of the project. Both options come from the same templates
 * (JavaScript with JSDoc types); a TypeScript project is converted from them
 * at render time (engine/typescript.ts). Each option's feature brings the
 * compiler settings of its language and the npm scripts that name its files.
 * Fixed when the project is created (answer-changes.ts).
 */
export const lang: Group = {
  id: 'lang',
  message: 'Language',
  description: 'TypeScript (Node 22.18+ runs it directly: no build step; tsc only for npm run typecheck) or JavaScript with JSDoc types',
  kind: 'single',
  default: defaultLang(),
  options: [
    {
      value: 'ts',
      title: 'TypeScript',
      description: 'src/**/*.ts run by Node itself (type stripping), tsconfig.json strict, npm run typecheck with tsc',
      feature: {
        id: 'typescript',
        scripts: {
          start: 'node src/server.ts',
          dev: 'node --watch src/server.ts',
          // The shell expands the glob (Node 21+ also expands it itself, e.g. on Windows).
          test: 'node --test test/*.test.ts',
          typecheck: 'tsc',
        },
        // The one exception to "no dependencies": used only by `npm run typecheck`;
        // npm start and npm test need nothing installed. @types/node of the oldest
        // Node line the project supports, so no newer API type-checks by mistake.
        devDependencies: { '@types/node': '^22.0.0', typescript: '^5.9.0' },
      },
    },
    {
      value: 'js',
      title: 'JavaScript',
      description: 'src/**/*.js with JSDoc types, jsconfig.json strict checkJs for the editor',
      feature: {
        id: 'javascript',
        scripts: {
          start: 'node src/server.js',
          dev: 'node --watch src/server.js',
          // The shell expands the glob (Node 21+ also expands it itself, e.g. on Windows).
          test: 'node --test test/*.test.js',
        },
      },
    },
  ],
};
