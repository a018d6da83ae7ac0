/**
 * What `causeway vm register|deregister` do (loaded when the command runs; the flags are in
 * vm.command.ts): read the Service, plan the VM EndpointSlice (src/vms/vm-slices.ts) and write it with
 * optimistic concurrency, then describe the outcome; `fail` reports errors with the command's exit status.
 */
import { CoreV1Api, DiscoveryV1Api, type V1EndpointSlice, type V1Service } from '@kubernetes/client-node';
import type { Command } from 'commander';
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
import {
  checkServiceForVms,
  planDeregister,
  planRegister,
  resolvePortName,
  vmSliceName,
  type PlanSummary,
  type SlicePlan,
} from '../vms/vm-slices.js';
import type { ParsedIp } from '../vms/ip-address.js';

export interface ServiceRef {
  readonly namespace: string;
  readonly name: string;
}

export interface CommonFlags {
  readonly service: ServiceRef;
  readonly address: readonly ParsedIp[];
  readonly kubeconfig?: string;
  readonly context?: string;
}

export interface RegisterFlags extends CommonFlags {
  readonly port: number;
  readonly portName?: string;
  readonly zone?: string;
  readonly nodeName?: string;
  readonly force?: boolean;
}

/** Each apiserver request is abandoned after this long (and retried when the failure is transient). */
const REQUEST_TIMEOUT_MS = 10_000;
/** Read-plan-write rounds before giving up on 409 Conflicts. */
const MAX_ROUNDS = 10;

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
export function fail(cmd: Command, err: unknown): never {
  if (err instanceof CausewayError)
    cmd.error(`causeway: ${err.message}`, { exitCode: 2, code: 'causeway.refused' });
  // Not a usage problem: no "run with --help" hint.
  cmd.showHelpAfterError(false);
  const message = err instanceof ApiCallError ? err.message : ((err as Error)?.stack ?? String(err));
  cmd.error(`causeway: ${message}`, { exitCode: 1, code: 'causeway.failed' });
}
