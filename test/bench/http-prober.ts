/**
 * An HTTP prober for the routed-latency benchmarks: sends GETs through a gateway one after another
 * (one at a time, keep-alive unless told otherwise) and records who answered when (the echo pods'
 * `x-echo-backend` header). A change counts as routed at the first answer from the new backend whose
 * request left after the change started, and the next answers must stay on it (a flip back is an error).
 * Times come from `clock` (ms): performance.now() by default, or hrtime-based to compare with another
 * process's timestamps (every process on the machine shares CLOCK_MONOTONIC).
 */
import http from 'node:http';

export interface ProberOptions {
  /** Where to connect (the gateway). */
  readonly ip: string;
  readonly port: number;
  /** The Host header (selects the virtual host). */
  readonly host: string;
  /** A new connection per request instead of one keep-alive connection. */
  readonly newConnections?: boolean;
  /** ms to wait after a failed request before the next (default 1). */
  readonly errorPauseMs?: number;
  /** ms to wait after every answer (default 0: back to back); keeps a waiting prober from loading the gateway. */
  readonly pauseMs?: number;
  /** Default performance.now(). */
  readonly clock?: () => number;
}

/** CLOCK_MONOTONIC in ms: the same in every process of the machine. */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** How many answers after the first from the new backend must come from it too. */
const SETTLE_ANSWERS = 20;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export class Prober {
  private stopped = false;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private readonly clock: () => number;
  /** [request sent, answer received, backend]. */
  readonly answers: [number, number, string][] = [];
  private loop?: Promise<void>;

  constructor(private readonly o: ProberOptions) {
    this.clock = o.clock ?? (() => performance.now());
  }

  start(): void {
    this.loop = (async () => {
      while (!this.stopped) {
        const sent = this.clock();
        const backend = await this.get().catch(() => 'error');
        this.answers.push([sent, this.clock(), backend]);
        if (backend === 'error') await sleep(this.o.errorPauseMs ?? 1);
        else if (this.o.pauseMs) await sleep(this.o.pauseMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    this.agent.destroy();
  }

  private get(): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = http.get(
        {
          host: this.o.ip,
          port: this.o.port,
          path: '/',
          headers: { host: this.o.host },
          agent: this.o.newConnections ? false : this.agent,
          timeout: 2000,
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            resolve(String(res.headers['x-echo-backend'] ?? `status-${String(res.statusCode)}`)),
          );
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
    });
  }

  /** Time from `from` to the first answer from `backend` sent after `from`, once answers stay on it. */
  async routedAfter(from: number, backend: string, timeoutMs: number): Promise<number> {
    const deadline = this.clock() + timeoutMs;
    for (;;) {
      const i = this.answers.findIndex(([sent, , b]) => sent >= from && b === backend);
      if (i >= 0) {
        while (this.answers.length < i + SETTLE_ANSWERS + 1 && this.clock() < deadline) await sleep(2);
        const later = this.answers.slice(i, i + SETTLE_ANSWERS + 1);
        const flipped = later.find(([, , b]) => b !== backend);
        if (flipped)
          throw new Error(
            `${this.o.ip} ${this.o.host}: answers flipped back to ${flipped[2]} after reaching ${backend}`,
          );
        return this.answers[i]![1] - from;
      }
      if (this.clock() > deadline)
        throw new Error(`${this.o.ip} ${this.o.host}: ${backend} not routed within ${String(timeoutMs)} ms`);
      await sleep(1);
    }
  }
}
