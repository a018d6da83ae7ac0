import type {
  Gateway,
  GatewayClass,
  GrpcRoute,
  HttpRoute,
  ReferenceGrant,
  TcpRoute,
  TlsRoute,
  UdpRoute,
} from './gateway-api-types.js';
import type {
  EndpointSlice,
  Ingress,
  IngressClass,
  KubeObject,
  Namespace,
  Secret,
  Service,
} from './kube-types.js';

/** Where an object came from: the cluster (or manifests folder) and, for files, the file and document index. */
export interface ObjectOrigin {
  readonly cluster: string;
  readonly file?: string;
  readonly documentIndex?: number;
}

export interface Sourced<T extends KubeObject> {
  readonly object: T;
  readonly origin: ObjectOrigin;
}

/**
 * The normalized, immutable view of the world that `translate` reads, merged over every source cluster.
 * Services, IngressClasses and Secrets follow namespace sameness (the same `namespace/name` in several
 * clusters is one object; the first source listed wins). Ingresses stay apart per cluster, keyed
 * `cluster/namespace/name`; EndpointSlices from every cluster are kept, each with its cluster.
 */
export interface ResourceSet {
  /** Keyed `cluster/namespace/name`. */
  readonly ingresses: ReadonlyMap<string, Sourced<Ingress>>;
  /** Keyed `name`. */
  readonly ingressClasses: ReadonlyMap<string, Sourced<IngressClass>>;
  /** Keyed `namespace/name`. */
  readonly services: ReadonlyMap<string, Sourced<Service>>;
  /** EndpointSlices grouped by the `namespace/service` they belong to (label kubernetes.io/service-name). */
  readonly endpointSlices: ReadonlyMap<string, readonly Sourced<EndpointSlice>[]>;
  /** `namespace/name` of an EndpointSlice -> the `namespace/service` it belongs to (in any cluster). */
  readonly serviceOfSlice: ReadonlyMap<string, readonly string[]>;
  /** Keyed `namespace/name`. */
  readonly secrets: ReadonlyMap<string, Sourced<Secret>>;
  readonly gatewayApi: GatewayApiResources;
  /**
   * Keyed `name` (namespace sameness): only their labels are read (Gateway API listeners' namespace
   * selectors). Absent or without a namespace: only its `kubernetes.io/metadata.name` label is known.
   */
  readonly namespaces?: ReadonlyMap<string, Sourced<Namespace>>;
}

/**
 * The Gateway API objects. GatewayClasses, Gateways and ReferenceGrants follow namespace sameness (a
 * Gateway describes one gateway group, whichever cluster holds it); routes stay apart per cluster like
 * Ingresses (their status is written back to their own cluster).
 */
export interface GatewayApiResources {
  /** Keyed `name`. */
  readonly gatewayClasses: ReadonlyMap<string, Sourced<GatewayClass>>;
  /** Keyed `namespace/name`. */
  readonly gateways: ReadonlyMap<string, Sourced<Gateway>>;
  /** Keyed `namespace/name`. */
  readonly referenceGrants: ReadonlyMap<string, Sourced<ReferenceGrant>>;
  /** Keyed `cluster/namespace/name`, like the routes below. */
  readonly httpRoutes: ReadonlyMap<string, Sourced<HttpRoute>>;
  readonly grpcRoutes: ReadonlyMap<string, Sourced<GrpcRoute>>;
  readonly tlsRoutes: ReadonlyMap<string, Sourced<TlsRoute>>;
  readonly tcpRoutes: ReadonlyMap<string, Sourced<TcpRoute>>;
  readonly udpRoutes: ReadonlyMap<string, Sourced<UdpRoute>>;
}

/** The Gateway API kinds kept per cluster (keyed `cluster/namespace/name`), by their map's name. */
export const ROUTE_MAPS = {
  HTTPRoute: 'httpRoutes',
  GRPCRoute: 'grpcRoutes',
  TLSRoute: 'tlsRoutes',
  TCPRoute: 'tcpRoutes',
  UDPRoute: 'udpRoutes',
} as const;
/** The Gateway API kinds of namespace sameness, by their map's name. */
export const GATEWAY_API_SAME_MAPS = {
  GatewayClass: 'gatewayClasses',
  Gateway: 'gateways',
  ReferenceGrant: 'referenceGrants',
} as const;
export type RouteKind = keyof typeof ROUTE_MAPS;
export type GatewayApiSameKind = keyof typeof GATEWAY_API_SAME_MAPS;

export function objectKey(o: {
  readonly metadata: { readonly name: string; readonly namespace?: string };
}): string {
  return o.metadata.namespace === undefined ? o.metadata.name : `${o.metadata.namespace}/${o.metadata.name}`;
}

export const DEFAULT_NAMESPACE = 'default';

/**
 * Builds a ResourceSet from a flat list of objects. Within a cluster a later duplicate of the same kind
 * and key replaces an earlier one; across clusters the first one listed is kept for the kinds that follow
 * namespace sameness.
 */
function putSame<T extends KubeObject>(map: Map<string, Sourced<T>>, key: string, s: Sourced<T>): void {
  const existing = map.get(key);
  if (existing === undefined || existing.origin.cluster === s.origin.cluster) map.set(key, s);
}

export function buildResourceSet(objects: readonly Sourced<KubeObject>[]): ResourceSet {
  const ingresses = new Map<string, Sourced<Ingress>>();
  const ingressClasses = new Map<string, Sourced<IngressClass>>();
  const services = new Map<string, Sourced<Service>>();
  const slicesByName = new Map<string, Sourced<EndpointSlice>>();
  const secrets = new Map<string, Sourced<Secret>>();
  const namespaces = new Map<string, Sourced<Namespace>>();
  const gatewayApi = emptyGatewayApiMaps();
  for (const s of objects) {
    const o = s.object;
    switch (o.kind) {
      case 'Ingress':
        ingresses.set(`${s.origin.cluster}/${objectKey(o)}`, s as Sourced<Ingress>);
        break;
      case 'IngressClass':
        putSame(ingressClasses, o.metadata.name, s as Sourced<IngressClass>);
        break;
      case 'Service':
        putSame(services, objectKey(o), s as Sourced<Service>);
        break;
      case 'EndpointSlice':
        slicesByName.set(`${s.origin.cluster}|${objectKey(o)}`, s as Sourced<EndpointSlice>);
        break;
      case 'Secret':
        putSame(secrets, objectKey(o), s as Sourced<Secret>);
        break;
      case 'Namespace':
        putSame(namespaces, o.metadata.name, s as Sourced<Namespace>);
        break;
      case 'GatewayClass':
      case 'Gateway':
      case 'ReferenceGrant':
        putSame(gatewayApi[GATEWAY_API_SAME_MAPS[o.kind]], objectKey(o), s);
        break;
      default:
        gatewayApi[ROUTE_MAPS[o.kind]].set(`${s.origin.cluster}/${objectKey(o)}`, s);
    }
  }
  const endpointSlices = new Map<string, Sourced<EndpointSlice>[]>();
  const serviceOfSlice = new Map<string, string[]>();
  for (const [, s] of [...slicesByName].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const svc = s.object.metadata.labels?.['kubernetes.io/service-name'];
    if (svc === undefined) continue;
    const key = `${s.object.metadata.namespace ?? DEFAULT_NAMESPACE}/${svc}`;
    const list = endpointSlices.get(key) ?? [];
    list.push(s);
    endpointSlices.set(key, list);
    const sliceKey = objectKey(s.object);
    const owners = serviceOfSlice.get(sliceKey) ?? [];
    if (!owners.includes(key)) owners.push(key);
    serviceOfSlice.set(sliceKey, owners);
  }
  return {
    ingresses,
    ingressClasses,
    services,
    endpointSlices,
    serviceOfSlice,
    secrets,
    gatewayApi: gatewayApi as unknown as GatewayApiResources,
    namespaces,
  };
}

type GatewayApiMapName = keyof GatewayApiResources;

function emptyGatewayApiMaps(): Record<GatewayApiMapName, Map<string, Sourced<KubeObject>>> {
  return {
    gatewayClasses: new Map(),
    gateways: new Map(),
    referenceGrants: new Map(),
    httpRoutes: new Map(),
    grpcRoutes: new Map(),
    tlsRoutes: new Map(),
    tcpRoutes: new Map(),
    udpRoutes: new Map(),
  };
}

/** Every object of a ResourceSet, in a stable order (the inverse of buildResourceSet). */
export function resourceObjects(rs: ResourceSet): Sourced<KubeObject>[] {
  return [
    ...rs.ingressClasses.values(),
    ...rs.services.values(),
    ...[...rs.endpointSlices.values()].flat(),
    ...rs.secrets.values(),
    ...(rs.namespaces?.values() ?? []),
    ...rs.ingresses.values(),
    ...Object.values(rs.gatewayApi).flatMap((m: ReadonlyMap<string, Sourced<KubeObject>>) => [...m.values()]),
  ];
}
