/**
 * Metrics of the xDS side, registered on the controller's shared registry (documented in
 * docs/metrics.md): responses pushed (count and bytes), ACKs and NACKs per gateway group and resource
 * type, and the gateways connected per group and stream variant. The `type` label is the short resource
 * kind of an Envoy type URL, which is why these metrics live with the xDS code and not in
 * src/observability. Group names come from clients: only the groups the controller knows (configured,
 * or referenced by Ingresses) are labels of their own, any other is counted under `_unknown`, so
 * clients cannot create series without bound. Streams the server cut off, and requests for types it
 * does not serve, are counted too.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { RESOURCE_TYPES, type ResourceKind } from '../protos/envoy-protos.js';
import type { StreamCutReason, StreamKind } from './connection.js';

/** The `group` label of every group the controller does not know. */
export const UNKNOWN_GROUP_LABEL = '_unknown';

export interface XdsMetricsOptions {
  /**
   * The groups that get a label of their own (the configured groups and those Ingresses reference);
   * asked on every recording, so it should be cheap. Absent: every group is known (tests, tools).
   */
  readonly knownGroups?: () => ReadonlySet<string>;
}

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
  private readonly unknownTypeRequests: Counter<'group'>;
  private readonly streamsCut: Counter<'reason'>;
  /**
   * Open connections per (group, stream) as clients name them, without zero entries (so bounded by the
   * open streams); never below 0, even if a disconnect is reported twice.
   */
  private readonly connections = new Map<string, number>();
  /** Label pairs the gauge has shown: they drop to 0 rather than vanish when their last gateway goes. */
  private readonly reported = new Map<string, { group: string; stream: StreamKind }>();

  constructor(
    registry: Registry,
    private readonly options: XdsMetricsOptions = {},
  ) {
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
      collect: () => this.collectConnections(),
    });
    this.unknownTypeRequests = new Counter({
      name: 'causeway_xds_unknown_type_requests_total',
      help: 'xDS requests for a resource type Causeway does not serve (ignored), by gateway group.',
      labelNames: ['group'],
      registers,
    });
    this.streamsCut = new Counter({
      name: 'causeway_xds_streams_cut_total',
      help: 'xDS streams the server ended because the client exceeded a limit, by reason (handshake_timeout|request_queue_full|too_many_subscriptions).',
      labelNames: ['reason'],
      registers,
    });
  }

  /** The `group` label of a client's group: itself when known, else `_unknown`. */
  groupLabel(group: string): string {
    const known = this.options.knownGroups?.();
    return known === undefined || known.has(group) ? group : UNKNOWN_GROUP_LABEL;
  }

  /** One xDS response sent: `bytes` is the size of the encoded resources it carried. */
  recordPush(group: string, typeUrl: string, bytes: number): void {
    const labels = { group: this.groupLabel(group), type: xdsTypeLabel(typeUrl) };
    this.xdsPushes.inc(labels);
    this.xdsPushBytes.inc(labels, bytes);
  }

  recordAck(group: string, typeUrl: string): void {
    this.xdsAcks.inc({ group: this.groupLabel(group), type: xdsTypeLabel(typeUrl) });
  }

  recordNack(group: string, typeUrl: string): void {
    this.xdsNacks.inc({ group: this.groupLabel(group), type: xdsTypeLabel(typeUrl) });
  }

  recordUnknownType(group: string): void {
    this.unknownTypeRequests.inc({ group: this.groupLabel(group) });
  }

  recordStreamCut(reason: StreamCutReason): void {
    this.streamsCut.inc({ reason });
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
    const key = `${group}\u0000${stream}`;
    if (count > 0) this.connections.set(key, count);
    else this.connections.delete(key);
  }

  /** The gauge at scrape time: the open connections by group label (folded with today's known groups). */
  private collectConnections(): void {
    const byLabel = new Map<string, { group: string; stream: StreamKind; count: number }>();
    for (const [key, count] of this.connections) {
      const [group = '', stream] = key.split('\u0000') as [string, StreamKind];
      const label = this.groupLabel(group);
      const labelKey = `${label}\u0000${stream}`;
      const entry = byLabel.get(labelKey) ?? { group: label, stream, count: 0 };
      byLabel.set(labelKey, { ...entry, count: entry.count + count });
    }
    for (const [labelKey, { group, stream }] of this.reported)
      if (!byLabel.has(labelKey)) this.connectedGateways.set({ group, stream }, 0);
    for (const [labelKey, entry] of byLabel) {
      this.reported.set(labelKey, entry);
      this.connectedGateways.set({ group: entry.group, stream: entry.stream }, entry.count);
    }
  }
}
