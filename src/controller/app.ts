/**
 * The controller application: builds and starts a controller from typed options (what `causeway
 * controller` parses its flags into, and what the demo and the tests pass). It wires the source, the
 * runner (whose applied-state stream the ALB loop, the leader writers and the NACK tracker read), the
 * xDS server, the admin server, the Kubernetes leader writers and the ALB loop, and stops them again.
 */
import * as grpc from '@grpc/grpc-js';
import os from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createAdminApiServer, createAdminServer, listenAdmin } from '../admin/admin-server.js';
import { adminAccessFrom, type AdminAccessFlags } from './admin-access-from-flags.js';
import type { AlbEdge } from '../alb/reconcile/alb-reconciler-factory.js';
import { createAlbMode, type AlbReconcileLoop } from '../alb/reconcile/alb-reconciler-loop.js';
import { readControllerConfig, type ControllerConfig } from '../config/controller-config.js';
import { compareDiagnostics } from '../errors.js';
import { createLogger, type LogDestination } from '../observability/logger.js';
import { ControllerMetrics } from '../observability/metrics.js';
import { AwsMetrics } from '../alb/aws/aws-metrics.js';
import { XdsMetrics } from '../../xds/server/xds-metrics.js';
import { SnapshotCache } from '../../xds/cache/snapshot-cache.js';
import { createAdsServer, type AdsServer } from '../../xds/server/ads-server.js';
import { xdsTlsOptionsFrom, type XdsTlsFlags } from '../../xds/server/tls-credentials.js';
import { sourceFrom, type ControllerSource, type ManifestsLimitFlags } from './controller-source.js';
import { parseHostPort, type HostPort } from './host-port.js';
import { groupAddresses } from './group-addresses.js';
import { LeaderWriters } from './leader-writers.js';
import { NackTracker } from './nack-tracker.js';
import { basicAuthUsersOf } from './basic-auth-users.js';
import { ControllerRunner } from './runner.js';
import { translateOptionsFrom } from './translate-options-from-config.js';

/** How to run the controller (`causeway controller` builds it from its flags, one field per flag). */
export interface ControllerAppOptions extends XdsTlsFlags, AdminAccessFlags, ManifestsLimitFlags {
  /** Standalone mode: the manifests folder to read and watch. */
  readonly manifests?: string;
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly clusterName?: string;
  readonly leaseNamespace?: string;
  /** Unique replica identity for leader election (default: $POD_NAME, else hostname-pid). */
  readonly identity?: string;
  /** The controller config file. */
  readonly config?: string;
  /** HOST:PORT of the xDS (ADS) server. */
  readonly xdsAddress: string;
  /** HOST:PORT of the admin server. */
  readonly adminAddress: string;
  readonly httpPort?: number;
  readonly httpsPort?: number;
  readonly logLevel: string;
  /** ALB mode: also program AWS ALBs for Ingresses of class causeway.dev/alb (docs/alb-operations.md). */
  readonly alb?: boolean;
  readonly awsEndpoint?: string;
  readonly awsRegion?: string;
  readonly awsVpcId?: string;
  /** Where log lines go (default stdout); set by tests that read them. Not a command-line flag. */
  readonly logDestination?: LogDestination;
}

export interface RunningController {
  readonly xdsPort: number;
  readonly adminPort: number;
  /** The port of the mutating API when `adminApiAddress` is given (else it is served on adminPort). */
  readonly adminApiPort?: number;
  /** Kubernetes mode: whether this replica holds the Lease (writes status and Events). */
  isLeader(): boolean;
  stop(): Promise<void>;
}

type AlbMode = ReturnType<typeof createAlbMode>;

/** Everything a controller runs, in start order. */
interface ControllerParts {
  readonly logger: Logger;
  readonly xds: HostPort;
  readonly mode: string;
  readonly runner: ControllerRunner;
  readonly nacks: NackTracker;
  readonly ads: AdsServer;
  readonly admin: FastifyInstance;
  /** The mutating API on its own address (`--admin-api-address`), when given. */
  readonly adminApi: { readonly server: FastifyInstance; readonly address: string } | undefined;
  readonly alb: { readonly loop: AlbReconcileLoop; readonly edge: AlbEdge } | undefined;
  readonly writers: LeaderWriters | undefined;
}

/** Builds the controller, listens (xDS, admin), loads and translates the source, starts the writers and ALB loop. */
export async function runController(o: ControllerAppOptions): Promise<RunningController> {
  const parts = buildController(o);
  const listening = await startParts(parts, o.adminAddress);
  const api = listening.adminApi;
  parts.logger.info(
    {
      xds: `${parts.xds.host}:${listening.xdsPort}`,
      admin: `${listening.admin.host}:${listening.admin.port}`,
      ...(api ? { adminApi: `${api.host}:${api.port}` } : {}),
      adminToken: o.adminTokenFile !== undefined,
      source: parts.mode,
    },
    'controller ready',
  );
  return {
    xdsPort: listening.xdsPort,
    adminPort: listening.admin.port,
    ...(api ? { adminApiPort: api.port } : {}),
    isLeader: () => parts.writers?.isLeader() ?? false,
    stop: () => stopParts(parts),
  };
}

/** The JSON logger; grpc-js logs through it too instead of writing its own lines to stderr. */
function controllerLogger(o: ControllerAppOptions): Logger {
  const logger = createLogger({
    level: o.logLevel,
    name: 'controller',
    ...(o.logDestination ? { destination: o.logDestination } : {}),
  });
  const grpcLog = logger.child({ component: 'grpc' });
  grpc.setLogger({ error: (...args: unknown[]) => grpcLog.debug(args.map(String).join(' ')) });
  return logger;
}

function buildController(o: ControllerAppOptions): ControllerParts {
  // First: a mutating API off loopback without a token refuses to start before anything is built.
  const access = adminAccessFrom(o);
  const logger = controllerLogger(o);
  const config = o.config ? readControllerConfig(o.config) : undefined;
  const translateOptions = translateOptionsFrom(config, o);
  const xds = parseHostPort(o.xdsAddress);
  const xdsTls = xdsTlsOptionsFrom(o, xds.host);
  const metrics = new ControllerMetrics();
  const awsMetrics = new AwsMetrics(metrics.registry);
  const cache = new SnapshotCache();
  const source = sourceFrom(o, config, logger, metrics);
  const runner = new ControllerRunner({ source: source.source, translateOptions, cache, metrics, logger });
  const xdsMetrics = new XdsMetrics(metrics.registry, { knownGroups: knownGroupsOf(runner, config) });
  // The writers come last (they read the xDS connections); the parts before call them through this.
  const late: { writers?: LeaderWriters } = {};
  const alb = o.alb ? albModeFor(o, { logger, metrics: awsMetrics, runner, source, late }) : undefined;
  const nacks = new NackTracker({
    applied: runner.applied,
    logger: logger.child({ component: 'nack' }),
    metrics,
    onChange: () => late.writers?.nacksChanged(),
  });
  const ads = createAdsServer({
    ...(xdsTls ? { tls: xdsTls } : {}),
    watcher: cache,
    logger: logger.child({ component: 'xds' }),
    events: adsEvents({ logger, metrics: xdsMetrics, runner, nacks, late }),
    basicAuth: { users: basicAuthUsersOf(() => runner.ir()) },
  });
  late.writers =
    source.kubeConfigs.size > 0
      ? leaderWritersFor(o, { logger, config, source, runner, nacks, ads, alb })
      : undefined;
  const admin = createAdminServer({
    metrics,
    watcher: cache,
    isReady: () => runner.isReady(),
    diagnostics: () => [...runner.diagnostics(), ...nacks.diagnostics()].sort(compareDiagnostics),
    gateways: () => nacks.annotate(ads.connections()),
    ...(o.adminApiAddress === undefined ? { drain: ads } : {}),
    groups: () => runner.ir()?.groups.map((g) => g.name) ?? [],
    access,
    logger,
  });
  const adminApi =
    o.adminApiAddress === undefined
      ? undefined
      : { server: createAdminApiServer({ drain: ads, access, logger }), address: o.adminApiAddress };
  return { logger, xds, mode: source.mode, runner, nacks, ads, admin, adminApi, alb, writers: late.writers };
}

/**
 * The groups xDS metrics label by name: the configured ones and those of the latest IR (the groups
 * Ingresses reference); recomputed only when the IR's group list changes.
 */
function knownGroupsOf(
  runner: ControllerRunner,
  config: ControllerConfig | undefined,
): () => ReadonlySet<string> {
  const configured = Object.keys(config?.groups ?? {});
  let seen: readonly { readonly name: string }[] | undefined;
  let known: ReadonlySet<string> = new Set(configured);
  return () => {
    const groups = runner.ir()?.groups;
    if (groups !== seen) {
      seen = groups;
      known = new Set([...configured, ...(groups ?? []).map((g) => g.name)]);
    }
    return known;
  };
}

interface AlbWiring {
  readonly logger: Logger;
  readonly metrics: AwsMetrics;
  readonly runner: ControllerRunner;
  readonly source: ControllerSource;
  readonly late: { readonly writers?: LeaderWriters };
}

/** ALB mode: the loop reconciles every applied state; only the leader applies (always, without Kubernetes). */
function albModeFor(o: ControllerAppOptions, w: AlbWiring): AlbMode {
  return createAlbMode({
    clusterName: o.clusterName ?? 'local',
    ...(o.awsEndpoint ? { endpoint: o.awsEndpoint } : {}),
    ...(o.awsRegion ? { region: o.awsRegion } : {}),
    ...(o.awsVpcId ? { vpcId: o.awsVpcId } : {}),
    metrics: w.metrics,
    logger: w.logger,
    applied: w.runner.applied,
    ...(w.source.kubeConfigs.size > 0 ? { kubeConfig: [...w.source.kubeConfigs.values()][0]! } : {}),
    isLeader: () => (w.late.writers ? w.late.writers.isLeader() : true),
    onResult: () => w.late.writers?.augmentChanged(),
  });
}

interface AdsWiring {
  readonly logger: Logger;
  readonly metrics: XdsMetrics;
  readonly runner: ControllerRunner;
  readonly nacks: NackTracker;
  readonly late: { readonly writers?: LeaderWriters };
}

/** What the xDS server reports: metrics, logs, the NACK tracker, status refreshes, the change-to-push metric. */
function adsEvents({
  logger,
  metrics,
  runner,
  nacks,
  late,
}: AdsWiring): Parameters<typeof createAdsServer>[0]['events'] {
  return {
    onStreamOpen: (c) => {
      metrics.gatewayConnected(c.group, c.stream);
      logger.info({ node: c.nodeId, group: c.group, stream: c.stream }, 'gateway connected');
      nacks.onStreamOpen(c);
      late.writers?.refreshStatus();
    },
    onStreamClose: (c) => {
      metrics.gatewayDisconnected(c.group, c.stream);
      logger.info({ node: c.nodeId, group: c.group, stream: c.stream }, 'gateway disconnected');
      nacks.onStreamClose(c);
      late.writers?.refreshStatus();
    },
    onPush: (c, typeUrl, _version, bytes) => {
      metrics.recordPush(c.group, typeUrl, bytes);
      runner.notePushed();
    },
    onAck: (c, typeUrl, version, covers) => {
      metrics.recordAck(c.group, typeUrl);
      nacks.onAck(c, typeUrl, version, covers);
    },
    onNack: (c, typeUrl, version, error, names) => {
      metrics.recordNack(c.group, typeUrl);
      logger.warn(
        { code: 'CW_E_XDS_NACK', node: c.nodeId, group: c.group, typeUrl, version, resources: names },
        `gateway rejected config: ${error}`,
      );
      nacks.onNack(c, typeUrl, version, error, names);
    },
    onUnknownType: (c) => metrics.recordUnknownType(c.group),
    onStreamCut: (_c, reason) => metrics.recordStreamCut(reason),
  };
}

interface WritersWiring {
  readonly logger: Logger;
  readonly config: ControllerConfig | undefined;
  readonly source: ControllerSource;
  readonly runner: ControllerRunner;
  readonly nacks: NackTracker;
  readonly ads: AdsServer;
  readonly alb: AlbMode | undefined;
}

/** Kubernetes mode: Ingress status, Events and Service conditions, written by the Lease holder. */
function leaderWritersFor(o: ControllerAppOptions, w: WritersWiring): LeaderWriters {
  const alb = w.alb;
  return new LeaderWriters({
    kubeConfigs: w.source.kubeConfigs,
    leaseNamespace: o.leaseNamespace ?? process.env['POD_NAMESPACE'] ?? 'causeway-system',
    identity: o.identity ?? process.env['POD_NAME'] ?? `${os.hostname()}-${process.pid}`,
    applied: w.runner.applied,
    ...(alb ? { augment: (state) => alb.loop.merge(state) } : {}),
    groupAddresses: () => {
      const base = groupAddresses(w.config?.groupAddresses ?? {}, w.ads.connections());
      return alb ? alb.loop.addresses(base) : base;
    },
    logger: w.logger.child({ component: 'leader' }),
    nacks: w.nacks,
  });
}

/** Listens first (the server answers nothing until the first translation), then loads and translates. */
async function startParts(
  p: ControllerParts,
  adminAddress: string,
): Promise<{ readonly xdsPort: number; readonly admin: HostPort; readonly adminApi?: HostPort }> {
  try {
    const xdsPort = await p.ads.listen(p.xds.host, p.xds.port);
    const admin = await listenAdmin(p.admin, adminAddress);
    const adminApi = p.adminApi ? await listenAdmin(p.adminApi.server, p.adminApi.address) : undefined;
    await p.runner.start();
    p.writers?.start();
    p.alb?.loop.start();
    return { xdsPort, admin, ...(adminApi ? { adminApi } : {}) };
  } catch (err) {
    await stopParts(p, true);
    throw err;
  }
}

/** Stops everything in reverse dependency order; `quietly` (after a failed start) ignores failures. */
async function stopParts(p: ControllerParts, quietly = false): Promise<void> {
  const settle = <T>(promise: Promise<T>): Promise<T | undefined> =>
    quietly ? promise.catch(() => undefined) : promise;
  p.alb?.loop.stop();
  p.alb?.edge.destroy();
  if (p.writers) await settle(p.writers.stop());
  p.nacks.close();
  await settle(p.runner.stop());
  await settle(p.ads.close());
  await settle(p.admin.close());
  if (p.adminApi) await settle(p.adminApi.server.close());
}
