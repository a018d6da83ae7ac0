/**
 * The source map of an xDS translation: for every resource the translator emits (group, type URL,
 * name), the objects it was built from, so that a gateway's NACK can name them:
 * - Cluster and ClusterLoadAssignment `service/<ns>/<name>/<port>`: the Service and the Ingresses whose
 *   routes use it (a TCP service's cluster: the Service alone);
 * - Listener `http`/`https` and their RouteConfigurations: the Ingresses with routes on them;
 *   `tcp/<port>`, `udp/<port>`: the Service it exposes; `health`: the gateway group (controller config);
 * - Secret `<ns>/<name>`: the Ingresses using the certificate; `ca/<ns>/<name>` (a backend CA): the
 *   Secret, and the Services verified with it and the Ingresses routing to them.
 * Plain readonly data, deterministic: groups in IR order, types in output order, names sorted, each
 * resource's objects sorted by objectKey without duplicates.
 */
import type { ObjectRef } from '../../src/errors.js';
import type {
  BackendIR,
  GatewayGroupIR,
  SecretIR,
  TcpListenerIR,
  UdpListenerIR,
  VirtualHostIR,
} from '../../src/ir/ir-types.js';
import type { ResourceTypeUrl } from '../protos/envoy-protos.js';

/** type URL -> resource name -> the objects the resource came from. */
export type ResourceSources = ReadonlyMap<ResourceTypeUrl, ReadonlyMap<string, readonly ObjectRef[]>>;

export interface GroupSources {
  readonly resources: ResourceSources;
  /** The gateway ports the group's Ingresses are served on: HTTP, then HTTPS when the group has it. */
  readonly ingressPorts: readonly number[];
}

/** Gateway group name -> the sources of its resources. */
export type XdsSourceMap = ReadonlyMap<string, GroupSources>;

/** The objects one resource came from; undefined when the map does not know the resource. */
export function sourcesOf(
  map: XdsSourceMap,
  group: string,
  typeUrl: string,
  name: string,
): readonly ObjectRef[] | undefined {
  return map
    .get(group)
    ?.resources.get(typeUrl as ResourceTypeUrl)
    ?.get(name);
}

/** A stable text key of an object (also the sort key). */
export function objectKey(ref: ObjectRef): string {
  return `${ref.cluster ?? ''}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

/** The identity part of a ref (drops file/documentIndex, which do not name a different object). */
function identity(ref: ObjectRef): ObjectRef {
  return {
    kind: ref.kind,
    ...(ref.namespace !== undefined ? { namespace: ref.namespace } : {}),
    name: ref.name,
    ...(ref.cluster !== undefined ? { cluster: ref.cluster } : {}),
  };
}

/** Sorted, deduplicated refs (by objectKey). */
export function uniqueRefs(refs: Iterable<ObjectRef>): ObjectRef[] {
  const byKey = new Map<string, ObjectRef>();
  for (const r of refs) {
    const id = identity(r);
    byKey.set(objectKey(id), id);
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

/** The Ingresses with routes in these virtual hosts. */
export function virtualHostSources(vhosts: readonly VirtualHostIR[]): ObjectRef[] {
  return uniqueRefs(vhosts.flatMap((v) => v.routes.map((r) => r.source)));
}

/** A backend's Cluster and ClusterLoadAssignment: its Service and the Ingresses routing to it. */
export function backendSources(b: BackendIR): ObjectRef[] {
  return uniqueRefs([
    { kind: 'Service', namespace: b.service.namespace, name: b.service.name },
    ...b.sources,
  ]);
}

/** The HTTPS listener: the Ingresses routed under any of its filter chains. */
export function httpsListenerSources(g: GatewayGroupIR): ObjectRef[] {
  return uniqueRefs([
    ...(g.https?.filterChains ?? []).flatMap((c) => virtualHostSources(c.virtualHosts)),
    ...(g.https?.passthrough ?? []).map((c) => c.source),
  ]);
}

/** A TCP listener: the Service it exposes. */
export function tcpListenerSources(t: TcpListenerIR): ObjectRef[] {
  return uniqueRefs([t.source]);
}

/** A UDP listener: the object that asked for the port (a Service). */
export function udpListenerSources(u: UdpListenerIR): ObjectRef[] {
  return uniqueRefs([u.source]);
}

/** The health listener: the gateway group itself (it comes from the controller config, no object). */
export function healthListenerSources(g: GatewayGroupIR): ObjectRef[] {
  return [{ kind: 'GatewayGroup', name: g.name }];
}

/**
 * A Secret's users: the Ingresses routed under a chain that serves it (a certificate without routes
 * still names the Ingress that asked for it, its `source`).
 */
export function secretSources(g: GatewayGroupIR, s: SecretIR): ObjectRef[] {
  if (s.kind === 'trusted-ca') {
    const users = g.backends.filter((b) => b.tls?.verify === true && b.tls.caSecret === s.name);
    const clientCertChains = g.https?.filterChains.filter((c) => c.clientCert?.caSecret === s.name) ?? [];
    const chainSources = clientCertChains.flatMap((c) => virtualHostSources(c.virtualHosts));
    return uniqueRefs([s.source, ...users.flatMap(backendSources), ...chainSources]);
  }
  const chains = g.https?.filterChains.filter((c) => c.secret === s.name) ?? [];
  return uniqueRefs([s.source, ...chains.flatMap((c) => virtualHostSources(c.virtualHosts))]);
}

/** The ports a group's Ingresses are served on (for their status when a gateway rejects them). */
export function ingressPorts(g: GatewayGroupIR): number[] {
  return g.https ? [g.http.port, g.https.port] : [g.http.port];
}
