/**
 * `causeway vm register|deregister`: plain VMs as endpoints of a Kubernetes Service. Each Service gets ONE
 * EndpointSlice, `<service>-causeway-vms`, labelled `kubernetes.io/service-name: <service>` and
 * `endpointslice.kubernetes.io/managed-by: vms.causeway.dev`, which the controller (and kube-proxy, and
 * any other consumer) merges with the Service's other slices. `register` creates it or adds/updates
 * endpoints; `deregister` removes them and deletes the slice when none is left. Both are idempotent and
 * write with optimistic concurrency (a 409 re-reads and re-plans). The plans are in src/vms/vm-slices.ts.
 * This file declares the flags; vm.action.ts, loaded when the command runs, talks to the apiserver.
 *
 * Exit status: 0 done (or nothing to do); 2 the request is refused (unreadable kubeconfig, missing
 * Service, a Service with a selector without --force, no matching port, a port or address family that
 * differs from the slice's, a slice of that name managed by someone else); 1 a malformed or missing flag
 * (reported by the flag parser), or the apiserver failed (unreachable, forbidden, conflicts that never
 * settled).
 */
import { InvalidArgumentError, type Command } from 'commander';
import { endpointAddressProblem, parseIp, type ParsedIp } from '../vms/ip-address.js';
import { parsePortFlag } from './cli-errors.js';
import type { RegisterCommand } from './command-module.js';
import type * as VmActionsModule from './vm.action.js';
import type { CommonFlags, ServiceRef } from './vm.action.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const SERVICE_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const ZONE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function parseServiceFlag(value: string): ServiceRef {
  const m = /^([^/]+)\/([^/]+)$/.exec(value);
  if (!m || !DNS_LABEL.test(m[1]!) || !SERVICE_NAME.test(m[2]!))
    throw new InvalidArgumentError(`"${value}" is not NAMESPACE/NAME of a Service (e.g. shop/api).`);
  return { namespace: m[1]!, name: m[2]! };
}

/**
 * `--address IP[,IP...]` (repeatable): every address must be an IP an EndpointSlice may hold (no
 * loopback, link-local, unspecified, multicast or IPv4-mapped IPv6 address: the apiserver refuses the
 * first three); IPv6 is canonicalized; duplicates are dropped.
 */
export function parseAddressFlag(value: string, previous: readonly ParsedIp[] | undefined): ParsedIp[] {
  const out = [...(previous ?? [])];
  for (const raw of value.split(',').map((s) => s.trim())) {
    const ip = parseIp(raw);
    if (ip === undefined) throw new InvalidArgumentError(`"${raw}" is not an IP address.`);
    const problem = endpointAddressProblem(ip);
    if (problem !== undefined) {
      throw new InvalidArgumentError(
        `${raw} ${problem}; an EndpointSlice cannot hold loopback, link-local, unspecified or multicast addresses ` +
          '(the apiserver refuses them): give the address other machines reach the VM at.',
      );
    }
    if (!out.some((o) => o.address === ip.address)) out.push(ip);
  }
  return out;
}

function validated(re: RegExp, what: string): (value: string) => string {
  return (value: string) => {
    if (!re.test(value)) throw new InvalidArgumentError(`"${value}" is not ${what}.`);
    return value;
  };
}

function targetOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--service <namespace/name>', 'the Service the VMs back, e.g. shop/api', parseServiceFlag)
    .requiredOption(
      '--address <ip[,ip...]>',
      'IP address(es) of the VMs (comma-separated, repeatable); not loopback, link-local, unspecified or multicast',
      parseAddressFlag,
    );
}

function clusterOptions(cmd: Command): Command {
  return cmd
    .option(
      '--kubeconfig <file>',
      'kubeconfig of the cluster (default: $KUBECONFIG, ~/.kube/config, in-cluster)',
    )
    .option('--context <name>', 'kubeconfig context to use (default: the current context)');
}

type VmActions = typeof VmActionsModule;

/** The command's action: loads vm.action.ts, runs `pick`'s function and prints its text (or fails). */
function run<F extends CommonFlags>(
  pick: (actions: VmActions) => (flags: F) => Promise<string>,
): (this: Command) => Promise<void> {
  return async function (this: Command) {
    const actions = await import('./vm.action.js');
    let text: string;
    try {
      text = await pick(actions)(this.opts<F>());
    } catch (err) {
      return actions.fail(this, err);
    }
    const writeOut = this.configureOutput().writeOut ?? ((s: string) => process.stdout.write(s));
    writeOut(text);
  };
}

function registerCommand(vm: Command): Command {
  const cmd = targetOptions(
    vm
      .command('register')
      .summary("add VMs to a Service's VM EndpointSlice")
      .description(
        `Add plain VMs as endpoints of a Service: creates or updates its EndpointSlice <service>-causeway-vms ` +
          '(labels kubernetes.io/service-name and endpointslice.kubernetes.io/managed-by: vms.causeway.dev), with ' +
          'the endpoints ready. Idempotent: registering an address again sets its zone and node name and changes ' +
          'nothing else. The Service must exist and have no selector (its slices would belong to the EndpointSlice ' +
          'controller) unless --force. All VMs of a Service share one port and one address family.\n\n' +
          'The port name (the Service port the VMs serve) is --port-name if given, else the one Service port whose ' +
          'numeric targetPort is --port, else the one whose port is --port, else the only port of a one-port Service.',
      ),
  )
    .requiredOption('--port <n>', 'the port the VMs listen on (the slice port)', parsePortFlag)
    .option(
      '--port-name <name>',
      'name of the Service port the VMs serve (default: matched from --port, see above)',
      validated(DNS_LABEL, 'a port name (a DNS label)'),
    )
    .option(
      '--zone <zone>',
      'zone of these VMs (their locality zone, e.g. dc1)',
      validated(ZONE, 'a zone name (a label value)'),
    )
    .option(
      '--node-name <name>',
      'node name recorded on the endpoints (e.g. the VM host name)',
      validated(DNS_SUBDOMAIN, 'a node name (a DNS subdomain)'),
    )
    .option('--force', 'register even though the Service has a selector (its pods stay; the VMs join them)');
  return clusterOptions(cmd).action(run((a) => a.vmRegister));
}

function deregisterCommand(vm: Command): Command {
  return clusterOptions(
    targetOptions(
      vm
        .command('deregister')
        .summary("remove VMs from a Service's VM EndpointSlice")
        .description(
          'Remove VMs from the EndpointSlice <service>-causeway-vms of a Service; the slice is deleted when no ' +
            'endpoint is left. Idempotent: an address that is not registered (or a missing slice) is reported and ' +
            'exits 0. The Service need not exist any more.',
        ),
    ),
  ).action(run((a) => a.vmDeregister));
}

/** Registers `causeway vm register` and `causeway vm deregister`. */
export const registerVmCommand: RegisterCommand = (program) => {
  const vm =
    program.commands.find((c) => c.name() === 'vm') ??
    program
      .command('vm')
      .description(
        'Services that run on plain VMs: maintain the VM EndpointSlice of a selector-less Service, which merges ' +
          'with its pods (docs/kubernetes.md, "VM backends")',
      );
  registerCommand(vm);
  deregisterCommand(vm);
};
