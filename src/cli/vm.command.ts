/**
 * `causeway vm register|deregister`: plain VMs as endpoints of a Kubernetes Service. Each Service gets ONE
 * EndpointSlice, `<service>-causeway-vms`, labelled `kubernetes.io/service-name: <service>` and
 * `endpointslice.kubernetes.io/managed-by: vms.causeway.dev`, which the controller (and kube-proxy, and
 * any other consumer) merges with the Service's other slices. `register` creates it or adds/updates
 * endpoints; `deregister` removes them and deletes the slice when none is left. Both are idempotent and
 * write with optimistic concurrency (a 409 re-reads and re-plans). The plans are in src/vms/vm-slices.ts.
 *
 * Exit status: 0 done (or nothing to do); 2 the request is refused (unreadable kubeconfig, missing
 * Service, a Service with a selector without --force, no matching port, a port or address family that
 * differs from the slice's, a slice of that name managed by someone else); 1 a malformed or missing flag
 * (reported by the flag parser), or the apiserver failed (unreachable, forbidden, conflicts that never
 * settled).
 */
import { CoreV1Api, DiscoveryV1Api, type V1EndpointSlice, type V1Service } from '@kubernetes/client-node';
import { InvalidArgumentError, type Command } from 'commander';
import { CausewayError } from '../errors.js';
import {
  describeCallError,
  requestOptions,
  retryDelay,
  sleep,
  withRetry,
} from '../kubernetes/client/kube-api-call.js';
import { httpStatusOf } from '../kubernetes/client/http-status.js';
import { loadKubeConfig } from '../kubernetes/watch/index.js';
import { endpointAddressProblem, parseIp, type ParsedIp } from '../vms/ip-address.js';
import {
  checkServiceForVms,
  planDeregister,
  planRegister,
  resolvePortName,
  vmSliceName,
  type PlanSummary,
  type SlicePlan,
} from '../vms/vm-slices.js';
import { parsePortFlag } from './cli-errors.js';
import type { RegisterCommand } from './command-module.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const SERVICE_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const ZONE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Each apiserver request is abandoned after this long (and retried when the failure is transient). */
const REQUEST_TIMEOUT_MS = 10_000;
/** Read-plan-write rounds before giving up on 409 Conflicts. */
const MAX_ROUNDS = 10;

export interface ServiceRef {
  readonly namespace: string;
  readonly name: string;
}

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

interface CommonFlags {
  readonly service: ServiceRef;
  readonly address: readonly ParsedIp[];
  readonly kubeconfig?: string;
  readonly context?: string;
}

interface RegisterFlags extends CommonFlags {
  readonly port: number;
  readonly portName?: string;
  readonly zone?: string;
  readonly nodeName?: string;
  readonly force?: boolean;
}

/** A failed apiserver call, described for the user (exit status 1). */
class ApiCallError extends Error {
  constructor(what: string, err: unknown) {
    const status = httpStatusOf(err);
    const hint =
      status === 403
        ? ' (the user needs get on services and get, create, update, delete on endpointslices.discovery.k8s.io)'
        : '';
    super(`${what}: ${describeCallError(err)}${hint}`);
    this.name = 'ApiCallError';
  }
}

async function readService(core: CoreV1Api, ref: ServiceRef): Promise<V1Service> {
  try {
    return await withRetry(() => core.readNamespacedService(ref, requestOptions(REQUEST_TIMEOUT_MS)));
  } catch (err) {
    if (httpStatusOf(err) === 404)
      throw new CausewayError('CW_E_USAGE', `Service ${ref.namespace}/${ref.name} does not exist`);
    throw new ApiCallError(`cannot read Service ${ref.namespace}/${ref.name}`, err);
  }
}

export interface SliceOutcome {
  readonly op: SlicePlan['op'];
  readonly summary: PlanSummary;
  /** 409 Conflicts met (and resolved by re-reading). */
  readonly conflicts: number;
}

/**
 * Read, plan, write, until a write succeeds or the plan says there is nothing to do. A 409 (someone
 * changed or created the slice since it was read) or a 404 on delete starts a new round.
 */
export async function applySlicePlan(
  disco: DiscoveryV1Api,
  namespace: string,
  name: string,
  plan: (current: V1EndpointSlice | undefined) => SlicePlan,
): Promise<SliceOutcome> {
  const id = `EndpointSlice ${namespace}/${name}`;
  const opts = (): ReturnType<typeof requestOptions> => requestOptions(REQUEST_TIMEOUT_MS);
  let conflicts = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let current: V1EndpointSlice | undefined;
    try {
      current = await withRetry(() => disco.readNamespacedEndpointSlice({ name, namespace }, opts()));
    } catch (err) {
      if (httpStatusOf(err) !== 404) throw new ApiCallError(`cannot read ${id}`, err);
    }
    const p = plan(current);
    try {
      switch (p.op) {
        case 'none':
          return { op: p.op, summary: p.summary, conflicts };
        case 'create':
          await withRetry(() => disco.createNamespacedEndpointSlice({ namespace, body: p.slice }, opts()));
          break;
        case 'replace':
          await withRetry(() =>
            disco.replaceNamespacedEndpointSlice({ name, namespace, body: p.slice }, opts()),
          );
          break;
        case 'delete':
          await withRetry(() =>
            disco.deleteNamespacedEndpointSlice(
              {
                name,
                namespace,
                body: {
                  preconditions: {
                    resourceVersion: p.resourceVersion,
                    ...(p.uid !== undefined ? { uid: p.uid } : {}),
                  },
                },
              },
              opts(),
            ),
          );
          break;
      }
      return { op: p.op, summary: p.summary, conflicts };
    } catch (err) {
      const status = httpStatusOf(err);
      if (status === 409 || (p.op === 'delete' && status === 404)) {
        conflicts++;
        await sleep(retryDelay(round, { initialMs: 50, maxMs: 1000 }));
        continue;
      }
      throw new ApiCallError(`cannot ${p.op} ${id}`, err);
    }
  }
  throw new ApiCallError(
    `cannot update ${id}`,
    new Error(`it kept changing under us (${MAX_ROUNDS} conflicts in a row); try again`),
  );
}

function clients(flags: CommonFlags): { core: CoreV1Api; disco: DiscoveryV1Api } {
  const kc = loadKubeConfig(flags.kubeconfig, flags.context);
  return { core: kc.makeApiClient(CoreV1Api), disco: kc.makeApiClient(DiscoveryV1Api) };
}

/** One line for the user, e.g. `EndpointSlice shop/api-causeway-vms: added 192.0.2.10; 2 endpoints`. */
export function describeOutcome(namespace: string, service: string, o: SliceOutcome): string {
  const s = o.summary;
  const parts = [
    s.added.length > 0 ? `added ${s.added.join(', ')}` : '',
    s.updated.length > 0 ? `updated ${s.updated.join(', ')}` : '',
    s.unchanged.length > 0 ? `already registered ${s.unchanged.join(', ')}` : '',
    s.removed.length > 0 ? `removed ${s.removed.join(', ')}` : '',
    s.absent.length > 0 ? `not registered ${s.absent.join(', ')}` : '',
  ].filter((p) => p !== '');
  const after =
    o.op === 'delete'
      ? 'no endpoint left: slice deleted'
      : o.op === 'none' && s.remaining === 0
        ? 'no slice'
        : `${s.remaining} endpoint${s.remaining === 1 ? '' : 's'}${o.op === 'none' ? ', unchanged' : ''}`;
  return `EndpointSlice ${namespace}/${vmSliceName(service)}: ${parts.join('; ')}; ${after}\n`;
}

export async function vmRegister(flags: RegisterFlags): Promise<string> {
  const families = new Set(flags.address.map((a) => a.family));
  if (families.size > 1)
    throw new CausewayError(
      'CW_E_USAGE',
      '--address mixes IPv4 and IPv6: a Service has one VM slice of one address family; register one family',
    );
  const { core, disco } = clients(flags);
  const svc = await readService(core, flags.service);
  checkServiceForVms(svc, flags.force === true);
  const portName = resolvePortName(svc, flags.port, flags.portName);
  const uid = svc.metadata?.uid;
  const outcome = await applySlicePlan(
    disco,
    flags.service.namespace,
    vmSliceName(flags.service.name),
    (current) =>
      planRegister(current, {
        namespace: flags.service.namespace,
        service: flags.service.name,
        ...(uid !== undefined ? { serviceUid: uid } : {}),
        family: flags.address[0]!.family,
        port: { name: portName, number: flags.port },
        endpoints: flags.address.map((a) => ({
          address: a.address,
          ...(flags.zone !== undefined ? { zone: flags.zone } : {}),
          ...(flags.nodeName !== undefined ? { nodeName: flags.nodeName } : {}),
        })),
      }),
  );
  return describeOutcome(flags.service.namespace, flags.service.name, outcome);
}

export async function vmDeregister(flags: CommonFlags): Promise<string> {
  const { disco } = clients(flags);
  const addresses = flags.address.map((a) => a.address);
  const outcome = await applySlicePlan(
    disco,
    flags.service.namespace,
    vmSliceName(flags.service.name),
    (current) => planDeregister(current, flags.service.namespace, flags.service.name, addresses),
  );
  return describeOutcome(flags.service.namespace, flags.service.name, outcome);
}

/** Reports a failure through commander: exit 2 for a refused request, 1 for anything else. */
function fail(cmd: Command, err: unknown): never {
  if (err instanceof CausewayError)
    cmd.error(`causeway: ${err.message}`, { exitCode: 2, code: 'causeway.refused' });
  // Not a usage problem: no "run with --help" hint.
  cmd.showHelpAfterError(false);
  const message = err instanceof ApiCallError ? err.message : ((err as Error)?.stack ?? String(err));
  cmd.error(`causeway: ${message}`, { exitCode: 1, code: 'causeway.failed' });
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

function run<F extends CommonFlags>(action: (flags: F) => Promise<string>): (this: Command) => Promise<void> {
  return async function (this: Command) {
    let text: string;
    try {
      text = await action(this.opts<F>());
    } catch (err) {
      fail(this, err);
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
  return clusterOptions(cmd).action(run(vmRegister));
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
  ).action(run(vmDeregister));
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
