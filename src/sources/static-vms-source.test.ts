import type { VmBackendConfig } from '../config/controller-config.js';
import { diagnostic } from '../errors.js';
import type { EndpointSlice, KubeObject, Service } from '../resources/kube-types.js';
import { buildResourceSet, type Sourced } from '../resources/resource-set.js';
import { selectEndpoints } from '../ingress/endpoints.js';
import type { ResourceSource, SourceUpdate } from './source-update.js';
import { StaticVmsSource, vmConfigSlices } from './static-vms-source.js';

const API: VmBackendConfig = {
  namespace: 'shop',
  service: 'api',
  portName: 'http',
  addresses: ['192.0.2.11', '192.0.2.10', '2001:db8::10'],
  targetPort: 8080,
  zone: 'dc1',
  cluster: 'vm-dc1',
};
const WEB: VmBackendConfig = {
  namespace: 'shop',
  service: 'web',
  portName: '',
  addresses: ['198.51.100.7'],
  targetPort: 80,
  cluster: 'vms',
};

function service(name: string, ports: NonNullable<Service['spec']>['ports']): Sourced<Service> {
  return {
    object: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'shop' },
      spec: { ports, selector: { app: name } },
    },
    origin: { cluster: 'east' },
  };
}

const podSlice: Sourced<EndpointSlice> = {
  object: {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'api-abc', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'api' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.244.1.10'], zone: 'us-east-1a' }],
    ports: [{ name: 'http', port: 8080 }],
  },
  origin: { cluster: 'east' },
};

function update(
  objects: readonly Sourced<KubeObject>[],
  changed: SourceUpdate['changed'],
  diagnostics: SourceUpdate['diagnostics'] = [],
): SourceUpdate {
  return { resources: buildResourceSet(objects), diagnostics, changed };
}

/** A source whose load() answers `first` and whose watch() hands out an emit function. */
class FakeSource implements ResourceSource {
  emit: (u: SourceUpdate) => void = () => undefined;
  closed = false;
  constructor(private readonly first: SourceUpdate) {}
  async load(): Promise<SourceUpdate> {
    return this.first;
  }
  async watch(onUpdate: (u: SourceUpdate) => void): Promise<void> {
    this.emit = onUpdate;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

test('each entry becomes one EndpointSlice per address family, in its own cluster', () => {
  const slices = vmConfigSlices([API, WEB]);
  expect(slices.map((s) => [s.origin, s.object.metadata.name, s.object.addressType])).toEqual([
    [{ cluster: 'vm-dc1' }, 'api-causeway-vms-0-ipv4', 'IPv4'],
    [{ cluster: 'vm-dc1' }, 'api-causeway-vms-0-ipv6', 'IPv6'],
    [{ cluster: 'vms' }, 'web-causeway-vms-1-ipv4', 'IPv4'],
  ]);
  expect(slices[0]!.object).toEqual({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: 'api-causeway-vms-0-ipv4',
      namespace: 'shop',
      labels: {
        'kubernetes.io/service-name': 'api',
        'endpointslice.kubernetes.io/managed-by': 'vms.causeway.dev',
      },
    },
    addressType: 'IPv4',
    endpoints: [
      {
        addresses: ['192.0.2.11'],
        conditions: { ready: true, serving: true, terminating: false },
        zone: 'dc1',
      },
      {
        addresses: ['192.0.2.10'],
        conditions: { ready: true, serving: true, terminating: false },
        zone: 'dc1',
      },
    ],
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  });
  // An unnamed Service port: the slice port has no name either.
  expect(slices[2]!.object.ports).toEqual([{ port: 80, protocol: 'TCP' }]);
});

test('the first update adds the VM slices as upserts; they merge with the pods in their own locality', async () => {
  const inner = new FakeSource(
    update(
      [service('api', [{ name: 'http', port: 80, targetPort: 8080 }]), podSlice],
      [
        { kind: 'EndpointSlice', key: 'shop/api-abc', op: 'upsert' },
        { kind: 'Service', key: 'shop/api', op: 'upsert' },
      ],
    ),
  );
  const src = new StaticVmsSource({ source: inner, vms: [API] });
  const first = await src.load();
  expect(first.changed).toEqual([
    { kind: 'EndpointSlice', key: 'shop/api-abc', op: 'upsert' },
    { kind: 'EndpointSlice', key: 'shop/api-causeway-vms-0-ipv4', op: 'upsert' },
    { kind: 'EndpointSlice', key: 'shop/api-causeway-vms-0-ipv6', op: 'upsert' },
    { kind: 'Service', key: 'shop/api', op: 'upsert' },
  ]);
  expect(first.diagnostics).toEqual([]);
  expect(
    first.resources.endpointSlices
      .get('shop/api')
      ?.map((s) => `${s.origin.cluster}/${s.object.metadata.name}`),
  ).toEqual(['east/api-abc', 'vm-dc1/api-causeway-vms-0-ipv4', 'vm-dc1/api-causeway-vms-0-ipv6']);
  const sel = selectEndpoints(
    first.resources,
    { namespace: 'shop', name: 'api', port: 80, portName: 'http' },
    { homeCluster: 'east', crossCluster: 'failover' },
  );
  expect(sel.localities).toEqual([
    {
      cluster: 'east',
      zone: 'us-east-1a',
      priority: 0,
      endpoints: [{ address: '10.244.1.10', port: 8080, state: 'ready' }],
    },
    {
      cluster: 'vm-dc1',
      zone: 'dc1',
      priority: 1,
      endpoints: [
        { address: '192.0.2.10', port: 8080, state: 'ready' },
        { address: '192.0.2.11', port: 8080, state: 'ready' },
        { address: '2001:db8::10', port: 8080, state: 'ready' },
      ],
    },
  ]);
});

test('later updates keep the VM slices and pass the changes through', async () => {
  const inner = new FakeSource(update([service('api', [{ name: 'http', port: 80 }]), podSlice], []));
  const src = new StaticVmsSource({ source: inner, vms: [API] });
  await src.load();
  const seen: SourceUpdate[] = [];
  await src.watch((u) => seen.push(u));
  inner.emit(
    update(
      [service('api', [{ name: 'http', port: 80 }])],
      [{ kind: 'EndpointSlice', key: 'shop/api-abc', op: 'delete' }],
    ),
  );
  expect(seen).toHaveLength(1);
  expect(seen[0]!.changed).toEqual([{ kind: 'EndpointSlice', key: 'shop/api-abc', op: 'delete' }]);
  expect(seen[0]!.resources.endpointSlices.get('shop/api')?.map((s) => s.object.metadata.name)).toEqual([
    'api-causeway-vms-0-ipv4',
    'api-causeway-vms-0-ipv6',
  ]);
  await src.close();
  expect(inner.closed).toBe(true);
});

test('without a load(), the first watched update lists the VM slices', async () => {
  const inner = new FakeSource(update([], []));
  const src = new StaticVmsSource({ source: inner, vms: [WEB] });
  const seen: SourceUpdate[] = [];
  await src.watch((u) => seen.push(u));
  inner.emit(update([], []));
  inner.emit(update([], []));
  expect(seen.map((u) => u.changed.length)).toEqual([1, 0]);
});

test('an entry whose Service or port is missing is a diagnostic, kept in order with the source ones, until it appears', async () => {
  const sourceProblem = diagnostic(
    'CW_E_MANIFEST_YAML',
    { kind: 'Manifest', name: 'a.yaml', file: 'a.yaml' },
    'bad',
  );
  const inner = new FakeSource(update([service('web', [{ name: 'http', port: 80 }])], [], [sourceProblem]));
  const src = new StaticVmsSource({ source: inner, vms: [API, WEB], configFile: 'causeway.yaml' });
  const first = await src.load();
  expect(first.diagnostics).toEqual([
    sourceProblem,
    {
      code: 'CW_E_VM_SERVICE_NOT_FOUND',
      severity: 'warning',
      object: { kind: 'Service', namespace: 'shop', name: 'api' },
      message:
        'VM backend vms[0] of causeway.yaml (192.0.2.11, 192.0.2.10, 2001:db8::10): Service shop/api does not exist; the VMs are unused',
    },
    {
      code: 'CW_E_VM_SERVICE_NOT_FOUND',
      severity: 'warning',
      object: { kind: 'Service', namespace: 'shop', name: 'web' },
      message:
        'VM backend vms[1] of causeway.yaml (198.51.100.7): Service shop/web has no unnamed port (ports: http); the VMs are unused',
    },
  ]);
  const seen: SourceUpdate[] = [];
  await src.watch((u) => seen.push(u));
  inner.emit(
    update(
      [service('api', [{ name: 'http', port: 80 }]), service('web', [{ port: 80 }])],
      [{ kind: 'Service', key: 'shop/api', op: 'upsert' }],
    ),
  );
  expect(seen[0]!.diagnostics).toEqual([]);
});
