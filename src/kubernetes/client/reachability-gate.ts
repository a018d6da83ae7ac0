/**
 * One readiness probe per cluster while its apiserver is unreachable, so that every list+watch loop of the
 * cluster resumes within about a second of the apiserver being back, without each loop hammering it.
 *
 * Why a probe and not a shorter watch backoff: a cluster has six list+watch loops; with a backoff short
 * enough to notice recovery within a second, an apiserver that is down (or overloaded and restarting)
 * would get six requests a second per controller replica, each a full TLS handshake and, on success, a
 * relist. client-go's reflector instead backs off each loop up to 30 s, which is what made a change
 * written during an outage arrive 5-11 s after the apiserver came back. Here a loop whose request found no
 * apiserver (a network error, 502/503/504) parks on the cluster's gate; while any loop is parked the gate
 * sends ONE cheap request at a time, `GET /readyz` with a short timeout (readable by every authenticated
 * user through the default `system:public-info-viewer` role), on a jittered backoff (100 ms doubling up
 * to 1 s). When it answers 200 (or an answer that cannot tell: 401/403/404, e.g. a proxy without
 * /readyz), every parked loop is released at once and rewatches from its resourceVersion (a 410 there
 * relists). A 429 or 5xx probe answer keeps probing, waiting at least its Retry-After. A loop reporting
 * a healthy request releases the others too, and starts the probe's backoff over.
 *
 * The gate only ever shortens a loop's wait: the loop still waits its own backoff first (so a flapping
 * apiserver that answers /readyz but fails watches sees the loops' doubling backoff, as before), and never
 * longer than its backoff cap even if the probe never succeeds (a /readyz that lies must not stall watches).
 */
import type { Logger } from 'pino';
import { backoffBounds, backoffDelay, type BackoffOptions } from '../../util/backoff.js';
import { httpStatusOf } from './http-status.js';

/** What a probe request saw: `status` 0 when nothing answered (refused, reset, timeout). */
export interface ProbeAnswer {
  readonly status: number;
  /** The answer's Retry-After, in ms. */
  readonly retryAfterMs?: number;
}

export type ApiserverProbe = (signal: AbortSignal) => Promise<ProbeAnswer>;

export interface ReachabilityGateOptions {
  readonly probe: ApiserverProbe;
  /** Delay before the first probe and its cap (default 100 ms doubling up to 1 s, equal jitter). */
  readonly backoff?: BackoffOptions;
  /** Bound on one probe request (default 1 s). */
  readonly probeTimeoutMs?: number;
  /** Cap of a Retry-After the probe honours (default 30 s). */
  readonly maxRetryAfterMs?: number;
  readonly logger?: Logger;
  readonly random?: () => number;
}

export const DEFAULT_PROBE_BACKOFF: Required<BackoffOptions> = { initialMs: 100, maxMs: 1_000 };

/** Whether a failed request means nothing (or only a proxy) answered: the loop waits for the probe. */
export function isUnreachable(error: unknown): boolean {
  const status = httpStatusOf(error);
  return status === undefined || status === 502 || status === 503 || status === 504;
}

/** Whether a probe answer shows an apiserver worth sending requests to again. */
export function probeSaysReachable(status: number): boolean {
  return status === 200 || status === 401 || status === 403 || status === 404;
}

interface Waiter {
  readonly resolve: (released: boolean) => void;
  /** Only a probe sent after the waiter arrived may release it (an older answer predates its failure). */
  readonly since: number;
}

export class ReachabilityGate {
  private readonly waiters = new Set<Waiter>();
  private attempt = 0;
  private probing = false;
  private closed = false;
  /** Counts probe starts: the order of probes and waiters (a clock would not separate same-ms events). */
  private tick = 0;
  private timer: NodeJS.Timeout | undefined;
  private abort: AbortController | undefined;
  /** Probe requests sent (for tests and logs). */
  probes = 0;

  constructor(private readonly o: ReachabilityGateOptions) {}

  /** Loops parked now. */
  get parked(): number {
    return this.waiters.size;
  }

  /**
   * Resolves true once a probe sent after this call saw the apiserver reachable (or a loop reported a
   * healthy request), false when `signal` aborts or the gate closes.
   */
  whenReachable(signal?: AbortSignal): Promise<boolean> {
    if (this.closed || signal?.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        since: this.tick,
        resolve: (released) => {
          this.waiters.delete(waiter);
          signal?.removeEventListener('abort', onAbort);
          resolve(released);
        },
      };
      const onAbort = (): void => waiter.resolve(false);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
      this.ensureProbing();
    });
  }

  /** A loop's request succeeded: release every parked loop, and restart the probe's backoff. */
  reportHealthy(): void {
    this.attempt = 0;
    this.release(Number.POSITIVE_INFINITY);
    if (this.timer !== undefined) {
      // Nobody is parked any more: the scheduled probe is not needed (a probe in flight ends by itself).
      clearTimeout(this.timer);
      this.timer = undefined;
      this.probing = false;
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.abort?.abort();
    this.release(Number.POSITIVE_INFINITY, false);
  }

  private release(sentAt: number, released = true): void {
    for (const w of [...this.waiters]) if (w.since < sentAt) w.resolve(released);
  }

  private ensureProbing(): void {
    if (this.probing || this.closed) return;
    this.probing = true;
    this.scheduleProbe(0);
  }

  private scheduleProbe(atLeastMs: number): void {
    const delay = Math.max(
      atLeastMs,
      backoffDelay(
        { attempt: this.attempt++, ...backoffBounds(this.o.backoff, DEFAULT_PROBE_BACKOFF), jitter: 'equal' },
        this.o.random,
      ),
    );
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.probeOnce();
    }, delay);
    this.timer.unref();
  }

  private async probeOnce(): Promise<void> {
    if (this.closed || this.waiters.size === 0) {
      this.probing = false;
      return;
    }
    const sentAt = ++this.tick;
    this.probes++;
    const abort = new AbortController();
    this.abort = abort;
    const timeout = setTimeout(() => abort.abort(), this.o.probeTimeoutMs ?? 1_000);
    let answer: ProbeAnswer;
    try {
      answer = await this.o.probe(abort.signal);
    } catch {
      answer = { status: 0 };
    } finally {
      clearTimeout(timeout);
      this.abort = undefined;
    }
    if (this.closed) return;
    if (probeSaysReachable(answer.status)) {
      this.o.logger?.info({ probes: this.probes, status: answer.status }, 'apiserver reachable again');
      this.release(sentAt);
    } else {
      this.o.logger?.debug({ status: answer.status }, 'apiserver probe: not ready');
    }
    if (this.waiters.size === 0) {
      this.probing = false;
      return;
    }
    const retryAfter = Math.min(answer.retryAfterMs ?? 0, this.o.maxRetryAfterMs ?? 30_000);
    this.scheduleProbe(retryAfter);
  }
}
