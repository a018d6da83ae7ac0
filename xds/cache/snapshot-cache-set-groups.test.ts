/**
 * SnapshotCache.setGroups (the incremental translation's store): only the given groups are built and
 * notified, the others keep their snapshots, removed groups become empty; the result is what setAll of
 * every group would give.
 */
import type { GroupResources, PlainResource } from './config-watcher.js';
import { SnapshotCache } from './snapshot-cache.js';
import { RESOURCE_TYPES } from '../protos/envoy-protos.js';

const CDS = RESOURCE_TYPES.cluster;

function clusters(...names: string[]): GroupResources {
  const list: PlainResource[] = names.map((name) => ({
    name,
    resource: {
      name,
      type: 'EDS',
      eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
      connect_timeout: '1s',
    },
  }));
  return new Map([[CDS, list]]);
}

const versions = (c: SnapshotCache): string[][] =>
  c.groups().map((g) => [g, c.snapshot(g).types.get(CDS)?.version ?? '-']);

test('setGroups builds and notifies only the given groups; removed groups empty out', () => {
  const cache = new SnapshotCache();
  expect(cache.isReady()).toBe(false);
  cache.setAll(
    new Map([
      ['a', clusters('x')],
      ['b', clusters('y')],
    ]),
  );
  const notified: string[] = [];
  for (const g of ['a', 'b', 'c']) cache.subscribe(g, (s) => notified.push(s.group));
  const aBefore = cache.snapshot('a');

  cache.setGroups(
    new Map([
      ['b', clusters('y', 'z')],
      ['c', clusters('w')],
    ]),
    [],
  );
  expect(notified).toEqual(['b', 'c']);
  expect(cache.snapshot('a')).toBe(aBefore);
  const all = new SnapshotCache();
  all.setAll(
    new Map([
      ['a', clusters('x')],
      ['b', clusters('y', 'z')],
      ['c', clusters('w')],
    ]),
  );
  expect(versions(cache)).toEqual(versions(all));

  notified.length = 0;
  cache.setGroups(new Map(), ['c']);
  expect(notified).toEqual(['c']);
  expect(cache.groups()).toEqual(['a', 'b']);
  expect(cache.snapshot('c').types.get(CDS)?.resources.size ?? 0).toBe(0);
});
