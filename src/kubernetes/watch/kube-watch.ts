/**
 * The list+watch loop of one kind (what client-go calls a reflector):
 *
 * 1. List every page (`limit`/`continue`); hand the full state to `onList`; remember the list's
 *    resourceVersion.
 * 2. Watch from that resourceVersion with bookmarks on and a server-side timeout (jittered, so that watches
 *    of many controllers do not expire together); every event and bookmark advances the resourceVersion.
 * 3. A watch that ends normally (the timeout) is reopened at once from the last resourceVersion seen. A watch
 *    that fails (apiserver gone, connection reset, HTTP error, stalled stream) is reopened from the last
 *    resourceVersion too, after a capped, jittered backoff: nothing is missed and nothing is relisted.
 * 4. 410 Gone (the resourceVersion was compacted away, or the apiserver restarted with a fresh watch cache)
 *    means events were lost: relist (with the same backoff) and hand the new full state to `onList`. A list
 *    whose continue token expired (410 during paging) starts the list over the same way.
 * 5. With a `gate` (one per cluster, see `ReachabilityGate`), a request that found no apiserver (network
 *    error, 502/503/504) waits its backoff and then until the cluster's readiness probe says the apiserver
 *    is back (at most the backoff cap): after an outage every loop resumes within a probe interval (~1 s)
 *    instead of its backoff grown to 30 s. A 429/503 Retry-After is honoured (up to the cap).
 * 6. An `optional` kind (the Gateway API's) that the cluster does not serve (404: its CRD is not installed)
 *    or that we may not read (403) is "no objects": `onList([])` (the first list is complete), one info log
 *    (then debug), and a list again every `absentRecheckMs` (default 60 s), which starts the watch once
 *    the CRD exists. A watch that answers 404 (the CRD was deleted) relists, and so empties the kind.
 *
 * The consumer's state is never cleared on an error: the last state stays until a list or an event replaces
 * it. Failures are logged (warn) with the retry delay.
 */
import type { Logger } from 'pino';
import { backoffBounds, backoffDelay, fullJitter, type BackoffOptions } from '../../util/backoff.js';
import { httpStatusOf } from '../client/http-status.js';
import { isUnreachable, type ReachabilityGate } from '../client/reachability-gate.js';
import { watchScope, type KubeKindSpec } from './kube-kinds.js';
import {
  describeError,
  KubeApiError,
  type KubeQuery,
  type KubeTransport,
  type KubeWatchHandle,
} from '../client/kube-transport.js';
import { dropManagedFields, isGone, resourceVersionOf, statusError } from './watch-objects.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface KindWatchHandlers {
  /** The full current state of the kind (first list, and every relist). */
  readonly onList: (items: readonly unknown[]) => void;
  readonly onEvent: (type: WatchEventType, object: unknown) => void;
}

export interface KindWatchOptions {
  readonly spec: KubeKindSpec;
  readonly transport: KubeTransport;
  readonly handlers: KindWatchHandlers;
  readonly logger: Logger;
  readonly backoff?: BackoffOptions;
  /** The cluster's shared readiness gate (see the file comment, 5.); without it, the backoff alone. */
  readonly gate?: ReachabilityGate;
  /** Server-side timeout of each watch; default: a random value in [300, 600) s per watch. */
  readonly watchTimeoutSeconds?: number;
  /**
   * A watch that delivers nothing (not even a bookmark) for this long is taken as dead and reopened.
   * Default: the watch timeout plus 30 s.
   */
  readonly stallTimeoutMs?: number;
  /** Relist every this many ms as a safety net (default 0: never; the watch alone is complete). */
  readonly relistIntervalMs?: number;
  /** Page size of lists (default 500). */
  readonly pageSize?: number;
  /** How often an `optional` kind the cluster does not serve is listed again (default 60 s). */
  readonly absentRecheckMs?: number;
  readonly random?: () => number;
}

export const DEFAULT_ABSENT_RECHECK_MS = 60_000;

/** Whether a failed list of an optional kind means "the cluster does not serve it to us". */
function isAbsent(spec: KubeKindSpec, error: unknown): boolean {
  const status = httpStatusOf(error);
  return spec.optional === true && (status === 404 || status === 403);
}

/** A watch is healthy (the failure count restarts) when it delivered an event or lasted this long. */
const HEALTHY_WATCH_MS = 1_000;

interface WatchOutcome {
  /** Undefined when the stream ended normally (or we ended it to relist). */
  readonly error?: unknown;
  readonly gone: boolean;
  readonly relist: boolean;
  readonly healthy: boolean;
}

export class KindWatch {
  readonly kind: KubeKindSpec['kind'];
  /** The kind, with its field selector if any (two watches of Secrets): for messages. */
  readonly scope: string;
  /** A kind the cluster may not serve (the Gateway API's; see the file comment, 6.). */
  readonly optional: boolean;
  /** Resolves when the first list completed (never rejects; see `lastError` while it is pending). */
  readonly listed: Promise<void>;
  /** The last failure, until a list or watch succeeds again. */
  lastError: unknown;
  private resolveListed!: () => void;
  private hasListed = false;
  private resourceVersion = '';
  private failures = 0;
  /** 410s in a row; the first one relists at once (the apiserver answered, e.g. after its restart). */
  private goneInARow = 0;
  private stopped = true;
  /** Bumped by every start(): a loop of an earlier start that is still winding down sees it and ends. */
  private generation = 0;
  private running: Promise<void> | undefined;
  /** The open watch, to end it from `stop()` and `requestRelist()`. */
  private current: { readonly settle: (outcome: WatchOutcome) => void } | undefined;
  private listAbort: AbortController | undefined;
  private wakeSleep: (() => void) | undefined;
  /** Aborts a wait on the gate (stop()). */
  private gateAbort: AbortController | undefined;
  private relistTimer: NodeJS.Timeout | undefined;
  private relistRequested = false;
  /** Set while an optional kind is not served (see the file comment, 6.): its last answer's status. */
  private absentStatus: number | undefined;
  private readonly random: () => number;
  private readonly log: Logger;

  constructor(private readonly o: KindWatchOptions) {
    this.kind = o.spec.kind;
    this.scope = watchScope(o.spec);
    this.optional = o.spec.optional === true;
    this.random = o.random ?? Math.random;
    // Two watches of Secrets (one per type): their log lines say which.
    const fieldSelector = o.spec.fieldSelector;
    this.log = fieldSelector === undefined ? o.logger : o.logger.child({ fieldSelector });
    this.listed = new Promise((resolve) => {
      this.resolveListed = resolve;
    });
  }

  get isListed(): boolean {
    return this.hasListed;
  }

  /** Starts the loop (again, after `stop()`: resuming from the last resourceVersion). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const interval = this.o.relistIntervalMs ?? 0;
    if (interval > 0) {
      this.relistTimer = setInterval(() => this.requestRelist(), interval);
      this.relistTimer.unref();
    }
    const generation = ++this.generation;
    const previous = this.running ?? Promise.resolve();
    this.running = previous
      .then(() => this.run(generation))
      .catch((err: unknown) => {
        // A bug in the loop itself: log it; the source keeps serving its last state.
        this.log.error({ err, kind: this.kind }, 'list+watch loop failed');
      });
  }

  /** Stops the loop; resolves when it has ended. No handler is called afterwards. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.relistTimer) clearInterval(this.relistTimer);
    this.relistTimer = undefined;
    this.listAbort?.abort();
    this.abortWatch({ gone: false, relist: false, healthy: true });
    this.wakeSleep?.();
    this.gateAbort?.abort();
    const running = this.running;
    await running;
    if (this.running === running) this.running = undefined;
  }

  /** Ends the current watch and relists (the periodic safety net; also for tests). */
  requestRelist(): void {
    if (this.stopped) return;
    this.relistRequested = true;
    this.abortWatch({ gone: false, relist: true, healthy: true });
    if (this.absentStatus !== undefined) this.wakeSleep?.();
  }

  private abortWatch(outcome: WatchOutcome): void {
    this.current?.settle(outcome);
  }

  /** False once this loop was stopped (or superseded by a later start()). */
  private alive(generation: number): boolean {
    return !this.stopped && this.generation === generation;
  }

  private async run(generation: number): Promise<void> {
    while (this.alive(generation)) {
      if (this.relistRequested) {
        this.relistRequested = false;
        this.resourceVersion = '';
      }
      if (this.resourceVersion === '') {
        try {
          await this.listAll(generation);
        } catch (err) {
          if (!this.alive(generation)) return;
          if (isAbsent(this.o.spec, err)) {
            await this.whileAbsent(err);
            continue;
          }
          // An expired continue token (410 while paging): start the list over, at once the first time.
          if (isGone(err) && this.goneInARow++ === 0) {
            this.log.info({ kind: this.kind }, 'list: continue token expired (410 Gone); listing again');
            continue;
          }
          await this.backOff(err, 'list failed');
          continue;
        }
        if (!this.alive(generation)) return;
      }
      const outcome = await this.watchOnce(generation);
      if (!this.alive(generation)) return;
      // Only a healthy watch restarts the failure count (not a list: a list followed by an immediate
      // 410 again and again must back off too).
      if (outcome.healthy) this.failures = 0;
      if (outcome.relist) continue;
      if (outcome.gone) {
        this.resourceVersion = '';
        this.log.info(
          { kind: this.kind },
          'watch: resourceVersion too old (410 Gone); relisting to catch up on missed events',
        );
        // A 410 is an answer: the apiserver is back (after a restart every old resourceVersion is gone).
        // Relist at once, with the failure count reset; only a 410 right after a relist backs off.
        if (this.goneInARow++ === 0) this.failures = 0;
        else await this.backOff(undefined, 'relisting after 410 Gone');
        continue;
      }
      this.goneInARow = 0;
      if (outcome.error !== undefined && isAbsent(this.o.spec, outcome.error)) {
        this.resourceVersion = ''; // the CRD went away (or our access to it): the next list says so
        continue;
      }
      if (outcome.error !== undefined) {
        await this.backOff(outcome.error, 'watch failed; keeping the last state and resuming');
      } else if (!outcome.healthy) {
        // Closed at once without an event: do not spin.
        await this.backOff(new Error('watch closed immediately'), 'watch closed immediately');
      } else {
        this.log.debug({ kind: this.kind, resourceVersion: this.resourceVersion }, 'watch: reopening');
      }
    }
  }

  /**
   * An optional kind the cluster does not serve (404) or lets us read (403): no objects (the first list is
   * complete), logged once at info, listed again after `absentRecheckMs`.
   */
  private async whileAbsent(error: unknown): Promise<void> {
    const status = httpStatusOf(error);
    const recheckMs = this.o.absentRecheckMs ?? DEFAULT_ABSENT_RECHECK_MS;
    if (this.absentStatus !== status) {
      this.absentStatus = status;
      const why =
        status === 404
          ? 'not served by this cluster (its CRD is not installed): none of these objects'
          : 'not readable (403: the RBAC rules of manifests/rbac.yaml are missing): its objects are ignored';
      this.log.info({ kind: this.kind, recheckMs, error: describeError(error) }, `${this.kind}: ${why}`);
    } else {
      this.log.debug({ kind: this.kind }, 'still not served');
    }
    this.lastError = undefined;
    this.failures = 0;
    this.o.handlers.onList([]);
    if (!this.hasListed) {
      this.hasListed = true;
      this.resolveListed();
    }
    await this.pause(recheckMs);
  }

  private async backOff(error: unknown, what: string): Promise<void> {
    const bounds = backoffBounds(this.o.backoff);
    const retryAfter = error instanceof KubeApiError ? error.retryAfterMs : undefined;
    const delay = Math.max(
      backoffDelay({ attempt: this.failures, ...bounds, jitter: 'equal' }, this.random),
      Math.min(retryAfter ?? 0, bounds.capMs),
    );
    this.failures++;
    // Parked on the gate from now, so that a probe sent during the backoff below counts.
    const gate = error !== undefined && isUnreachable(error) ? this.o.gate : undefined;
    const abort = new AbortController();
    this.gateAbort = abort;
    const reachable = gate?.whenReachable(abort.signal);
    if (error !== undefined) {
      this.lastError = error;
      this.log.warn(
        {
          kind: this.kind,
          attempt: this.failures,
          retryInMs: delay,
          ...(gate !== undefined ? { thenUntilApiserverReady: true } : {}),
          error: describeError(error),
          ...(this.resourceVersion !== '' ? { resourceVersion: this.resourceVersion } : {}),
        },
        what,
      );
    }
    const started = Date.now();
    await this.pause(delay);
    if (reachable !== undefined && !this.stopped) {
      // Never longer than the backoff cap (jittered): a probe that never succeeds must not stall the loop.
      const ceiling = backoffDelay(
        { attempt: Number.MAX_SAFE_INTEGER, ...bounds, jitter: 'equal' },
        this.random,
      );
      const timeLeft = ceiling - (Date.now() - started);
      if (timeLeft > 0) await Promise.race([reachable, this.pause(timeLeft)]);
    }
    abort.abort();
    if (this.gateAbort === abort) this.gateAbort = undefined;
    this.wakeSleep?.(); // the ceiling's timer, when the gate opened first
  }

  /** Sleeps `ms`; `wakeSleep` (stop()) ends it early. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        if (this.wakeSleep === wake) this.wakeSleep = undefined;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakeSleep = wake;
    });
  }

  private async listAll(generation: number): Promise<void> {
    const t0 = Date.now();
    const items: unknown[] = [];
    let continueToken: string | undefined;
    let resourceVersion = '';
    let pages = 0;
    do {
      const query: Record<string, string> = { limit: String(this.o.pageSize ?? 500) };
      if (continueToken !== undefined) query['continue'] = continueToken;
      if (this.o.spec.fieldSelector !== undefined) query['fieldSelector'] = this.o.spec.fieldSelector;
      const abort = new AbortController();
      this.listAbort = abort;
      try {
        const page = await this.o.transport.list(this.o.spec.path, query, abort.signal);
        for (const item of page.items) items.push(dropManagedFields(item));
        resourceVersion = page.resourceVersion;
        continueToken = page.continueToken;
        pages++;
      } finally {
        this.listAbort = undefined;
      }
      if (!this.alive(generation)) return;
    } while (continueToken !== undefined);
    if (resourceVersion === '') throw new Error('the list carries no resourceVersion');
    this.resourceVersion = resourceVersion;
    this.o.gate?.reportHealthy();
    // A relist asked for while listing is satisfied by this list.
    this.relistRequested = false;
    this.lastError = undefined;
    if (this.absentStatus !== undefined) {
      this.log.info({ kind: this.kind }, `${this.kind}: now served by the cluster; watching it`);
      this.absentStatus = undefined;
    }
    this.o.handlers.onList(items);
    this.log[this.hasListed ? 'info' : 'debug'](
      { kind: this.kind, objects: items.length, pages, ms: Date.now() - t0, resourceVersion },
      this.hasListed ? 'relisted' : 'listed',
    );
    if (!this.hasListed) {
      this.hasListed = true;
      this.resolveListed();
    }
  }

  /**
   * Applies one watch event: objects go to the handler and advance the resourceVersion, bookmarks only
   * advance it. An `ERROR` event is returned as its status error (the watch ends); unknown types are logged.
   */
  private applyEvent(type: string, object: unknown): KubeApiError | undefined {
    switch (type) {
      case 'ADDED':
      case 'MODIFIED':
      case 'DELETED':
        this.o.handlers.onEvent(type, object);
        this.resourceVersion = resourceVersionOf(object) ?? this.resourceVersion;
        this.lastError = undefined;
        return undefined;
      case 'BOOKMARK':
        this.resourceVersion = resourceVersionOf(object) ?? this.resourceVersion;
        return undefined;
      case 'ERROR':
        return statusError(object);
      default:
        this.log.debug({ kind: this.kind, type }, 'watch: unknown event type ignored');
        return undefined;
    }
  }

  /** The query of a watch from the current resourceVersion, with bookmarks and a server-side timeout. */
  private watchQuery(timeoutSeconds: number): KubeQuery {
    const query: Record<string, string> = {
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: 'true',
      timeoutSeconds: String(timeoutSeconds),
    };
    if (this.o.spec.fieldSelector !== undefined) query['fieldSelector'] = this.o.spec.fieldSelector;
    return query;
  }

  private watchOnce(generation: number): Promise<WatchOutcome> {
    return new Promise<WatchOutcome>((resolve) => {
      const started = Date.now();
      let events = 0;
      let settled = false;
      let handle: KubeWatchHandle | undefined;
      let stallTimer: NodeJS.Timeout | undefined;
      const timeoutSeconds = this.o.watchTimeoutSeconds ?? 300 + fullJitter(300, this.random);
      const stallMs = this.o.stallTimeoutMs ?? timeoutSeconds * 1000 + 30_000;

      // Ends this watch once: later callbacks of its stream (an abort error arriving late) are ignored,
      // and never touch the next watch.
      const settle = (outcome: WatchOutcome): void => {
        if (settled) return;
        settled = true;
        if (stallTimer) clearTimeout(stallTimer);
        if (this.current === current) this.current = undefined;
        const h = handle;
        handle = undefined;
        resolve(outcome);
        h?.abort();
      };
      const current = { settle };
      this.current = current;
      const finish = (error: unknown, gone = false): void => {
        if (settled) return;
        const healthy = events > 0 || (error === undefined && Date.now() - started >= HEALTHY_WATCH_MS);
        settle({
          ...(error !== undefined && !gone ? { error } : {}),
          gone: gone || isGone(error),
          relist: false,
          healthy,
        });
      };
      const armStall = (): void => {
        if (stallTimer) clearTimeout(stallTimer);
        stallTimer = setTimeout(
          () => finish(new Error(`watch stalled: nothing received for ${stallMs} ms`)),
          stallMs,
        );
        stallTimer.unref();
      };
      armStall();

      const onEvent = (type: string, object: unknown): void => {
        if (settled || !this.alive(generation)) return;
        try {
          // The apiserver answers: loops of the cluster parked on the gate may go.
          if (events++ === 0) this.o.gate?.reportHealthy();
          armStall();
          const err = this.applyEvent(type, object);
          if (err) {
            events--; // an error is not a sign of health
            finish(err, err.statusCode === 410);
          }
        } catch (err) {
          // A bug in a handler: the watch itself is fine; log and go on.
          this.log.error({ err, kind: this.kind, type }, 'watch event handler failed');
        }
      };

      this.o.transport
        .watch(this.o.spec.path, this.watchQuery(timeoutSeconds), onEvent, (error: unknown) =>
          finish(error === null || error === undefined ? undefined : error),
        )
        .then(
          (h) => {
            if (settled) h.abort();
            else handle = h;
          },
          (error: unknown) => finish(error ?? new Error('watch could not be opened')),
        );
    });
  }
}
