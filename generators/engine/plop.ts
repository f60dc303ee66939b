import nodePlop from 'node-plop';

/**
 * node-plop behind one door. It runs a generator's actions in order and
 * reports a failing action as a plain `{ type, path, error, message }`
 * object (or a string), which loses the stack and the error's class. Here an
 * action is a plain function, and the first one that throws is rethrown as
 * the Error it threw: callers never see node-plop's failure shapes.
 */

/** One step of a run: does its work, returns what it touched (for node-plop's log). */
export type Action = () => string;

export interface Plop {
  /** Renders a handlebars template with the helpers set here. */
  renderString(template: string, data: object): string;
  /** Runs `actions` in order as one node-plop generator named `name`; throws the first action's error. */
  run(name: string, actions: Action[]): Promise<void>;
}

export async function createPlop(helpers: Record<string, (value: unknown) => string> = {}): Promise<Plop> {
  const plop = await nodePlop('', { force: true, destBasePath: '.' });
  for (const [name, helper] of Object.entries(helpers)) plop.setHelper(name, helper);

  /** What the failing action threw, kept before node-plop flattens it. */
  const thrown: unknown[] = [];
  plop.setActionType('step', (_answers, config) => {
    try {
      return (config as unknown as { step: Action }).step();
    } catch (error) {
      thrown.push(error);
      throw error;
    }
  });

  return {
    renderString: (template, data) => plop.renderString(template, data),
    async run(name, actions) {
      if (!actions.length) return;
      thrown.length = 0;
      const generator = plop.setGenerator(name, { description: name, prompts: [], actions: actions.map((step) => ({ type: 'step', step })) });
      const result = await generator.runActions({});
      if (!result.failures.length) return;
      if (thrown[0] instanceof Error) throw thrown[0];
      const failure: unknown = thrown.length ? thrown[0] : result.failures[0];
      throw new Error(`${name}: ${typeof failure === 'string' ? failure : describe(failure)}`);
    },
  };
}

/** A failure node-plop made itself (an action type it does not know, say) as one line. */
function describe(failure: unknown): string {
  if (failure && typeof failure === 'object') {
    const { error, message, path } = failure as Record<string, unknown>;
    return [path, error ?? message].filter((part) => typeof part === 'string' && part !== '').join(': ') || JSON.stringify(failure);
  }
  return String(failure);
}
