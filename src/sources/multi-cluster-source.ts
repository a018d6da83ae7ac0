/**
 * Several source clusters as one source: each cluster's own source (a KubernetesSource) is loaded and
 * watched; every update applies what changed in that cluster (`diffResourceSets` against the cluster's
 * previous set) to one merged `IncrementalResourceSet`, never re-merging the unchanged objects
 * (namespace sameness: the first cluster in the config wins for Services, IngressClasses and Secrets, and
 * only the changed keys are re-decided; Ingresses and EndpointSlices of every cluster are kept, each with
 * its cluster). `changed` is exact for the merged set: a change to a shadowed object (or to a slice without
 * a Service) is left out, and a deleted object that another cluster still has is an upsert
 * (`mergedChanges`).
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
import type { Diagnostic } from '../errors.js';
import { IncrementalResourceSet } from '../resources/incremental-resource-set.js';
import type { EndpointSlice } from '../resources/kube-types.js';
import {
  GATEWAY_API_SAME_MAPS,
  objectKey,
  ROUTE_MAPS,
  type ResourceSet,
  type Sourced,
} from '../resources/resource-set.js';
import { diffResourceSets, EMPTY_RESOURCE_SET } from '../resources/resource-set-diff.js';
import { backoffDelay } from '../util/backoff.js';
import {
  compareChanges,
  type ResourceChange,
  type ResourceSource,
  type SourceUpdate,
} from './source-update.js';

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

/**
 * The changes of one cluster's update as changes of the merged set (see the file comment). `clusters`:
 * every cluster name, to tell whether another cluster still has an Ingress of that namespace/name.
 */
export function mergedChanges(
  changed: readonly ResourceChange[],
  before: ResourceSet,
  after: ResourceSet,
  clusters: readonly string[],
): ResourceChange[] {
  const out: ResourceChange[] = [];
  for (const c of changed) {
    const present = presentIn(c, before, after, clusters);
    if (present === 'unchanged') continue;
    out.push({ ...c, op: present ? 'upsert' : 'delete' });
  }
  return out;
}

/** The slices of every cluster named `key` (namespace/name) in a set. */
function slicesOfKey(rs: ResourceSet, key: string): Sourced<EndpointSlice>[] {
  return (rs.serviceOfSlice.get(key) ?? []).flatMap((svc) =>
    (rs.endpointSlices.get(svc) ?? []).filter((s) => objectKey(s.object) === key),
  );
}

/** Whether the merged set still has the object of a change; 'unchanged' when a shadowed one changed. */
function presentIn(
  c: ResourceChange,
  before: ResourceSet,
  after: ResourceSet,
  clusters: readonly string[],
): boolean | 'unchanged' {
  switch (c.kind) {
    case 'Ingress':
      return clusters.some((cl) => after.ingresses.has(`${cl}/${c.key}`));
    case 'HTTPRoute':
    case 'GRPCRoute':
    case 'TLSRoute':
    case 'TCPRoute':
    case 'UDPRoute': {
      const routes = after.gatewayApi[ROUTE_MAPS[c.kind]];
      return clusters.some((cl) => routes.has(`${cl}/${c.key}`));
    }
    case 'GatewayClass':
    case 'Gateway':
    case 'ReferenceGrant': {
      const m = GATEWAY_API_SAME_MAPS[c.kind];
      if (before.gatewayApi[m].get(c.key) === after.gatewayApi[m].get(c.key)) return 'unchanged';
      return after.gatewayApi[m].has(c.key);
    }
    case 'EndpointSlice': {
      const now = slicesOfKey(after, c.key);
      const then = slicesOfKey(before, c.key);
      if (now.length === then.length && now.every((s, i) => s === then[i])) return 'unchanged';
      return now.length > 0;
    }
    default: {
      if (c.kind === 'Namespace') {
        const [then, now] = [before.namespaces?.get(c.key), after.namespaces?.get(c.key)];
        return then === now ? 'unchanged' : now !== undefined;
      }
      const map = { Service: 'services', IngressClass: 'ingressClasses', Secret: 'secrets' } as const;
      const m = map[c.kind];
      if (before[m].get(c.key) === after[m].get(c.key)) return 'unchanged';
      return after[m].has(c.key);
    }
  }
}

export class MultiClusterSource implements ResourceSource {
  private readonly latest = new Map<string, SourceUpdate>();
  private readonly merge: IncrementalResourceSet;
  /** Each cluster's diagnostics as last merged, and their sorted union. */
  private diagnostics: {
    readonly of: readonly (readonly Diagnostic[])[];
    readonly all: readonly Diagnostic[];
  } = {
    of: [],
    all: [],
  };
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
    const rank = new Map(names.map((n, i) => [n, i]));
    this.merge = new IncrementalResourceSet((cluster) => rank.get(cluster) ?? names.length);
  }

  async load(): Promise<SourceUpdate> {
    const results = await Promise.allSettled(this.o.clusters.map((c) => c.source.load()));
    const failures: string[] = [];
    results.forEach((r, i) => {
      const c = this.o.clusters[i]!;
      if (r.status === 'fulfilled') {
        this.take(c.cluster, r.value, false);
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
    const changed = new Map(this.allUpserts().map((c) => [`${c.kind}|${c.key}`, c]));
    return this.merged([...changed.values()].sort(compareChanges));
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
      this.onUpdate?.(this.merged(this.take(c.cluster, u)));
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
          const changed = this.take(c.cluster, first);
          this.o.metrics?.setClusterAvailable(c.cluster, true);
          this.o.logger.info({ cluster: c.cluster }, 'source cluster available again');
          await this.follow(c);
          this.onUpdate?.(this.merged(changed));
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

  /**
   * Applies a cluster's update to the merged set (only what differs from its previous update) and returns
   * its changes as changes of the merged set (unless `withChanges` is false: `load()` lists everything).
   */
  private take(cluster: string, u: SourceUpdate, withChanges = true): ResourceChange[] {
    const previous = this.latest.get(cluster)?.resources ?? EMPTY_RESOURCE_SET;
    this.latest.set(cluster, u);
    const before = this.merge.resources;
    const after = this.merge.apply(cluster, diffResourceSets(previous, u.resources));
    if (!withChanges) return [];
    const clusters = this.o.clusters.map((c) => c.cluster);
    return mergedChanges(u.changed, before, after, clusters);
  }

  /** The merged set, with the clusters' diagnostics in config order (re-sorted only when one changed). */
  private merged(changed: readonly ResourceChange[]): SourceUpdate {
    const of = this.o.clusters.flatMap((c) => {
      const u = this.latest.get(c.cluster);
      return u ? [u.diagnostics] : [];
    });
    const same = of.length === this.diagnostics.of.length && of.every((d, i) => d === this.diagnostics.of[i]);
    if (!same) this.diagnostics = { of, all: of.flat().sort(compareDiagnostics) };
    return { resources: this.merge.resources, diagnostics: this.diagnostics.all, changed };
  }
}
