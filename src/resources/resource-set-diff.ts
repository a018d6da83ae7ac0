/**
 * The objects that differ between two ResourceSets of one source, as the changes `IncrementalResourceSet`
 * applies: how the multi-cluster merge learns what a cluster's update changed without visiting its
 * unchanged objects. Objects are compared by identity (a source gives a new object only for new content).
 * When both sets are versions of persistent maps (persistent-map.ts) this is O(changed chunks); for
 * plain maps O(n).
 */
import type { EndpointSlice, KubeObject } from './kube-types.js';
import type { ObjectChange } from './incremental-resource-set.js';
import { changedKeysOf } from './persistent-map.js';
import {
  GATEWAY_API_SAME_MAPS,
  objectKey,
  ROUTE_MAPS,
  type GatewayApiResources,
  type GatewayApiSameKind,
  type ResourceSet,
  type RouteKind,
  type Sourced,
} from './resource-set.js';

type SameMapName = (typeof GATEWAY_API_SAME_MAPS)[GatewayApiSameKind];
type RouteMapName = (typeof ROUTE_MAPS)[RouteKind];

const EMPTY_MAP: ReadonlyMap<string, never> = new Map<string, never>();

/** A ResourceSet without objects. */
export const EMPTY_RESOURCE_SET: ResourceSet = {
  ingresses: EMPTY_MAP,
  ingressClasses: EMPTY_MAP,
  services: EMPTY_MAP,
  endpointSlices: EMPTY_MAP,
  serviceOfSlice: EMPTY_MAP,
  secrets: EMPTY_MAP,
  gatewayApi: {
    gatewayClasses: EMPTY_MAP,
    gateways: EMPTY_MAP,
    referenceGrants: EMPTY_MAP,
    httpRoutes: EMPTY_MAP,
    grpcRoutes: EMPTY_MAP,
    tlsRoutes: EMPTY_MAP,
    tcpRoutes: EMPTY_MAP,
    udpRoutes: EMPTY_MAP,
  },
};

function sameKindChanges(
  kind: 'Service' | 'IngressClass' | 'Secret' | 'Namespace' | GatewayApiSameKind,
  before: ReadonlyMap<string, Sourced<KubeObject>>,
  after: ReadonlyMap<string, Sourced<KubeObject>>,
): ObjectChange[] {
  return changedKeysOf(before, after).map((key) => ({ kind, key, object: after.get(key) }));
}

function sliceId(s: Sourced<EndpointSlice>): string {
  return `${s.origin.cluster}|${objectKey(s.object)}`;
}

/** The slices of the changed Services, each once: an upsert wins over a delete (a slice that moved). */
function sliceChanges(before: ResourceSet, after: ResourceSet): ObjectChange[] {
  const out = new Map<string, ObjectChange>();
  for (const svc of changedKeysOf(before.endpointSlices, after.endpointSlices)) {
    const now = new Map((after.endpointSlices.get(svc) ?? []).map((s) => [sliceId(s), s]));
    for (const s of before.endpointSlices.get(svc) ?? []) {
      const id = sliceId(s);
      if (!now.has(id) && !out.has(id))
        out.set(id, {
          kind: 'EndpointSlice',
          key: objectKey(s.object),
          object: undefined,
          origin: s.origin.cluster,
        });
    }
    const then = new Set(before.endpointSlices.get(svc) ?? []);
    for (const [id, s] of now) {
      if (!then.has(s)) out.set(id, { kind: 'EndpointSlice', key: objectKey(s.object), object: s });
    }
  }
  return [...out.values()];
}

/** Every object that differs from `before` to `after`: its new version, or undefined when it went. */
export function diffResourceSets(before: ResourceSet, after: ResourceSet): ObjectChange[] {
  const ingresses = changedKeysOf(before.ingresses, after.ingresses).map((k): ObjectChange => {
    const now = after.ingresses.get(k);
    const then = (now ?? before.ingresses.get(k))!;
    return { kind: 'Ingress', key: objectKey(then.object), object: now, origin: then.origin.cluster };
  });
  return [
    ...ingresses,
    ...sameKindChanges('IngressClass', before.ingressClasses, after.ingressClasses),
    ...sameKindChanges('Service', before.services, after.services),
    ...sameKindChanges('Secret', before.secrets, after.secrets),
    ...sameKindChanges('Namespace', before.namespaces ?? EMPTY_MAP, after.namespaces ?? EMPTY_MAP),
    ...sliceChanges(before, after),
    ...gatewayApiChanges(before.gatewayApi, after.gatewayApi),
  ];
}

function gatewayApiChanges(before: GatewayApiResources, after: GatewayApiResources): ObjectChange[] {
  const out: ObjectChange[] = [];
  for (const [kind, map] of Object.entries(GATEWAY_API_SAME_MAPS) as [GatewayApiSameKind, SameMapName][])
    out.push(...sameKindChanges(kind, before[map], after[map]));
  for (const [kind, map] of Object.entries(ROUTE_MAPS) as [RouteKind, RouteMapName][]) {
    const beforeRoutes: ReadonlyMap<string, Sourced<KubeObject>> = before[map];
    const afterRoutes: ReadonlyMap<string, Sourced<KubeObject>> = after[map];
    for (const k of changedKeysOf(beforeRoutes, afterRoutes)) {
      const now = afterRoutes.get(k);
      const then = (now ?? beforeRoutes.get(k))!;
      out.push({ kind, key: objectKey(then.object), object: now, origin: then.origin.cluster });
    }
  }
  return out;
}
