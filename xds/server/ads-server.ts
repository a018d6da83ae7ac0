/**
 * The ADS gRPC server: `envoy.service.discovery.v3.AggregatedDiscoveryService` with both
 * StreamAggregatedResources (SotW) and DeltaAggregatedResources (Delta), serving the snapshots of a
 * ConfigWatcher to Envoy gateways. The group of a gateway is its `node.cluster` (`default` when empty);
 * with mTLS (`tls`), the group its client certificate names, and a stream asking for another group is
 * refused (tls-identity.ts). Without `tls` the server is plaintext, for development only.
 *
 * The server holds no metrics code: it reports through AdsEvents, and `connections()` tells who is
 * connected and what each node ACKed or NACKed.
 */
import { CausewayError } from '../../src/errors.js';
import { fullJitter } from '../../src/util/backoff.js';
import type { ChannelOptions, ServerDuplexStream, UntypedServiceImplementation } from '@grpc/grpc-js';
import { Server, ServerCredentials, status } from '@grpc/grpc-js';
import type { ConfigWatcher } from '../cache/config-watcher.js';
import type { PasswordVerifier } from './basic-auth-verifier.js';
import { createPasswordVerifier } from './basic-auth-verifier.js';
import type { BasicAuthUsers, CallGroup } from './ext-authz-service.js';
import { AUTHORIZATION_SERVICE, checkHandler } from './ext-authz-service.js';
import type { AdsLogger } from './ads-logger.js';
import { SILENT_LOGGER } from './ads-logger.js';
import { ADS_SERVICE } from './ads-service.js';
import type { AdsStream, StreamContext } from './ads-stream.js';
import { DEFAULT_GROUP } from './ads-stream.js';
import type { AdsConnectionInfo, AdsEvents } from './connection.js';
import { openDeltaStream } from './delta-stream.js';
import type {
  DeltaDiscoveryRequest,
  DeltaDiscoveryResponse,
  DiscoveryRequest,
  DiscoveryResponse,
} from './discovery-messages.js';
import { preloadDiscoveryTypes } from './discovery-messages.js';
import { LogLimiter } from './log-limiter.js';
import { createNonceSource } from './nonce.js';
import { RejectedMemory } from './rejected-memory.js';
import type { PushLimiter } from './push-limiter.js';
import { createPushLimiter } from './push-limiter.js';
import type { AdsServerTuning } from './server-options.js';
import { grpcServerOptions, resolveTuning } from './server-options.js';
import { openSotwStream } from './sotw-stream.js';
import type { XdsServerTls, XdsTlsOptions } from './tls-credentials.js';
import { createXdsServerTls } from './tls-credentials.js';

export type {
  AdsConnection,
  AdsConnectionInfo,
  AdsEvents,
  AdsNackInfo,
  AdsTypeInfo,
  StreamCutReason,
} from './connection.js';
export type { AdsLogger } from './ads-logger.js';
export type { AdsServerTuning } from './server-options.js';
export type { XdsTlsOptions } from './tls-credentials.js';
export type { BasicAuthUsers } from './ext-authz-service.js';

export interface AdsServerOptions extends AdsServerTuning {
  readonly watcher: ConfigWatcher;
  readonly events?: AdsEvents;
  readonly logger?: AdsLogger;
  /** Randomness for the jitters (tests). Default Math.random. */
  readonly random?: () => number;
  /** Clock (tests). Default Date.now. */
  readonly now?: () => number;
  /**
   * mTLS: server certificate, key and client CA files (reloaded when they change). Client certificates
   * are then required, and they decide each gateway's group. Absent: plaintext (development only).
   */
  readonly tls?: XdsTlsOptions;
  /** Replaces the push limiter built from `maxConcurrentPushes` (tests observe it). */
  readonly pushLimiter?: PushLimiter;
  /**
   * Serve Envoy's ext_authz Check for basic auth routes with bcrypt entries (ext-authz-service.ts), with
   * the users the controller translated last. Absent: the Authorization service is not served.
   */
  readonly basicAuth?: { readonly users: BasicAuthUsers; readonly verifier?: PasswordVerifier };
}

export interface AdsServer {
  /**
   * Binds and serves (mTLS with `tls`, else plaintext with a warning); resolves with the bound port
   * (useful with port 0). Throws CausewayError CW_E_XDS_TLS when the TLS files are unusable.
   */
  listen(host: string, port: number): Promise<number>;
  /**
   * Graceful stop: refuses new streams, ends the open ones (status UNAVAILABLE, so gateways reconnect
   * elsewhere) at random moments within `closeWindowMs`, then shuts the server down, forcing it after
   * `closeGraceMs`.
   */
  close(): Promise<void>;
  /** The identified streams, sorted by group, node id and stream id. */
  connections(): AdsConnectionInfo[];
  /**
   * Drains a gateway (or ends its drain): every stream of `nodeId`, now and after a reconnect to this
   * replica, gets its group's `draining` view; the health listener then answers 503 and HTTP/HTTPS
   * connections are closed gracefully (docs/drain.md). In memory of this replica only.
   */
  setDraining(nodeId: string, draining: boolean): void;
  /** The node ids drained on this replica, sorted. */
  drainingNodes(): string[];
  /** The grpc-js options in effect (with the jittered max connection age). */
  readonly grpcOptions: Readonly<ChannelOptions>;
}

type AnyStream =
  AdsStream<DiscoveryRequest, DiscoveryResponse> | AdsStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function hostPort(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Mutable state of one server, shared by its parts. */
interface ServerState {
  readonly streams: Set<AnyStream>;
  /** Node ids drained on this replica. */
  readonly draining: Set<string>;
  streamCounter: number;
  closing: Promise<void> | undefined;
  tls: XdsServerTls | undefined;
}

/** What every stream of the server shares: the watcher, hooks, ids, limits and the group decision. */
function streamContext(
  options: AdsServerOptions,
  tuning: ReturnType<typeof resolveTuning>,
  logger: AdsLogger,
  state: ServerState,
): StreamContext {
  return {
    watcher: options.watcher,
    events: options.events ?? {},
    logger,
    holdRemovalsMs: tuning.holdRemovalsMs,
    now: options.now ?? Date.now,
    nextId: () => `s${++state.streamCounter}`,
    nextNonce: createNonceSource(),
    rejected: new RejectedMemory(),
    isDraining: (nodeId) => state.draining.has(nodeId),
    pushLimiter:
      options.pushLimiter ?? createPushLimiter(tuning.maxConcurrentPushes, tuning.pushWriteTimeoutMs),
    handshakeTimeoutMs: tuning.handshakeTimeoutMs,
    maxQueuedRequests: tuning.maxQueuedRequests,
    maxSubscribedNames: tuning.maxSubscribedNames,
    maxSubscribedNameChars: tuning.maxSubscribedNameChars,
    unknownTypeLog: new LogLimiter(),
    groupOf: (call, node) =>
      state.tls ? state.tls.groupOf(call, node) : { ok: true, group: node?.cluster || DEFAULT_GROUP },
  };
}

/** The group of a Check call: under mTLS its certificate's; without TLS none (any group's routes). */
function checkGroup(state: ServerState): CallGroup {
  return (call) => (state.tls ? state.tls.groupOf(call, null) : { ok: true, group: undefined });
}

/** The two ADS methods: each call opens a stream (tracked until it closes), or is refused while closing. */
function adsImplementation(ctx: StreamContext, state: ServerState): UntypedServiceImplementation {
  const refuse = (call: ServerDuplexStream<unknown, unknown>): boolean => {
    if (!state.closing) return false;
    call.emit(
      'error',
      Object.assign(new Error('server shutting down'), {
        code: status.UNAVAILABLE,
        details: 'server shutting down',
      }),
    );
    return true;
  };
  const track = (stream: AnyStream): void => {
    state.streams.add(stream);
    stream.onClose(() => state.streams.delete(stream));
  };
  return {
    StreamAggregatedResources: (call: ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>) => {
      if (!refuse(call as ServerDuplexStream<unknown, unknown>)) track(openSotwStream(call, ctx));
    },
    DeltaAggregatedResources: (call: ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>) => {
      if (!refuse(call as ServerDuplexStream<unknown, unknown>)) track(openDeltaStream(call, ctx));
    },
  };
}

/** Ends every stream (UNAVAILABLE) at a random moment within `windowMs`. */
async function endStreams(
  streams: Iterable<AnyStream>,
  windowMs: number,
  random: () => number,
): Promise<void> {
  await Promise.all(
    [...streams].map(
      (stream) =>
        new Promise<void>((resolve) => {
          setTimeout(
            () => {
              stream.end(status.UNAVAILABLE, 'server shutting down');
              resolve();
            },
            fullJitter(windowMs, random),
          );
        }),
    ),
  );
}

/** Shuts the gRPC server down, forcing it after `graceMs`. */
function stopServer(server: Server, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}

/** Binds `server` to host:port; resolves with the bound port, rejects with CW_E_LISTEN. */
function bindServer(
  server: Server,
  host: string,
  port: number,
  credentials: ServerCredentials,
  onBound: (bound: number) => void,
): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(hostPort(host, port), credentials, (err, bound) => {
      if (err) {
        const reason = /listen (\w+)/.exec(err.message)?.[1] ?? err.message;
        reject(
          new CausewayError('CW_E_LISTEN', `xDS server cannot listen on ${hostPort(host, port)}: ${reason}`),
        );
      } else {
        onBound(bound);
        resolve(bound);
      }
    });
  });
}

/** The identified streams, sorted by group, node id, connection time and stream id. */
function sortedConnections(streams: Iterable<AnyStream>): AdsConnectionInfo[] {
  return [...streams]
    .map((s) => s.info())
    .filter((i): i is AdsConnectionInfo => i !== undefined)
    .sort(
      (a, b) =>
        compare(a.group, b.group) ||
        compare(a.nodeId, b.nodeId) ||
        compare(a.connectedAt, b.connectedAt) ||
        compare(a.id, b.id),
    );
}

export function createAdsServer(options: AdsServerOptions): AdsServer {
  const tuning = resolveTuning(options);
  const random = options.random ?? Math.random;
  const logger = options.logger ?? SILENT_LOGGER;
  const grpcOptions = grpcServerOptions(tuning, random);
  const server = new Server(grpcOptions);
  const state: ServerState = {
    streams: new Set(),
    draining: new Set(),
    streamCounter: 0,
    closing: undefined,
    tls: undefined,
  };
  preloadDiscoveryTypes();
  server.addService(ADS_SERVICE, adsImplementation(streamContext(options, tuning, logger, state), state));
  if (options.basicAuth) {
    const { users, verifier = createPasswordVerifier() } = options.basicAuth;
    server.addService(AUTHORIZATION_SERVICE, { Check: checkHandler(users, verifier, checkGroup(state)) });
  }

  async function shutdown(): Promise<void> {
    await endStreams(state.streams, tuning.closeWindowMs, random);
    await stopServer(server, tuning.closeGraceMs);
    state.tls?.close();
    logger.info({ component: 'ads' }, 'ads server stopped');
  }

  return {
    grpcOptions,
    listen(host: string, port: number): Promise<number> {
      if (options.tls && !state.tls) {
        try {
          state.tls = createXdsServerTls(options.tls, logger);
        } catch (err) {
          return Promise.reject(err);
        }
      }
      const { tls } = state;
      if (!tls) logger.warn({ component: 'ads', host }, 'xDS without TLS: development only');
      const credentials = tls?.credentials ?? ServerCredentials.createInsecure();
      return bindServer(server, host, port, credentials, (bound) =>
        logger.info(
          {
            component: 'ads',
            host,
            port: bound,
            tls: tls ? 'mtls' : 'none',
            maxConnectionAgeMs: grpcOptions['grpc.max_connection_age_ms'],
          },
          'ads server listening',
        ),
      );
    },
    close(): Promise<void> {
      state.closing ??= shutdown();
      return state.closing;
    },
    setDraining(nodeId: string, drain: boolean): void {
      if (drain) state.draining.add(nodeId);
      else state.draining.delete(nodeId);
      for (const s of state.streams) if (s.connection()?.nodeId === nodeId) s.setDraining(drain);
    },
    drainingNodes(): string[] {
      return [...state.draining].sort(compare);
    },
    connections(): AdsConnectionInfo[] {
      return sortedConnections(state.streams);
    },
  };
}
