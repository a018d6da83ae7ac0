/**
 * Event-loop delay of the controller process per benchmark phase (perf_hooks monitorEventLoopDelay,
 * 1 ms resolution): how long a timer or an I/O callback could wait behind the controller's work.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { round } from './bench-harness.js';

export interface LoopDelayFigures {
  readonly maxMs: number;
  readonly p99Ms: number;
  readonly meanMs: number;
}

export class LoopDelay {
  private readonly h: IntervalHistogram = monitorEventLoopDelay({ resolution: 1 });

  constructor() {
    this.h.enable();
  }

  /** The figures since the last call (or the start), then starts a new phase. */
  phase(): LoopDelayFigures {
    const f = {
      maxMs: round(this.h.max / 1e6, 1),
      p99Ms: round(this.h.percentile(99) / 1e6, 1),
      meanMs: round(this.h.mean / 1e6, 2),
    };
    this.h.reset();
    return f;
  }

  stop(): void {
    this.h.disable();
  }
}
