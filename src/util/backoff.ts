/**
 * Capped exponential backoff with jitter, for reconnecting to an apiserver: the delay doubles with every
 * consecutive failure up to `maxMs`, and is drawn uniformly from the upper half of that value ("equal
 * jitter"), so that many controllers losing the same apiserver do not come back in step, and a retry never
 * comes sooner than half the nominal delay.
 */

export interface BackoffOptions {
  /** Nominal delay after the first failure (default 500 ms). */
  readonly initialMs?: number;
  /** Upper bound of the nominal delay (default 30 s). */
  readonly maxMs?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = { initialMs: 500, maxMs: 30_000 };

/**
 * The delay before retry number `attempt` (0 for the first retry after a failure). `random` returns a
 * number in [0, 1) (Math.random in production; fixed in tests).
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const initialMs = Math.max(1, options.initialMs ?? DEFAULT_BACKOFF.initialMs);
  const maxMs = Math.max(initialMs, options.maxMs ?? DEFAULT_BACKOFF.maxMs);
  // 2^attempt overflows to Infinity for huge attempts; min() keeps it at the cap.
  const nominal = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(nominal / 2 + (nominal / 2) * r);
}
