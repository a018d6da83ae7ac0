/**
 * Coalesces bursts of changes (Contour's holdoff): run `flush` once `holdoffMs` pass without a new
 * change, but never later than `maxDelayMs` after the first change of the burst.
 */
export class Debouncer {
  private holdoff?: NodeJS.Timeout;
  private deadline?: NodeJS.Timeout;

  constructor(
    private readonly flush: () => void,
    private readonly holdoffMs: number,
    private readonly maxDelayMs: number,
  ) {}

  poke(): void {
    if (this.holdoff) clearTimeout(this.holdoff);
    this.holdoff = setTimeout(() => this.fire(), this.holdoffMs);
    if (!this.deadline) this.deadline = setTimeout(() => this.fire(), this.maxDelayMs);
  }

  cancel(): void {
    if (this.holdoff) clearTimeout(this.holdoff);
    if (this.deadline) clearTimeout(this.deadline);
    this.holdoff = this.deadline = undefined;
  }

  private fire(): void {
    this.cancel();
    this.flush();
  }
}
