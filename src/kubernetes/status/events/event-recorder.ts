/**
 * The Event recorder: records the diagnostics of each translation as Kubernetes Events while this replica
 * leads (see event-plan.ts for the rules). It plans with the pure `planEvents`, writes through one
 * `EventClient` per cluster with bounded concurrency, feeds outcomes back through `settle*`, and
 * schedules its own flushes for what the rate limits, series intervals or failures held back.
 */
import type { Diagnostic } from '../../../errors.js';
import { objectFields, type Logger } from '../../../observability/logger.js';
import { describeCallError, isRetryable, retryDelay } from '../../client/kube-api-call.js';
import { httpStatusOf } from '../../client/http-status.js';
import type { EventClient } from './event-client.js';
import {
  emptyEventState,
  planEvents,
  settleAdopted,
  settleFailed,
  type EventCreate,
  type EventPatch,
  type EventPlan,
  type EventPlanOptions,
  type EventSpec,
  type EventState,
} from './event-plan.js';

export interface EventRecorderOptions extends Omit<EventPlanOptions, 'reportingInstance'> {
  /** The client for a diagnostic's cluster (`object.cluster`, undefined when it names none). */
  readonly clientFor: (cluster: string | undefined) => EventClient | undefined;
  /** Checked before every write. */
  readonly isLeader: () => boolean;
  /** This replica's identity (the pod name): the Events' `reportingInstance`. */
  readonly reportingInstance: string;
  readonly logger: Logger;
  /** The last diagnostics are recorded again this often (default 10 min; 0: never). */
  readonly resyncMs?: number;
  /** Requests in flight at once (default 4). */
  readonly concurrency?: number;
}

export interface EventRecordResult {
  readonly created: number;
  readonly patched: number;
  readonly failed: number;
  /** Held back by the rate limits (written later by the recorder itself). */
  readonly deferred: number;
  readonly notLeader?: true;
}

export const DEFAULT_EVENT_RESYNC_MS = 10 * 60_000;
/** Backoff of the retries after failed writes: 1 s, doubling, up to 1 min (with jitter). */
export const FAILURE_BACKOFF = { initialMs: 1_000, maxMs: 60_000 } as const;

type EventJob =
  { readonly kind: 'record'; readonly diagnostics: readonly Diagnostic[] } | { readonly kind: 'flush' };

interface QueuedJob {
  readonly job: EventJob;
  readonly resolve: (r: EventRecordResult) => void;
  readonly reject: (e: unknown) => void;
}

const NOTHING: EventRecordResult = { created: 0, patched: 0, failed: 0, deferred: 0 };

/** What the writes of one plan came to (mutated by the concurrent writers of `writeAll`). */
interface WriteTally {
  created: number;
  patched: number;
  failed: number;
  /** An existing Event was adopted: its series is patched at the next flush. */
  adopted: boolean;
  /** Failures worth retrying after a backoff. */
  retryable: number;
}

export class EventRecorder {
  private readonly log: Logger;
  private readonly planOptions: EventPlanOptions;
  private state: EventState;
  private last: readonly Diagnostic[] = [];
  private readonly queue: QueuedJob[] = [];
  private draining: Promise<void> | undefined;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private flushAt: number | undefined;
  private resyncTimer: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  private failureStreak = 0;

  constructor(private readonly options: EventRecorderOptions) {
    this.log = options.logger.child({ component: 'event-recorder' });
    const { clientFor: _c, isLeader: _l, logger: _g, resyncMs: _r, concurrency: _n, ...plan } = options;
    this.planOptions = plan;
    this.state = emptyEventState(Date.now(), plan);
  }

  /**
   * Records the current diagnostics (the complete list, e.g. after a translation): one observation of
   * each. Resolves when the writes it allowed are done. Serialized with other calls.
   */
  record(diagnostics: readonly Diagnostic[]): Promise<EventRecordResult> {
    this.last = diagnostics;
    this.startResync();
    return this.enqueue({ kind: 'record', diagnostics });
  }

  /** Writes what the rate limits or series intervals held back and is due now. */
  flush(): Promise<EventRecordResult> {
    return this.enqueue({ kind: 'flush' });
  }

  /** Stops the recorder's timers (pending writes are dropped). */
  close(): void {
    this.closed = true;
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    if (this.resyncTimer !== undefined) clearInterval(this.resyncTimer);
    this.flushTimer = undefined;
    this.resyncTimer = undefined;
  }

  private startResync(): void {
    const resyncMs = this.options.resyncMs ?? DEFAULT_EVENT_RESYNC_MS;
    if (this.resyncTimer !== undefined || resyncMs <= 0 || this.closed) return;
    this.resyncTimer = setInterval(() => {
      void this.enqueue({ kind: 'record', diagnostics: this.last }).catch(() => undefined);
    }, resyncMs);
    this.resyncTimer.unref();
  }

  private enqueue(job: EventJob): Promise<EventRecordResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    for (let next = this.queue.shift(); next; next = this.queue.shift()) {
      try {
        next.resolve(await this.run(next.job));
      } catch (err) {
        next.reject(err);
      }
    }
    this.draining = undefined;
  }

  private reset(): void {
    this.state = emptyEventState(Date.now(), this.planOptions);
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.flushAt = undefined;
  }

  private scheduleFlush(at: number): void {
    if (this.closed) return;
    if (this.flushAt !== undefined && this.flushAt <= at) return;
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushAt = at;
    this.flushTimer = setTimeout(
      () => {
        this.flushTimer = undefined;
        this.flushAt = undefined;
        void this.flush().catch(() => undefined);
      },
      Math.max(0, at - Date.now()),
    );
    this.flushTimer.unref();
  }

  private async run(job: EventJob): Promise<EventRecordResult> {
    if (!this.options.isLeader()) {
      this.reset();
      return { ...NOTHING, notLeader: true };
    }
    const plan = planEvents(
      this.state,
      job.kind === 'record' ? job.diagnostics : [],
      Date.now(),
      this.planOptions,
    );
    const before = this.state;
    this.state = plan.state;
    const { created, patched, failed, adopted, retryable } = await this.writeAll(plan, before);

    if (!this.options.isLeader()) {
      this.reset();
      return { created, patched, failed, deferred: plan.deferred, notLeader: true };
    }
    if (adopted) this.scheduleFlush(Date.now());
    if (plan.nextAt !== undefined) this.scheduleFlush(plan.nextAt);
    // Writes that failed for a passing reason: again after a backoff that grows while failures go on.
    if (retryable > 0) {
      this.scheduleFlush(Date.now() + retryDelay(this.failureStreak++, FAILURE_BACKOFF));
    } else if (created + patched > 0) {
      this.failureStreak = 0;
    }
    if (created + patched + failed > 0 || plan.deferred > 0) {
      this.log.debug({ created, patched, failed, deferred: plan.deferred }, 'Events written');
    }
    return { created, patched, failed, deferred: plan.deferred };
  }

  /** Makes the plan's creates and patches, `concurrency` at a time, settling each outcome into the state. */
  private async writeAll(plan: EventPlan, before: EventState): Promise<WriteTally> {
    const tally: WriteTally = { created: 0, patched: 0, failed: 0, adopted: false, retryable: 0 };
    const writes: { readonly key: string; readonly write: () => Promise<'ok' | 'adopted'> }[] = [];
    for (const c of plan.create) writes.push({ key: c.key, write: () => this.create(c) });
    for (const p of plan.patch) writes.push({ key: p.key, write: () => this.patch(p) });

    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < writes.length) {
        const { key, write } = writes[next++]!;
        await this.writeOne(key, write, before, tally);
      }
    };
    await Promise.all(
      Array.from({ length: Math.max(1, Math.min(this.options.concurrency ?? 4, writes.length)) }, worker),
    );
    return tally;
  }

  /** One write: counted in `tally`; a failure is settled into the state and logged. */
  private async writeOne(
    key: string,
    write: () => Promise<'ok' | 'adopted'>,
    before: EventState,
    tally: WriteTally,
  ): Promise<void> {
    const previousWritten = before.series.get(key)?.written;
    if (!this.options.isLeader()) {
      this.state = settleFailed(this.state, key, previousWritten, 'retry', Date.now());
      return;
    }
    try {
      const result = await write();
      if (result === 'adopted') tally.adopted = true;
      else if (before.series.get(key)?.written === undefined) tally.created++;
      else tally.patched++;
    } catch (err) {
      const status = httpStatusOf(err);
      const outcome = status === 404 ? 'gone' : isRetryable(err) ? 'retry' : 'final';
      this.state = settleFailed(this.state, key, previousWritten, outcome, Date.now());
      tally.failed++;
      if (outcome !== 'final') tally.retryable++;
      const spec = this.state.series.get(key)?.spec;
      this.log.warn(
        {
          ...(spec
            ? objectFields({ ...spec.regarding, ...(spec.cluster ? { cluster: spec.cluster } : {}) })
            : {}),
          event: spec?.name,
          error: describeCallError(err),
          retry: outcome !== 'final',
        },
        'writing an Event failed',
      );
    }
  }

  private clientOf(spec: EventSpec): EventClient {
    const client = this.options.clientFor(spec.cluster);
    if (!client)
      throw Object.assign(new Error(`no client for cluster ${spec.cluster ?? '(default)'}`), { code: 400 });
    return client;
  }

  private async create(c: EventCreate): Promise<'ok' | 'adopted'> {
    const client = this.clientOf(c.spec);
    try {
      await client.create(c);
      return 'ok';
    } catch (err) {
      if (httpStatusOf(err) !== 409) throw err;
    }
    // The Event exists: same name, so same series. Adopt its count; the next flush patches it.
    const existing = await client.seriesCount(c.spec.namespace, c.spec.name);
    if (existing === undefined)
      throw Object.assign(new Error('the Event vanished after a 409'), { code: 503 });
    this.state = settleAdopted(this.state, c.key, existing);
    return 'adopted';
  }

  private async patch(p: EventPatch): Promise<'ok'> {
    await this.clientOf(p.spec).patchSeries(p.spec.namespace, p.spec.name, p.series);
    return 'ok';
  }
}
