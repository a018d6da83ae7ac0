/**
 * The pure part of `causeway vm register|deregister`: which Service port the VMs serve, and what the
 * Service's one VM EndpointSlice (`<service>-causeway-vms`) becomes. The command (src/cli/vm.command.ts)
 * reads the current objects, asks these functions for a plan, and writes it with optimistic concurrency.
 *
 * The slice has one address family and one port (an EndpointSlice says every endpoint serves every port
 * of the slice): registering a VM with another family or port while the slice holds endpoints is refused.
 * Each endpoint is `{addresses: [ip], conditions: {ready, serving: true, terminating: false}, zone?,
 * nodeName?}`, sorted by address; registering an address again sets its zone and node name to the new
 * values (registration states the desired endpoint; the same command twice changes nothing).
 */
import type {
  DiscoveryV1EndpointPort,
  V1Endpoint,
  V1EndpointSlice,
  V1OwnerReference,
  V1Service,
} from '@kubernetes/client-node';
import { CausewayError } from '../errors.js';
import { SERVICE_NAME_LABEL } from '../resources/kube-types.js';
import { compareIps, parseIp, type IpFamily } from './ip-address.js';

export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
/**
 * The `managed-by` value of VM EndpointSlices (the CLI's and the config file's synthetic ones). A label
 * value cannot hold a '/', hence the domain form (like the EndpointSlice controller's
 * `endpointslice-controller.k8s.io`).
 */
export const VMS_MANAGED_BY = 'vms.causeway.dev';

/** The name of a Service's one VM EndpointSlice. */
export function vmSliceName(service: string): string {
  return `${service}-causeway-vms`;
}

export interface VmEndpoint {
  /** Canonical IP (see parseIp). */
  readonly address: string;
  readonly zone?: string;
  readonly nodeName?: string;
}

export interface SlicePort {
  /** The Service port's name; '' for the unnamed port of a one-port Service. */
  readonly name: string;
  readonly number: number;
}

function describePorts(svc: V1Service): string {
  const ports = svc.spec?.ports ?? [];
  if (ports.length === 0) return 'it has no ports';
  return `its ports: ${ports
    .map(
      (p) =>
        `${p.name ? `${p.name} ` : '(unnamed) '}${p.port}${p.targetPort !== undefined ? `->${p.targetPort}` : ''}`,
    )
    .join(', ')}`;
}

/**
 * The name of the Service port that VMs listening on `port` serve:
 * 1. `--port-name NAME`: the Service must have a port of that name;
 * 2. else the one Service port whose numeric `targetPort` is `port`;
 * 3. else the one Service port whose `port` is `port`;
 * 4. else, when the Service has exactly one port, that port.
 * Anything else (no port, or several matching at the first step that finds one) is an error naming the
 * Service's ports: pass `--port-name`.
 */
export function resolvePortName(svc: V1Service, port: number, portName?: string): string {
  const id = `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;
  const ports = svc.spec?.ports ?? [];
  if (portName !== undefined) {
    if (ports.some((p) => (p.name ?? '') === portName)) return portName;
    throw new CausewayError(
      'CW_E_USAGE',
      `Service ${id} has no port named "${portName}" (${describePorts(svc)})`,
    );
  }
  const steps = [
    ports.filter((p) => typeof p.targetPort === 'number' && p.targetPort === port),
    ports.filter((p) => p.port === port),
    ports.length === 1 ? ports : [],
  ];
  for (const matches of steps) {
    if (matches.length === 1) return matches[0]!.name ?? '';
    if (matches.length > 1)
      throw new CausewayError(
        'CW_E_USAGE',
        `several ports of Service ${id} match port ${port} (${describePorts(svc)}); pass --port-name`,
      );
  }
  throw new CausewayError(
    'CW_E_USAGE',
    `no port of Service ${id} matches port ${port} by targetPort or port (${describePorts(svc)}); pass --port-name`,
  );
}

/**
 * Refuses a Service whose EndpointSlices are not ours to write: ExternalName (no endpoints), and one
 * with a selector (the EndpointSlice controller manages its endpoints) unless `force`.
 */
export function checkServiceForVms(svc: V1Service, force: boolean): void {
  const id = `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;
  if (svc.spec?.type === 'ExternalName')
    throw new CausewayError('CW_E_USAGE', `Service ${id} is of type ExternalName: it has no endpoints`);
  const selector = svc.spec?.selector ?? {};
  if (Object.keys(selector).length > 0 && !force) {
    const text = Object.entries(selector)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    throw new CausewayError(
      'CW_E_USAGE',
      `Service ${id} has a selector (${text}): its EndpointSlices belong to the EndpointSlice controller. ` +
        'Register VMs on a Service without a selector, or pass --force to add a VM slice beside the pods anyway',
    );
  }
}

/** What a plan does to each address, for the command's report. */
export interface PlanSummary {
  readonly added: readonly string[];
  readonly updated: readonly string[];
  readonly unchanged: readonly string[];
  readonly removed: readonly string[];
  /** Deregister: addresses that were not registered. */
  readonly absent: readonly string[];
  /** Endpoints in the slice after the plan. */
  readonly remaining: number;
}

export type SlicePlan =
  | { readonly op: 'create'; readonly slice: V1EndpointSlice; readonly summary: PlanSummary }
  | { readonly op: 'replace'; readonly slice: V1EndpointSlice; readonly summary: PlanSummary }
  | {
      readonly op: 'delete';
      readonly resourceVersion: string;
      readonly uid?: string;
      readonly summary: PlanSummary;
    }
  | { readonly op: 'none'; readonly summary: PlanSummary };

export interface RegisterRequest {
  readonly namespace: string;
  readonly service: string;
  /** The Service's uid: the slice gets an ownerReference, so it is garbage-collected with the Service. */
  readonly serviceUid?: string;
  readonly family: IpFamily;
  readonly port: SlicePort;
  readonly endpoints: readonly VmEndpoint[];
}

const EMPTY_SUMMARY: PlanSummary = {
  added: [],
  updated: [],
  unchanged: [],
  removed: [],
  absent: [],
  remaining: 0,
};

function sliceId(namespace: string, service: string): string {
  return `${namespace}/${vmSliceName(service)}`;
}

/** Refuses a slice of that name that someone else manages. */
function checkOwnership(current: V1EndpointSlice, namespace: string, service: string): void {
  const labels = current.metadata?.labels ?? {};
  const managedBy = labels[MANAGED_BY_LABEL];
  if (managedBy !== VMS_MANAGED_BY || labels[SERVICE_NAME_LABEL] !== service) {
    throw new CausewayError(
      'CW_E_USAGE',
      `EndpointSlice ${sliceId(namespace, service)} exists but is not a VM slice of Service ${service} ` +
        `(${MANAGED_BY_LABEL}: ${managedBy ?? '(none)'}, ${SERVICE_NAME_LABEL}: ${labels[SERVICE_NAME_LABEL] ?? '(none)'}); ` +
        'refusing to change it',
    );
  }
}

function firstAddress(e: V1Endpoint): string {
  const a = e.addresses[0] ?? '';
  return parseIp(a)?.address ?? a;
}

function vmEndpoint(e: VmEndpoint): V1Endpoint {
  return {
    addresses: [e.address],
    conditions: { ready: true, serving: true, terminating: false },
    ...(e.zone !== undefined ? { zone: e.zone } : {}),
    ...(e.nodeName !== undefined ? { nodeName: e.nodeName } : {}),
  };
}

/** The fields of an endpoint that registration sets, for comparison. */
function endpointKey(e: V1Endpoint): string {
  return JSON.stringify([
    e.addresses,
    e.conditions?.ready ?? null,
    e.conditions?.serving ?? null,
    e.conditions?.terminating ?? null,
    e.zone ?? null,
    e.nodeName ?? null,
  ]);
}

function portsKey(ports: readonly DiscoveryV1EndpointPort[] | undefined): string {
  return JSON.stringify((ports ?? []).map((p) => [p.name ?? '', p.port ?? null, p.protocol ?? 'TCP']));
}

function slicePorts(port: SlicePort): DiscoveryV1EndpointPort[] {
  return [{ ...(port.name !== '' ? { name: port.name } : {}), port: port.number, protocol: 'TCP' }];
}

function describeSlicePorts(ports: readonly DiscoveryV1EndpointPort[] | undefined): string {
  return (ports ?? []).map((p) => `${p.name ? `"${p.name}"` : '(unnamed)'} ${p.port ?? '?'}`).join(', ');
}

function sortEndpoints(endpoints: V1Endpoint[]): V1Endpoint[] {
  return endpoints.sort((a, b) => compareIps(firstAddress(a), firstAddress(b)));
}

function ownerReferences(
  current: readonly V1OwnerReference[] | undefined,
  service: string,
  uid: string | undefined,
): V1OwnerReference[] | undefined {
  const others = (current ?? []).filter((r) => !(r.kind === 'Service' && r.apiVersion === 'v1'));
  const refs =
    uid !== undefined ? [...others, { apiVersion: 'v1', kind: 'Service', name: service, uid }] : others;
  return refs.length > 0 ? refs : undefined;
}

/** The plan of `vm register`: add (or update) the requested endpoints in the Service's VM slice. */
export function planRegister(current: V1EndpointSlice | undefined, req: RegisterRequest): SlicePlan {
  const id = sliceId(req.namespace, req.service);
  if (current) checkOwnership(current, req.namespace, req.service);
  const existing = current?.endpoints ?? [];
  const ports = slicePorts(req.port);
  if (current && existing.length > 0) {
    if (current.addressType !== req.family) {
      throw new CausewayError(
        'CW_E_USAGE',
        `EndpointSlice ${id} holds ${current.addressType} addresses; one slice holds one address family, ` +
          `so ${req.family} VMs cannot join it (deregister its VMs first)`,
      );
    }
    if (portsKey(current.ports) !== portsKey(ports)) {
      throw new CausewayError(
        'CW_E_USAGE',
        `EndpointSlice ${id} serves port ${describeSlicePorts(current.ports)}, not ${describeSlicePorts(ports)}: ` +
          "every VM of a Service's slice serves the same port (deregister its VMs first to change it)",
      );
    }
  }
  const byAddress = new Map(existing.map((e) => [firstAddress(e), e]));
  const added: string[] = [];
  const updated: string[] = [];
  const unchanged: string[] = [];
  for (const e of req.endpoints) {
    const desired = vmEndpoint(e);
    const before = byAddress.get(e.address);
    if (before === undefined) added.push(e.address);
    else if (endpointKey(before) === endpointKey(desired)) unchanged.push(e.address);
    else updated.push(e.address);
    byAddress.set(
      e.address,
      before !== undefined && endpointKey(before) === endpointKey(desired) ? before : desired,
    );
  }
  const endpoints = sortEndpoints([...byAddress.values()]);
  const labels = {
    ...(current?.metadata?.labels ?? {}),
    [SERVICE_NAME_LABEL]: req.service,
    [MANAGED_BY_LABEL]: VMS_MANAGED_BY,
  };
  const owners = ownerReferences(current?.metadata?.ownerReferences, req.service, req.serviceUid);
  const slice: V1EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      ...(current?.metadata ?? {}),
      name: vmSliceName(req.service),
      namespace: req.namespace,
      labels,
      ...(owners ? { ownerReferences: owners } : {}),
    },
    addressType: req.family,
    endpoints,
    ports,
  };
  const summary: PlanSummary = { ...EMPTY_SUMMARY, added, updated, unchanged, remaining: endpoints.length };
  if (current === undefined) return { op: 'create', slice, summary };
  const same =
    added.length === 0 &&
    updated.length === 0 &&
    current.addressType === req.family &&
    portsKey(current.ports) === portsKey(ports) &&
    JSON.stringify(current.metadata?.ownerReferences ?? null) === JSON.stringify(owners ?? null);
  return same ? { op: 'none', summary } : { op: 'replace', slice, summary };
}

/** The plan of `vm deregister`: remove the addresses; delete the slice when none is left. */
export function planDeregister(
  current: V1EndpointSlice | undefined,
  namespace: string,
  service: string,
  addresses: readonly string[],
): SlicePlan {
  if (current === undefined) return { op: 'none', summary: { ...EMPTY_SUMMARY, absent: [...addresses] } };
  checkOwnership(current, namespace, service);
  const wanted = new Set(addresses);
  const existing = current.endpoints ?? [];
  const present = new Set(existing.map(firstAddress));
  const removed = addresses.filter((a) => present.has(a));
  const absent = addresses.filter((a) => !present.has(a));
  const endpoints = existing.filter((e) => !wanted.has(firstAddress(e)));
  const summary: PlanSummary = { ...EMPTY_SUMMARY, removed, absent, remaining: endpoints.length };
  if (endpoints.length === 0) {
    const resourceVersion = current.metadata?.resourceVersion ?? '';
    const uid = current.metadata?.uid;
    return { op: 'delete', resourceVersion, ...(uid !== undefined ? { uid } : {}), summary };
  }
  if (removed.length === 0) return { op: 'none', summary };
  return { op: 'replace', slice: { ...current, endpoints }, summary };
}
