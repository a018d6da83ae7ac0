/**
 * An in-process controller edge for fleet tests: a snapshot cache with two gateway groups (`edge`,
 * `internal`), the real ADS server and the real admin server on 127.0.0.1, and light simulated gateways
 * (test/support/xds-client.ts) that ACK or NACK what they are sent, as Envoy does.
 */
import { createAdminServer, listenAdmin } from '../../src/admin/admin-server.js';
import { ControllerMetrics } from '../../src/observability/metrics.js';
import type { GroupResources } from '../../xds/cache/config-watcher.js';
import { SnapshotCache } from '../../xds/cache/snapshot-cache.js';
import { RESOURCE_TYPES } from '../../xds/protos/envoy-protos.js';
import type { AdsConnectionInfo, AdsServer } from '../../xds/server/ads-server.js';
import { createAdsServer } from '../../xds/server/ads-server.js';
import { cla, cluster, listener, resources, route } from '../../xds/server/testdata/ads-fixtures.js';
import type { DeltaStream, XdsNode } from './xds-client.js';
import { XdsClient } from './xds-client.js';

export const CDS = RESOURCE_TYPES.cluster;
export const EDS = RESOURCE_TYPES.endpoint;
export const LDS = RESOURCE_TYPES.listener;
export const RDS = RESOURCE_TYPES.route;

/**
 * A small consistent group: listener -> route -> cluster with its endpoints. `port` (the endpoints) and
 * `listenerPort` vary the config.
 */
export function groupConfig(name: string, port: number, listenerPort = 10080): GroupResources {
  const c = `${name}/web/http`;
  return resources({
    clusters: [cluster(c)],
    endpoints: [cla(c, port)],
    listeners: [listener(`${name}-http`, `${name}-routes`, listenerPort)],
    routes: [route(`${name}-routes`, c)],
  });
}

export interface SimulatedGateway {
  readonly stream: DeltaStream;
  /** The error to NACK listener responses with from now on; undefined: ACK them. */
  nackListeners: string | undefined;
  /** Leave listener responses unanswered from now on (an Envoy stuck before its ACK). */
  silentListeners: boolean;
}

export interface ConnectOptions {
  readonly nackListeners?: string;
  readonly silentListeners?: boolean;
}

export interface SimulatedFleet {
  readonly cache: SnapshotCache;
  readonly ads: AdsServer;
  readonly adminPort: number;
  readonly adminAddress: string;
  /**
   * Connects a Delta gateway that subscribes to everything and ACKs every response, except listener
   * responses while `nackListeners` is set (NACKed with that message, as Envoy does with its error) or
   * `silentListeners` (not answered at all).
   */
  connect(node: XdsNode, opts?: ConnectOptions): Promise<SimulatedGateway>;
  /** Waits until `check` holds for the server's connections. */
  until(check: (ads: AdsServer) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSimulatedFleet(
  opts: {
    readonly laggingAfterMs?: number;
    /** Rewrites the registry view before the admin server uses it (as the controller's NACK attribution does). */
    readonly annotate?: (connections: AdsConnectionInfo[]) => AdsConnectionInfo[];
  } = {},
): Promise<SimulatedFleet> {
  const cache = new SnapshotCache();
  cache.setAll(
    new Map([
      ['edge', groupConfig('edge', 8080)],
      ['internal', groupConfig('internal', 9090)],
    ]),
  );
  const ads = createAdsServer({ watcher: cache, closeWindowMs: 20, closeGraceMs: 200 });
  const xdsPort = await ads.listen('127.0.0.1', 0);
  const admin = createAdminServer({
    metrics: new ControllerMetrics({ defaultMetrics: false }),
    watcher: cache,
    isReady: () => true,
    diagnostics: () => [],
    gateways: () => (opts.annotate ?? ((c) => c))(ads.connections()),
    drain: ads,
    groups: () => cache.groups(),
    ...(opts.laggingAfterMs !== undefined ? { laggingAfterMs: opts.laggingAfterMs } : {}),
  });
  const { port: adminPort } = await listenAdmin(admin, '127.0.0.1:0');
  const clients: XdsClient[] = [];

  async function until(check: (a: AdsServer) => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check(ads)) {
      if (Date.now() > deadline) throw new Error('simulated fleet: condition not met in time');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  return {
    cache,
    ads,
    adminPort,
    adminAddress: `127.0.0.1:${adminPort}`,
    async connect(node, connectOpts = {}) {
      const client = new XdsClient(`127.0.0.1:${xdsPort}`);
      clients.push(client);
      const stream = client.delta(node);
      const gateway: SimulatedGateway = {
        stream,
        nackListeners: connectOpts.nackListeners,
        silentListeners: connectOpts.silentListeners ?? false,
      };
      // Answer every response as it arrives (an Envoy does not wait for the test).
      void (async () => {
        for (;;) {
          let res;
          try {
            res = await stream.nextResponse(undefined, 60_000);
          } catch (err) {
            if (/^no .* response within/.test((err as Error).message)) continue; // idle
            return; // stream closed
          }
          if (res.type_url === LDS && gateway.silentListeners) continue;
          if (res.type_url === LDS && gateway.nackListeners !== undefined)
            stream.nack(res, gateway.nackListeners);
          else stream.ack(res);
          if (res.type_url === CDS)
            stream.subscribe(
              EDS,
              res.resources.map((r) => r.name),
            );
          if (res.type_url === LDS) stream.subscribe(RDS, [`${node.cluster ?? 'default'}-routes`]);
        }
      })();
      stream.subscribe(CDS);
      stream.subscribe(LDS);
      await until((a) =>
        a
          .connections()
          .some(
            (c) =>
              c.nodeId === node.id &&
              c.types.some((t) => t.typeUrl === LDS && (gateway.silentListeners || t.state !== 'pending')),
          ),
      );
      return gateway;
    },
    until,
    async close() {
      for (const c of clients) c.close();
      await ads.close();
      await admin.close();
    },
  };
}
