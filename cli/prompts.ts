import { applies, groups } from '../generators/registry.js';
import { validateName } from '../generators/engine/answers.js';
import type { AnswerValue, Group } from '../generators/types.js';

import { Cancelled } from './cancelled.js';

/** inquirer, loaded on the first question: runs without a terminal never need it. */
async function prompt<T>(questions: never[]): Promise<T> {
  const { default: inquirer } = await import('inquirer');
  return inquirer.prompt(questions) as Promise<T>;
}

/** Asks for the project folder when none was given. */
export async function askName(): Promise<string> {
  return guard(async () => {
    const { name } = await prompt<{ name: string }>([
      {
        type: 'input',
        name: 'name',
        message: 'Project name:',
        default: 'my-server',
        validate: (value: string) => {
          try {
            validateName(value);
            return true;
          } catch (err) {
            return (err as Error).message;
          }
        },
      },
    ] as never[]);
    return name;
  });
}

/**
 * Asks every question of the registry that `known` does not answer yet, in
 * registry order, skipping groups that do not apply to earlier answers.
 */
export async function askAnswers(known: Record<string, unknown>, only?: Group[]): Promise<Record<string, unknown>> {
  const answers: Record<string, unknown> = { ...known };
  for (const group of only ?? groups) {
    if (answers[group.id] !== undefined || !applies(group, answers as never)) continue;
    answers[group.id] = await guard(() => ask(group));
  }
  return answers;
}

async function ask(group: Group): Promise<AnswerValue> {
  // The title in the list, the description below it for the highlighted choice.
  const choices = (group.options ?? []).map((o) => ({ name: o.title, value: o.value, short: o.title, description: o.description }));
  const q = { name: 'value', message: group.message, default: group.default };
  let question: Record<string, unknown>;
  switch (group.kind) {
    case 'single':
      question = { ...q, type: 'select', choices };
      break;
    case 'multi':
      question = {
        ...q,
        type: 'checkbox',
        choices: choices.map((c) => ({ ...c, checked: (group.default as string[]).includes(c.value) })),
      };
      break;
    case 'boolean':
      question = { ...q, type: 'confirm' };
      break;
    case 'number':
      question = { ...q, type: 'number', min: group.range?.min, max: group.range?.max };
      break;
  }
  const { value } = await prompt<{ value: AnswerValue }>([question as never]);
  return value;
}

async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    // inquirer rejects with ExitPromptError on Ctrl-C.
    if (err instanceof Error && err.name === 'ExitPromptError') throw new Cancelled();
    throw err;
  }
}

/**
 * `generate` with no arguments in a terminal: the kind, the name, and a
 * resource's fields (a route's method and path). Returns them as the
 * command line would have them.
 */
export async function askGenerate(kinds: readonly string[], types: readonly string[]): Promise<string[]> {
  return guard(async () => {
    const { kind } = await prompt<{ kind: string }>([{ type: 'select', name: 'kind', message: 'What should be generated?', choices: kinds.map((k) => ({ name: k, value: k })) }] as never[]);
    if (kind === 'route') {
      const { method, path } = await prompt<{ method: string; path: string }>([
        { type: 'select', name: 'method', message: 'Method:', choices: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => ({ name: m, value: m })) },
        { type: 'input', name: 'path', message: 'Path (e.g. /reports/:id):', validate: (v: string) => v.startsWith('/') || 'a path starts with /' },
      ] as never[]);
      return [kind, method, path];
    }
    const { name } = await prompt<{ name: string }>([
      { type: 'input', name: 'name', message: `Name of the ${kind}:`, validate: (v: string) => /^[a-z][A-Za-z0-9]{0,39}$/.test(v) || 'a letter a-z, then letters and digits' },
    ] as never[]);
    if (kind !== 'resource') return [kind, name];
    const { fields } = await prompt<{ fields: string }>([
      { type: 'input', name: 'fields', message: `Fields, space-separated name:type (${types.join(', ')}; ? for optional):`, default: 'name:string' },
    ] as never[]);
    return [kind, name, ...fields.split(/\s+/).filter(Boolean)];
  });
}
