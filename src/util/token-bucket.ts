/**
 * Token buckets. The pure core (`Rate`, `Bucket`, `fullBucket`, `refill`, `tokenAt`) holds tokens that
 * refill continuously at `perSecond` up to `burst`; the Event recorder plans its writes with it.
 * `TokenBucket` wraps the same core in an async `take()`, used by the AWS gateway: waiters are served
 * in order, so one family of AWS calls cannot starve itself, and a storm of calls is smoothed to the
 * configured rate instead of being throttled by AWS (whose throttling then costs a retry and a backoff
 * on top).
 */

export interface Rate {
  readonly perSecond: number;
  readonly burst: number;
}

export interface Bucket {
  readonly tokens: number;
  /** When `tokens` was computed (ms on the caller's clock). */
  readonly at: number;
}

export function fullBucket(rate: Rate, now: number): Bucket {
  return { tokens: rate.burst, at: now };
}

/** The bucket at `now`: refilled at the rate up to the burst (unchanged when `now` is not later). */
export function refill(bucket: Bucket, rate: Rate, now: number): Bucket {
  if (now <= bucket.at) return bucket;
  return {
    tokens: Math.min(rate.burst, bucket.tokens + ((now - bucket.at) / 1000) * rate.perSecond),
    at: now,
  };
}

/** Whole milliseconds from `bucket.at` until the (refilled) bucket holds a whole token again. */
export function msUntilToken(bucket: Bucket, rate: Rate): number {
  if (bucket.tokens >= 1) return 0;
  return Math.ceil(((1 - bucket.tokens) / rate.perSecond) * 1000);
}

/** When the (refilled) bucket holds a whole token again. */
export function tokenAt(bucket: Bucket, rate: Rate): number {
  return bucket.tokens >= 1 ? bucket.at : bucket.at + msUntilToken(bucket, rate);
}

export interface TokenBucketOptions {
  /** Sustained calls per second (> 0; `Infinity` disables the limit). */
  readonly ratePerSecond: number;
  /** Calls that may go at once after an idle period (>= 1). */
  readonly burst: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A client-side token bucket: `take()` resolves when a token is available. */
export class TokenBucket {
  private bucket: Bucket;
  private queue: Promise<void> = Promise.resolve();
  private readonly rate: Rate;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(o: TokenBucketOptions) {
    if (!(o.ratePerSecond > 0)) throw new Error(`token bucket rate must be > 0, got ${o.ratePerSecond}`);
    if (!(o.burst >= 1)) throw new Error(`token bucket burst must be >= 1, got ${o.burst}`);
    this.rate = { perSecond: o.ratePerSecond, burst: o.burst };
    this.now = o.now ?? (() => performance.now());
    this.sleep = o.sleep ?? realSleep;
    this.bucket = fullBucket(this.rate, this.now());
  }

  /** Waits for one token; resolves with the milliseconds waited. */
  take(): Promise<number> {
    const started = this.now();
    const turn = this.queue.then(async () => {
      for (;;) {
        const now = this.now();
        // An unlimited rate is always full (refill would compute 0 * Infinity when no time passed).
        this.bucket =
          this.rate.perSecond === Infinity ? fullBucket(this.rate, now) : refill(this.bucket, this.rate, now);
        if (this.bucket.tokens >= 1) {
          this.bucket = { tokens: this.bucket.tokens - 1, at: this.bucket.at };
          return;
        }
        await this.sleep(msUntilToken(this.bucket, this.rate));
      }
    });
    this.queue = turn;
    return turn.then(() => this.now() - started);
  }
}
