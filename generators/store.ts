import { appEdits, configDefault, statements } from './engine/snippets.js';
import type { Edit, Group } from './types.js';

const APP = 'src/app.js';

/**
 * Where state that several processes must share lives: sessions, rate
 * limit and login counters, the response cache's invalidations and
 * broadcasts. `memory` keeps each process's own (the runtime's defaults);
 * the other two put a shared store in the `store` slot, which sets
 * `req.store` (the `SharedStore` contract of src/lib/pipeline.js) for the
 * features that use it. None of those features knows which store it is.
 */
export const store: Group = {
  id: 'store',
  message: 'Where should sessions, rate limit counters and broadcasts live?',
  description: 'memory (one process), files (several processes on one machine) or Redis (several machines)',
  kind: 'single',
  default: 'memory',
  options: [
    {
      value: 'memory',
      title: 'Memory',
      description: 'each process keeps its own: fits one process',
    },
    {
      value: 'file',
      title: 'Files',
      description: 'counters in files under a lock, file sessions, broadcasts between the workers: several processes on one machine',
      feature: {
        id: 'store-file',
        // Broadcasts reach the other workers of a cluster through their master.
        needs: ['master-channel'],
        edits: (): Edit[] => [
          { kind: 'import', file: APP, from: './lib/store-file.js', names: ['fileStore'] },
          ...appEdits('store-file'),
          // Every test app of the project gets a store folder of its own (test/store-file-helpers.js).
          { kind: 'import', file: 'test/helpers.js', from: './store-file-helpers.js', names: ['fileStoreTestSettings'] },
          ...statements('store-file', 'test/helpers.js', 'testServices'),
          configDefault('store-file', 'storeFile'),
        ],
      },
    },
    {
      value: 'redis',
      title: 'Redis',
      description: 'sessions, counters and broadcasts in Redis (zero-dependency client): several machines behind a load balancer',
      feature: {
        id: 'store-redis',
        edits: (): Edit[] => [
          { kind: 'import', file: APP, from: './lib/store-redis.js', names: ['redisStore'] },
          ...appEdits('store-redis'),
          // Every test app of the project runs on a real Redis (test/redis-helpers.js).
          { kind: 'import', file: 'test/helpers.js', from: './redis-helpers.js', names: ['redisTestSettings'] },
          ...statements('store-redis', 'test/helpers.js', 'testServices'),
          configDefault('store-redis', 'redis'),
        ],
      },
    },
  ],
};
