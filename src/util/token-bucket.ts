/**
 * A client-side token bucket: `take()` resolves when a token is available. Tokens refill continuously
 * at `ratePerSecond` up to `burst`. Waiters are served in order, so one family of AWS calls cannot
 * starve itself, and a storm of calls is smoothed to the configured rate instead of being throttled by
 * AWS (whose throttling then costs a retry and a backoff on top).
 */
export interface TokenBucketOptions {
  /** Sustained calls per second (> 0; `Infinity` disables the limit). */
  readonly ratePerSecond: number;
  /** Calls that may go at once after an idle period (>= 1). */
  readonly burst: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly o: TokenBucketOptions) {
    if (!(o.ratePerSecond > 0)) throw new Error(`token bucket rate must be > 0, got ${o.ratePerSecond}`);
    if (!(o.burst >= 1)) throw new Error(`token bucket burst must be >= 1, got ${o.burst}`);
    this.now = o.now ?? (() => performance.now());
    this.sleep = o.sleep ?? realSleep;
    this.tokens = o.burst;
    this.last = this.now();
  }

  /** Waits for one token; resolves with the milliseconds waited. */
  take(): Promise<number> {
    const started = this.now();
    const turn = this.queue.then(async () => {
      for (;;) {
        this.refill();
        if (this.tokens >= 1) {
          this.tokens -= 1;
          return;
        }
        await this.sleep(Math.ceil(((1 - this.tokens) / this.o.ratePerSecond) * 1000));
      }
    });
    this.queue = turn;
    return turn.then(() => this.now() - started);
  }

  private refill(): void {
    if (this.o.ratePerSecond === Infinity) {
      this.tokens = this.o.burst;
      return;
    }
    const t = this.now();
    this.tokens = Math.min(this.o.burst, this.tokens + ((t - this.last) / 1000) * this.o.ratePerSecond);
    this.last = t;
  }
}
