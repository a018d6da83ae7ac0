/**
 * The ordering rule of ADS pushes, in one place. A change is pushed type by type in PUSH_ORDER
 * (clusters, endpoints, secrets, listeners, routes), and removals of clusters and endpoints wait until
 * the listeners and routes the client runs no longer need them: while a listener or route response is
 * being sent in the same pass, awaits its ACK, or was NACKed (the client still runs the previous
 * ones), removed clusters and endpoints are held back. They are released when those ACKs arrive, or by
 * the stream driver after a timeout.
 *
 * Additions the other way round: a route to a cluster Envoy is still warming answers 503, so listeners
 * and routes wait while a newly added cluster has not had its ClusterLoadAssignment ACKed (Envoy asks
 * for it after it learns the cluster). The same timeout bounds the wait.
 */
import type { ResourceTypeUrl } from '../protos/envoy-protos.js';
import { PUSH_ORDER, RESOURCE_TYPES } from '../protos/envoy-protos.js';
import type { AckTracker } from './ack-tracker.js';

/** Types whose removals wait. */
export const HELD_REMOVAL_TYPES: ReadonlySet<ResourceTypeUrl> = new Set([
  RESOURCE_TYPES.cluster,
  RESOURCE_TYPES.endpoint,
]);

/** Types whose acceptance releases held removals. */
export const GATING_TYPES: ReadonlySet<ResourceTypeUrl> = new Set([
  RESOURCE_TYPES.listener,
  RESOURCE_TYPES.route,
]);

export function removalsAllowed(acks: AckTracker, sendingNow: ReadonlySet<ResourceTypeUrl>): boolean {
  for (const typeUrl of GATING_TYPES) {
    if (sendingNow.has(typeUrl)) return false;
    const state = acks.state(typeUrl);
    if (state === 'pending' || state === 'nacked') return false;
  }
  return true;
}

/**
 * Clusters newly sent to the client that it cannot use yet: Envoy keeps a new EDS cluster warming until
 * its ClusterLoadAssignment arrives, and a route to a warming cluster answers 503. Listeners and routes
 * are deferred while any cluster warms; a cluster is warm once the client ACKed (or NACKed) an
 * endpoints response that carried its assignment.
 */
export class WarmingClusters {
  private readonly waiting = new Set<string>();

  add(names: Iterable<string>): void {
    for (const n of names) this.waiting.add(n);
  }

  /** An endpoints response carrying `names` was ACKed or NACKed. */
  settle(names: Iterable<string>): void {
    for (const n of names) this.waiting.delete(n);
  }

  clear(): void {
    this.waiting.clear();
  }

  get size(): number {
    return this.waiting.size;
  }
}

export interface PassOptions<P> {
  /** Send everything now: removals and deferred listeners/routes alike (after a timeout). */
  readonly force?: boolean;
  readonly warming: WarmingClusters;
  /** The clusters a cluster plan would add at the client that must warm first (EDS clusters). */
  readonly newClusters: (plan: P) => readonly string[];
  /** Listeners/routes an earlier pass deferred are still unsent and this pass does not include them. */
  readonly routingDeferred?: boolean;
}

export interface PassResult<P> {
  readonly plans: Array<readonly [ResourceTypeUrl, P]>;
  /** Listener/route types of this pass held back until the new clusters are warm. */
  readonly deferred: ReadonlySet<ResourceTypeUrl>;
}

/**
 * Plans one push pass over `types` (a machine passes the types it deferred earlier too):
 * `plan(typeUrl, removalsAllowed)` returns what to send for a type, or undefined for nothing, and has no
 * side effects. Clusters are previewed first: while a cluster they may use is warming,
 * listeners and routes wait (and so do cluster/endpoint removals, which
 * must not overtake them). Otherwise listeners and routes are
 * planned before clusters and endpoints, so that the latter know whether their removals must wait.
 * Returns the plans in PUSH_ORDER.
 */
export function planPass<P>(
  types: ReadonlySet<ResourceTypeUrl>,
  acks: AckTracker,
  plan: (typeUrl: ResourceTypeUrl, removalsAllowed: boolean) => P | undefined,
  opts: PassOptions<P>,
): PassResult<P> {
  const force = opts.force ?? false;
  const planned = new Map<ResourceTypeUrl, P>();
  const deferred = new Set<ResourceTypeUrl>();
  const clusterPreview = types.has(RESOURCE_TYPES.cluster) ? plan(RESOURCE_TYPES.cluster, false) : undefined;
  const warming =
    !force &&
    (opts.warming.size > 0 || (clusterPreview !== undefined && opts.newClusters(clusterPreview).length > 0));
  for (const typeUrl of GATING_TYPES) {
    if (!types.has(typeUrl)) continue;
    if (warming) {
      deferred.add(typeUrl);
      continue;
    }
    const p = plan(typeUrl, true);
    if (p !== undefined) planned.set(typeUrl, p);
  }
  const allowed =
    force || (deferred.size === 0 && !opts.routingDeferred && removalsAllowed(acks, new Set(planned.keys())));
  for (const typeUrl of PUSH_ORDER) {
    if (!types.has(typeUrl) || GATING_TYPES.has(typeUrl)) continue;
    const p = plan(typeUrl, allowed);
    if (p !== undefined) planned.set(typeUrl, p);
  }
  const plans = PUSH_ORDER.flatMap((t) => {
    const p = planned.get(t);
    return p === undefined ? [] : [[t, p] as const];
  });
  return { plans, deferred };
}
