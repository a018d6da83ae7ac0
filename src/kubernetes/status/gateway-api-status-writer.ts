/**
 * Writes Gateway API status (leader only): GatewayClass and Gateway conditions, Gateway listeners and
 * addresses, and Causeway's entries of routes' `status.parents` (see gateway-api-status.ts for what is
 * merged how). Follows the Ingress status writer:
 *
 * - only while this replica leads (`isLeader()` before every request); syncs are serialized and
 *   coalesced (the latest model wins);
 * - only changed statuses are written: the writer remembers each object's status as last read or
 *   written, and an object whose merged status equals it is not touched (no request at all); that memory
 *   is dropped when leadership starts and every `resyncMs`;
 * - a write is a JSON merge patch of the `/status` subresource carrying the `metadata.resourceVersion` it
 *   was computed from (field manager `causeway`): a concurrent writer (another controller adding its
 *   route parent) makes it fail with 409, and the writer reads the object again and merges again (up to
 *   `conflictAttempts`); 5xx, 429 and network errors are retried with capped, jittered backoff;
 * - writes go through a token bucket (default 20/s, burst 40) so a large model cannot flood the apiserver;
 * - an object that is gone (404, also when the cluster has no Gateway API CRDs) is skipped; after a sync
 *   with failed writes the model is synced again `retryFailedMs` later (unless a newer one came);
 * - a route whose entries Causeway wrote and that is no longer in the model gets them removed; when the
 *   memory is empty (leadership started, resync) the routes of every cluster are listed first to find
 *   the entries a former leader wrote.
 */
import type { GatewayApiStatus } from '../../gateway-api/status-model.js';
import { objectFields, type Logger } from '../../observability/logger.js';
import { TokenBucket } from '../../util/token-bucket.js';
import { describeCallError, withRetry, type RetryOptions } from '../client/kube-api-call.js';
import type { GatewayApiStatusClient, StatusSnapshot } from './gateway-api-status-client.js';
import { httpStatusOf } from '../client/http-status.js';
import {
  conditionTime,
  desiredGatewayApiStatuses,
  statusPatch,
  targetKey,
  type DesiredStatus,
  type StatusTarget,
} from './gateway-api-status.js';

export interface GatewayApiStatusWriterOptions {
  /** The client of a source cluster; undefined when Causeway has none (its objects are skipped). */
  readonly clientFor: (cluster: string) => GatewayApiStatusClient | undefined;
  /**
   * The clusters whose routes are scanned for entries of ours when the memory is empty (leadership
   * started, resync), so entries a former leader wrote for parents that went are removed too.
   */
  readonly clusters?: readonly string[];
  /** The addresses of each gateway group (for Gateways' `status.addresses`). */
  readonly groupAddresses: () => ReadonlyMap<string, readonly string[]>;
  readonly isLeader: () => boolean;
  readonly logger: Logger;
  readonly retry?: RetryOptions;
  /** Reads and merges again after a 409 Conflict this many times in all (default 3). */
  readonly conflictAttempts?: number;
  /** Writes per second (default 20) and burst (default 40). */
  readonly writesPerSecond?: number;
  readonly writeBurst?: number;
  /** After a sync with failures, the model is synced again this much later (default 30 s; 0: never). */
  readonly retryFailedMs?: number;
  /** The remembered statuses are dropped after this long (default 10 min). */
  readonly resyncMs?: number;
  readonly now?: () => Date;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface GatewayApiSyncResult {
  readonly written: number;
  readonly unchanged: number;
  readonly failed: number;
  readonly notLeader?: true;
}

type Outcome = 'written' | 'unchanged' | 'failed' | 'gone';

export class GatewayApiStatusWriter {
  private readonly log: Logger;
  private readonly bucket: TokenBucket;
  /** Each object's status as last read or written, by targetKey. */
  private known = new Map<string, StatusSnapshot>();
  private knownSince = Date.now();
  /** Routes holding entries of ours, by targetKey (to remove them when the model drops the route). */
  private held = new Map<string, StatusTarget>();
  /** Set when the memory was dropped: the next sync scans the clusters' routes first. */
  private scanNeeded = true;
  private queued: { status: GatewayApiStatus; waiters: ((r: GatewayApiSyncResult) => void)[] } | undefined;
  private active: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: GatewayApiStatusWriterOptions) {
    this.log = o.logger.child({ component: 'gateway-api-status' });
    this.bucket = new TokenBucket({
      ratePerSecond: o.writesPerSecond ?? 20,
      burst: o.writeBurst ?? 40,
      ...(o.sleep !== undefined ? { sleep: o.sleep } : {}),
    });
  }

  /** Brings every object of the model to its status. Serialized and coalesced; never rejects. */
  sync(status: GatewayApiStatus): Promise<GatewayApiSyncResult> {
    return new Promise((resolve) => {
      if (this.queued) {
        this.queued.status = status;
        this.queued.waiters.push(resolve);
      } else this.queued = { status, waiters: [resolve] };
      this.active ??= this.drain();
    });
  }

  /** Stops the retry of failed writes. */
  close(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /** Drops what is remembered (call when this replica starts leading). */
  forget(): void {
    this.known = new Map();
    this.knownSince = Date.now();
    this.scanNeeded = true;
  }

  private async drain(): Promise<void> {
    while (this.queued) {
      const job = this.queued;
      this.queued = undefined;
      const result = await this.run(job.status).catch((err: unknown) => {
        this.log.error({ err }, 'Gateway API status sync failed');
        return { written: 0, unchanged: 0, failed: 1 };
      });
      for (const w of job.waiters) w(result);
      this.retryLater(job.status, result);
    }
    this.active = undefined;
  }

  /** Syncs `status` again later when some of its writes failed and nothing newer came meanwhile. */
  private retryLater(status: GatewayApiStatus, result: GatewayApiSyncResult): void {
    const delay = this.o.retryFailedMs ?? 30_000;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (result.failed === 0 || delay <= 0 || this.queued !== undefined) return;
    this.retryTimer = setTimeout(() => void this.sync(status), delay);
    this.retryTimer.unref();
  }

  private async run(status: GatewayApiStatus): Promise<GatewayApiSyncResult> {
    if (!this.o.isLeader()) {
      this.forget();
      return { written: 0, unchanged: 0, failed: 0, notLeader: true };
    }
    if (Date.now() - this.knownSince > (this.o.resyncMs ?? 10 * 60_000)) this.forget();
    if (this.scanNeeded) await this.scanRoutes();
    const desired = desiredGatewayApiStatuses(status, this.o.groupAddresses());
    const inModel = new Set(desired.map((d) => targetKey(d.target)));
    // Routes that held entries of ours and left the model: their entries go.
    for (const [key, target] of this.held) if (!inModel.has(key)) desired.push({ target, parents: [] });
    const counts = { written: 0, unchanged: 0, failed: 0, gone: 0 };
    for (const d of desired) {
      if (!this.o.isLeader()) break;
      counts[await this.syncOne(d)]++;
    }
    if (!this.o.isLeader()) this.forget();
    const { written, unchanged, failed } = counts;
    if (written > 0 || failed > 0) this.log.info({ written, unchanged, failed }, 'Gateway API status synced');
    return { written, unchanged, failed };
  }

  /** Learns which routes hold entries of ours (and their status), cluster by cluster. */
  private async scanRoutes(): Promise<void> {
    let complete = true;
    for (const cluster of this.o.clusters ?? []) {
      const client = this.o.clientFor(cluster);
      if (client?.routesWithOurParents === undefined) continue;
      try {
        const routes = await withRetry(
          () => client.routesWithOurParents!(cluster),
          this.o.retry,
          this.retryContext(),
        );
        for (const r of routes) {
          const key = targetKey(r.target);
          this.held.set(key, r.target);
          this.known.set(key, { resourceVersion: r.resourceVersion, status: r.status });
        }
      } catch (err) {
        complete = false;
        this.log.warn(
          { cluster, error: describeCallError(err) },
          'listing routes for our status entries failed',
        );
      }
    }
    this.scanNeeded = !complete;
  }

  private retryContext() {
    return {
      proceed: this.o.isLeader,
      ...(this.o.random ? { random: this.o.random } : {}),
      ...(this.o.sleep ? { sleep: this.o.sleep } : {}),
    };
  }

  private async syncOne(d: DesiredStatus): Promise<Outcome> {
    const key = targetKey(d.target);
    const client = this.o.clientFor(d.target.cluster);
    if (client === undefined) return 'failed';
    const now = conditionTime(this.o.now?.() ?? new Date());
    const attempts = Math.max(1, this.o.conflictAttempts ?? 3);
    const fields = objectFields({
      kind: d.target.kind,
      namespace: d.target.namespace,
      name: d.target.name,
      cluster: d.target.cluster,
    });
    try {
      for (let attempt = 0; attempt < attempts; attempt++) {
        let current = this.known.get(key);
        if (current === undefined) {
          current = await withRetry(() => client.get(d.target), this.o.retry, this.retryContext());
          if (current === undefined) return this.gone(key);
          this.known.set(key, current);
        }
        const patch = statusPatch(d, current.status, now);
        if (patch === undefined) return this.settled(d, key, 'unchanged');
        if (!this.o.isLeader()) return 'failed';
        await this.bucket.take();
        try {
          const rv = current.resourceVersion;
          const next = await withRetry(
            () => client.patch(d.target, rv, patch),
            this.o.retry,
            this.retryContext(),
          );
          this.known.set(key, next);
          this.log.info(fields, `updated ${d.target.kind} status`);
          return this.settled(d, key, 'written');
        } catch (err) {
          if (httpStatusOf(err) !== 409) throw err;
          this.known.delete(key); // read it again and merge again
        }
      }
      this.log.warn(
        { ...fields, attempts },
        `${d.target.kind} status: still conflicting; retried at the next sync`,
      );
      return 'failed';
    } catch (err) {
      this.known.delete(key);
      if (httpStatusOf(err) === 404) return this.gone(key);
      if (this.o.isLeader())
        this.log.warn({ ...fields, error: describeCallError(err) }, `writing ${d.target.kind} status failed`);
      return 'failed';
    }
  }

  private settled(d: DesiredStatus, key: string, outcome: Outcome): Outcome {
    if ('parents' in d) {
      if (d.parents.length > 0) this.held.set(key, d.target);
      else this.held.delete(key);
    }
    return outcome;
  }

  private gone(key: string): Outcome {
    this.known.delete(key);
    this.held.delete(key);
    return 'gone';
  }
}
