/**
 * What the leader-only writers share about talking to an apiserver through client-node: a per-request
 * timeout, which failures are worth retrying, and a capped, jittered
 * retry loop. Kept apart from `src/kubernetes/watch/` (the informers) on purpose: writers and readers
 * fail differently (a writer gives up and lets the next sync retry; a watch reconnects forever).
 */
import {
  setHeaderMiddleware,
  type ConfigurationOptions,
  type ObservableMiddleware,
} from '@kubernetes/client-node';
import { backoffBounds, backoffDelay } from '../../util/backoff.js';
import { httpStatusOf } from './http-status.js';

/** Sent on every write, so that audit logs and apiserver metrics name Causeway. */
export const USER_AGENT = 'causeway';

/**
 * client-node request options that abort the request after `timeoutMs` (client-node has no timeout of
 * its own: a black-holed apiserver would hang the caller forever), and set our User-Agent.
 */
export function requestOptions(
  timeoutMs: number,
  extra: readonly ObservableMiddleware[] = [],
): ConfigurationOptions {
  const userAgent = setHeaderMiddleware('User-Agent', USER_AGENT);
  const timeout: ObservableMiddleware = {
    pre: (context) => {
      context.setSignal(AbortSignal.timeout(timeoutMs));
      return userAgent.pre(context);
    },
    post: (response) => userAgent.post(response),
  };
  return { middleware: [timeout, ...extra], middlewareMergeStrategy: 'append' };
}

/**
 * Whether a failed call may succeed if repeated: 429 Too Many Requests, any 5xx, and failures without an
 * HTTP status (connection refused or reset, timeout). 4xx answers (403, 404, 409, 422) are final.
 */
export function isRetryable(error: unknown): boolean {
  const status = httpStatusOf(error);
  return status === undefined || status === 429 || status >= 500;
}

/** The delay a 429/503 answer asks for in its Retry-After header (seconds), in ms; undefined if none. */
export function retryAfterMs(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const headers = (error as { headers?: unknown }).headers;
  if (typeof headers !== 'object' || headers === null) return undefined;
  for (const [k, v] of Object.entries(headers as Record<string, unknown>)) {
    if (k.toLowerCase() !== 'retry-after' || typeof v !== 'string') continue;
    const seconds = Number(v.trim());
    return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
  }
  return undefined;
}

/** A one-line description of a failed call for logs: `HTTP 409: <Status message>` or the error message. */
export function describeCallError(error: unknown): string {
  const status = httpStatusOf(error);
  const body = typeof error === 'object' && error !== null ? (error as { body?: unknown }).body : undefined;
  let message: string | undefined;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      message = body.slice(0, 200);
    }
  } else if (typeof body === 'object' && body !== null) {
    const m = (body as { message?: unknown }).message;
    if (typeof m === 'string') message = m;
  }
  if (status !== undefined) return `HTTP ${status}${message ? `: ${message}` : ''}`;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code)
      ? `${error.message} (${code})`
      : error.message;
  }
  return String(error);
}

export interface RetryOptions {
  /** Attempts in all, the first included (default 4). */
  readonly attempts?: number;
  /** Nominal delay after the first failure (default 200 ms); doubles per failure. */
  readonly initialMs?: number;
  /** Cap of the nominal delay (default 5 s); a Retry-After header is honoured up to this cap too. */
  readonly maxMs?: number;
}

export const DEFAULT_RETRY: Required<RetryOptions> = { attempts: 4, initialMs: 200, maxMs: 5_000 };

/**
 * The delay before retry `attempt` (0 = the first retry): capped exponential, drawn from the upper half
 * of the nominal value ("equal jitter"), so that replicas and objects failing together spread out.
 */
export function retryDelay(
  attempt: number,
  options: RetryOptions = {},
  random: () => number = Math.random,
): number {
  return backoffDelay({ attempt, ...backoffBounds(options, DEFAULT_RETRY), jitter: 'equal' }, random);
}

export interface RetryContext {
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Checked before every attempt; when false, the loop stops with the last error (or `stopped`). */
  readonly proceed?: () => boolean;
}

/** Thrown by `withRetry` when `proceed()` turned false before the first attempt. */
export class RetryStopped extends Error {
  constructor() {
    super('stopped before the call was made');
    this.name = 'RetryStopped';
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Calls `call` until it succeeds, fails with a final error (see `isRetryable`), or `attempts` are used up;
 * waits `retryDelay` (or the server's Retry-After, capped) between attempts.
 */
export async function withRetry<T>(
  call: () => Promise<T>,
  options: RetryOptions = {},
  context: RetryContext = {},
): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? DEFAULT_RETRY.attempts);
  const maxMs = options.maxMs ?? DEFAULT_RETRY.maxMs;
  const wait = context.sleep ?? sleep;
  let lastError: unknown = new RetryStopped();
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (context.proceed && !context.proceed()) throw lastError;
    try {
      return await call();
    } catch (err) {
      lastError = err;
      if (!isRetryable(err) || attempt === attempts - 1) throw err;
      const asked = retryAfterMs(err);
      const delay = retryDelay(attempt, options, context.random);
      await wait(asked === undefined ? delay : Math.min(maxMs, Math.max(asked, delay)));
    }
  }
  throw lastError;
}

/** `Date` or RFC 3339 string (client-node leaves MicroTime fields as strings) to epoch ms; undefined if neither. */
export function toEpochMs(value: unknown): number | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}
