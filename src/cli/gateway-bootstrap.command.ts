/**
 * `causeway gateway bootstrap`: prints the Envoy bootstrap of one dedicated gateway (who it is, which
 * gateway group it serves, where the Causeway controller's xDS port is). Start the gateway with
 * `envoy -c <file>`; everything else arrives over xDS. `--xds` may be repeated (controller replicas);
 * with `--xds-tls-*` the command also writes the SDS files of the xDS client certificate (mTLS).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { CausewayError } from '../errors.js';
import {
  DEFAULT_ADMIN_PORT,
  bootstrapToJson,
  bootstrapToYaml,
  buildBootstrap,
  buildXdsTlsSdsFiles,
  parsePort,
  parseXdsAddress,
  validateGatewayAddress,
  validateGroup,
  validateLocality,
  validateNodeId,
} from '../../xds/bootstrap/bootstrap.js';
import type { SdsFile, XdsAddress, XdsClientTls } from '../../xds/bootstrap/bootstrap.js';
import type { RegisterCommand } from './command-module.js';
import { gatewayGroup } from './gateway-group.js';

/** Turns a validator's CausewayError into commander's InvalidArgumentError (commander prints it and exits 1). */
function argParser<T>(parse: (value: string) => T): (value: string) => T {
  return (value: string): T => {
    try {
      return parse(value);
    } catch (err) {
      if (err instanceof CausewayError)
        throw new InvalidArgumentError(err.message.replace(/^CW_E_USAGE: /, ''));
      throw err;
    }
  };
}

interface BootstrapFlags {
  readonly group: string;
  readonly xds: readonly XdsAddress[];
  readonly nodeId?: string;
  readonly adminPort: number;
  readonly zone?: string;
  readonly region?: string;
  readonly address?: string;
  readonly output: 'yaml' | 'json';
  readonly xdsProtocol: 'delta' | 'sotw';
  readonly clusterStats: boolean;
  readonly xdsTlsCert?: string;
  readonly xdsTlsKey?: string;
  readonly xdsTlsCa?: string;
  readonly xdsTlsSdsDir?: string;
  readonly xdsTlsServerName?: readonly string[];
}

/** Writes each SDS file whole, then moves it in place (Envoy watches the directory for moves). */
function writeSdsFiles(files: readonly SdsFile[]): void {
  for (const f of files) {
    fs.mkdirSync(path.dirname(f.path), { recursive: true });
    const tmp = `${f.path}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, bootstrapToYaml(f.content));
    fs.renameSync(tmp, f.path);
  }
}

/** Commander accumulator for a repeatable flag. */
function repeated<T>(parse: (value: string) => T): (value: string, previous: T[] | undefined) => T[] {
  const one = argParser(parse);
  return (value, previous) => [...(previous ?? []), one(value)];
}

/** The TLS flags as bootstrap options (all four files flags together, or none). */
function tlsFrom(flags: BootstrapFlags): XdsClientTls | undefined {
  const given = {
    '--xds-tls-cert': flags.xdsTlsCert,
    '--xds-tls-key': flags.xdsTlsKey,
    '--xds-tls-ca': flags.xdsTlsCa,
    '--xds-tls-sds-dir': flags.xdsTlsSdsDir,
  };
  const missing = Object.entries(given).filter(([, v]) => v === undefined);
  if (missing.length === 4) {
    if (flags.xdsTlsServerName !== undefined)
      throw new CausewayError('CW_E_USAGE', '--xds-tls-server-name needs the other --xds-tls-* flags');
    return undefined;
  }
  if (missing.length > 0) {
    throw new CausewayError(
      'CW_E_USAGE',
      `xDS mTLS needs --xds-tls-cert, --xds-tls-key, --xds-tls-ca and --xds-tls-sds-dir together; missing ${missing.map(([k]) => k).join(', ')}`,
    );
  }
  return {
    certFile: path.resolve(flags.xdsTlsCert!),
    keyFile: path.resolve(flags.xdsTlsKey!),
    caFile: path.resolve(flags.xdsTlsCa!),
    sdsDir: path.resolve(flags.xdsTlsSdsDir!),
    ...(flags.xdsTlsServerName !== undefined ? { serverNames: flags.xdsTlsServerName } : {}),
  };
}

/** The default node id, `<group>-<hostname>` (the hostname lowercased, anything unusual replaced by '-'). */
export function defaultNodeId(group: string, hostname: string = os.hostname()): string {
  const host = hostname.toLowerCase().replace(/[^\x21-\x7e]/g, '-');
  return `${group}-${host === '' ? 'gateway' : host}`;
}

/** Who the gateway is and where its controller is: --group, --xds, --node-id, --admin-port, locality, --address, --xds-protocol. */
function identityOptions(cmd: Command): Command {
  return cmd
    .requiredOption(
      '--group <group>',
      'gateway group this gateway serves (a DNS label, e.g. "public"); becomes node.cluster',
      argParser(validateGroup),
    )
    .requiredOption(
      '--xds <host:port>',
      "the Causeway controller's xDS address, HOST:PORT or [IPv6]:PORT (a DNS name resolves via STRICT_DNS); " +
        'repeat it for several controller replicas (the gateway fails over between them)',
      repeated(parseXdsAddress),
    )
    .option(
      '--node-id <id>',
      'unique id of this gateway (default: <group>-<hostname>)',
      argParser(validateNodeId),
    )
    .option(
      '--admin-port <port>',
      'port of the Envoy admin API, bound on 127.0.0.1',
      argParser((v) => parsePort(v, 'admin port')),
      DEFAULT_ADMIN_PORT,
    )
    .option(
      '--zone <zone>',
      'zone of this gateway (topology.kubernetes.io/zone), set as node.locality.zone',
      argParser((v) => validateLocality(v, 'zone')),
    )
    .option(
      '--region <region>',
      'region of this gateway (topology.kubernetes.io/region), set as node.locality.region',
      argParser((v) => validateLocality(v, 'region')),
    )
    .option(
      '--address <address>',
      'the address clients reach this gateway at (IP or DNS name), shown in the fleet registry (node metadata causeway.dev/address; default: the address of its xDS connection)',
      argParser(validateGatewayAddress),
    )
    .addOption(
      new Option('--xds-protocol <protocol>', 'xDS variant: delta (incremental) or sotw (State of the World)')
        .choices(['delta', 'sotw'])
        .default('delta'),
    );
}

/** mTLS to the controller: the --xds-tls-* flags. */
function tlsOptions(cmd: Command): Command {
  return cmd
    .option(
      '--xds-tls-cert <file>',
      'mTLS to the controller: PEM client certificate of this gateway (its URI SAN spiffe://<trust domain>/causeway/group/<group> names its group)',
    )
    .option('--xds-tls-key <file>', 'mTLS: PEM private key of the client certificate (same directory)')
    .option('--xds-tls-ca <file>', "mTLS: PEM CA bundle that signs the controller's certificate")
    .option(
      '--xds-tls-sds-dir <dir>',
      'mTLS: directory where this command writes the two SDS files Envoy reads the certificate through (Envoy reloads rotated certificates without a restart)',
    )
    .option(
      '--xds-tls-server-name <name>',
      "mTLS: a DNS name or IP the controller's certificate must carry as SAN (repeatable; default: the --xds hosts); the first DNS name is sent as SNI",
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    );
}

/** The bootstrap as text in the --output format; with mTLS, first writes the SDS files it points at. */
function bootstrapText(flags: BootstrapFlags): string {
  const [first, ...more] = flags.xds;
  const tls = tlsFrom(flags);
  const bootstrap = buildBootstrap({
    group: flags.group,
    xdsHost: first!.host,
    xdsPort: first!.port,
    ...(more.length > 0 ? { additionalXdsAddresses: more } : {}),
    ...(tls ? { xdsTls: tls } : {}),
    nodeId: flags.nodeId ?? defaultNodeId(flags.group),
    adminPort: flags.adminPort,
    xdsProtocol: flags.xdsProtocol,
    ...(flags.clusterStats ? { clusterStats: true } : {}),
    ...(flags.zone !== undefined ? { zone: flags.zone } : {}),
    ...(flags.region !== undefined ? { region: flags.region } : {}),
    ...(flags.address !== undefined ? { address: flags.address } : {}),
  });
  if (tls)
    writeSdsFiles(
      buildXdsTlsSdsFiles(
        tls,
        flags.xds.map((a) => a.host),
      ),
    );
  return flags.output === 'json' ? bootstrapToJson(bootstrap) : bootstrapToYaml(bootstrap);
}

/** The command's action: prints the bootstrap; a usage problem exits 2, anything else 1. */
function printBootstrap(this: Command): void {
  let text: string;
  try {
    text = bootstrapText(this.opts<BootstrapFlags>());
  } catch (err) {
    if (err instanceof CausewayError)
      this.error(`error: ${err.message.replace(/^CW_E_USAGE: /, '')}`, { exitCode: 2 });
    this.error(`error: ${(err as Error).message}`, { exitCode: 1 });
  }
  const writeOut = this.configureOutput().writeOut ?? ((s: string) => process.stdout.write(s));
  writeOut(text);
}

function bootstrapCommand(): Command {
  const cmd = new Command('bootstrap')
    .summary('print the Envoy bootstrap of a dedicated gateway')
    .description(
      'Print the Envoy bootstrap of a dedicated gateway: its node identity and gateway group, and one ADS (Delta by default) ' +
        'stream to the Causeway controller that delivers everything else. Run the gateway with `envoy -c FILE`.',
    );
  return tlsOptions(identityOptions(cmd))
    .option(
      '--cluster-stats',
      'create every per-cluster stat (cluster.<name>.*, envoy_cluster_* in Prometheus: about 100 per backend Service) ' +
        "when the cluster arrives, as Envoy does by default; default: a cluster's traffic stats are created on its first " +
        'use (a backend without traffic has no upstream_* series yet), which saves a large part of the memory and start-up ' +
        'CPU of a gateway with thousands of backends. Give it to every gateway of a group whose dashboards need them all',
      false,
    )
    .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .action(printBootstrap);
}

/** Registers `causeway gateway bootstrap` (reusing a `gateway` command another module registered first). */
export const registerGatewayCommand: RegisterCommand = (program) => {
  const gateway = gatewayGroup(program);
  const bootstrap = bootstrapCommand();
  // addCommand does not copy the parent's settings (output, exitOverride); command() would.
  bootstrap.copyInheritedSettings(gateway);
  gateway.addCommand(bootstrap);
};
