/** Small, valid Envoy resources and a server harness for the ADS protocol tests. */
import type { GroupResources, PlainResource } from '../../cache/config-watcher.js';
import { SnapshotCache } from '../../cache/snapshot-cache.js';
import type { ResourceTypeUrl } from '../../protos/envoy-protos.js';
import { RESOURCE_TYPES } from '../../protos/envoy-protos.js';
import { XdsClient } from '../../../test/support/xds-client.js';
import type { AdsServer, AdsServerOptions } from '../ads-server.js';
import { createAdsServer } from '../ads-server.js';
import type { AdsConnection, AdsEvents, StreamCutReason } from '../connection.js';

export const CDS = RESOURCE_TYPES.cluster;
export const EDS = RESOURCE_TYPES.endpoint;
export const SDS = RESOURCE_TYPES.secret;
export const LDS = RESOURCE_TYPES.listener;
export const RDS = RESOURCE_TYPES.route;

export function cluster(name: string, connectTimeout = '1s'): PlainResource {
  return {
    name,
    resource: {
      name,
      type: 'EDS',
      eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
      connect_timeout: connectTimeout,
    },
  };
}

export function cla(name: string, port = 8081): PlainResource {
  return {
    name,
    resource: {
      cluster_name: name,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }],
    },
  };
}

export function listener(name: string, routeName: string, port = 10080): PlainResource {
  return {
    name,
    resource: {
      name,
      address: { socket_address: { address: '0.0.0.0', port_value: port } },
      filter_chains: [
        {
          filters: [
            {
              name: 'envoy.filters.network.http_connection_manager',
              typed_config: {
                '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                stat_prefix: name,
                rds: { route_config_name: routeName, config_source: { ads: {}, resource_api_version: 'V3' } },
                http_filters: [
                  {
                    name: 'envoy.filters.http.router',
                    typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
                  },
                ],
              },
            },
          ],
        },
      ],
    },
  };
}

export function route(name: string, clusterName: string): PlainResource {
  return {
    name,
    resource: {
      name,
      virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: clusterName } }] }],
    },
  };
}

export function secret(name: string, cert = 'cert'): PlainResource {
  return {
    name,
    resource: {
      name,
      tls_certificate: { certificate_chain: { inline_string: cert }, private_key: { inline_string: 'key' } },
    },
  };
}

export function resources(
  byType: Partial<Record<'clusters' | 'endpoints' | 'secrets' | 'listeners' | 'routes', PlainResource[]>>,
): GroupResources {
  const m = new Map<ResourceTypeUrl, PlainResource[]>();
  if (byType.clusters) m.set(CDS, byType.clusters);
  if (byType.endpoints) m.set(EDS, byType.endpoints);
  if (byType.secrets) m.set(SDS, byType.secrets);
  if (byType.listeners) m.set(LDS, byType.listeners);
  if (byType.routes) m.set(RDS, byType.routes);
  return m;
}

/** A full, consistent group: listener l1 -> route r1 -> cluster `clusterName` with its CLA. */
export function simpleGroup(clusterName = 'c1', port = 8081): GroupResources {
  return resources({
    clusters: [cluster(clusterName)],
    endpoints: [cla(clusterName, port)],
    listeners: [listener('l1', 'r1')],
    routes: [route('r1', clusterName)],
  });
}

export type RecordedEvent =
  | { readonly kind: 'open' | 'close'; readonly node: string }
  | { readonly kind: 'push'; readonly node: string; readonly typeUrl: string; readonly version: string; readonly count: number }
  | { readonly kind: 'ack'; readonly node: string; readonly typeUrl: string; readonly version: string }
  | {
      readonly kind: 'nack';
      readonly node: string;
      readonly typeUrl: string;
      readonly version: string;
      readonly message: string;
      readonly names: readonly string[];
    }
  | { readonly kind: 'unknown-type'; readonly node: string; readonly typeUrl: string }
  | { readonly kind: 'cut'; readonly node: string | undefined; readonly reason: StreamCutReason };

export class EventLog implements AdsEvents {
  readonly events: RecordedEvent[] = [];
  onStreamOpen(c: AdsConnection): void {
    this.events.push({ kind: 'open', node: c.nodeId });
  }
  onStreamClose(c: AdsConnection): void {
    this.events.push({ kind: 'close', node: c.nodeId });
  }
  onPush(c: AdsConnection, typeUrl: string, version: string, _bytes: number, count: number): void {
    this.events.push({ kind: 'push', node: c.nodeId, typeUrl, version, count });
  }
  onAck(c: AdsConnection, typeUrl: string, version: string): void {
    this.events.push({ kind: 'ack', node: c.nodeId, typeUrl, version });
  }
  onNack(c: AdsConnection, typeUrl: string, version: string, message: string, names: readonly string[]): void {
    this.events.push({ kind: 'nack', node: c.nodeId, typeUrl, version, message, names });
  }
  onUnknownType(c: AdsConnection, typeUrl: string): void {
    this.events.push({ kind: 'unknown-type', node: c.nodeId, typeUrl });
  }
  onStreamCut(c: AdsConnection | undefined, reason: StreamCutReason): void {
    this.events.push({ kind: 'cut', node: c?.nodeId, reason });
  }
  of(kind: RecordedEvent['kind']): RecordedEvent[] {
    return this.events.filter((e) => e.kind === kind);
  }
}

export interface Harness {
  readonly cache: SnapshotCache;
  readonly server: AdsServer;
  readonly client: XdsClient;
  readonly events: EventLog;
  readonly port: number;
  close(): Promise<void>;
}

export async function startHarness(options: Partial<AdsServerOptions> = {}): Promise<Harness> {
  const cache = new SnapshotCache();
  const events = new EventLog();
  const server = createAdsServer({ watcher: cache, events, closeWindowMs: 20, closeGraceMs: 200, ...options });
  const port = await server.listen('127.0.0.1', 0);
  const client = new XdsClient(`127.0.0.1:${port}`);
  return {
    cache,
    server,
    client,
    events,
    port,
    async close() {
      client.close();
      await server.close();
    },
  };
}

/** Polls until `check` holds (for effects that follow a request without a response, like an ACK). */
export async function eventually(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
