// @ts-check

/**
 * A concurrency limiter with a bounded queue (the "bagpipe" pattern):
 * at most `concurrency` tasks run at once, at most `queue` more wait their
 * turn, and anything beyond that is refused at once instead of piling up.
 *
 * Password hashing needs it. scrypt runs on libuv's thread pool (4 threads
 * unless UV_THREADPOOL_SIZE says otherwise), which file reads, DNS lookups
 * and zlib share: unbounded, a burst of wrong passwords would occupy every
 * thread and a static file would wait behind the hashes.
 */

/** Thrown by `run` when the queue is full: answer 503 and ask the client to retry. */
export class LimiterFullError extends Error {
  constructor() {
    super('Too many tasks waiting');
    this.name = 'LimiterFullError';
  }
}

export class Limiter {
  /**
   * @param {{ concurrency: number, queue: number }} options
   */
  constructor({ concurrency, queue }) {
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new RangeError(`Limiter: concurrency must be a whole number of 1 or more, got ${concurrency}`);
    if (!Number.isSafeInteger(queue) || queue < 0) throw new RangeError(`Limiter: queue must be a whole number of 0 or more, got ${queue}`);
    /** @type {number} */
    this.concurrency = concurrency;
    /** @type {number} */
    this.maxQueue = queue;
    /** Tasks running now. */
    this.active = 0;
    /** @type {(() => void)[]} starts of the waiting tasks, oldest first */
    this.waiting = [];
  }

  /**
   * Runs `task` when a slot is free. Rejects with LimiterFullError, without
   * running it, when `concurrency` tasks run and `queue` more already wait.
   * @template T
   * @param {() => Promise<T>} task
   * @returns {Promise<T>}
   */
  async run(task) {
    if (this.active >= this.concurrency) {
      if (this.waiting.length >= this.maxQueue) throw new LimiterFullError();
      await new Promise((resolve) => this.waiting.push(() => resolve(undefined)));
    } else {
      this.active++;
    }
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next task, so `active` never drops and rises again in between.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
