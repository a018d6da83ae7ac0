/**
 * What an ADS stream needs from its server (the watcher, hooks, ids, limits, the group decision), and
 * what differs between SotW and Delta. Types only.
 */
import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { ConfigWatcher } from '../cache/config-watcher.js';
import type { AdsLogger } from './ads-logger.js';
import type { AdsConnection, AdsEvents, StreamKind } from './connection.js';
import type { NodeInfo } from './discovery-messages.js';
import type { LogLimiter } from './log-limiter.js';
import type { NonceSource } from './nonce.js';
import type { PushLimiter } from './push-limiter.js';
import type { RejectedMemory } from './rejected-memory.js';
import type { Push, StreamMachine } from './stream-machine.js';

/** What a stream needs from its server. */
export interface StreamContext {
  readonly watcher: ConfigWatcher;
  readonly events: AdsEvents;
  readonly logger: AdsLogger;
  /** How long removals may be held back for make-before-break before they are sent anyway. */
  readonly holdRemovalsMs: number;
  readonly now: () => number;
  readonly nextId: () => string;
  readonly nextNonce: NonceSource;
  /** What each node rejected across its streams: a reconnect is not sent rejected content again. */
  readonly rejected?: RejectedMemory;
  /** Whether a node was drained (docs/drain.md): its new streams then follow the `draining` view. */
  readonly isDraining?: (nodeId: string) => boolean;
  /** Limits how many streams compute and write responses at once (FIFO). */
  readonly pushLimiter: PushLimiter;
  /** Close a stream whose first request has not come after this long (0: never). */
  readonly handshakeTimeoutMs: number;
  /** Most requests of a stream waiting to be handled; beyond, the client is cut off. */
  readonly maxQueuedRequests: number;
  /** Delta: most names (and characters of names) a stream may subscribe to; beyond, the client is cut off. */
  readonly maxSubscribedNames: number;
  readonly maxSubscribedNameChars: number;
  /** Server-wide limit of the "type not served" log line. */
  readonly unknownTypeLog: LogLimiter;
  /**
   * mTLS: the group a stream may be served, from its peer certificate and node (see tls-credentials.ts);
   * a refusal ends the stream with PERMISSION_DENIED. Absent: the group is `node.cluster`.
   */
  readonly groupOf?: (
    call: ServerDuplexStream<unknown, unknown>,
    node: NodeInfo | null,
  ) => { readonly ok: true; readonly group: string } | { readonly ok: false; readonly reason: string };
}

/** What differs between SotW and Delta. */
export interface StreamProtocol<Req, Res> {
  readonly kind: StreamKind;
  /** `conn` is the stream's identity once its first request named the node. */
  createMachine(ctx: StreamContext, conn: () => AdsConnection | undefined): StreamMachine<Req>;
  toWire(push: Push): Res;
}
