/**
 * What the ADS server tells the outside world about its streams: the connection descriptor, the event
 * hooks (the runner turns them into metrics and status; the server holds no metrics code) and the
 * per-type view returned by `connections()`.
 */
export type StreamKind = 'sotw' | 'delta';

/**
 * Why the server cut a client off: its first request did not come within the handshake timeout, it
 * sent more requests than its stream may have waiting, or (Delta) it subscribed to more names than a
 * stream may.
 */
export type StreamCutReason = 'handshake_timeout' | 'request_queue_full' | 'too_many_subscriptions';

/** One ADS stream of one Envoy, identified by the `node` of its first request. */
export interface AdsConnection {
  /** Unique within the server process. */
  readonly id: string;
  /** Which ADS method: StreamAggregatedResources (sotw) or DeltaAggregatedResources (delta). */
  readonly stream: StreamKind;
  /** The client address, as grpc-js reports it. */
  readonly peer: string;
  readonly nodeId: string;
  /** `node.cluster`, or `default` when empty. */
  readonly group: string;
  /** `node.user_agent_name`, e.g. `envoy`. */
  readonly userAgent?: string;
  /**
   * The client's version: `node.user_agent_build_version` as `MAJOR.MINOR.PATCH` (Envoy sends this), else
   * `node.user_agent_version`.
   */
  readonly userAgentVersion?: string;
  /** `node.locality`, each part when set (Envoy's bootstrap `--zone` / `--region`). */
  readonly region?: string;
  readonly zone?: string;
  readonly subZone?: string;
  /**
   * The gateway's address: the node metadata `causeway.dev/address` when set (the bootstrap's
   * `--address`), else the IP of the peer (without port). Absent when neither gives one.
   */
  readonly address?: string;
  /** ISO 8601. */
  readonly connectedAt: string;
}

/** The node metadata key a gateway announces its address with (its clients' view may differ from the peer's). */
export const ADDRESS_METADATA_KEY = 'causeway.dev/address';

export interface AdsNackInfo {
  /** The version the client rejected. */
  readonly version: string;
  readonly message: string;
  /** The resources of the rejected response. */
  readonly resourceNames: readonly string[];
  /** ISO 8601. */
  readonly at: string;
  /**
   * The objects the rejected resources were built from (Ingresses, Services), when the controller could
   * attribute them (src/controller/nack-attribution.ts); the server itself never sets it.
   */
  readonly objects?: readonly NackObject[];
}

/** An object a rejected resource was built from. */
export interface NackObject {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly cluster?: string;
}

export type PushState = 'none' | 'pending' | 'acked' | 'nacked';

/** What the ACK tracker knows of one type on one stream. */
export interface AdsTypeAcks {
  readonly typeUrl: string;
  readonly sentVersion?: string;
  readonly ackedVersion?: string;
  /** none: nothing sent yet; pending: the last response awaits its ACK/NACK. */
  readonly state: PushState;
  readonly lastNack?: AdsNackInfo;
  /**
   * ISO 8601: when the last response of the type was sent (or, for a reconnecting client that already
   * held the current version, when that was noticed).
   */
  readonly sentAt?: string;
  /**
   * ISO 8601, while `pending`: when the first response the client has not answered yet was sent (newer
   * responses before an answer do not move it).
   */
  readonly pendingSince?: string;
}

export interface AdsTypeInfo extends AdsTypeAcks {
  /**
   * True when nothing is left to send for the type: what was last sent is, for this client's
   * subscriptions, the group's current content. Its version string can still differ from the group's
   * (a change only removed resources this client had dropped, or that it never subscribed to). False
   * while removals are held back or pushes wait for new clusters to warm (make-before-break).
   */
  readonly upToDate: boolean;
}

export interface AdsConnectionInfo extends AdsConnection {
  readonly types: readonly AdsTypeInfo[];
  /** The gateway is being drained (the operator asked; see `causeway gateways drain`). */
  readonly draining: boolean;
  /**
   * ISO 8601: since when a change of the group's config is not fully sent to this stream (waiting for
   * a push slot, or removals held back and pushes deferred by make-before-break). Absent when settled.
   */
  readonly unsettledSince?: string;
}

/**
 * Hooks called by the server, all optional. A stream is "open" once its first request named its node
 * (before the cache is ready, too); every opened stream is closed exactly once. A hook that throws is
 * logged and otherwise ignored.
 */
export interface AdsEvents {
  onStreamOpen?(conn: AdsConnection): void;
  onStreamClose?(conn: AdsConnection): void;
  /** `bytes` is the total size of the resources in the response (removals not counted). */
  onPush?(conn: AdsConnection, typeUrl: string, version: string, bytes: number, resourceCount: number): void;
  /**
   * `covers`: on Delta streams, the resources the ACKed response updated or removed (an ACK says nothing
   * about the others); undefined on SotW streams (the response was the whole state of the type).
   */
  onAck?(conn: AdsConnection, typeUrl: string, version: string, covers?: readonly string[]): void;
  onNack?(
    conn: AdsConnection,
    typeUrl: string,
    version: string,
    errorMessage: string,
    resourceNames: readonly string[],
  ): void;
  /** A request for a type URL the server does not serve (ignored; logged rate-limited). */
  onUnknownType?(conn: AdsConnection, typeUrl: string): void;
  /** The server ended a stream because the client exceeded a bound; `conn` is unset before the handshake. */
  onStreamCut?(conn: AdsConnection | undefined, reason: StreamCutReason): void;
}
