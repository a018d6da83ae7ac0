/**
 * A steady request loop through a gateway, for resilience tests: one request at a time (a fresh
 * connection each, see http-client.ts), a short pause between them, every outcome recorded with its
 * time and the echo backend that answered (`x-echo-backend`).
 *
 *   const loop = startRequestLoop({ url: `http://127.0.0.1:${httpPort}/`, host: 'api.example.com' });
 *   ... change things ...
 *   await loop.waitFor('traffic on west', (s) => s.backend === 'west-b');
 *   const { samples, failures } = await loop.stop();
 *   expect(failures).toEqual([]);
 */
import { httpGet, type HttpResponse } from './http-client.js';

export interface LoopSample {
  /** `Date.now()` when the request was sent. */
  readonly at: number;
  /** Round trip in ms. */
  readonly ms: number;
  /** HTTP status; 0 when the request failed without an answer. */
  readonly status: number;
  /** The `x-echo-backend` header of a 200 answer. */
  readonly backend?: string;
  /** Why it failed (status other than 200, connection error, timeout). */
  readonly error?: string;
}

export interface RequestLoopOptions {
  readonly url: string;
  /** Host header. */
  readonly host?: string;
  /** Pause between two requests; default 10 ms. */
  readonly intervalMs?: number;
  /** Per-request timeout; default 2000 ms. */
  readonly timeoutMs?: number;
  /** Which backend answered a 200; default its `x-echo-backend` header. */
  readonly backendFrom?: (res: HttpResponse) => string | undefined;
}

export interface RequestLoopResult {
  readonly samples: readonly LoopSample[];
  readonly failures: readonly LoopSample[];
}

export interface RequestLoop {
  /** Every outcome so far. */
  readonly samples: readonly LoopSample[];
  /** Failed outcomes so far. */
  failures(): LoopSample[];
  /** Outcomes of requests sent at or after `t` (ms since epoch). */
  since(t: number): LoopSample[];
  /**
   * Waits for the first outcome sent at or after `from` (default: now) that satisfies `pred`; rejects after
   * `timeoutMs` (default 30 s) naming what was seen meanwhile.
   */
  waitFor(
    what: string,
    pred: (s: LoopSample) => boolean,
    timeoutMs?: number,
    from?: number,
  ): Promise<LoopSample>;
  /** Stops after the request in flight and returns all outcomes. Idempotent. */
  stop(): Promise<RequestLoopResult>;
}

function summarize(samples: readonly LoopSample[]): string {
  const counts = new Map<string, number>();
  for (const s of samples) {
    const k = s.backend ?? s.error ?? `status ${s.status}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${k}: ${n}`).join(', ') || 'nothing';
}

export function startRequestLoop(opts: RequestLoopOptions): RequestLoop {
  const samples: LoopSample[] = [];
  const intervalMs = opts.intervalMs ?? 10;
  const timeoutMs = opts.timeoutMs ?? 2000;
  let stopping = false;
  const running = (async () => {
    while (!stopping) {
      const at = Date.now();
      const t0 = performance.now();
      try {
        const r = await httpGet(opts.url, {
          timeoutMs,
          ...(opts.host !== undefined ? { host: opts.host } : {}),
        });
        const ms = performance.now() - t0;
        const header = r.headers['x-echo-backend'];
        const backend =
          opts.backendFrom && r.status === 200
            ? opts.backendFrom(r)
            : typeof header === 'string'
              ? header
              : undefined;
        samples.push(
          r.status === 200
            ? { at, ms, status: r.status, ...(backend !== undefined ? { backend } : {}) }
            : { at, ms, status: r.status, error: `status ${r.status}: ${r.body.slice(0, 200)}` },
        );
      } catch (err) {
        samples.push({ at, ms: performance.now() - t0, status: 0, error: (err as Error).message });
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  const loop: RequestLoop = {
    samples,
    failures: () => samples.filter((s) => s.error !== undefined),
    since: (t) => samples.filter((s) => s.at >= t),
    async waitFor(what, pred, waitMs = 30_000, from = Date.now()) {
      const deadline = Date.now() + waitMs;
      let i = 0;
      for (;;) {
        for (; i < samples.length; i++) {
          const s = samples[i]!;
          if (s.at >= from && pred(s)) return s;
        }
        if (Date.now() > deadline) {
          throw new Error(`${what}: not within ${waitMs} ms; seen meanwhile: ${summarize(loop.since(from))}`);
        }
        if (stopping) throw new Error(`${what}: the loop was stopped`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      stopping = true;
      await running;
      return { samples: [...samples], failures: loop.failures() };
    },
  };
  return loop;
}

/** Counts the outcomes per backend (failures under their error), e.g. `{ 'east-a': 812 }`. */
export function backendCounts(samples: readonly LoopSample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) {
    const k = s.backend ?? `error: ${s.error ?? s.status}`;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}
