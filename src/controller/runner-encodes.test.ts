/**
 * Encoding is proportional to the change: the snapshot cache counts what it encodes (its `onEncode`
 * hook), and an EndpointSlice-only change through the runner's endpoints fast path encodes exactly the
 * one ClusterLoadAssignment it touches: no route, listener or cluster.
 */
import pino from 'pino';
import { ControllerMetrics } from '../observability/metrics.js';
import { DEFAULT_TRANSLATE_OPTIONS } from '../translate/translate-options.js';
import { SnapshotCache } from '../../xds/cache/snapshot-cache.js';
import { RESOURCE_TYPES, type ResourceTypeUrl } from '../../xds/protos/envoy-protos.js';
import { ControllerRunner } from './runner.js';
import { cls, FakeSource, ing, slice, svc } from './testdata/runner-fixtures.js';

const SHORT: Record<string, string> = {
  [RESOURCE_TYPES.cluster]: 'CDS',
  [RESOURCE_TYPES.endpoint]: 'EDS',
  [RESOURCE_TYPES.secret]: 'SDS',
  [RESOURCE_TYPES.listener]: 'LDS',
  [RESOURCE_TYPES.route]: 'RDS',
};

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
  const encodes: string[] = [];
  const cache = new SnapshotCache({
    onEncode: (typeUrl: ResourceTypeUrl, name) => encodes.push(`${SHORT[typeUrl]} ${name}`),
  });
  const runner = new ControllerRunner({
    source,
    cache,
    metrics: new ControllerMetrics({ defaultMetrics: false }),
    logger: pino({ level: 'silent' }),
    translateOptions: DEFAULT_TRANSLATE_OPTIONS,
    minFlushGapMs: 5,
  });
  await runner.start();
  return { source, cache, encodes };
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 60));

test('the first translation encodes every resource once', async () => {
  const { encodes } = await setup();
  expect([...encodes].sort()).toEqual([
    'CDS service/default/a/80',
    'CDS service/default/b/80',
    'EDS service/default/a/80',
    'EDS service/default/b/80',
    // the listener twice: its serving and its draining form (docs/drain.md)
    expect.stringMatching(/^LDS /),
    expect.stringMatching(/^LDS /),
    expect.stringMatching(/^RDS /),
  ]);
});

test('an endpoint-only change encodes that one ClusterLoadAssignment: no route, listener or cluster', async () => {
  const { source, cache, encodes } = await setup();
  encodes.length = 0;
  const notified: Array<[string, string[]]> = [];
  cache.subscribe('default', (_s, _changed, names) => {
    for (const [t, n] of names) notified.push([SHORT[t]!, [...n]]);
  });
  source.emit(
    source.objects.map((o) =>
      o.kind === 'EndpointSlice' && o.metadata.name === 'a-1' ? slice('a', '10.0.0.9') : o,
    ),
    [{ kind: 'EndpointSlice', key: 'default/a-1', op: 'upsert' }],
  );
  await settle();
  expect(encodes).toEqual(['EDS service/default/a/80']);
  expect(notified).toEqual([['EDS', ['service/default/a/80']]]);
});

test('a full translation after an Ingress change encodes only what that Ingress changed', async () => {
  const { source, encodes } = await setup();
  encodes.length = 0;
  source.emit(
    source.objects.map((o) =>
      o.kind === 'Ingress' && o.metadata.name === 'b' ? ing('b2.example.com', 'b') : o,
    ),
    [{ kind: 'Ingress', key: 'default/b', op: 'upsert' }],
  );
  await settle();
  expect(encodes.filter((e) => e.startsWith('CDS') || e.startsWith('EDS'))).toEqual([]);
  expect(encodes.some((e) => e.startsWith('RDS'))).toBe(true);
});
