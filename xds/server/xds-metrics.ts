/**
 * Metrics of the xDS side, registered on the controller's shared registry (documented in
 * docs/metrics.md): responses pushed (count and bytes), ACKs and NACKs per gateway group and resource
 * type, and the gateways connected per group and stream variant. The `type` label is the short resource
 * kind of an Envoy type URL, which is why these metrics live with the xDS code and not in
 * src/observability.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { RESOURCE_TYPES, type ResourceKind } from '../protos/envoy-protos.js';
import type { StreamKind } from './connection.js';

/** The `type` label of xDS metrics: a short resource kind, or `unknown` for a type Causeway does not serve. */
export type XdsTypeLabel = ResourceKind | 'unknown';

const KIND_BY_TYPE_URL: ReadonlyMap<string, ResourceKind> = new Map(
  (Object.entries(RESOURCE_TYPES) as [ResourceKind, string][]).map(([kind, url]) => [url, kind]),
);

/**
 * The `type` label for a type URL (or a kind given directly). Anything else maps to `unknown`: type
 * URLs come from gateways, and a label must never take unbounded values.
 */
export function xdsTypeLabel(typeUrlOrKind: string): XdsTypeLabel {
  const kind = KIND_BY_TYPE_URL.get(typeUrlOrKind);
  if (kind) return kind;
  return Object.hasOwn(RESOURCE_TYPES, typeUrlOrKind) ? (typeUrlOrKind as ResourceKind) : 'unknown';
}

export class XdsMetrics {
  private readonly xdsPushes: Counter<'group' | 'type'>;
  private readonly xdsPushBytes: Counter<'group' | 'type'>;
  private readonly xdsAcks: Counter<'group' | 'type'>;
  private readonly xdsNacks: Counter<'group' | 'type'>;
  private readonly connectedGateways: Gauge<'group' | 'stream'>;
  /** Connected-gateway counts, kept here so a disconnect never drives the gauge below 0. */
  private readonly connections = new Map<string, number>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.xdsPushes = new Counter({
      name: 'causeway_xds_pushes_total',
      help: 'xDS responses sent to gateways, by gateway group and resource type.',
      labelNames: ['group', 'type'],
      registers,
    });
    this.xdsPushBytes = new Counter({
      name: 'causeway_xds_push_bytes_total',
      help: 'Bytes of encoded resources sent to gateways in xDS responses, by gateway group and resource type.',
      labelNames: ['group', 'type'],
      registers,
    });
    this.xdsAcks = new Counter({
      name: 'causeway_xds_acks_total',
      help: 'xDS responses acknowledged (ACK) by gateways, by gateway group and resource type.',
      labelNames: ['group', 'type'],
      registers,
    });
    this.xdsNacks = new Counter({
      name: 'causeway_xds_nacks_total',
      help: 'xDS responses rejected (NACK) by gateways, by gateway group and resource type.',
      labelNames: ['group', 'type'],
      registers,
    });
    this.connectedGateways = new Gauge({
      name: 'causeway_xds_connected_gateways',
      help: 'Gateways with an open xDS stream, by gateway group and stream variant (sotw|delta).',
      labelNames: ['group', 'stream'],
      registers,
    });
  }

  /** One xDS response sent: `bytes` is the size of the encoded resources it carried. */
  recordPush(group: string, typeUrl: string, bytes: number): void {
    const labels = { group, type: xdsTypeLabel(typeUrl) };
    this.xdsPushes.inc(labels);
    this.xdsPushBytes.inc(labels, bytes);
  }

  recordAck(group: string, typeUrl: string): void {
    this.xdsAcks.inc({ group, type: xdsTypeLabel(typeUrl) });
  }

  recordNack(group: string, typeUrl: string): void {
    this.xdsNacks.inc({ group, type: xdsTypeLabel(typeUrl) });
  }

  gatewayConnected(group: string, stream: StreamKind): void {
    this.setConnections(group, stream, this.connectionCount(group, stream) + 1);
  }

  /** Never goes below 0, even if a disconnect is reported twice. */
  gatewayDisconnected(group: string, stream: StreamKind): void {
    this.setConnections(group, stream, Math.max(0, this.connectionCount(group, stream) - 1));
  }

  private connectionCount(group: string, stream: StreamKind): number {
    return this.connections.get(`${group}\u0000${stream}`) ?? 0;
  }

  private setConnections(group: string, stream: StreamKind, count: number): void {
    this.connections.set(`${group}\u0000${stream}`, count);
    this.connectedGateways.set({ group, stream }, count);
  }
}
