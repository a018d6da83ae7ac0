/**
 * What the ADS server tells the outside world about its streams: the connection descriptor, the event
 * hooks (the runner turns them into metrics and status; the server holds no metrics code) and the
 * per-type view returned by `connections()`.
 */
export type StreamKind = 'sotw' | 'delta';

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
  readonly userAgent?: string;
  /** ISO 8601. */
  readonly connectedAt: string;
}

export interface AdsNackInfo {
  /** The version the client rejected. */
  readonly version: string;
  readonly message: string;
  /** The resources of the rejected response. */
  readonly resourceNames: readonly string[];
  /** ISO 8601. */
  readonly at: string;
}

export type PushState = 'none' | 'pending' | 'acked' | 'nacked';

export interface AdsTypeInfo {
  readonly typeUrl: string;
  readonly sentVersion?: string;
  readonly ackedVersion?: string;
  /** none: nothing sent yet; pending: the last response awaits its ACK/NACK. */
  readonly state: PushState;
  readonly lastNack?: AdsNackInfo;
}

export interface AdsConnectionInfo extends AdsConnection {
  readonly types: readonly AdsTypeInfo[];
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
  onAck?(conn: AdsConnection, typeUrl: string, version: string): void;
  onNack?(
    conn: AdsConnection,
    typeUrl: string,
    version: string,
    errorMessage: string,
    resourceNames: readonly string[],
  ): void;
}
