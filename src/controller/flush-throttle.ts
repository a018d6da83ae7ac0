/**
 * When the runner applies changes: the first change after a quiet spell is applied at once (in a
 * microtask, once the callback that reported it returns: the sources batch what arrives together
 * themselves, e.g. KubernetesSource per event-loop turn, so a second turn would only add delay), and
 * while changes keep coming they are applied at most once per `minGapMs`, counted from the end of the
 * previous flush. So a lone change pays no holdoff at all, and a storm is coalesced with a lag bounded by
 * `minGapMs` plus one flush (a debounce that waits for silence would let a steady stream of changes wait
 * until its cap).
 */
export class FlushThrottle {
  private scheduled?: { readonly cancel: () => void };
  private lastFlushEnd = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly flush: () => void,
    private readonly minGapMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** A change arrived: flush now-ish if quiet, else once the gap since the last flush has passed. */
  poke(): void {
    if (this.scheduled) return;
    const wait = this.lastFlushEnd + this.minGapMs - this.now();
    if (wait <= 0) {
      const job = { cancelled: false, cancel: () => (job.cancelled = true) };
      this.scheduled = job;
      void Promise.resolve().then(() => {
        if (!job.cancelled) this.fire();
      });
    } else {
      const handle = setTimeout(() => this.fire(), wait);
      this.scheduled = { cancel: () => clearTimeout(handle) };
    }
  }

  cancel(): void {
    this.scheduled?.cancel();
    this.scheduled = undefined;
  }

  private fire(): void {
    this.scheduled = undefined;
    try {
      this.flush();
    } finally {
      this.lastFlushEnd = this.now();
    }
  }
}
