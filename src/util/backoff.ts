/**
 * The one backoff and jitter formula of the project. A retry waits a capped exponential delay, nominal =
 * min(cap, base * 2^attempt), spread by a jitter so that many clients failing together do not retry in
 * step:
 *
 * - `'equal'`: uniform in the upper half of the nominal delay (a retry never comes sooner than half of it);
 *   the apiserver watch loops and writers use it.
 * - `'full'`: uniform in [0, nominal) (AWS's recommendation); the AWS gateway uses it.
 * - `{ ratio }`: the nominal delay moved by up to ±ratio of itself; the multi-cluster source uses it.
 *
 * `jittered` moves a fixed period by ±ratio (Lease renewals, the ADS server's max connection age);
 * `fullJitter` draws from [0, value) (watch timeouts, the ADS server's closing window).
 * `random` returns a number in [0, 1) (Math.random in production; fixed in tests).
 */

/** How the nominal delay is spread. */
export type Jitter = 'equal' | 'full' | { readonly ratio: number };

export interface BackoffSpec {
  /** 0 for the first retry after a failure; negative counts as 0. */
  readonly attempt: number;
  /** Nominal delay of the first retry, in ms. */
  readonly baseMs: number;
  /** Upper bound of the nominal delay, in ms. */
  readonly capMs: number;
  readonly jitter: Jitter;
}

/** `random()` clamped into [0, 1]. */
function unitRandom(random: () => number): number {
  return Math.min(Math.max(random(), 0), 1);
}

/** min(cap, base * 2^attempt); 2^attempt overflows to Infinity for huge attempts and min() keeps the cap. */
export function nominalDelay(attempt: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
}

/** A whole number of ms drawn uniformly from [0, `value`) (rounded down). */
export function fullJitter(value: number, random: () => number = Math.random): number {
  return Math.floor(value * unitRandom(random));
}

/** `value` moved by up to ±`ratio` of itself, rounded to a whole millisecond, never negative. */
export function jittered(value: number, ratio: number, random: () => number = Math.random): number {
  const r = unitRandom(random);
  return Math.max(0, Math.round(value * (1 + ratio * (2 * r - 1))));
}

/** The delay (whole ms) before retry number `spec.attempt`. */
export function backoffDelay(spec: BackoffSpec, random: () => number = Math.random): number {
  const nominal = nominalDelay(spec.attempt, spec.baseMs, spec.capMs);
  const { jitter } = spec;
  if (jitter === 'equal') return Math.round(nominal / 2 + (nominal / 2) * unitRandom(random));
  if (jitter === 'full') return fullJitter(nominal, random);
  return jittered(nominal, jitter.ratio, random);
}

/** Reconnect/retry settings as the Kubernetes options spell them. */
export interface BackoffOptions {
  /** Nominal delay after the first failure (default 500 ms). */
  readonly initialMs?: number;
  /** Upper bound of the nominal delay (default 30 s). */
  readonly maxMs?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = { initialMs: 500, maxMs: 30_000 };

/**
 * `BackoffOptions` (missing fields from `defaults`) as base and cap: the base is at least 1 ms and the cap
 * is raised to the base when set below it.
 */
export function backoffBounds(
  options: BackoffOptions = {},
  defaults: Required<BackoffOptions> = DEFAULT_BACKOFF,
): { readonly baseMs: number; readonly capMs: number } {
  const baseMs = Math.max(1, options.initialMs ?? defaults.initialMs);
  return { baseMs, capMs: Math.max(baseMs, options.maxMs ?? defaults.maxMs) };
}
