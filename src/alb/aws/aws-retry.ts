/**
 * Which AWS call failures are worth retrying, and how long to wait: capped exponential backoff with
 * full jitter (delay = random(0, min(cap, base * 2^attempt)), computed by src/util/backoff.ts). The SDK's own retries are disabled
 * (`maxAttempts: 1` in aws-clients.ts) so that the two never multiply: one logical call makes at most
 * `maxAttempts` HTTP requests.
 */
import { backoffDelay } from '../../util/backoff.js';

export interface AwsRetryOptions {
  /** HTTP requests per logical call, first included (default 6). */
  readonly maxAttempts: number;
  /** Backoff base in ms (default 200). */
  readonly baseMs: number;
  /** Backoff cap in ms (default 10,000). */
  readonly capMs: number;
}

export const DEFAULT_AWS_RETRY: AwsRetryOptions = { maxAttempts: 6, baseMs: 200, capMs: 10_000 };

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'SlowDown',
  'PriorRequestNotComplete',
]);

const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

export type RetryReason = 'throttling' | 'server-error' | 'network';

interface ErrorShape {
  readonly name?: string;
  readonly code?: string;
  readonly Code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $retryable?: unknown;
}

/** The AWS error code of a failed call (`Throttling`, `DuplicateTargetGroupName`, ...), else the error name. */
export function awsErrorCode(err: unknown): string {
  const e = (err ?? {}) as ErrorShape;
  const raw = e.Code ?? e.name ?? e.code ?? 'Error';
  return raw.replace(/Exception$/, '');
}

/** Why the call may be retried, or undefined when it must not be (a client error: our fault or final). */
export function retryReason(err: unknown): RetryReason | undefined {
  const e = (err ?? {}) as ErrorShape;
  const names = [e.name, e.code, e.Code].filter((n): n is string => typeof n === 'string');
  // No credentials (or no region): nothing a retry can fix.
  if (names.some((n) => n === 'CredentialsProviderError' || n === 'TokenProviderError')) return undefined;
  if (err instanceof Error && /^Region is missing/.test(err.message)) return undefined;
  if (names.some((n) => THROTTLING.has(n))) return 'throttling';
  const status = e.$metadata?.httpStatusCode;
  if (status === 429) return 'throttling';
  if (status !== undefined && status >= 500) return 'server-error';
  if (names.some((n) => NETWORK.has(n))) return 'network';
  // No HTTP response at all (connection refused by a proxy, socket hang up): a network error.
  if (status === undefined && err instanceof Error && !('$fault' in err)) return 'network';
  return undefined;
}

/** Milliseconds to wait before retry number `retry` (0 = first retry). */
export function backoffMs(retry: number, o: AwsRetryOptions, random: () => number = Math.random): number {
  return backoffDelay({ attempt: retry, baseMs: o.baseMs, capMs: o.capMs, jitter: 'full' }, random);
}
