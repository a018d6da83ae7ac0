/**
 * Turns one group's xDS resources into a static Envoy bootstrap (EDS clusters become STATIC clusters with
 * their ClusterLoadAssignment inline, RDS becomes an inline route_config, SDS secrets become static
 * secrets), so `envoy --mode validate` can check exactly what the control plane would serve.
 */
import type { GroupResources } from '../../xds/cache/config-watcher.js';
import { RESOURCE_TYPES } from '../../xds/protos/envoy-protos.js';

type Obj = Record<string, unknown>;

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function inlineRoutes(node: unknown, routes: Map<string, Obj>): void {
  if (Array.isArray(node)) {
    node.forEach((n) => inlineRoutes(n, routes));
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const o = node as Obj;
  if (o['rds'] && typeof o['rds'] === 'object') {
    const name = (o['rds'] as Obj)['route_config_name'] as string;
    const rc = routes.get(name);
    if (!rc) throw new Error(`listener references missing route configuration ${name}`);
    delete o['rds'];
    o['route_config'] = rc;
  }
  if (Array.isArray(o['tls_certificate_sds_secret_configs'])) {
    for (const c of o['tls_certificate_sds_secret_configs'] as Obj[]) delete c['sds_config'];
  }
  // A backend CA (cluster-backend-tls.ts) also becomes a static secret.
  const validationSds = o['validation_context_sds_secret_config'];
  if (validationSds && typeof validationSds === 'object') delete (validationSds as Obj)['sds_config'];
  for (const v of Object.values(o)) inlineRoutes(v, routes);
}

export function staticBootstrap(resources: GroupResources, adminPort = 0): Obj {
  const get = (t: string): Obj[] => clone((resources.get(t as never) ?? []).map((r) => r.resource as Obj));
  const endpoints = new Map(get(RESOURCE_TYPES.endpoint).map((e) => [e['cluster_name'] as string, e]));
  const routes = new Map(get(RESOURCE_TYPES.route).map((r) => [r['name'] as string, r]));
  const clusters = get(RESOURCE_TYPES.cluster).map((c) => {
    inlineRoutes(c, routes);
    // A cluster with its own endpoints (the tracing collector's STATIC or STRICT_DNS) stays as it is.
    if (c['type'] !== 'EDS') return c;
    const cla = endpoints.get(c['name'] as string);
    if (!cla) throw new Error(`cluster ${String(c['name'])} has no ClusterLoadAssignment`);
    delete c['eds_cluster_config'];
    return { ...c, type: 'STATIC', load_assignment: cla };
  });
  const listeners = get(RESOURCE_TYPES.listener);
  inlineRoutes(listeners, routes);
  return {
    node: { id: 'validate', cluster: 'validate' },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: adminPort } } },
    static_resources: { listeners, clusters, secrets: get(RESOURCE_TYPES.secret) },
  };
}
