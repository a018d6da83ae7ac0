/**
 * The runner with hostile input (issue 11): an internal error on one Ingress no longer holds back
 * every later update (translate isolates it), and a hostile EndpointSlice on the endpoint fast path
 * loses only its bad endpoint, with its diagnostic.
 */
import type { KubeObject } from '../resources/kube-types.js';
import type { SnapshotCache } from '../../xds/cache/snapshot-cache.js';
import { RESOURCE_TYPES, decodeResource } from '../../xds/protos/envoy-protos.js';
import { cls, FakeSource, ing, slice, startRunner, svc } from './testdata/runner-fixtures.js';

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 60));

/** An Ingress whose `spec` throws when read (a translate bug on this one object). */
function brokenIngress(): KubeObject {
  const o = { ...ing('broken.example.com', 'broken') } as Record<string, unknown>;
  Object.defineProperty(o, 'spec', {
    enumerable: true,
    get: () => {
      throw new Error('simulated bug');
    },
  });
  return o as unknown as KubeObject;
}

async function setup(objects: KubeObject[]) {
  const source = new FakeSource(objects);
  const { cache, metrics, runner } = await startRunner(source);
  return { source, cache, metrics, runner };
}

const names = (cache: SnapshotCache, t: (typeof RESOURCE_TYPES)[keyof typeof RESOURCE_TYPES]) => [
  ...cache.snapshot('default').types.get(t)!.resources.keys(),
];

test('an internal error on one Ingress is isolated; later changes of other objects still apply', async () => {
  const base = [
    cls,
    svc('a'),
    svc('b'),
    slice('a', '10.0.0.1'),
    slice('b', '10.0.0.2'),
    ing('a.example.com', 'a'),
  ];
  const { source, cache, metrics, runner } = await setup(base);
  source.emit([...base, brokenIngress()], [{ kind: 'Ingress', key: 'default/broken', op: 'upsert' }]);
  await settle();
  expect(runner.diagnostics().map((d) => `${d.code} ${d.object.name}`)).toEqual([
    'CW_E_INTERNAL_OBJECT broken',
  ]);
  // A later change of another Ingress is applied (before, the whole translation failed from now on).
  source.emit(
    [...base, brokenIngress(), ing('b.example.com', 'b')],
    [{ kind: 'Ingress', key: 'default/b', op: 'upsert' }],
  );
  await settle();
  expect(names(cache, RESOURCE_TYPES.cluster)).toEqual(['service/default/a/80', 'service/default/b/80']);
  const text = await metrics.metricsText();
  expect(text).toMatch(/causeway_translations_total\{result="ok",kind="full"\} 1/);
  expect(text).toMatch(/causeway_translations_total\{result="ok",kind="incremental"\} 2/);
  expect(text).not.toMatch(/result="error"/);
});

test('a hostile slice on the fast path: the bad endpoint is left out with a diagnostic, then cleared', async () => {
  const base = [cls, svc('a'), slice('a', '10.0.0.1'), ing('a.example.com', 'a')];
  const { source, cache, runner } = await setup(base);
  const hostile = {
    ...(slice('a', '10.0.0.1') as object),
    endpoints: [
      { addresses: ['10.0.0.1'] },
      { addresses: ['not-an-ip'] },
      { addresses: ['10.0.0.3'], zone: '\ud800' },
    ],
  } as unknown as KubeObject;
  source.emit(
    [cls, svc('a'), hostile, ing('a.example.com', 'a')],
    [{ kind: 'EndpointSlice', key: 'default/a-1', op: 'upsert' }],
  );
  await settle();
  const cla = () =>
    JSON.stringify(
      decodeResource(
        RESOURCE_TYPES.endpoint,
        cache.snapshot('default').types.get(RESOURCE_TYPES.endpoint)!.resources.get('service/default/a/80')!
          .value,
      ),
    );
  expect(cla()).toContain('10.0.0.1');
  expect(cla()).not.toContain('not-an-ip');
  expect(cla()).not.toContain('10.0.0.3');
  expect(runner.diagnostics().map((d) => d.code)).toEqual(['CW_E_ENDPOINT_INVALID', 'CW_E_ENDPOINT_INVALID']);
  source.emit(base, [{ kind: 'EndpointSlice', key: 'default/a-1', op: 'upsert' }]);
  await settle();
  expect(runner.diagnostics()).toEqual([]);
});
