import type { Group } from './types.js';
import { routing } from './routing.js';
import { body } from './body.js';
import { cache } from './cache.js';
import { auth } from './auth.js';
import { csrf } from './csrf.js';
import { bigpipe } from './bigpipe.js';
import { cluster, sched, workers } from './cluster.js';
import { store } from './store.js';

export { support } from './support.js';

/**
 * Every question of the generator, in prompt order. Adding a feature means
 * adding a group (or an option to one) here and its files under templates/.
 */
export const groups: Group[] = [routing, body, cache, auth, csrf, bigpipe, cluster, sched, workers, store];
