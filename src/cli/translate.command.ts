/**
 * `causeway translate -f DIR`: offline, what each gateway group would get (xDS resources or the IR), or
 * with `--mode alb` the desired ALB stack of each IngressGroup of ALB-class Ingresses.
 */
import { Option, type Command } from 'commander';
import { parsePortFlag } from './cli-errors.js';
import { lazyAction, type RegisterCommand } from './command-module.js';

export const registerTranslateCommand: RegisterCommand = (program: Command) => {
  program
    .command('translate')
    .description(
      'Translate a manifests folder offline and print what each gateway group would get: Envoy resources ' +
        '(listeners, routes, clusters, endpoints, secrets with private keys redacted) or, with --ir, the intermediate ' +
        'representation. With --mode alb: the desired ALB stack (load balancers, listeners, rules, target groups ' +
        'with their targets) of each IngressGroup of ALB-class Ingresses. Diagnostics are printed too, and with ' +
        'Gateway API objects the status the leader would write on them (gatewayApiStatus). Exits 1 when any ' +
        'diagnostic has severity error.',
    )
    .requiredOption('-f, --file <dir>', 'manifests folder to read (recursively: *.yaml, *.yml, *.json)')
    .option('--ir', 'print the intermediate representation instead of Envoy resources')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .option('--config <file>', 'controller config file (groups, ports and VM backends)')
    .option('--group <name>', 'print only this gateway group (with --mode alb: this IngressGroup)')
    .addOption(
      new Option(
        '--mode <mode>',
        'gateway: Ingresses of class causeway.dev/gateway; alb: the desired ALB stacks of Ingresses of class causeway.dev/alb',
      )
        .choices(['gateway', 'alb'])
        .default('gateway'),
    )
    .option(
      '--aws-facts <file>',
      'with --mode alb: YAML with vpcId, subnets and certificates (default: placeholders, see docs/alb.md)',
    )
    .option('--cluster-name <name>', 'with --mode alb: the cluster name in tags and AWS names', 'local')
    .option('--http-port <n>', 'gateways HTTP listener port (default 8080)', parsePortFlag)
    .option('--https-port <n>', 'gateways HTTPS listener port (default 8443)', parsePortFlag)
    .action(lazyAction(async () => (await import('./translate.action.js')).runTranslate));
};
