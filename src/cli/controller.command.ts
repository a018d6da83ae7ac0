/**
 * `causeway controller`: its flags (one per field of ControllerAppOptions, src/controller/app.ts, which
 * builds and runs the controller); SIGINT/SIGTERM shut down gracefully. Serves xDS to the gateways and
 * the admin API; watches the source and pushes changes live.
 */
import type { Command } from 'commander';
import type { ControllerAppOptions, RunningController } from '../controller/app.js';
import { parseByteSizeFlag } from './byte-size-flag.js';
import { parseHostPortFlag, parsePortFlag, reportCommandError } from './cli-errors.js';
import type { RegisterCommand } from './command-module.js';

/** Runs the controller until SIGINT or SIGTERM, then stops it and exits 0. */
async function controllerAction(options: ControllerAppOptions): Promise<void> {
  let c: RunningController;
  try {
    // Loaded only when the command runs: the app pulls in gRPC, fastify and the Kubernetes client.
    const { runController } = await import('../controller/app.js');
    c = await runController(options);
  } catch (err) {
    reportCommandError(err);
    process.exit();
  }
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`causeway: ${signal}, shutting down\n`);
    void c.stop().finally(() => process.exit(0));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

/** Where the objects come from: a manifests folder, a kubeconfig, the config file; the Lease. */
function sourceOptions(cmd: Command): Command {
  return cmd
    .option('--manifests <dir>', 'standalone mode: manifests folder to read and watch (recursively)')
    .option(
      '--manifests-max-file-bytes <size>',
      'standalone mode: a manifest file over this size is not read (CW_E_MANIFEST_TOO_LARGE; its last good version stays); bytes, or with Ki/Mi/Gi (default 8Mi)',
      parseByteSizeFlag,
    )
    .option(
      '--manifests-max-total-bytes <size>',
      'standalone mode: cap on all manifest files together; a file that would go over it is not read (default 256Mi)',
      parseByteSizeFlag,
    )
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
    );
}

/** The xDS server's address and its mTLS. */
function xdsOptions(cmd: Command): Command {
  return cmd
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
    );
}

/** Collects a repeatable flag's values. */
function collectList(value: string, previous: readonly string[] | undefined): readonly string[] {
  return [...(previous ?? []), value];
}

/** The admin server (and its mutating API), the gateways' listener ports, the log level. */
function serverOptions(cmd: Command): Command {
  return cmd
    .option(
      '--admin-address <host:port>',
      'address of the admin server: /healthz, /readyz, /metrics, read-only /debug and /api, /fleet (and gateway drain unless --admin-api-address is given)',
      parseHostPortFlag,
      '127.0.0.1:19000',
    )
    .option(
      '--admin-api-address <host:port>',
      'address of the mutating admin API (gateway drain: POST|DELETE /api/gateways/NODE_ID/drain) on its own port (default: served on --admin-address); off loopback it needs --admin-token-file',
      parseHostPortFlag,
    )
    .option(
      '--admin-token-file <file>',
      'file holding the bearer token the mutating admin API requires (e.g. a mounted Secret; read on every request, so a rotation applies at once); required when that API is bound off loopback',
    )
    .option(
      '--admin-allowed-hosts <hosts>',
      'more host names or addresses the admin server accepts in the Host header (comma-separated, repeatable); always allowed: localhost, 127.0.0.1, ::1 and the bound addresses (all interface addresses for 0.0.0.0)',
      collectList,
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
    .option('--log-level <level>', 'fatal, error, warn, info, debug or trace', 'info');
}

/** ALB mode. */
function albOptions(cmd: Command): Command {
  return cmd
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
    );
}

export const registerControllerCommand: RegisterCommand = (program: Command) => {
  const cmd = program
    .command('controller')
    .description(
      'Run the controller: watch Ingress, IngressClass, Service, EndpointSlice and TLS Secret objects and serve ' +
        'them to Envoy gateways over xDS (ADS, SotW and Delta), applying changes live. The objects come from a ' +
        'manifests folder (--manifests: standalone mode), from the clusters listed in the config file, or from ' +
        'one Kubernetes cluster (--kubeconfig/--context, else $KUBECONFIG, ~/.kube/config or the in-cluster ' +
        'service account).',
    );
  albOptions(serverOptions(xdsOptions(sourceOptions(cmd)))).action(controllerAction);
};
