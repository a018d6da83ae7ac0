/**
 * xds translate: IR -> Envoy resources per gateway group, with the source map of every resource (the
 * objects it came from, see source-map.ts). Pure and deterministic: resources are sorted by name within
 * each type. HTTP, HTTPS and health listeners also carry their draining form (the `draining` of a
 * PlainResource), served to gateways drained through the controller. A final guard (resource-guard.ts)
 * leaves out, with a diagnostic, any resource or endpoint that breaks a rule Envoy enforces.
 */
import type { Diagnostic, ObjectRef } from '../../src/errors.js';
import type { BackendIR, ClientCertIR, GatewayGroupIR, IR } from '../../src/ir/ir-types.js';
import type { GroupResources, PlainResource } from '../cache/config-watcher.js';
import { RESOURCE_TYPES, type ResourceTypeUrl } from '../protos/envoy-protos.js';
import { translateCluster, translateClusterLoadAssignment } from './cluster.translator.js';
import { translateHealthListener } from './health.translator.js';
import { httpRouteConfigName, translateHttpListener, translateHttpsListener } from './listener.translator.js';
import { translateRouteConfiguration } from './route.translator.js';
import { withClientCertHeaders } from './route-client-cert.js';
import { translateSecret } from './secret.translator.js';
import {
  backendSources,
  healthListenerSources,
  httpsListenerSources,
  ingressPorts,
  secretSources,
  tcpListenerSources,
  udpListenerSources,
  uniqueRefs,
  virtualHostSources,
  type GroupSources,
  type XdsSourceMap,
} from './source-map.js';
import { translateTcpListener } from './tcp.translator.js';
import { translateUdpListener } from './listener-udp.js';
import { translateMetricsListener } from './listener-metrics.js';
import { guardAssignments, guardGroup } from './resource-guard.js';
import { tracingCollectorCluster } from './cluster-tracing.js';
import { tracedRouteConfiguration } from './route-tracing.js';

/** One group's resources and where each came from, and the resources the guard left out. */
export interface GroupTranslation {
  readonly resources: GroupResources;
  readonly sources: GroupSources;
  /** Resources (or endpoints) left out by the final guard (resource-guard.ts), on their sources. */
  readonly diagnostics: readonly Diagnostic[];
}

/** Every group's resources (by group name, in IR order), their source map and the guard's diagnostics. */
export interface XdsTranslation {
  readonly resources: ReadonlyMap<string, GroupResources>;
  readonly sources: XdsSourceMap;
  readonly diagnostics: readonly Diagnostic[];
}

/** One resource the translator emits, with the objects it was built from. */
interface Emitted {
  readonly typeUrl: ResourceTypeUrl;
  readonly resource: PlainResource;
  readonly sources: readonly ObjectRef[];
}

/** The order of the types in a group's resources (and so in golden files and views). */
const TYPE_ORDER: readonly ResourceTypeUrl[] = [
  RESOURCE_TYPES.cluster,
  RESOURCE_TYPES.endpoint,
  RESOURCE_TYPES.secret,
  RESOURCE_TYPES.listener,
  RESOURCE_TYPES.route,
];

function byName(a: PlainResource, b: PlainResource): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** A backend's ClusterLoadAssignment, named as its cluster. */
function endpointResource(b: BackendIR): PlainResource {
  return { name: b.name, resource: translateClusterLoadAssignment(b) };
}

/** The group's own cluster to a host:port tracing collector (config file), if any. */
function tracingResources(g: GatewayGroupIR): Emitted[] {
  const c = tracingCollectorCluster(g.http.tracing);
  const sources = [{ kind: 'GatewayGroup', name: g.name }];
  return c ? [{ typeUrl: RESOURCE_TYPES.cluster, resource: c, sources }] : [];
}

/** Clusters and ClusterLoadAssignments of the group's backends, and its Secrets. */
function upstreamResources(g: GatewayGroupIR): Emitted[] {
  return [
    ...tracingResources(g),
    ...g.backends.flatMap((b): Emitted[] => [
      {
        typeUrl: RESOURCE_TYPES.cluster,
        resource: { name: b.name, resource: translateCluster(b) },
        sources: backendSources(b),
      },
      { typeUrl: RESOURCE_TYPES.endpoint, resource: endpointResource(b), sources: backendSources(b) },
    ]),
    ...g.secrets.map((s): Emitted => ({
      typeUrl: RESOURCE_TYPES.secret,
      resource: { name: s.name, resource: translateSecret(s) },
      sources: secretSources(g, s),
    })),
  ];
}

/** The HTTP, health, TCP, UDP and HTTPS listeners. */
function listenerResources(g: GatewayGroupIR): Emitted[] {
  const listener = (resource: PlainResource, sources: readonly ObjectRef[]): Emitted => ({
    typeUrl: RESOURCE_TYPES.listener,
    resource,
    sources,
  });
  const { http, health, https, accessLog } = g;
  return [
    listener(
      {
        name: http.name,
        resource: translateHttpListener(http, false, accessLog),
        draining: translateHttpListener(http, true, accessLog),
      },
      virtualHostSources(http.virtualHosts),
    ),
    ...(health
      ? [
          listener(
            {
              name: health.name,
              resource: translateHealthListener(health),
              draining: translateHealthListener(health, true),
            },
            healthListenerSources(g),
          ),
        ]
      : []),
    ...(g.metrics
      ? [
          listener(
            { name: g.metrics.name, resource: translateMetricsListener(g.metrics) },
            healthListenerSources(g),
          ),
        ]
      : []),
    ...g.tcp.map((t) =>
      listener({ name: t.name, resource: translateTcpListener(t, accessLog) }, tcpListenerSources(t)),
    ),
    ...(g.udp ?? []).map((u) =>
      listener({ name: u.name, resource: translateUdpListener(u, accessLog) }, udpListenerSources(u)),
    ),
    ...(g.extraHttp ?? []).map((l) =>
      listener(
        {
          name: l.name,
          resource: translateHttpListener(l, false, accessLog),
          draining: translateHttpListener(l, true, accessLog),
        },
        virtualHostSources(l.virtualHosts),
      ),
    ),
    ...(g.extraHttps ?? []).map((l) =>
      listener(
        {
          name: l.name,
          resource: translateHttpsListener(l, false, accessLog),
          draining: translateHttpsListener(l, true, accessLog),
        },
        uniqueRefs([
          ...l.filterChains.flatMap((c) => virtualHostSources(c.virtualHosts)),
          ...(l.passthrough ?? []).map((c) => c.source),
        ]),
      ),
    ),
    ...(https
      ? [
          listener(
            {
              name: https.name,
              resource: translateHttpsListener(https, false, accessLog),
              draining: translateHttpsListener(https, true, accessLog),
            },
            httpsListenerSources(g),
          ),
        ]
      : []),
  ];
}

/** The route configurations: the HTTP listener's, and one per HTTPS filter chain. */
function routeResources(g: GatewayGroupIR): Emitted[] {
  const routes = (
    name: string,
    vhosts: GatewayGroupIR['http']['virtualHosts'],
    clientCert?: ClientCertIR,
  ): Emitted => ({
    typeUrl: RESOURCE_TYPES.route,
    resource: {
      name,
      resource: withClientCertHeaders(
        tracedRouteConfiguration(translateRouteConfiguration(name, vhosts), g.http.tracing),
        clientCert,
      ),
    },
    sources: virtualHostSources(vhosts),
  });
  return [
    routes(httpRouteConfigName(g.http), g.http.virtualHosts),
    ...(g.extraHttp ?? []).map((l) => routes(httpRouteConfigName(l), l.virtualHosts)),
    ...(g.extraHttps ?? []).flatMap((l) => l.filterChains.map((c) => routes(c.name, c.virtualHosts))),
    ...(g.https?.filterChains ?? []).map((c) => routes(c.name, c.virtualHosts, c.clientCert)),
  ];
}

/** Sorts emitted resources into the per-type lists and the source map (same names, same order). */
function collect(emitted: readonly Emitted[]): {
  resources: GroupResources;
  sources: GroupSources['resources'];
} {
  const resources = new Map<ResourceTypeUrl, readonly PlainResource[]>();
  const sources = new Map<ResourceTypeUrl, ReadonlyMap<string, readonly ObjectRef[]>>();
  for (const typeUrl of TYPE_ORDER) {
    const ofType = emitted.filter((e) => e.typeUrl === typeUrl);
    resources.set(typeUrl, ofType.map((e) => e.resource).sort(byName));
    const names = new Map<string, readonly ObjectRef[]>();
    for (const e of [...ofType].sort((a, b) => byName(a.resource, b.resource)))
      names.set(e.resource.name, uniqueRefs([...(names.get(e.resource.name) ?? []), ...e.sources]));
    sources.set(typeUrl, names);
  }
  return { resources, sources };
}

export function translateGroup(g: GatewayGroupIR): GroupTranslation {
  const collected = collect([...upstreamResources(g), ...listenerResources(g), ...routeResources(g)]);
  const { resources, sources, diagnostics } = guardGroup(g.name, collected.resources, collected.sources);
  return { resources, sources: { resources: sources, ingressPorts: ingressPorts(g) }, diagnostics };
}

/** A group's resources as a drained gateway gets them: each resource in its draining form when it has one. */
export function drainingResources(resources: GroupResources): GroupResources {
  return new Map(
    [...resources].map(([typeUrl, list]) => [
      typeUrl,
      list.map((r) => ({ name: r.name, resource: r.draining ?? r.resource })),
    ]),
  );
}

export function translateXds(ir: IR): XdsTranslation {
  const groups = ir.groups.map((g) => [g.name, translateGroup(g)] as const);
  return {
    resources: new Map(groups.map(([name, t]) => [name, t.resources])),
    sources: new Map(groups.map(([name, t]) => [name, t.sources])),
    diagnostics: groups.flatMap(([, t]) => t.diagnostics),
  };
}

/**
 * The EndpointSlice fast path: the ClusterLoadAssignments of the backends `changed` names (per group,
 * as refreshServiceBackends in src/translate reports them), taken from `ir`, per group, through the
 * same guard as the full translation (bad endpoints left out, CW_E_ENDPOINT_INVALID on the Service).
 * Groups without a changed backend are absent.
 */
export function translateEndpointsChecked(
  ir: IR,
  changed: ReadonlyMap<string, ReadonlySet<string>>,
): {
  readonly resources: ReadonlyMap<string, readonly PlainResource[]>;
  readonly diagnostics: readonly Diagnostic[];
} {
  const out = new Map<string, readonly PlainResource[]>();
  const diagnostics: Diagnostic[] = [];
  for (const g of ir.groups) {
    const names = changed.get(g.name);
    const backends = names ? g.backends.filter((b) => names.has(b.name)) : [];
    if (backends.length === 0) continue;
    const services = new Map(
      backends.map((b) => [
        b.name,
        { kind: 'Service', namespace: b.service.namespace, name: b.service.name },
      ]),
    );
    const guarded = guardAssignments(g.name, backends.map(endpointResource).sort(byName), services);
    out.set(g.name, guarded.resources);
    diagnostics.push(...guarded.diagnostics);
  }
  return { resources: out, diagnostics };
}

/** translateEndpointsChecked without the diagnostics. */
export function translateEndpoints(
  ir: IR,
  changed: ReadonlyMap<string, ReadonlySet<string>>,
): ReadonlyMap<string, readonly PlainResource[]> {
  return translateEndpointsChecked(ir, changed).resources;
}
