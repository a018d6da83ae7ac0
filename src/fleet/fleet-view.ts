/**
 * The fleet registry view: every connected gateway (one entry per ADS stream) by gateway group, with
 * its identity, what it was sent and ACKed per resource type, its last NACK, and a status:
 *
 * - `draining`: the operator drains it (takes precedence: it is leaving the rotation anyway);
 * - `rejecting`: the last response of some type was NACKed;
 * - `lagging`: some type has not been at the group's current config for longer than `laggingAfterMs`:
 *   a response unanswered that long (counted from the first one still unanswered), or a change not
 *   fully sent that long (waiting for a push slot, or held back by make-before-break); or nothing was
 *   sent at all that long after it connected;
 * - `in-sync` otherwise.
 *
 * A type is at the group's current config when its last response was ACKed and either the ACKed version
 * is the group's current one, or the stream reports `upToDate` (nothing left to send: e.g. a change that
 * only removed resources this gateway had dropped leaves it with an older version string but the
 * current content).
 *
 * Pure: the connections, the groups' current versions and the clock in; sorted, JSON-ready data out.
 * Served by the admin API at `/api/gateways`, printed by `causeway gateways`, drawn by `/fleet`.
 */
import type { AdsConnectionInfo, NackObject } from '../../xds/server/connection.js';
import { RESOURCE_TYPES, resourceKindOf } from '../../xds/protos/envoy-protos.js';
import type { ResourceKind } from '../../xds/protos/envoy-protos.js';
import { metricsUrl } from './metrics-ports.js';

export type GatewayStatus = 'in-sync' | 'lagging' | 'rejecting' | 'draining';
export type TypeStatus = 'in-sync' | 'lagging' | 'rejecting';

/** A gateway not at the current config for this long is lagging (a push is normally ACKed in ms). */
export const DEFAULT_LAGGING_AFTER_MS = 10_000;

/** The current version of each served type of one group, by kind. */
export type GroupVersions = Readonly<Partial<Record<ResourceKind, string>>>;

export interface FleetInput {
  readonly connections: readonly AdsConnectionInfo[];
  /** Every group the configuration knows, with its current versions (groups without gateways too). */
  readonly groupVersions: ReadonlyMap<string, GroupVersions>;
  /** The clock, ms since the epoch. */
  readonly now: number;
  readonly laggingAfterMs?: number;
  /** The port of each group's metrics listener (config file `metricsPort`); groups without one are absent. */
  readonly metricsPorts?: ReadonlyMap<string, number>;
}

export interface FleetNack {
  /** The version the gateway rejected. */
  readonly version: string;
  /** Envoy's error message, verbatim (attacker-influenced: escape it before showing it). */
  readonly message: string;
  readonly resourceNames: readonly string[];
  /** ISO 8601. */
  readonly at: string;
  /** The objects the rejected resources came from, when the controller traced them (NACK attribution). */
  readonly objects?: readonly NackObject[];
}

export interface FleetType {
  /** The short kind (`cluster`, `endpoint`, `secret`, `listener`, `route`), or the type URL of another type. */
  readonly type: string;
  readonly status: TypeStatus;
  readonly state: 'none' | 'pending' | 'acked' | 'nacked';
  readonly sentVersion?: string;
  readonly ackedVersion?: string;
  /** ISO 8601. */
  readonly sentAt?: string;
  /** ISO 8601, while `pending`: when the first response still unanswered was sent. */
  readonly pendingSince?: string;
  readonly lastNack?: FleetNack;
}

export interface FleetGateway {
  readonly nodeId: string;
  readonly group: string;
  readonly status: GatewayStatus;
  readonly draining: boolean;
  readonly region?: string;
  readonly zone?: string;
  readonly subZone?: string;
  /** The address it announced (node metadata `causeway.dev/address`), else the IP it connected from. */
  readonly address?: string;
  /** `node.user_agent_name` and its version (for Envoy, `MAJOR.MINOR.PATCH`). */
  readonly userAgent?: string;
  /** Its Prometheus stats (`http://<address>:<the group's metricsPort>/stats/prometheus`); absent without either. */
  readonly metricsUrl?: string;
  readonly envoyVersion?: string;
  /** ISO 8601. */
  readonly connectedAt: string;
  /** `sotw` or `delta`. */
  readonly stream: string;
  /** The stream's id within the controller process. */
  readonly streamId: string;
  /** The gRPC peer (`IP:port`). */
  readonly peer: string;
  /** Per type, in push order (clusters, endpoints, secrets, listeners, routes). */
  readonly types: readonly FleetType[];
  /** The most recent NACK of any type, with its type (still shown after a later ACK, as history). */
  readonly lastNack?: FleetNack & { readonly type: string };
}

export interface FleetCounts {
  readonly gateways: number;
  readonly inSync: number;
  readonly lagging: number;
  readonly rejecting: number;
  readonly draining: number;
}

export interface FleetGroup {
  readonly name: string;
  /** The group's current version of each type. */
  readonly versions: GroupVersions;
  /** The port of the group's metrics listener (config file `metricsPort`); absent: none. */
  readonly metricsPort?: number;
  readonly counts: FleetCounts;
  /** Sorted by node id, then connection time, then stream id. */
  readonly gateways: readonly FleetGateway[];
}

export interface FleetView {
  /** ISO 8601: the `now` the statuses were computed at. */
  readonly generatedAt: string;
  readonly laggingAfterMs: number;
  readonly summary: FleetCounts & { readonly groups: number };
  /** Sorted by name. */
  readonly groups: readonly FleetGroup[];
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const PUSH_KINDS = Object.keys(RESOURCE_TYPES) as ResourceKind[];

function countsOf(gateways: readonly FleetGateway[]): FleetCounts {
  const n = (s: GatewayStatus): number => gateways.filter((g) => g.status === s).length;
  return {
    gateways: gateways.length,
    inSync: n('in-sync'),
    lagging: n('lagging'),
    rejecting: n('rejecting'),
    draining: n('draining'),
  };
}

/**
 * A type not at the current config is lagging once that has lasted `laggingAfterMs`: for an unanswered
 * response, since the first one still unanswered was sent; otherwise since the stream last had a
 * change it had not fully sent (or, without that, since the type was last sent).
 */
function typeStatus(
  t: AdsConnectionInfo['types'][number],
  current: string | undefined,
  unsettledSince: string | undefined,
  now: number,
  laggingAfterMs: number,
): TypeStatus {
  if (t.state === 'nacked') return 'rejecting';
  const atCurrent =
    t.state === 'acked' && (t.upToDate || (current !== undefined && t.ackedVersion === current));
  if (atCurrent) return 'in-sync';
  const clock = t.state === 'pending' ? (t.pendingSince ?? t.sentAt) : (unsettledSince ?? t.sentAt);
  const since = clock !== undefined ? Date.parse(clock) : Number.NaN;
  return Number.isNaN(since) || now - since > laggingAfterMs ? 'lagging' : 'in-sync';
}

function gatewayOf(
  c: AdsConnectionInfo,
  versions: GroupVersions | undefined,
  now: number,
  laggingAfterMs: number,
  metricsPort?: number,
): FleetGateway {
  const types: FleetType[] = c.types.map((t) => {
    const kind = resourceKindOf(t.typeUrl);
    const current = kind !== undefined ? versions?.[kind] : undefined;
    return {
      type: kind ?? t.typeUrl,
      status: typeStatus(t, current, c.unsettledSince, now, laggingAfterMs),
      state: t.state,
      ...(t.sentVersion !== undefined ? { sentVersion: t.sentVersion } : {}),
      ...(t.ackedVersion !== undefined ? { ackedVersion: t.ackedVersion } : {}),
      ...(t.sentAt !== undefined ? { sentAt: t.sentAt } : {}),
      ...(t.pendingSince !== undefined ? { pendingSince: t.pendingSince } : {}),
      ...(t.lastNack
        ? {
            lastNack: {
              version: t.lastNack.version,
              message: t.lastNack.message,
              resourceNames: [...t.lastNack.resourceNames],
              at: t.lastNack.at,
              ...(t.lastNack.objects ? { objects: [...t.lastNack.objects] } : {}),
            },
          }
        : {}),
    };
  });
  const lastNack = types
    .filter((t): t is FleetType & { lastNack: FleetNack } => t.lastNack !== undefined)
    .map((t) => ({ ...t.lastNack, type: t.type }))
    .sort((a, b) => compare(b.at, a.at) || compare(a.type, b.type))[0];
  const neverServed = types.length === 0 && now - Date.parse(c.connectedAt) > laggingAfterMs;
  const status: GatewayStatus = c.draining
    ? 'draining'
    : types.some((t) => t.status === 'rejecting')
      ? 'rejecting'
      : neverServed || types.some((t) => t.status === 'lagging')
        ? 'lagging'
        : 'in-sync';
  const metrics = metricsUrl(c.address, metricsPort);
  return {
    nodeId: c.nodeId,
    group: c.group,
    status,
    draining: c.draining,
    ...(c.region !== undefined ? { region: c.region } : {}),
    ...(c.zone !== undefined ? { zone: c.zone } : {}),
    ...(c.subZone !== undefined ? { subZone: c.subZone } : {}),
    ...(c.address !== undefined ? { address: c.address } : {}),
    ...(c.userAgent !== undefined ? { userAgent: c.userAgent } : {}),
    ...(c.userAgentVersion !== undefined ? { envoyVersion: c.userAgentVersion } : {}),
    ...(metrics !== undefined ? { metricsUrl: metrics } : {}),
    connectedAt: c.connectedAt,
    stream: c.stream,
    streamId: c.id,
    peer: c.peer,
    types,
    ...(lastNack ? { lastNack } : {}),
  };
}

/** Only the group's known kinds, in push order (a stable key order for JSON). */
function sortedVersions(versions: GroupVersions | undefined): GroupVersions {
  const out: Partial<Record<ResourceKind, string>> = {};
  for (const kind of PUSH_KINDS) {
    const v = versions?.[kind];
    if (v !== undefined) out[kind] = v;
  }
  return out;
}

export function buildFleetView(input: FleetInput): FleetView {
  const laggingAfterMs = input.laggingAfterMs ?? DEFAULT_LAGGING_AFTER_MS;
  const names = [...new Set([...input.groupVersions.keys(), ...input.connections.map((c) => c.group)])].sort(
    compare,
  );
  const groups: FleetGroup[] = names.map((name) => {
    const versions = input.groupVersions.get(name);
    const metricsPort = input.metricsPorts?.get(name);
    const gateways = input.connections
      .filter((c) => c.group === name)
      .map((c) => gatewayOf(c, versions, input.now, laggingAfterMs, metricsPort))
      .sort(
        (a, b) =>
          compare(a.nodeId, b.nodeId) ||
          compare(a.connectedAt, b.connectedAt) ||
          compare(a.streamId, b.streamId),
      );
    return {
      name,
      versions: sortedVersions(versions),
      ...(metricsPort !== undefined ? { metricsPort } : {}),
      counts: countsOf(gateways),
      gateways,
    };
  });
  const all = groups.flatMap((g) => g.gateways);
  return {
    generatedAt: new Date(input.now).toISOString(),
    laggingAfterMs,
    summary: { groups: groups.length, ...countsOf(all) },
    groups,
  };
}

/** The view restricted to one group (undefined when the view does not have it). */
export function fleetGroupView(view: FleetView, group: string): FleetView | undefined {
  const g = view.groups.find((x) => x.name === group);
  if (!g) return undefined;
  return { ...view, summary: { groups: 1, ...g.counts }, groups: [g] };
}
