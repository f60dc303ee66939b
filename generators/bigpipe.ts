import { configDefault, routeStatements } from './engine/snippets.js';
import type { Edit, Group } from './types.js';

const ROUTES = 'src/routes.js';

/**
 * Bigpipe: an HTML page whose frame is sent at once and whose parts
 * ("pagelets") stream in as their data arrives (src/lib/bigpipe.js, the
 * browser side in public/bigpipe.js). The example page GET /profile is the
 * user's file once written; its route and settings are edits of the shared
 * files, so `add bigpipe` / `remove bigpipe` work on a changed project.
 */
export const bigpipe: Group = {
  id: 'bigpipe',
  message: 'Stream HTML pages with Bigpipe (frame first, then each part as its data arrives)?',
  title: 'Bigpipe',
  description: 'Bigpipe pages: layout sent at once, pagelets streamed as they load, no-JS fallback (example: GET /profile)',
  kind: 'boolean',
  default: false,
  feature: {
    id: 'bigpipe',
    userFiles: ['src/pages/profile.js'],
    endpoints: [
      {
        method: 'GET',
        path: '/profile',
        description: 'example Bigpipe page: three pagelets of different speeds (with the query nojs 1: rendered fully on the server)',
      },
    ],
    edits: (): Edit[] => [{ kind: 'import', file: ROUTES, from: './pages/profile.js', names: ['profilePage'] }, ...routeStatements('bigpipe'), configDefault('bigpipe', 'bigpipe')],
  },
};
