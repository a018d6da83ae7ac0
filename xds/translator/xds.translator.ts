/**
 * xds translate: IR -> Envoy resources per gateway group. Pure and deterministic: resources are sorted
 * by name within each type. HTTP, HTTPS and health listeners also carry their draining form (the
 * `draining` of a PlainResource), served to gateways drained through the controller.
 */
import type { BackendIR, GatewayGroupIR, IR } from '../../src/ir/ir-types.js';
import type { GroupResources, PlainResource } from '../cache/config-watcher.js';
import { RESOURCE_TYPES, type ResourceTypeUrl } from '../protos/envoy-protos.js';
import { translateCluster, translateClusterLoadAssignment } from './cluster.translator.js';
import { translateHealthListener } from './health.translator.js';
import { httpRouteConfigName, translateHttpListener, translateHttpsListener } from './listener.translator.js';
import { translateRouteConfiguration } from './route.translator.js';
import { translateSecret } from './secret.translator.js';
import { translateTcpListener } from './tcp.translator.js';

function byName(a: PlainResource, b: PlainResource): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** A backend's ClusterLoadAssignment, named as its cluster. */
function endpointResource(b: BackendIR): PlainResource {
  return { name: b.name, resource: translateClusterLoadAssignment(b) };
}

export function translateGroup(g: GatewayGroupIR): GroupResources {
  const listeners: PlainResource[] = [
    {
      name: g.http.name,
      resource: translateHttpListener(g.http),
      draining: translateHttpListener(g.http, true),
    },
  ];
  if (g.health) {
    listeners.push({
      name: g.health.name,
      resource: translateHealthListener(g.health),
      draining: translateHealthListener(g.health, true),
    });
  }
  const routes: PlainResource[] = [
    {
      name: httpRouteConfigName(g.http),
      resource: translateRouteConfiguration(httpRouteConfigName(g.http), g.http.virtualHosts),
    },
  ];
  for (const t of g.tcp) listeners.push({ name: t.name, resource: translateTcpListener(t) });
  if (g.https) {
    listeners.push({
      name: g.https.name,
      resource: translateHttpsListener(g.https),
      draining: translateHttpsListener(g.https, true),
    });
    for (const c of g.https.filterChains)
      routes.push({ name: c.name, resource: translateRouteConfiguration(c.name, c.virtualHosts) });
  }
  const m = new Map<ResourceTypeUrl, readonly PlainResource[]>([
    [
      RESOURCE_TYPES.cluster,
      g.backends.map((b) => ({ name: b.name, resource: translateCluster(b) })).sort(byName),
    ],
    [RESOURCE_TYPES.endpoint, g.backends.map(endpointResource).sort(byName)],
    [
      RESOURCE_TYPES.secret,
      g.secrets.map((s) => ({ name: s.name, resource: translateSecret(s) })).sort(byName),
    ],
    [RESOURCE_TYPES.listener, listeners.sort(byName)],
    [RESOURCE_TYPES.route, routes.sort(byName)],
  ]);
  return m;
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

export function translateXds(ir: IR): ReadonlyMap<string, GroupResources> {
  return new Map(ir.groups.map((g) => [g.name, translateGroup(g)]));
}

/**
 * The EndpointSlice fast path: the ClusterLoadAssignments of the backends `changed` names (per group,
 * as refreshServiceBackends in src/translate reports them), taken from `ir`, per group. Groups without a
 * changed backend are absent.
 */
export function translateEndpoints(
  ir: IR,
  changed: ReadonlyMap<string, ReadonlySet<string>>,
): ReadonlyMap<string, readonly PlainResource[]> {
  const out = new Map<string, readonly PlainResource[]>();
  for (const g of ir.groups) {
    const names = changed.get(g.name);
    const backends = names ? g.backends.filter((b) => names.has(b.name)) : [];
    if (backends.length > 0) out.set(g.name, backends.map(endpointResource).sort(byName));
  }
  return out;
}
