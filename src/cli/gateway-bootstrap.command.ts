/**
 * `causeway gateway bootstrap`: prints the Envoy bootstrap of one dedicated gateway (who it is, which
 * gateway group it serves, where the Causeway controller's xDS port is). Start the gateway with
 * `envoy -c <file>`; everything else arrives over xDS.
 */
import os from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { CausewayError } from '../errors.js';
import {
  DEFAULT_ADMIN_PORT,
  bootstrapToJson,
  bootstrapToYaml,
  buildBootstrap,
  parsePort,
  parseXdsAddress,
  validateGroup,
  validateLocality,
  validateNodeId,
} from '../../xds/bootstrap/bootstrap.js';
import type { XdsAddress } from '../../xds/bootstrap/bootstrap.js';
import type { RegisterCommand } from './command-module.js';

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
  readonly xds: XdsAddress;
  readonly nodeId?: string;
  readonly adminPort: number;
  readonly zone?: string;
  readonly region?: string;
  readonly output: 'yaml' | 'json';
  readonly xdsProtocol: 'delta' | 'sotw';
}

/** The default node id, `<group>-<hostname>` (the hostname lowercased, anything unusual replaced by '-'). */
export function defaultNodeId(group: string, hostname: string = os.hostname()): string {
  const host = hostname.toLowerCase().replace(/[^\x21-\x7e]/g, '-');
  return `${group}-${host === '' ? 'gateway' : host}`;
}

function bootstrapCommand(): Command {
  return new Command('bootstrap')
    .summary('print the Envoy bootstrap of a dedicated gateway')
    .description(
      'Print the Envoy bootstrap of a dedicated gateway: its node identity and gateway group, and one ADS (Delta by default) ' +
        'stream to the Causeway controller that delivers everything else. Run the gateway with `envoy -c FILE`.',
    )
    .requiredOption(
      '--group <group>',
      'gateway group this gateway serves (a DNS label, e.g. "public"); becomes node.cluster',
      argParser(validateGroup),
    )
    .requiredOption(
      '--xds <host:port>',
      "the Causeway controller's xDS address, HOST:PORT or [IPv6]:PORT (a DNS name resolves via STRICT_DNS)",
      argParser(parseXdsAddress),
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
    .addOption(
      new Option('--xds-protocol <protocol>', 'xDS variant: delta (incremental) or sotw (State of the World)')
        .choices(['delta', 'sotw'])
        .default('delta'),
    )
    .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .action(function (this: Command) {
      const flags = this.opts<BootstrapFlags>();
      const bootstrap = buildBootstrap({
        group: flags.group,
        xdsHost: flags.xds.host,
        xdsPort: flags.xds.port,
        nodeId: flags.nodeId ?? defaultNodeId(flags.group),
        adminPort: flags.adminPort,
        xdsProtocol: flags.xdsProtocol,
        ...(flags.zone !== undefined ? { zone: flags.zone } : {}),
        ...(flags.region !== undefined ? { region: flags.region } : {}),
      });
      const text = flags.output === 'json' ? bootstrapToJson(bootstrap) : bootstrapToYaml(bootstrap);
      const writeOut = this.configureOutput().writeOut ?? ((s: string) => process.stdout.write(s));
      writeOut(text);
    });
}

/** Registers `causeway gateway bootstrap` (reusing a `gateway` command another module registered first). */
export const registerGatewayCommand: RegisterCommand = (program) => {
  const gateway =
    program.commands.find((c) => c.name() === 'gateway') ??
    program.command('gateway').description('Commands for running dedicated Envoy gateways');
  const bootstrap = bootstrapCommand();
  // addCommand does not copy the parent's settings (output, exitOverride); command() would.
  bootstrap.copyInheritedSettings(gateway);
  gateway.addCommand(bootstrap);
};
