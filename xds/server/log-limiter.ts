/**
 * Rate limiting of a log line that clients can trigger at will (a request for a type the server does
 * not serve): at most `perWindow` lines per window, server-wide; the first line after lines were
 * dropped says how many. The metric beside it counts every occurrence.
 */

export interface LogDecision {
  /** Whether to write the line now. */
  readonly log: boolean;
  /** Lines dropped since the last one written (only set when `log`). */
  readonly suppressed: number;
}

export class LogLimiter {
  private windowStart = Number.NEGATIVE_INFINITY;
  private written = 0;
  private suppressed = 0;

  constructor(
    private readonly perWindow = 5,
    private readonly windowMs = 60_000,
  ) {}

  /** Whether a line may be written at `now` (ms); counts it either way. */
  take(now: number): LogDecision {
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.written = 0;
    }
    if (this.written >= this.perWindow) {
      this.suppressed++;
      return { log: false, suppressed: 0 };
    }
    this.written++;
    const suppressed = this.suppressed;
    this.suppressed = 0;
    return { log: true, suppressed };
  }
}
