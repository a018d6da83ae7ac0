/**
 * Several source clusters as one source: each cluster's own source (a KubernetesSource) is loaded and
 * watched; every update re-merges the clusters' objects into one ResourceSet (namespace sameness: the
 * first cluster in the config wins for Services, IngressClasses and Secrets; Ingresses and
 * EndpointSlices of every cluster are kept, each with its cluster).
 *
 * Start-up: `load()` waits for every cluster's first complete list, so a restart never pushes a partial
 * config. A cluster whose first list fails (its source's own timeout) is marked unavailable with a log
 * line and the `causeway_source_cluster_available` metric, the others are served, and the unavailable one
 * is retried with a capped, jittered backoff until it joins. When no cluster at all can be listed,
 * `load()` rejects: serving an empty configuration would empty every gateway.
 */
import type { Logger } from 'pino';
import { CausewayError, compareDiagnostics } from '../errors.js';
import type { ControllerMetrics } from '../observability/metrics.js';
import { buildResourceSet, resourceObjects } from '../resources/resource-set.js';
import { backoffDelay } from '../util/backoff.js';
import type { ResourceChange, ResourceSource, SourceUpdate } from './source-update.js';

export interface ClusterSource {
  readonly cluster: string;
  readonly source: ResourceSource;
}

export interface MultiClusterSourceOptions {
  readonly clusters: readonly ClusterSource[];
  readonly logger: Logger;
  readonly metrics?: ControllerMetrics;
  /**
   * Retry backoff for a cluster whose first list failed (default 500 ms doubling to 2 s, ±20 % jitter).
   * Short on purpose: a retry is a `load()`, whose loops wait on the cluster's readiness probe (one cheap
   * request a second) for the whole initial-list timeout (60 s), so the gap between two loads is the only
   * time nobody notices the cluster coming back; with 60 s it joined up to a minute late.
   */
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  readonly random?: () => number;
}

export class MultiClusterSource implements ResourceSource {
  private readonly latest = new Map<string, SourceUpdate>();
  private onUpdate: ((u: SourceUpdate) => void) | undefined;
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private readonly pendingRetries: ClusterSource[] = [];
  private closed = false;

  constructor(private readonly o: MultiClusterSourceOptions) {
    const names = o.clusters.map((c) => c.cluster);
    if (names.length === 0) throw new CausewayError('CW_E_USAGE', 'no source cluster configured');
    if (new Set(names).size !== names.length) {
      throw new CausewayError('CW_E_USAGE', `a source cluster is listed twice: ${names.join(', ')}`);
    }
  }

  async load(): Promise<SourceUpdate> {
    const results = await Promise.allSettled(this.o.clusters.map((c) => c.source.load()));
    const failures: string[] = [];
    results.forEach((r, i) => {
      const c = this.o.clusters[i]!;
      if (r.status === 'fulfilled') {
        this.latest.set(c.cluster, r.value);
        this.o.metrics?.setClusterAvailable(c.cluster, true);
      } else {
        const reason = r.reason instanceof Error ? r.reason.message : String(r.reason);
        failures.push(`${c.cluster}: ${reason}`);
        this.o.metrics?.setClusterAvailable(c.cluster, false);
        this.o.logger.error(
          { code: 'CW_E_KUBE_UNAVAILABLE', cluster: c.cluster, err: reason },
          'source cluster unavailable; serving the other clusters and retrying it',
        );
        this.pendingRetries.push(c);
      }
    });
    if (this.latest.size === 0) {
      throw new CausewayError(
        'CW_E_KUBE_UNAVAILABLE',
        `no source cluster could be listed (${failures.join('; ')})`,
      );
    }
    return this.merged(this.allUpserts());
  }

  async watch(onUpdate: (u: SourceUpdate) => void): Promise<void> {
    this.onUpdate = onUpdate;
    for (const c of this.o.clusters) {
      if (this.latest.has(c.cluster)) await this.follow(c);
    }
    for (const c of this.pendingRetries.splice(0)) this.scheduleRetry(c, 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.onUpdate = undefined;
    for (const t of this.retryTimers.values()) clearTimeout(t);
    this.retryTimers.clear();
    await Promise.all(this.o.clusters.map((c) => c.source.close()));
  }

  private async follow(c: ClusterSource): Promise<void> {
    await c.source.watch((u) => {
      if (this.closed) return;
      this.latest.set(c.cluster, u);
      this.onUpdate?.(this.merged(u.changed));
    });
  }

  private scheduleRetry(c: ClusterSource, attempt: number): void {
    if (this.closed) return;
    const delay = backoffDelay(
      {
        attempt,
        baseMs: this.o.retryBaseMs ?? 500,
        capMs: this.o.retryMaxMs ?? 2_000,
        jitter: { ratio: 0.2 },
      },
      this.o.random,
    );
    const timer = setTimeout(() => {
      this.retryTimers.delete(c.cluster);
      c.source.load().then(
        async (first) => {
          if (this.closed) return;
          this.latest.set(c.cluster, first);
          this.o.metrics?.setClusterAvailable(c.cluster, true);
          this.o.logger.info({ cluster: c.cluster }, 'source cluster available again');
          await this.follow(c);
          this.onUpdate?.(this.merged(first.changed));
        },
        (err: unknown) => {
          this.o.logger.warn(
            { cluster: c.cluster, err: err instanceof Error ? err.message : String(err) },
            'source cluster still unavailable',
          );
          this.scheduleRetry(c, attempt + 1);
        },
      );
    }, delay);
    timer.unref();
    this.retryTimers.set(c.cluster, timer);
  }

  private allUpserts(): ResourceChange[] {
    return [...this.latest.values()].flatMap((u) => u.changed);
  }

  /** The clusters' latest states merged, in config order (the first cluster wins namespace sameness). */
  private merged(changed: readonly ResourceChange[]): SourceUpdate {
    const updates = this.o.clusters.flatMap((c) => {
      const u = this.latest.get(c.cluster);
      return u ? [u] : [];
    });
    return {
      resources: buildResourceSet(updates.flatMap((u) => resourceObjects(u.resources))),
      diagnostics: updates.flatMap((u) => u.diagnostics).sort(compareDiagnostics),
      changed,
    };
  }
}
