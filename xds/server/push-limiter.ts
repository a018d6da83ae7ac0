/**
 * A concurrency limit on pushes: at most `limit` ADS streams compute and write a response at the same
 * time; the others wait in one FIFO queue (first come, first served, so no stream starves). A slot is
 * held from the moment a stream starts handling its pending requests and changes until what it wrote
 * has been handed to the connection (or the stream closed), capped by `holdTimeoutMs` so that a client
 * that stops reading cannot keep a slot.
 *
 * Without it, hundreds of gateways reconnecting after a controller restart, or one change to a large
 * config, would compute and buffer every response in the same event-loop turn: one CPU spike and as
 * many encoded copies in memory as there are streams.
 */

export interface PushLimiterStats {
  /** Tasks holding a slot now. */
  readonly active: number;
  /** Tasks waiting for a slot now. */
  readonly queued: number;
  /** Highest `active` seen. */
  readonly maxActive: number;
  /** Tasks started so far. */
  readonly started: number;
}

export interface PushLimiter {
  /**
   * Runs `task` when a slot is free (FIFO). The slot is held until the promise it returns settles, or
   * `holdTimeoutMs` passed. A task that throws or rejects releases its slot.
   */
  run(task: () => Promise<void> | void): void;
  stats(): PushLimiterStats;
}

export function createPushLimiter(limit: number, holdTimeoutMs: number): PushLimiter {
  if (!Number.isInteger(limit) || limit < 1)
    throw new Error(`push limiter: limit must be >= 1, got ${limit}`);
  const queue: Array<() => Promise<void> | void> = [];
  let active = 0;
  let maxActive = 0;
  let started = 0;

  function next(): void {
    while (active < limit && queue.length > 0) {
      const task = queue.shift()!;
      active++;
      started++;
      maxActive = Math.max(maxActive, active);
      let released = false;
      let timer: NodeJS.Timeout | undefined;
      const release = (): void => {
        if (released) return;
        released = true;
        if (timer) clearTimeout(timer);
        active--;
        // Let I/O run between slots instead of handing the next one over in the same turn.
        setImmediate(next);
      };
      let result: Promise<void> | void;
      try {
        result = task();
      } catch {
        result = undefined;
      }
      if (result instanceof Promise) {
        timer = setTimeout(release, holdTimeoutMs);
        timer.unref();
        result.then(release, release);
      } else release();
    }
  }

  return {
    run(task) {
      queue.push(task);
      next();
    },
    stats: () => ({ active, queued: queue.length, maxActive, started }),
  };
}
