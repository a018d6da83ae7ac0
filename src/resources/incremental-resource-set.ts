/**
 * A ResourceSet that is updated, never rebuilt: `apply` takes the objects that changed in one cluster and
 * gives the next ResourceSet, equal to `buildResourceSet` of every object of every cluster (clusters in
 * `rankOf` order), in O(changed objects) plus the persistent maps' copying (persistent-map.ts). Every
 * ResourceSet it gave stays as it was: its maps are persistent versions, shared with the later ones where
 * nothing changed, so readers may keep one as long as they like.
 *
 * What it keeps besides the output (private, mutable): for the kinds that follow namespace sameness
 * (Services, IngressClasses, Secrets, GatewayClasses, Gateways, ReferenceGrants) every cluster's candidate, so that when the winner (the cluster of
 * lowest rank) goes the next one takes over; and every EndpointSlice by `cluster|namespace/name`, indexed
 * by Service and by slice key, so that a changed slice re-sorts only its Service's list and its owners.
 * The maps iterate in key order, Ingresses (and Gateway API routes) by cluster rank then namespace/name (the order in which
 * `buildResourceSet` gets them from the sources), whatever the order of the changes.
 */
import {
  SERVICE_NAME_LABEL,
  type EndpointSlice,
  type Ingress,
  type IngressClass,
  type KubeObject,
  type Namespace,
  type Secret,
  type Service,
} from './kube-types.js';
import { compareStrings, PersistentMap, type KeyOrder } from './persistent-map.js';
import {
  DEFAULT_NAMESPACE,
  GATEWAY_API_SAME_MAPS,
  objectKey,
  ROUTE_MAPS,
  type GatewayApiResources,
  type GatewayApiSameKind,
  type ResourceSet,
  type RouteKind,
  type Sourced,
} from './resource-set.js';

/** One changed object of a cluster: `object` is its new version, undefined when it is gone. */
export interface ObjectChange {
  readonly kind: KubeObject['kind'];
  /** `namespace/name`, or `name` for IngressClasses. */
  readonly key: string;
  readonly object: Sourced<KubeObject> | undefined;
  /** The object's origin cluster when it differs from the cluster `apply` is given (Ingresses, slices). */
  readonly origin?: string;
}

type SameKind = 'Service' | 'IngressClass' | 'Secret' | 'Namespace' | GatewayApiSameKind;
type SameMap =
  | 'services'
  | 'ingressClasses'
  | 'secrets'
  | 'namespaces'
  | (typeof GATEWAY_API_SAME_MAPS)[GatewayApiSameKind];
const SAME_MAPS: Readonly<Record<SameKind, SameMap>> = {
  Service: 'services',
  IngressClass: 'ingressClasses',
  Secret: 'secrets',
  Namespace: 'namespaces',
  ...GATEWAY_API_SAME_MAPS,
};
type RouteMap = (typeof ROUTE_MAPS)[RouteKind];

/** An Ingress key `cluster/namespace/name` split where its `namespace/name` starts (clusters may hold '/'). */
function splitIngressKey(key: string): readonly [string, string] {
  const last = key.lastIndexOf('/');
  const slash = last > 0 ? key.lastIndexOf('/', last - 1) : -1;
  return slash >= 0 ? [key.slice(0, slash), key.slice(slash + 1)] : ['', key];
}

/** Ingress keys by cluster rank, then namespace/name: the order `buildResourceSet` lists them in. */
function ingressOrder(rankOf: (cluster: string) => number): KeyOrder {
  return (a, b) => {
    if (a === b) return 0;
    const [ca, ka] = splitIngressKey(a);
    const [cb, kb] = splitIngressKey(b);
    return rankOf(ca) - rankOf(cb) || compareStrings(ca, cb) || compareStrings(ka, kb);
  };
}

function sliceService(s: Sourced<EndpointSlice>): string | undefined {
  const svc = s.object.metadata.labels?.[SERVICE_NAME_LABEL];
  return svc === undefined ? undefined : `${s.object.metadata.namespace ?? DEFAULT_NAMESPACE}/${svc}`;
}

interface Maps {
  ingresses: PersistentMap<Sourced<Ingress>>;
  /** The Gateway API routes, keyed like Ingresses. */
  routes: Record<RouteMap, PersistentMap<Sourced<KubeObject>>>;
  /** The kinds of namespace sameness, each by its ResourceSet map's name. */
  same: Record<SameMap, PersistentMap<Sourced<KubeObject>>>;
  endpointSlices: PersistentMap<readonly Sourced<EndpointSlice>[]>;
  serviceOfSlice: PersistentMap<readonly string[]>;
}

/** The ResourceSet view of the maps (the same kinds' maps hold only objects of their kind). */
function resourceSetOf(m: Maps): ResourceSet {
  return {
    ingresses: m.ingresses,
    ingressClasses: m.same.ingressClasses as ReadonlyMap<string, Sourced<IngressClass>>,
    services: m.same.services as ReadonlyMap<string, Sourced<Service>>,
    endpointSlices: m.endpointSlices,
    serviceOfSlice: m.serviceOfSlice,
    secrets: m.same.secrets as ReadonlyMap<string, Sourced<Secret>>,
    namespaces: m.same.namespaces as ReadonlyMap<string, Sourced<Namespace>>,
    gatewayApi: {
      gatewayClasses: m.same.gatewayClasses,
      gateways: m.same.gateways,
      referenceGrants: m.same.referenceGrants,
      ...m.routes,
    } as unknown as GatewayApiResources,
  };
}

export class IncrementalResourceSet {
  private maps: Maps;
  private current: ResourceSet;
  /** kind -> key -> cluster -> object, for the kinds of namespace sameness. */
  private readonly candidates = new Map<SameKind, Map<string, Map<string, Sourced<KubeObject>>>>();
  /** `cluster|namespace/name` -> slice (every slice, with or without a Service). */
  private readonly slices = new Map<string, Sourced<EndpointSlice>>();
  /** `namespace/service` -> slice ids. */
  private readonly slicesOfService = new Map<string, Set<string>>();
  /** slice key `namespace/name` -> slice ids (slices that have a Service). */
  private readonly idsOfSliceKey = new Map<string, Set<string>>();

  /** `rankOf(cluster)`: the lower, the earlier the cluster is listed (it wins namespace sameness). */
  constructor(private readonly rankOf: (cluster: string) => number = () => 0) {
    this.maps = {
      ingresses: PersistentMap.empty(ingressOrder(rankOf)),
      routes: {
        httpRoutes: PersistentMap.empty(ingressOrder(rankOf)),
        grpcRoutes: PersistentMap.empty(ingressOrder(rankOf)),
        tlsRoutes: PersistentMap.empty(ingressOrder(rankOf)),
        tcpRoutes: PersistentMap.empty(ingressOrder(rankOf)),
        udpRoutes: PersistentMap.empty(ingressOrder(rankOf)),
      },
      same: {
        ingressClasses: PersistentMap.empty(),
        services: PersistentMap.empty(),
        secrets: PersistentMap.empty(),
        namespaces: PersistentMap.empty(),
        gatewayClasses: PersistentMap.empty(),
        gateways: PersistentMap.empty(),
        referenceGrants: PersistentMap.empty(),
      },
      endpointSlices: PersistentMap.empty(),
      serviceOfSlice: PersistentMap.empty(),
    };
    this.current = resourceSetOf(this.maps);
  }

  /** The latest ResourceSet. */
  get resources(): ResourceSet {
    return this.current;
  }

  /**
   * Applies one cluster's changes (a later change of the same kind and key replaces an earlier one) and
   * returns the next ResourceSet. Objects of other origins than `cluster` are keyed by their own origin.
   */
  apply(cluster: string, changes: readonly ObjectChange[]): ResourceSet {
    if (changes.length === 0) return this.current;
    const ingresses: [string, Sourced<Ingress> | undefined][] = [];
    const routes = new Map<RouteMap, [string, Sourced<KubeObject> | undefined][]>();
    const same = new Map<SameKind, Set<string>>();
    const touchedServices = new Set<string>();
    const touchedSliceKeys = new Set<string>();
    for (const c of changes) {
      switch (c.kind) {
        case 'Ingress':
          ingresses.push([
            `${c.object?.origin.cluster ?? c.origin ?? cluster}/${c.key}`,
            c.object as Sourced<Ingress> | undefined,
          ]);
          break;
        case 'EndpointSlice':
          this.putSlice(
            `${c.object?.origin.cluster ?? c.origin ?? cluster}|${c.key}`,
            c.object as Sourced<EndpointSlice> | undefined,
            touchedServices,
            touchedSliceKeys,
          );
          break;
        case 'HTTPRoute':
        case 'GRPCRoute':
        case 'TLSRoute':
        case 'TCPRoute':
        case 'UDPRoute': {
          const list = routes.get(ROUTE_MAPS[c.kind]) ?? [];
          list.push([`${c.object?.origin.cluster ?? c.origin ?? cluster}/${c.key}`, c.object]);
          routes.set(ROUTE_MAPS[c.kind], list);
          break;
        }
        default:
          this.putCandidate(c.kind, c.key, cluster, c.object);
          if (!same.has(c.kind)) same.set(c.kind, new Set());
          same.get(c.kind)!.add(c.key);
      }
    }
    const m = this.maps;
    m.ingresses = m.ingresses.withChanges(ingresses);
    for (const [name, list] of routes) m.routes[name] = m.routes[name].withChanges(list);
    for (const [kind, keys] of same) this.updateWinners(kind, keys);
    m.endpointSlices = m.endpointSlices.withChanges(
      [...touchedServices].map((svc) => [svc, this.sliceList(svc)] as const),
    );
    m.serviceOfSlice = m.serviceOfSlice.withChanges(
      [...touchedSliceKeys].map((key) => [key, this.owners(key)] as const),
    );
    this.current = resourceSetOf(m);
    return this.current;
  }

  private putCandidate(
    kind: SameKind,
    key: string,
    cluster: string,
    object: Sourced<KubeObject> | undefined,
  ): void {
    let byKey = this.candidates.get(kind);
    if (byKey === undefined) this.candidates.set(kind, (byKey = new Map()));
    let byCluster = byKey.get(key);
    if (object !== undefined) {
      if (byCluster === undefined) byKey.set(key, (byCluster = new Map()));
      byCluster.set(cluster, object);
    } else if (byCluster !== undefined) {
      byCluster.delete(cluster);
      if (byCluster.size === 0) byKey.delete(key);
    }
  }

  /** The candidate of the lowest-ranked cluster wins each key (ties: by cluster name). */
  private updateWinners(kind: SameKind, keys: ReadonlySet<string>): void {
    const byKey = this.candidates.get(kind);
    const changes: [string, Sourced<KubeObject> | undefined][] = [];
    for (const key of keys) {
      let best: [string, Sourced<KubeObject>] | undefined;
      for (const entry of byKey?.get(key) ?? []) {
        if (best === undefined) best = entry;
        else {
          const d = this.rankOf(entry[0]) - this.rankOf(best[0]);
          if (d < 0 || (d === 0 && entry[0] < best[0])) best = entry;
        }
      }
      changes.push([key, best?.[1]]);
    }
    const name = SAME_MAPS[kind];
    this.maps.same[name] = this.maps.same[name].withChanges(changes);
  }

  private putSlice(
    id: string,
    next: Sourced<EndpointSlice> | undefined,
    touchedServices: Set<string>,
    touchedSliceKeys: Set<string>,
  ): void {
    const prev = this.slices.get(id);
    if (prev !== undefined) {
      const svc = sliceService(prev);
      if (svc !== undefined) {
        const key = objectKey(prev.object);
        removeFromIndex(this.slicesOfService, svc, id);
        removeFromIndex(this.idsOfSliceKey, key, id);
        touchedServices.add(svc);
        touchedSliceKeys.add(key);
      }
    }
    if (next === undefined) {
      this.slices.delete(id);
      return;
    }
    this.slices.set(id, next);
    const svc = sliceService(next);
    if (svc === undefined) return;
    const key = objectKey(next.object);
    addToIndex(this.slicesOfService, svc, id);
    addToIndex(this.idsOfSliceKey, key, id);
    touchedServices.add(svc);
    touchedSliceKeys.add(key);
  }

  /** A Service's slices sorted by `cluster|namespace/name`; undefined when it has none. */
  private sliceList(svc: string): readonly Sourced<EndpointSlice>[] | undefined {
    const ids = this.slicesOfService.get(svc);
    if (ids === undefined) return undefined;
    return [...ids].sort(compareStrings).map((id) => this.slices.get(id)!);
  }

  /** The Services of a slice key, in the order of the slices' ids, each once. */
  private owners(key: string): readonly string[] | undefined {
    const ids = this.idsOfSliceKey.get(key);
    if (ids === undefined) return undefined;
    const out: string[] = [];
    for (const id of [...ids].sort(compareStrings)) {
      const svc = sliceService(this.slices.get(id)!)!;
      if (!out.includes(svc)) out.push(svc);
    }
    return out;
  }
}

function addToIndex(index: Map<string, Set<string>>, key: string, id: string): void {
  let ids = index.get(key);
  if (ids === undefined) index.set(key, (ids = new Set()));
  ids.add(id);
}

function removeFromIndex(index: Map<string, Set<string>>, key: string, id: string): void {
  const ids = index.get(key);
  if (ids === undefined) return;
  ids.delete(id);
  if (ids.size === 0) index.delete(key);
}
