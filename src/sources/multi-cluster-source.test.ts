import pino from 'pino';
import type { KubeObject } from '../resources/kube-types.js';
import { buildResourceSet, type Sourced } from '../resources/resource-set.js';
import { ControllerMetrics } from '../observability/metrics.js';
import { MultiClusterSource } from './multi-cluster-source.js';
import type { ResourceChange, ResourceSource, SourceUpdate } from './source-update.js';

const svc = (name: string, port: number): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'shop' },
  spec: { ports: [{ name: 'http', port }] },
});
const ing = (name: string): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, namespace: 'shop' },
  spec: {},
});

class FakeSource implements ResourceSource {
  fail = 0;
  cb?: (u: SourceUpdate) => void;
  constructor(
    readonly cluster: string,
    public objects: KubeObject[],
  ) {}
  update(changed: ResourceChange[]): SourceUpdate {
    const sourced = this.objects.map((o): Sourced<KubeObject> => ({
      object: o,
      origin: { cluster: this.cluster },
    }));
    return { resources: buildResourceSet(sourced), diagnostics: [], changed };
  }
  async load(): Promise<SourceUpdate> {
    if (this.fail > 0) {
      this.fail--;
      throw new Error(`${this.cluster} is down`);
    }
    return this.update(
      this.objects.map((o) => ({ kind: o.kind, key: `shop/${o.metadata.name}`, op: 'upsert' })),
    );
  }
  async watch(cb: (u: SourceUpdate) => void): Promise<void> {
    this.cb = cb;
  }
  async close(): Promise<void> {}
}

const logger = pino({ level: 'silent' });

test('merges clusters: Ingresses of both, the first cluster wins the same Service', async () => {
  const east = new FakeSource('east', [svc('web', 80), ing('web')]);
  const west = new FakeSource('west', [svc('web', 81), ing('web')]);
  const m = new MultiClusterSource({
    clusters: [
      { cluster: 'east', source: east },
      { cluster: 'west', source: west },
    ],
    logger,
  });
  const u = await m.load();
  expect([...u.resources.ingresses.keys()].sort()).toEqual(['east/shop/web', 'west/shop/web']);
  expect(u.resources.services.get('shop/web')?.origin.cluster).toBe('east');
  // Each kind and key once: the merged set has one Service shop/web and Ingresses shop/web.
  expect(u.changed).toEqual([
    { kind: 'Ingress', key: 'shop/web', op: 'upsert' },
    { kind: 'Service', key: 'shop/web', op: 'upsert' },
  ]);
});

test("an update from one cluster re-merges with the others and carries that cluster's changes", async () => {
  const east = new FakeSource('east', [svc('web', 80)]);
  const west = new FakeSource('west', [ing('web')]);
  const m = new MultiClusterSource({
    clusters: [
      { cluster: 'east', source: east },
      { cluster: 'west', source: west },
    ],
    logger,
  });
  await m.load();
  const got: SourceUpdate[] = [];
  await m.watch((u) => got.push(u));
  west.objects = [ing('web'), ing('api')];
  west.cb!(west.update([{ kind: 'Ingress', key: 'shop/api', op: 'upsert' }]));
  expect(got).toHaveLength(1);
  expect(got[0]!.changed).toEqual([{ kind: 'Ingress', key: 'shop/api', op: 'upsert' }]);
  expect(got[0]!.resources.services.has('shop/web')).toBe(true);
  expect([...got[0]!.resources.ingresses.keys()].sort()).toEqual(['west/shop/api', 'west/shop/web']);
});

test("changed is exact for the merged set: a shadowed Service's change is left out, its deletion unshadows", async () => {
  const east = new FakeSource('east', [svc('web', 80)]);
  const west = new FakeSource('west', [svc('web', 81)]);
  const m = new MultiClusterSource({
    clusters: [
      { cluster: 'east', source: east },
      { cluster: 'west', source: west },
    ],
    logger,
  });
  await m.load();
  const got: SourceUpdate[] = [];
  await m.watch((u) => got.push(u));
  const before = got.length;
  west.objects = [svc('web', 82)];
  west.cb!(west.update([{ kind: 'Service', key: 'shop/web', op: 'upsert' }]));
  expect(got[before]!.changed).toEqual([]);
  expect(got[before]!.resources.services.get('shop/web')?.origin.cluster).toBe('east');
  east.objects = [];
  east.cb!(east.update([{ kind: 'Service', key: 'shop/web', op: 'delete' }]));
  expect(got[before + 1]!.changed).toEqual([{ kind: 'Service', key: 'shop/web', op: 'upsert' }]);
  expect(got[before + 1]!.resources.services.get('shop/web')?.object.spec?.ports?.[0]?.port).toBe(82);
  // The ResourceSet a reader was given earlier stays as it was.
  expect(got[before]!.resources.services.get('shop/web')?.origin.cluster).toBe('east');
});

test('a slice that loses its Service label leaves the merged set: its change is a delete', async () => {
  const slice = (labels: Record<string, string> | undefined): KubeObject => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-1', namespace: 'shop', ...(labels ? { labels } : {}) },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.0.0.1'] }],
  });
  const east = new FakeSource('east', [slice({ 'kubernetes.io/service-name': 'web' })]);
  const m = new MultiClusterSource({ clusters: [{ cluster: 'east', source: east }], logger });
  await m.load();
  const got: SourceUpdate[] = [];
  await m.watch((u) => got.push(u));
  east.objects = [slice(undefined)];
  east.cb!(east.update([{ kind: 'EndpointSlice', key: 'shop/web-1', op: 'upsert' }]));
  expect(got.at(-1)!.changed).toEqual([{ kind: 'EndpointSlice', key: 'shop/web-1', op: 'delete' }]);
  expect(got.at(-1)!.resources.serviceOfSlice.has('shop/web-1')).toBe(false);
});

test('an unavailable cluster is served without, marked in the metric, retried, and joins later', async () => {
  const east = new FakeSource('east', [svc('web', 80)]);
  const west = new FakeSource('west', [ing('web')]);
  west.fail = 2;
  const metrics = new ControllerMetrics({ defaultMetrics: false });
  const m = new MultiClusterSource({
    clusters: [
      { cluster: 'east', source: east },
      { cluster: 'west', source: west },
    ],
    logger,
    metrics,
    retryBaseMs: 5,
    retryMaxMs: 10,
  });
  const first = await m.load();
  expect(first.resources.ingresses.size).toBe(0);
  expect(await metrics.metricsText()).toMatch(/causeway_source_cluster_available\{cluster="west"\} 0/);
  const got: SourceUpdate[] = [];
  await m.watch((u) => got.push(u));
  for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  expect([...got[0]!.resources.ingresses.keys()]).toEqual(['west/shop/web']);
  expect(await metrics.metricsText()).toMatch(/causeway_source_cluster_available\{cluster="west"\} 1/);
  await m.close();
});

test('when no cluster can be listed, load() rejects instead of serving an empty config', async () => {
  const east = new FakeSource('east', []);
  east.fail = 1;
  const m = new MultiClusterSource({ clusters: [{ cluster: 'east', source: east }], logger });
  await expect(m.load()).rejects.toThrow(/no source cluster could be listed \(east: east is down\)/);
});

test('cluster names must be unique', () => {
  const a = new FakeSource('a', []);
  expect(
    () =>
      new MultiClusterSource({
        clusters: [
          { cluster: 'a', source: a },
          { cluster: 'a', source: a },
        ],
        logger,
      }),
  ).toThrow(/listed twice/);
});
