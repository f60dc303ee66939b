import { appEdits } from './engine/snippets.js';
import type { Feature } from './types.js';

/**
 * The runtime every project gets (templates/base). Its `use` edits are
 * already in the template (so applying them is a no-op); declaring them
 * (templates/base/snippets/app.js) gives the compose step the slot of each base middleware, which is how
 * features find their place among them.
 */
export const base: Feature = {
  id: 'base',
  // The example model and its test are the user's from the start: regenerate never touches them.
  userFiles: ['src/models/users.js', 'test/users.test.js'],
  // start, dev and test name the project's files: the language's feature brings them (lang.ts).
  endpoints: [
    { method: 'GET', path: '/health', description: 'liveness: 200 while the process runs' },
    { method: 'GET', path: '/ready', description: 'readiness: 200 while serving, 503 while starting or shutting down' },
    { method: 'GET', path: '/metrics', description: 'Prometheus metrics; this machine only, or with METRICS_TOKEN (docs/operations.md)' },
  ],
  edits: () => appEdits('base'),
};
