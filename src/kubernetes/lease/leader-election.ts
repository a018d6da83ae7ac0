/**
 * Leader election on a `coordination.k8s.io/v1` Lease, with client-go's `leaderelection` semantics.
 * Every replica serves xDS; only the leader writes Ingress status and Events.
 *
 * - A replica acquires the Lease when it does not exist, is free (empty holder: released), or has
 *   expired. Expiry is judged like client-go: on this replica's own clock, `leaseDurationSeconds` after
 *   it first saw the current record (not from `renewTime`, written by another machine's clock). A skewed
 *   clock therefore never lets a replica steal a Lease that is being renewed.
 * - Every write is a replace carrying the resourceVersion that was read: a 409 Conflict means someone
 *   else wrote first, and this replica re-reads instead of overwriting.
 * - The leader renews every `retryPeriodMs` (±10 % jitter; candidates retry at ±20 %). When no renewal
 *   has succeeded for `renewDeadlineMs`, it stops leading, which is before any other replica may take
 *   over (`leaseDurationMs` > `renewDeadlineMs` after the last renewal it could have observed).
 *   Stopping calls `onStoppedLeading` synchronously before anything else, and `isLeader()` turns false
 *   at the deadline even if the timer is late (a blocked event loop).
 * - A replica that lost the Lease keeps campaigning (it keeps serving xDS; client-go's `Run` returns
 *   instead). `stop()` releases a held Lease (empty holder, duration 1 s) so a successor takes over at
 *   its next retry instead of waiting for expiry.
 *
 * The decisions are the pure functions `observe` and `decide` (lease-decisions.ts); the Lease is read and
 * written through a `LeaseClient` (lease-client.ts); the class only does I/O and timers.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { objectFields, type Logger } from '../../observability/logger.js';
import { describeCallError } from '../client/kube-api-call.js';
import { httpStatusOf } from '../client/http-status.js';
import { jittered } from '../../util/backoff.js';
import { kubeLeaseClient, type LeaseClient } from './lease-client.js';
import {
  ACQUIRE_JITTER,
  RENEW_JITTER,
  decide,
  observe,
  releasedRecord,
  validateTimings,
  type ElectionTimings,
  type ObservedLease,
  type StoredLease,
} from './lease-decisions.js';

export interface LeaderElectorOptions {
  /** Where the Lease lives; required unless `client` is given. */
  readonly kubeConfig?: KubeConfig;
  readonly namespace: string;
  readonly name: string;
  /** Unique per replica (the pod name, plus a random suffix when several run in one pod). */
  readonly identity: string;
  /** Default 15000. */
  readonly leaseDurationMs?: number;
  /** Default 10000. */
  readonly renewDeadlineMs?: number;
  /** Default 2000. */
  readonly retryPeriodMs?: number;
  /** Bound on one apiserver request; default max(retryPeriod, renewDeadline / 2). */
  readonly requestTimeoutMs?: number;
  readonly logger: Logger;
  /** Called synchronously when this replica becomes the leader. */
  readonly onStartedLeading?: () => void;
  /** Called synchronously, before anything else, the moment this replica stops leading. */
  readonly onStoppedLeading?: () => void;
  /** Another transport for the Lease (tests); replaces `kubeConfig`. */
  readonly client?: LeaseClient;
  /** In [0, 1); default Math.random (tests fix it). */
  readonly random?: () => number;
}

export const DEFAULT_TIMINGS: ElectionTimings = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

export class LeaderElector {
  readonly identity: string;
  private readonly timings: ElectionTimings;
  private readonly client: LeaseClient;
  private readonly log: Logger;
  private readonly random: () => number;

  private running = false;
  private leading = false;
  /** Local time just before the read that led to the last successful write by us. */
  private lastRenewAt = 0;
  private observed: ObservedLease | undefined;
  private loopTimer: ReturnType<typeof setTimeout> | undefined;
  private deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  private inFlight: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  /** Re-check at once (after a 409 while leading) instead of after a retry period. */
  private recheck = false;

  constructor(private readonly options: LeaderElectorOptions) {
    this.timings = {
      leaseDurationMs: options.leaseDurationMs ?? DEFAULT_TIMINGS.leaseDurationMs,
      renewDeadlineMs: options.renewDeadlineMs ?? DEFAULT_TIMINGS.renewDeadlineMs,
      retryPeriodMs: options.retryPeriodMs ?? DEFAULT_TIMINGS.retryPeriodMs,
    };
    validateTimings(this.timings);
    if (options.identity === '') throw new Error('identity must not be empty');
    this.identity = options.identity;
    this.random = options.random ?? Math.random;
    this.log = options.logger.child({
      component: 'leader-election',
      ...objectFields({ kind: 'Lease', namespace: options.namespace, name: options.name }),
      identity: this.identity,
    });
    const requestTimeoutMs =
      options.requestTimeoutMs ?? Math.max(this.timings.retryPeriodMs, this.timings.renewDeadlineMs / 2);
    if (options.client) {
      this.client = options.client;
    } else if (options.kubeConfig) {
      this.client = kubeLeaseClient(options.kubeConfig, options.namespace, options.name, requestTimeoutMs);
    } else {
      throw new Error('LeaderElector needs a kubeConfig (or a client)');
    }
  }

  /** Starts campaigning (idempotent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.log.info('campaigning for leadership');
    this.schedule(0);
  }

  /**
   * Stops campaigning: stops leading at once (onStoppedLeading runs before this returns its promise),
   * then waits for a request in flight and releases the Lease if this replica holds it. Never rejects.
   */
  stop(): Promise<void> {
    if (!this.running) return this.stopping ?? Promise.resolve();
    this.running = false;
    this.lose('stopping');
    if (this.loopTimer !== undefined) clearTimeout(this.loopTimer);
    this.loopTimer = undefined;
    const inFlight = this.inFlight;
    this.stopping = (async () => {
      await inFlight?.catch(() => undefined);
      await this.release();
    })().finally(() => {
      this.stopping = undefined;
    });
    return this.stopping;
  }

  /**
   * Whether this replica leads now. False from the renew deadline on, even before the deadline timer
   * runs (it then stops leading here, synchronously).
   */
  isLeader(): boolean {
    if (!this.leading) return false;
    if (Date.now() >= this.lastRenewAt + this.timings.renewDeadlineMs) {
      this.lose('renew deadline passed');
      return false;
    }
    return true;
  }

  private schedule(delayMs: number): void {
    this.loopTimer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    this.loopTimer = undefined;
    if (this.stopping) await this.stopping;
    if (!this.running) return;
    const attempt = this.attempt();
    this.inFlight = attempt;
    try {
      await attempt;
    } finally {
      this.inFlight = undefined;
    }
    if (!this.running || this.loopTimer !== undefined) return;
    if (this.recheck) {
      this.recheck = false;
      this.schedule(0);
      return;
    }
    const { retryPeriodMs } = this.timings;
    this.schedule(
      this.leading
        ? jittered(retryPeriodMs, RENEW_JITTER, this.random)
        : jittered(retryPeriodMs, ACQUIRE_JITTER, this.random),
    );
  }

  /** One read-decide-write round (client-go's tryAcquireOrRenew). Never rejects. */
  private async attempt(): Promise<void> {
    const startedAt = Date.now();
    let current: StoredLease | undefined;
    try {
      current = await this.client.get();
    } catch (err) {
      this.log.warn({ error: describeCallError(err) }, 'reading the lease failed');
      return;
    }
    if (!this.running) return;
    const now = Date.now();
    this.observed = observe(this.observed, current, now);
    const decision = decide(this.observed, now, this.identity, this.timings);
    if (decision.action === 'wait') {
      if (this.leading) this.lose(`the lease is held by ${decision.holder}`);
      else this.log.debug({ holder: decision.holder }, 'the lease is held by another replica');
      return;
    }
    try {
      const written =
        decision.action === 'create'
          ? await this.client.create(decision.record)
          : await this.client.replace(decision.record, decision.resourceVersion);
      this.observed = { ...written, observedAt: Date.now() };
      if (decision.action !== 'update' || decision.takeover) {
        this.log.info(
          {
            transitions: decision.record.leaseTransitions,
            previous: current?.record.holderIdentity || undefined,
          },
          'acquired the lease',
        );
      }
      this.renewed(startedAt);
    } catch (err) {
      if (httpStatusOf(err) === 409) {
        // Someone else wrote the Lease since we read it: re-read now if we lead (it may be a takeover).
        this.log.debug('lease write conflict (409): another replica wrote first');
        if (this.leading) this.recheck = true;
        return;
      }
      this.log.warn({ error: describeCallError(err), action: decision.action }, 'writing the lease failed');
    }
  }

  /** A write by us succeeded; `at` is when the round started (the deadline counts from there). */
  private renewed(at: number): void {
    if (!this.running) return;
    const deadline = at + this.timings.renewDeadlineMs;
    if (Date.now() >= deadline) {
      // The answer came too late to count: the deadline timer has fired (or is about to).
      this.log.warn('a lease write succeeded after the renew deadline; not leading on it');
      return;
    }
    this.lastRenewAt = at;
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = setTimeout(() => {
      this.deadlineTimer = undefined;
      this.lose(`no successful renewal within ${this.timings.renewDeadlineMs} ms`);
    }, deadline - Date.now());
    if (!this.leading) {
      this.leading = true;
      this.log.info('started leading');
      try {
        this.options.onStartedLeading?.();
      } catch (err) {
        this.log.error({ err }, 'onStartedLeading threw');
      }
    }
  }

  /** Stops leading: the callback first, synchronously; then timers and logs. */
  private lose(reason: string): void {
    if (!this.leading) return;
    this.leading = false;
    let callbackError: unknown;
    try {
      this.options.onStoppedLeading?.();
    } catch (err) {
      callbackError = err;
    }
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    this.log.warn({ reason }, 'stopped leading');
    if (callbackError !== undefined) this.log.error({ err: callbackError }, 'onStoppedLeading threw');
  }

  /** Empties the holder if the Lease is ours, so that a successor need not wait for it to expire. */
  private async release(): Promise<void> {
    try {
      const current = await this.client.get();
      if (current === undefined || (current.record.holderIdentity ?? '') !== this.identity) return;
      await this.client.replace(releasedRecord(current.record, Date.now()), current.resourceVersion);
      this.log.info('released the lease');
    } catch (err) {
      this.log.warn({ error: describeCallError(err) }, 'releasing the lease failed; it expires on its own');
    }
  }
}
