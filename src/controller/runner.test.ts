import { RESOURCE_TYPES, decodeResource, type ResourceTypeUrl } from '../../xds/protos/envoy-protos.js';
import type { Ingress, KubeObject } from '../resources/kube-types.js';
import type { AppliedState } from '../pipeline/applied-state.js';
import { cls, FakeSource, ing, slice, startRunner, svc } from './testdata/runner-fixtures.js';

async function setup() {
  const source = new FakeSource([
    cls,
    svc('a'),
    svc('b'),
    slice('a', '10.0.0.1'),
    slice('b', '10.0.0.2'),
    ing('a.example.com', 'a'),
    ing('b.example.com', 'b'),
  ]);
  const { cache, metrics, runner } = await startRunner(source);
  const changes: ReadonlySet<ResourceTypeUrl>[] = [];
  cache.subscribe('default', (_s, changed) => changes.push(changed));
  return { source, cache, metrics, runner, changes };
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 60));

test('the first full translation makes the runner and the cache ready', async () => {
  const { runner, cache } = await setup();
  expect(runner.isReady()).toBe(true);
  expect(cache.isReady()).toBe(true);
  expect([...cache.snapshot('default').types.get(RESOURCE_TYPES.cluster)!.resources.keys()]).toEqual([
    'service/default/a/80',
    'service/default/b/80',
  ]);
});

test('an EndpointSlice-only change updates only the touched ClusterLoadAssignment', async () => {
  const { source, cache, metrics, changes } = await setup();
  const before = cache.snapshot('default');
  const next = source.objects.map((o) =>
    o.kind === 'EndpointSlice' && o.metadata.name === 'a-1' ? slice('a', '10.0.0.9') : o,
  );
  source.emit(next, [{ kind: 'EndpointSlice', key: 'default/a-1', op: 'upsert' }]);
  await settle();
  expect(changes).toEqual([new Set([RESOURCE_TYPES.endpoint])]);
  const after = cache.snapshot('default');
  const eds = after.types.get(RESOURCE_TYPES.endpoint)!.resources;
  expect(eds.get('service/default/b/80')).toBe(
    before.types.get(RESOURCE_TYPES.endpoint)!.resources.get('service/default/b/80'),
  );
  const cla = decodeResource(RESOURCE_TYPES.endpoint, eds.get('service/default/a/80')!.value);
  expect(JSON.stringify(cla)).toContain('10.0.0.9');
  const text = await metrics.metricsText();
  expect(text).toMatch(/causeway_translations_total\{result="ok",kind="endpoints"\} 1/);
  expect(text).toMatch(/causeway_translations_total\{result="ok",kind="full"\} 1/);
});

test('a burst of changes is coalesced into one translation', async () => {
  const { source, metrics } = await setup();
  for (let i = 0; i < 5; i++) {
    source.emit(
      [
        ...source.objects.filter((o) => o.kind !== 'Ingress' || o.metadata.name !== 'b'),
        ing(`b${i}.example.com`, 'b'),
      ],
      [{ kind: 'Ingress', key: 'default/b', op: 'upsert' }],
    );
  }
  await settle();
  const text = await metrics.metricsText();
  // The first load in full, the burst as one incremental step.
  expect(text).toMatch(/causeway_translations_total\{result="ok",kind="full"\} 1/);
  expect(text).toMatch(/causeway_translations_total\{result="ok",kind="incremental"\} 1/);
});

test('removing the last slice of a Service leaves an empty assignment and a NoEndpoints diagnostic', async () => {
  const { source, cache, runner } = await setup();
  source.emit(
    source.objects.filter((o) => !(o.kind === 'EndpointSlice' && o.metadata.name === 'b-1')),
    [{ kind: 'EndpointSlice', key: 'default/b-1', op: 'delete' }],
  );
  await settle();
  const cla = decodeResource(
    RESOURCE_TYPES.endpoint,
    cache.snapshot('default').types.get(RESOURCE_TYPES.endpoint)!.resources.get('service/default/b/80')!
      .value,
  );
  expect(cla['endpoints']).toBeUndefined();
  expect(runner.diagnostics().map((d) => `${d.code} ${d.object.name}`)).toEqual(['CW_E_ENDPOINTS_NONE b']);
});

test('the xDS source map comes from the last full translation; the endpoint fast path keeps it', async () => {
  const { source, runner } = await setup();
  const first = runner.xdsSources()!;
  expect(first.get('default')!.resources.get(RESOURCE_TYPES.cluster)!.get('service/default/a/80')).toEqual([
    { kind: 'Ingress', namespace: 'default', name: 'a' },
    { kind: 'Service', namespace: 'default', name: 'a' },
  ]);
  source.emit(
    source.objects.map((o) =>
      o.kind === 'EndpointSlice' && o.metadata.name === 'a-1' ? slice('a', '10.0.0.9') : o,
    ),
    [{ kind: 'EndpointSlice', key: 'default/a-1', op: 'upsert' }],
  );
  await settle();
  expect(runner.xdsSources()).toBe(first);
  source.emit(
    source.objects.filter((o) => !(o.kind === 'Ingress' && o.metadata.name === 'b')),
    [{ kind: 'Ingress', key: 'default/b', op: 'delete' }],
  );
  await settle();
  expect([...runner.xdsSources()!.get('default')!.resources.get(RESOURCE_TYPES.cluster)!.keys()]).toEqual([
    'service/default/a/80',
  ]);
});

test('an Ingress change in one gateway group stores and notifies only that group', async () => {
  const inGroup = (host: string, service: string, group: string): KubeObject => {
    const o = ing(host, service) as Ingress;
    return { ...o, metadata: { ...o.metadata, annotations: { 'causeway.dev/gateway-group': group } } };
  };
  const source = new FakeSource([
    cls,
    svc('a'),
    svc('b'),
    slice('a', '10.0.0.1'),
    slice('b', '10.0.0.2'),
    inGroup('a.example.com', 'a', 'ga'),
    inGroup('b.example.com', 'b', 'gb'),
  ]);
  const { cache, metrics } = await startRunner(source);
  const notified: string[] = [];
  for (const g of ['default', 'ga', 'gb']) cache.subscribe(g, (s) => notified.push(s.group));
  const gb = cache.snapshot('gb');
  source.emit(
    source.objects.map((o) =>
      o.kind === 'Ingress' && o.metadata.name === 'a' ? inGroup('a2.example.com', 'a', 'ga') : o,
    ),
    [{ kind: 'Ingress', key: 'default/a', op: 'upsert' }],
  );
  await settle();
  expect(notified).toEqual(['ga']);
  expect(cache.snapshot('gb')).toBe(gb);
  const text = await metrics.metricsText();
  expect(text).toMatch(/causeway_translations_total\{result="ok",kind="incremental"\} 1/);
});

test('an EndpointSlice write that changes no diagnostic publishes the same served and diagnostics arrays', async () => {
  const { source, runner } = await setup();
  const states: AppliedState[] = [];
  runner.applied.subscribe((s) => states.push(s));
  const move = (ip: string): KubeObject[] =>
    source.objects.map((o) => (o.kind === 'EndpointSlice' && o.metadata.name === 'a-1' ? slice('a', ip) : o));
  source.emit(move('10.0.0.9'), [{ kind: 'EndpointSlice', key: 'default/a-1', op: 'upsert' }]);
  await settle();
  const [first, second] = states;
  expect(states).toHaveLength(2);
  expect(second!.resources).not.toBe(first!.resources);
  expect(second!.served).toBe(first!.served);
  expect(second!.diagnostics).toBe(first!.diagnostics);
  expect(runner.diagnostics()).toBe(second!.diagnostics);
  // A write that does change the diagnostics (the Service loses its last endpoint) publishes new ones.
  source.emit(
    source.objects.filter((o) => !(o.kind === 'EndpointSlice' && o.metadata.name === 'a-1')),
    [{ kind: 'EndpointSlice', key: 'default/a-1', op: 'delete' }],
  );
  await settle();
  expect(states).toHaveLength(3);
  expect(states[2]!.served).toBe(first!.served);
  expect(states[2]!.diagnostics.map((d) => `${d.code} ${d.object.name}`)).toEqual(['CW_E_ENDPOINTS_NONE a']);
});

test('the applied state carries the Gateway API status the translation computed, the same object while only endpoints change', async () => {
  const { source, runner } = await setup();
  const states: AppliedState[] = [];
  runner.applied.subscribe((s) => states.push(s));
  const gatewayApi: KubeObject[] = [
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name: 'causeway' },
      spec: { controllerName: 'causeway.dev/gateway' },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'edge', namespace: 'default', generation: 1 },
      spec: { gatewayClassName: 'causeway', listeners: [{ name: 'web', port: 9080, protocol: 'HTTP' }] },
    },
  ];
  source.emit(
    [...source.objects, ...gatewayApi],
    [
      { kind: 'GatewayClass', key: 'causeway', op: 'upsert' },
      { kind: 'Gateway', key: 'default/edge', op: 'upsert' },
    ],
  );
  await settle();
  const status = states.at(-1)!.gatewayApiStatus!;
  expect(status.gateways.map((g) => `${g.key} ${g.group}`)).toEqual(['default/edge default-edge']);
  expect(status.gateways[0]!.conditions.find((c) => c.type === 'Accepted')?.status).toBe('True');
  const move = source.objects.map((o) =>
    o.kind === 'EndpointSlice' && o.metadata.name === 'a-1' ? slice('a', '10.0.0.9') : o,
  );
  source.emit(move, [{ kind: 'EndpointSlice', key: 'default/a-1', op: 'upsert' }]);
  await settle();
  expect(states.at(-1)!.gatewayApiStatus).toBe(status);
});
