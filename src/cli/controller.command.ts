/**
 * `causeway controller`: standalone mode from a manifests folder. Serves xDS to the gateways and the admin
 * API; watches the folder and pushes changes live. SIGINT/SIGTERM shut down gracefully.
 */
import * as grpc from '@grpc/grpc-js';
import os from 'node:os';
import type { Command } from 'commander';
import { createAdminServer, listenAdmin } from '../admin/admin-server.js';
import { readControllerConfig } from '../config/controller-config.js';
import { groupAddresses } from '../controller/group-addresses.js';
import { createAlbMode } from '../alb/reconcile/alb-reconciler-loop.js';
import { LeaderWriters } from '../controller/leader-writers.js';
import { NackTracker } from '../controller/nack-tracker.js';
import { compareDiagnostics } from '../errors.js';
import { ControllerRunner } from '../controller/runner.js';
import { createLogger, type LogDestination } from '../observability/logger.js';
import { ControllerMetrics } from '../observability/metrics.js';
import { AwsMetrics } from '../alb/aws/aws-metrics.js';
import { XdsMetrics } from '../../xds/server/xds-metrics.js';
import { SnapshotCache } from '../../xds/cache/snapshot-cache.js';
import { createAdsServer } from '../../xds/server/ads-server.js';
import type { XdsTlsFlags } from '../../xds/server/tls-credentials.js';
import { xdsTlsOptionsFrom } from '../../xds/server/tls-credentials.js';
import { parseHostPort, parseHostPortFlag, parsePortFlag, reportCommandError } from './cli-errors.js';
import type { RegisterCommand } from './command-module.js';
import { sourceFrom } from './source-from-flags.js';
import { translateOptionsFrom } from './translate-options-from-flags.js';

interface ControllerFlags extends XdsTlsFlags {
  manifests?: string;
  kubeconfig?: string;
  context?: string;
  clusterName?: string;
  leaseNamespace?: string;
  /** Unique replica identity for leader election (default: $POD_NAME, else hostname-pid). */
  identity?: string;
  config?: string;
  xdsAddress: string;
  adminAddress: string;
  httpPort?: number;
  httpsPort?: number;
  logLevel: string;
  /** ALB mode: also program AWS ALBs for Ingresses of class causeway.dev/alb (docs/alb-operations.md). */
  alb?: boolean;
  awsEndpoint?: string;
  awsRegion?: string;
  awsVpcId?: string;
  /** Where log lines go (default stdout); set by tests that read them. Not a command-line flag. */
  logDestination?: LogDestination;
}

export interface RunningController {
  readonly xdsPort: number;
  readonly adminPort: number;
  /** Kubernetes mode: whether this replica holds the Lease (writes status and Events). */
  isLeader(): boolean;
  stop(): Promise<void>;
}

export async function runController(flags: ControllerFlags): Promise<RunningController> {
  const logger = createLogger({
    level: flags.logLevel,
    name: 'controller',
    ...(flags.logDestination ? { destination: flags.logDestination } : {}),
  });
  // grpc-js logs through our JSON logger instead of writing its own lines to stderr.
  const grpcLog = logger.child({ component: 'grpc' });
  grpc.setLogger({ error: (...args: unknown[]) => grpcLog.debug(args.map(String).join(' ')) });
  const config = flags.config ? readControllerConfig(flags.config) : undefined;
  const translateOptions = translateOptionsFrom(config, flags);
  const xds = parseHostPort(flags.xdsAddress);
  const xdsTls = xdsTlsOptionsFrom(flags, xds.host);
  const metrics = new ControllerMetrics();
  const xdsMetrics = new XdsMetrics(metrics.registry);
  const awsMetrics = new AwsMetrics(metrics.registry);
  const cache = new SnapshotCache();
  const { source, mode, kubeConfigs } = sourceFrom(flags, config, logger, metrics);
  let writers: LeaderWriters | undefined;
  const albMode = flags.alb
    ? createAlbMode({
        clusterName: flags.clusterName ?? 'local',
        ...(flags.awsEndpoint ? { endpoint: flags.awsEndpoint } : {}),
        ...(flags.awsRegion ? { region: flags.awsRegion } : {}),
        ...(flags.awsVpcId ? { vpcId: flags.awsVpcId } : {}),
        metrics: awsMetrics,
        logger,
        ...(kubeConfigs.size > 0 ? { kubeConfig: [...kubeConfigs.values()][0]! } : {}),
        isLeader: () => (writers ? writers.isLeader() : true),
        onResult: () => {
          const merged = albMode?.loop.mergedLast();
          if (merged) writers?.applied(merged);
        },
      })
    : undefined;
  const runner = new ControllerRunner({
    source,
    translateOptions,
    cache,
    metrics,
    logger,
    onApplied: (state) => {
      albMode?.loop.applied(state);
      writers?.applied(albMode ? albMode.loop.merge(state) : state);
    },
  });
  const nacks = new NackTracker({
    sources: () => runner.xdsSources(),
    served: () => runner.served(),
    logger: logger.child({ component: 'nack' }),
    metrics,
    onChange: () => writers?.nacksChanged(),
  });
  const ads = createAdsServer({
    ...(xdsTls ? { tls: xdsTls } : {}),
    watcher: cache,
    logger: logger.child({ component: 'xds' }),
    events: {
      onStreamOpen: (c) => {
        xdsMetrics.gatewayConnected(c.group, c.stream);
        logger.info({ node: c.nodeId, group: c.group, stream: c.stream }, 'gateway connected');
        nacks.onStreamOpen(c);
        writers?.refreshStatus();
      },
      onStreamClose: (c) => {
        xdsMetrics.gatewayDisconnected(c.group, c.stream);
        logger.info({ node: c.nodeId, group: c.group, stream: c.stream }, 'gateway disconnected');
        nacks.onStreamClose(c);
        writers?.refreshStatus();
      },
      onPush: (c, typeUrl, _version, bytes) => {
        xdsMetrics.recordPush(c.group, typeUrl, bytes);
        runner.notePushed();
      },
      onAck: (c, typeUrl, version, covers) => {
        xdsMetrics.recordAck(c.group, typeUrl);
        nacks.onAck(c, typeUrl, version, covers);
      },
      onNack: (c, typeUrl, version, error, names) => {
        xdsMetrics.recordNack(c.group, typeUrl);
        logger.warn(
          { code: 'CW_E_XDS_NACK', node: c.nodeId, group: c.group, typeUrl, version, resources: names },
          `gateway rejected config: ${error}`,
        );
        nacks.onNack(c, typeUrl, version, error, names);
      },
    },
  });
  if (kubeConfigs.size > 0) {
    writers = new LeaderWriters({
      kubeConfigs,
      leaseNamespace: flags.leaseNamespace ?? process.env['POD_NAMESPACE'] ?? 'causeway-system',
      identity: flags.identity ?? process.env['POD_NAME'] ?? `${os.hostname()}-${process.pid}`,
      groupAddresses: () => {
        const base = groupAddresses(config?.groupAddresses ?? {}, ads.connections());
        return albMode ? albMode.loop.addresses(base) : base;
      },
      logger: logger.child({ component: 'leader' }),
      nacks,
    });
  }
  const admin = createAdminServer({
    metrics,
    watcher: cache,
    isReady: () => runner.isReady(),
    diagnostics: () => [...runner.diagnostics(), ...nacks.diagnostics()].sort(compareDiagnostics),
    gateways: () => nacks.annotate(ads.connections()),
    drain: ads,
    groups: () => runner.ir()?.groups.map((g) => g.name) ?? [],
  });
  // Listen first (the server answers nothing until the first translation), then load and translate.
  let xdsPort: number;
  let adminAddr: { host: string; port: number };
  try {
    xdsPort = await ads.listen(xds.host, xds.port);
    adminAddr = await listenAdmin(admin, flags.adminAddress);
    await runner.start();
    writers?.start();
    albMode?.loop.start();
  } catch (err) {
    albMode?.loop.stop();
    albMode?.edge.destroy();
    await writers?.stop().catch(() => undefined);
    nacks.close();
    await runner.stop().catch(() => undefined);
    await ads.close().catch(() => undefined);
    await admin.close().catch(() => undefined);
    throw err;
  }
  logger.info(
    {
      xds: `${xds.host}:${xdsPort}`,
      admin: `${adminAddr.host}:${adminAddr.port}`,
      source: mode,
    },
    'controller ready',
  );
  return {
    xdsPort,
    adminPort: adminAddr.port,
    isLeader: () => writers?.isLeader() ?? false,
    async stop() {
      albMode?.loop.stop();
      albMode?.edge.destroy();
      await writers?.stop();
      nacks.close();
      await runner.stop();
      await ads.close();
      await admin.close();
    },
  };
}

export const registerControllerCommand: RegisterCommand = (program: Command) => {
  program
    .command('controller')
    .description(
      'Run the controller: watch Ingress, IngressClass, Service, EndpointSlice and TLS Secret objects and serve ' +
        'them to Envoy gateways over xDS (ADS, SotW and Delta), applying changes live. The objects come from a ' +
        'manifests folder (--manifests: standalone mode), from the clusters listed in the config file, or from ' +
        'one Kubernetes cluster (--kubeconfig/--context, else $KUBECONFIG, ~/.kube/config or the in-cluster ' +
        'service account).',
    )
    .option('--manifests <dir>', 'standalone mode: manifests folder to read and watch (recursively)')
    .option(
      '--kubeconfig <file>',
      'kubeconfig of the cluster to watch (default: $KUBECONFIG, ~/.kube/config, in-cluster)',
    )
    .option('--context <name>', 'kubeconfig context to use (default: the current context)')
    .option(
      '--cluster-name <name>',
      'name of that cluster in localities, diagnostics and logs (default: the context name)',
    )
    .option(
      '--lease-namespace <ns>',
      'Kubernetes mode: namespace of the leader-election Lease (default: $POD_NAMESPACE, else causeway-system)',
    )
    .option(
      '--config <file>',
      'controller config file (YAML: httpPort, httpsPort, healthPort, groups, clusters, vms)',
    )
    .option(
      '--xds-address <host:port>',
      'address of the xDS (ADS) gRPC server (any other than loopback needs the --xds-tls-* flags or --xds-insecure)',
      parseHostPortFlag,
      '127.0.0.1:18000',
    )
    .option(
      '--xds-tls-cert <file>',
      'mTLS for xDS: PEM certificate chain of the xDS server (with --xds-tls-key and --xds-tls-client-ca; reloaded when it changes). Required unless --xds-address is a loopback address or --xds-insecure is given',
    )
    .option('--xds-tls-key <file>', 'mTLS for xDS: PEM private key of --xds-tls-cert')
    .option(
      '--xds-tls-client-ca <file>',
      "mTLS for xDS: PEM CA bundle that signs gateway client certificates (required; a certificate's URI SAN spiffe://<trust domain>/causeway/group/<group> decides the gateway group)",
    )
    .option(
      '--xds-tls-trust-domain <domain>',
      'mTLS for xDS: accept gateway certificates of this SPIFFE trust domain only (default: any signed by the client CA)',
    )
    .option(
      '--xds-insecure',
      'serve xDS in plaintext (no TLS) on a non-loopback --xds-address: development only, never with the --xds-tls-* flags (on loopback plaintext is the default)',
    )
    .option(
      '--admin-address <host:port>',
      'address of the admin server (/healthz, /readyz, /metrics, /debug/config)',
      parseHostPortFlag,
      '127.0.0.1:19000',
    )
    .option(
      '--http-port <n>',
      'gateways HTTP listener port for every group unless the config file sets it per group (default 8080)',
      parsePortFlag,
    )
    .option(
      '--https-port <n>',
      'gateways HTTPS listener port for every group unless the config file sets it per group (default 8443)',
      parsePortFlag,
    )
    .option('--log-level <level>', 'fatal, error, warn, info, debug or trace', 'info')
    .option(
      '--alb',
      'ALB mode: also program AWS Application Load Balancers for Ingresses of class causeway.dev/alb (the leader applies; --cluster-name, default "local", is the ownership tag)',
    )
    .option(
      '--aws-endpoint <url>',
      'with --alb: AWS endpoint to use instead of the real one (moto, LocalStack)',
    )
    .option('--aws-region <region>', 'with --alb: AWS region (default: $AWS_REGION / the SDK configuration)')
    .option(
      '--aws-vpc-id <id>',
      'with --alb: only subnets of this VPC (default: the VPC of the tagged subnets)',
    )
    .action(async (flags: ControllerFlags) => {
      try {
        const c = await runController(flags);
        let stopping = false;
        const shutdown = (signal: string): void => {
          if (stopping) return;
          stopping = true;
          process.stderr.write(`causeway: ${signal}, shutting down\n`);
          void c.stop().finally(() => process.exit(0));
        };
        process.on('SIGINT', () => shutdown('SIGINT'));
        process.on('SIGTERM', () => shutdown('SIGTERM'));
      } catch (err) {
        reportCommandError(err);
        process.exit();
      }
    });
};
