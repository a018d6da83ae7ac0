/**
 * VM backends from the config file (`vms:`) as a source wrapper: each entry becomes synthetic
 * EndpointSlices of its Service (one per entry and address family, labelled like the slices
 * `causeway vm register` writes), in the entry's own locality cluster, added to every update of the
 * wrapped source. They merge with the Service's pods exactly as another cluster's slices do.
 *
 * The slices never change: the first update lists them as upserts, later updates pass the wrapped
 * source's changes through. Adding them to an update copies only the VMs' Services and slice keys of the
 * wrapped source's persistent maps (O(VM slices), not O(objects)). An entry whose Service (or Service port) does not exist is a diagnostic,
 * recomputed on every update, never an error.
 */
import type { VmBackendConfig } from '../config/controller-config.js';
import { compareDiagnostics, diagnostic, type Diagnostic } from '../errors.js';
import { SERVICE_NAME_LABEL, type EndpointSlice } from '../resources/kube-types.js';
import { compareStrings, withMapChanges } from '../resources/persistent-map.js';
import { DEFAULT_NAMESPACE, objectKey, type ResourceSet, type Sourced } from '../resources/resource-set.js';
import { parseIp, type IpFamily } from '../vms/ip-address.js';
import { MANAGED_BY_LABEL, VMS_MANAGED_BY } from '../vms/vm-slices.js';
import {
  compareChanges,
  type ResourceChange,
  type ResourceSource,
  type SourceUpdate,
} from './source-update.js';

function sliceName(vm: VmBackendConfig, index: number, family: IpFamily): string {
  return `${vm.service}-causeway-vms-${index}-${family.toLowerCase()}`;
}

/** The synthetic EndpointSlices of `vms`, each with origin `{cluster: <the entry's cluster>}`. */
export function vmConfigSlices(vms: readonly VmBackendConfig[]): Sourced<EndpointSlice>[] {
  const out: Sourced<EndpointSlice>[] = [];
  vms.forEach((vm, index) => {
    for (const family of ['IPv4', 'IPv6'] as const) {
      const addresses = vm.addresses.filter((a) => parseIp(a)?.family === family);
      if (addresses.length === 0) continue;
      out.push({
        object: {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: {
            name: sliceName(vm, index, family),
            namespace: vm.namespace,
            labels: { [SERVICE_NAME_LABEL]: vm.service, [MANAGED_BY_LABEL]: VMS_MANAGED_BY },
          },
          addressType: family,
          endpoints: addresses.map((address) => ({
            addresses: [address],
            conditions: { ready: true, serving: true, terminating: false },
            ...(vm.zone !== undefined ? { zone: vm.zone } : {}),
          })),
          ports: [
            { ...(vm.portName !== '' ? { name: vm.portName } : {}), port: vm.targetPort, protocol: 'TCP' },
          ],
        },
        origin: { cluster: vm.cluster },
      });
    }
  });
  return out;
}

function sliceId(s: Sourced<EndpointSlice>): string {
  return `${s.origin.cluster}|${objectKey(s.object)}`;
}

function byId(a: Sourced<EndpointSlice>, b: Sourced<EndpointSlice>): number {
  return compareStrings(sliceId(a), sliceId(b));
}

function serviceOf(s: Sourced<EndpointSlice>): string {
  return `${s.object.metadata.namespace ?? DEFAULT_NAMESPACE}/${s.object.metadata.labels?.[SERVICE_NAME_LABEL] ?? ''}`;
}

function groupBy<T>(items: readonly T[], keyOf: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) out.set(keyOf(t), [...(out.get(keyOf(t)) ?? []), t]);
  return out;
}

/**
 * The owners of a slice key once `added` join (replacing a slice of the same cluster and name): the
 * Services of every slice of that key in the order of their `cluster|namespace/name`, as buildResourceSet
 * gives them.
 */
function ownersWith(resources: ResourceSet, key: string, added: readonly Sourced<EndpointSlice>[]): string[] {
  const ids = new Set(added.map(sliceId));
  const slices = [...added];
  for (const svc of resources.serviceOfSlice.get(key) ?? []) {
    for (const s of resources.endpointSlices.get(svc) ?? [])
      if (objectKey(s.object) === key && !ids.has(sliceId(s))) slices.push(s);
  }
  const owners: string[] = [];
  for (const s of slices.sort(byId)) if (!owners.includes(serviceOf(s))) owners.push(serviceOf(s));
  return owners;
}

/**
 * `resources` with `slices` added to their Services (a slice of the same cluster and name is replaced)
 * and to `serviceOfSlice`. O(slices) when the maps are persistent (the Kubernetes sources'): only the
 * VMs' Services and slice keys are copied, never the whole map.
 */
export function withSlices(resources: ResourceSet, slices: readonly Sourced<EndpointSlice>[]): ResourceSet {
  if (slices.length === 0) return resources;
  const services = [...groupBy(slices, serviceOf)].map(([svc, added]) => {
    const ids = new Set(added.map(sliceId));
    const kept = (resources.endpointSlices.get(svc) ?? []).filter((s) => !ids.has(sliceId(s)));
    return [svc, [...kept, ...added].sort(byId)] as const;
  });
  const keys = [...groupBy(slices, (s) => objectKey(s.object))].map(
    ([key, added]) => [key, ownersWith(resources, key, added)] as const,
  );
  return {
    ...resources,
    endpointSlices: withMapChanges(resources.endpointSlices, services),
    serviceOfSlice: withMapChanges(resources.serviceOfSlice, keys),
  };
}

/** One diagnostic per entry whose Service, or Service port, is missing from `resources`. */
export function vmDiagnostics(
  vms: readonly VmBackendConfig[],
  resources: ResourceSet,
  configFile?: string,
): Diagnostic[] {
  const where = configFile !== undefined ? ` of ${configFile}` : '';
  const out: Diagnostic[] = [];
  vms.forEach((vm, i) => {
    const ref = { kind: 'Service', namespace: vm.namespace, name: vm.service };
    const id = `${vm.namespace}/${vm.service}`;
    const what = `VM backend vms[${i}]${where} (${vm.addresses.join(', ')})`;
    const svc = resources.services.get(id)?.object;
    if (svc === undefined) {
      out.push(
        diagnostic(
          'CW_E_VM_SERVICE_NOT_FOUND',
          ref,
          `${what}: Service ${id} does not exist; the VMs are unused`,
        ),
      );
    } else if (!(svc.spec?.ports ?? []).some((p) => (p.name ?? '') === vm.portName)) {
      const names = (svc.spec?.ports ?? []).map((p) => (p.name ? p.name : '(unnamed)')).join(', ');
      out.push(
        diagnostic(
          'CW_E_VM_SERVICE_NOT_FOUND',
          ref,
          `${what}: Service ${id} has no ${vm.portName === '' ? 'unnamed port' : `port named "${vm.portName}"`} ` +
            `(ports: ${names || 'none'}); the VMs are unused`,
        ),
      );
    }
  });
  return out;
}

/**
 * Adds the VM slices and diagnostics to one update. `first`: also list every VM slice as an upsert
 * (the first update a consumer sees lists every object).
 */
export function addVms(
  update: SourceUpdate,
  vms: readonly VmBackendConfig[],
  slices: readonly Sourced<EndpointSlice>[],
  first: boolean,
  configFile?: string,
): SourceUpdate {
  const resources = withSlices(update.resources, slices);
  const extra = vmDiagnostics(vms, resources, configFile);
  const diagnostics =
    extra.length > 0 ? [...update.diagnostics, ...extra].sort(compareDiagnostics) : update.diagnostics;
  let changed = update.changed;
  if (first && slices.length > 0) {
    const ids = new Set(changed.map((c) => `${c.kind}|${c.key}|${c.op}`));
    const upserts: ResourceChange[] = slices
      .map((s) => ({
        kind: 'EndpointSlice' as const,
        key: `${s.object.metadata.namespace ?? 'default'}/${s.object.metadata.name}`,
        op: 'upsert' as const,
      }))
      .filter((c) => !ids.has(`${c.kind}|${c.key}|${c.op}`));
    changed = [...changed, ...upserts].sort(compareChanges);
  }
  return { resources, diagnostics, changed };
}

export interface StaticVmsSourceOptions {
  readonly source: ResourceSource;
  readonly vms: readonly VmBackendConfig[];
  /** Named in diagnostics (the config file's path). */
  readonly configFile?: string;
}

/** Wraps a source and adds the config file's VM backends to each of its updates. */
export class StaticVmsSource implements ResourceSource {
  private readonly slices: readonly Sourced<EndpointSlice>[];
  private first = true;

  constructor(private readonly o: StaticVmsSourceOptions) {
    this.slices = vmConfigSlices(o.vms);
  }

  async load(): Promise<SourceUpdate> {
    return this.augment(await this.o.source.load());
  }

  watch(onUpdate: (update: SourceUpdate) => void): Promise<void> {
    return this.o.source.watch((u) => onUpdate(this.augment(u)));
  }

  close(): Promise<void> {
    return this.o.source.close();
  }

  private augment(u: SourceUpdate): SourceUpdate {
    const first = this.first;
    this.first = false;
    return addVms(u, this.o.vms, this.slices, first, this.o.configFile);
  }
}
