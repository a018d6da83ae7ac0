/**
 * NACK attribution (pure): which Kubernetes objects produced an xDS resource a gateway rejected.
 *
 * `attributionIndex(ir)` maps every resource the xDS translator emits (by group, type URL and name; the
 * names are the IR names, see xds/translator/xds.translator.ts) to the objects it was built from:
 * - Cluster and ClusterLoadAssignment `service/<ns>/<name>/<port>`: the Service and the Ingresses whose
 *   routes use it (a TCP service's cluster: the Service alone);
 * - Listener `http`/`https`: the Ingresses with routes on it; `tcp/<port>`: the Service it exposes;
 * - RouteConfiguration: the Ingresses with routes in it;
 * - Secret `<ns>/<name>`: the Ingresses using the certificate.
 *
 * `attributeNack` narrows a NACK to the resources its error names when it can: Envoy's error_detail
 * usually quotes the failing resources (`Error adding/updating listener(s) tcp/9092: ...`, `cluster:
 * 'service/ns/web/80' ...`), and a SotW NACK lists every resource of the type. When the message names
 * none of them (e.g. `Failed to load certificate chain from <inline>`), every resource of the rejected
 * response is blamed.
 */
import type { ObjectRef } from '../errors.js';
import type { GatewayGroupIR, IR, RouteIR, VirtualHostIR } from '../ir/ir-types.js';
import { RESOURCE_TYPES, resourceKindOf } from '../../xds/protos/envoy-protos.js';
import { httpRouteConfigName } from '../../xds/translator/listener.translator.js';

/** One rejected resource and the objects it came from (empty when the current IR does not know it). */
export interface AttributedResource {
  readonly typeUrl: string;
  readonly name: string;
  readonly objects: readonly ObjectRef[];
}

export interface NackAttribution {
  /** The resources blamed, sorted by name. */
  readonly resources: readonly AttributedResource[];
  /** The union of their objects, sorted, without duplicates. */
  readonly objects: readonly ObjectRef[];
  /** True when the error message named some of the response's resources and only those are blamed. */
  readonly narrowed: boolean;
}

/** group -> `typeUrl\nname` -> objects (sorted). */
export type AttributionIndex = ReadonlyMap<string, ReadonlyMap<string, readonly ObjectRef[]>>;

function indexKey(typeUrl: string, name: string): string {
  return `${typeUrl}\n${name}`;
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

function routeSources(vhosts: readonly VirtualHostIR[]): ObjectRef[] {
  return vhosts.flatMap((v) => v.routes.map((r: RouteIR) => r.source));
}

function groupIndex(g: GatewayGroupIR): Map<string, readonly ObjectRef[]> {
  const m = new Map<string, readonly ObjectRef[]>();
  const put = (typeUrl: string, name: string, refs: Iterable<ObjectRef>): void => {
    const key = indexKey(typeUrl, name);
    m.set(key, uniqueRefs([...(m.get(key) ?? []), ...refs]));
  };
  for (const b of g.backends) {
    const service: ObjectRef = { kind: 'Service', namespace: b.service.namespace, name: b.service.name };
    put(RESOURCE_TYPES.cluster, b.name, [service, ...b.sources]);
    put(RESOURCE_TYPES.endpoint, b.name, [service, ...b.sources]);
  }
  const http = routeSources(g.http.virtualHosts);
  put(RESOURCE_TYPES.listener, g.http.name, http);
  put(RESOURCE_TYPES.route, httpRouteConfigName(g.http), http);
  if (g.https) {
    const all: ObjectRef[] = [];
    for (const c of g.https.filterChains) {
      const refs = routeSources(c.virtualHosts);
      all.push(...refs);
      put(RESOURCE_TYPES.route, c.name, refs);
    }
    put(RESOURCE_TYPES.listener, g.https.name, all);
  }
  for (const t of g.tcp) put(RESOURCE_TYPES.listener, t.name, [t.source]);
  // A Secret's users: the Ingresses routed under a chain that serves it (a certificate without routes
  // still names the Ingress that asked for it, its `source`).
  for (const s of g.secrets) {
    const chains = g.https?.filterChains.filter((c) => c.secret === s.name) ?? [];
    put(RESOURCE_TYPES.secret, s.name, [s.source, ...chains.flatMap((c) => routeSources(c.virtualHosts))]);
  }
  return m;
}

export function attributionIndex(ir: IR): AttributionIndex {
  return new Map(ir.groups.map((g) => [g.name, groupIndex(g)]));
}

const NAME_CHAR = /[A-Za-z0-9_./-]/;

function isNameChar(c: string | undefined): boolean {
  return c !== undefined && c !== '' && NAME_CHAR.test(c);
}

/** True when `name` appears in `message` as a whole token (not inside a longer name). */
function mentions(message: string, name: string): boolean {
  if (name === '') return false;
  for (let i = message.indexOf(name); i >= 0; i = message.indexOf(name, i + 1)) {
    const end = i + name.length;
    // A '.' right after the name ends a sentence unless a name character follows it.
    const after = message[end] === '.' ? message[end + 1] : message[end];
    if (!isNameChar(message[i - 1]) && !isNameChar(after)) return true;
  }
  return false;
}

/** The names of `resourceNames` that the error message names; empty when it names none. */
export function namesInError(message: string, resourceNames: readonly string[]): string[] {
  return [...new Set(resourceNames)].filter((n) => mentions(message, n)).sort();
}

/** Which resources (and objects) a NACK of `resourceNames` with `message` in `group` is about. */
export function attributeNack(
  index: AttributionIndex,
  group: string,
  typeUrl: string,
  resourceNames: readonly string[],
  message: string,
): NackAttribution {
  const named = namesInError(message, resourceNames);
  const blamed = named.length > 0 ? named : [...new Set(resourceNames)].sort();
  const g = index.get(group);
  const resources = blamed.map((name) => ({
    typeUrl,
    name,
    objects: g?.get(indexKey(typeUrl, name)) ?? [],
  }));
  return {
    resources,
    objects: uniqueRefs(resources.flatMap((r) => r.objects)),
    narrowed: named.length > 0,
  };
}

/** `Listener`, `Cluster`...: the short kind of a type URL for messages (the URL itself if unknown). */
export function resourceTypeName(typeUrl: string): string {
  const kind = resourceKindOf(typeUrl);
  switch (kind) {
    case 'cluster':
      return 'Cluster';
    case 'endpoint':
      return 'ClusterLoadAssignment';
    case 'secret':
      return 'Secret';
    case 'listener':
      return 'Listener';
    case 'route':
      return 'RouteConfiguration';
    default:
      return typeUrl;
  }
}

/** `namespace/name` (or `name`) of an object, with its cluster when known, for messages and logs. */
export function describeRef(ref: ObjectRef): string {
  const nn = ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
  return `${ref.kind} ${nn}${ref.cluster ? ` (cluster ${ref.cluster})` : ''}`;
}
