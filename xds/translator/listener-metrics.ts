/**
 * IR metrics listener -> an Envoy Listener that lets Prometheus scrape the gateway: `GET
 * /stats/prometheus` (Envoy's stats in the Prometheus text format) and `GET /ready` go to the gateway's
 * own admin interface through the static cluster `causeway_admin` that `causeway gateway bootstrap`
 * defines (the admin interface itself stays on 127.0.0.1 and is never exposed); any other request gets
 * 404. The route table is inline with `validate_clusters: false`, so a gateway whose bootstrap predates
 * the cluster (or runs its admin on a kernel-chosen port) accepts the listener and answers 503 (no
 * cluster) instead of refusing the group's listeners.
 */
import type { MetricsListenerIR } from '../../src/ir/ir-types.js';
import { listenerBase, TYPES } from './common.js';

/** The bootstrap's static cluster to the gateway's own admin interface (xds/bootstrap/bootstrap.ts). */
export const ADMIN_CLUSTER_NAME = 'causeway_admin';
/** The admin paths the metrics listener passes on. */
export const METRICS_PATHS: readonly string[] = ['/ready', '/stats/prometheus'];

function routeConfig(l: MetricsListenerIR): object {
  return {
    name: l.name,
    validate_clusters: false,
    virtual_hosts: [
      {
        name: l.name,
        domains: ['*'],
        routes: [
          ...METRICS_PATHS.map((path) => ({
            match: { path, headers: [{ name: ':method', string_match: { exact: 'GET' } }] },
            route: { cluster: ADMIN_CLUSTER_NAME, timeout: '10s' },
          })),
          { match: { prefix: '/' }, direct_response: { status: 404 } },
        ],
      },
    ],
  };
}

export function translateMetricsListener(l: MetricsListenerIR): object {
  return {
    ...listenerBase(l.name, l.port),
    filter_chains: [
      {
        name: l.name,
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': TYPES.hcm,
              stat_prefix: l.name,
              route_config: routeConfig(l),
              http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': TYPES.router } }],
              request_headers_timeout: '10s',
              stream_idle_timeout: '30s',
              common_http_protocol_options: { idle_timeout: '60s' },
            },
          },
        ],
      },
    ],
  };
}
