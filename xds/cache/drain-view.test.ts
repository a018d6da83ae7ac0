/** The snapshot cache's `draining` view: resources with a draining form, and nothing else, differ. */
import { jest } from '@jest/globals';
import type { GroupResources, PlainResource } from './config-watcher.js';
import { SnapshotCache } from './snapshot-cache.js';
import { RESOURCE_TYPES } from '../protos/envoy-protos.js';

const LDS = RESOURCE_TYPES.listener;
const CDS = RESOURCE_TYPES.cluster;
const EDS = RESOURCE_TYPES.endpoint;

function listener(name: string, port: number, drainingPort?: number): PlainResource {
  const resource = (p: number): object => ({
    name,
    address: { socket_address: { address: '0.0.0.0', port_value: p } },
  });
  return { name, resource: resource(port), ...(drainingPort ? { draining: resource(drainingPort) } : {}) };
}

const cla = (port: number): PlainResource => ({
  name: 'c1',
  resource: {
    cluster_name: 'c1',
    endpoints: [
      {
        lb_endpoints: [
          { endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: port } } } },
        ],
      },
    ],
  },
});

function group(listeners: PlainResource[]): GroupResources {
  return new Map([
    [CDS, [{ name: 'c1', resource: { name: 'c1', type: 'EDS', connect_timeout: '1s' } }]],
    [EDS, [cla(80)]],
    [LDS, listeners],
  ]);
}

test('the draining view differs only in the resources that have a draining form', () => {
  const cache = new SnapshotCache();
  cache.setAll(new Map([['g', group([listener('a', 1, 2), listener('b', 3)])]]));
  const serving = cache.snapshot('g');
  const draining = cache.snapshot('g', 'draining');
  expect(draining.group).toBe('g');
  expect(draining.types.get(CDS)).toBe(serving.types.get(CDS));
  expect(draining.types.get(EDS)).toBe(serving.types.get(EDS));
  const [s, d] = [serving.types.get(LDS)!, draining.types.get(LDS)!];
  expect(d.version).not.toBe(s.version);
  expect(d.resources.get('b')).toBe(s.resources.get('b'));
  expect(d.resources.get('a')!.version).not.toBe(s.resources.get('a')!.version);
  expect(cache.snapshot('g', 'serving')).toBe(serving);
});

test('without draining forms both views are the same snapshot types; an unknown group is empty in both', () => {
  const cache = new SnapshotCache();
  cache.setAll(new Map([['g', group([listener('b', 3)])]]));
  expect(cache.snapshot('g', 'draining').types.get(LDS)).toBe(cache.snapshot('g').types.get(LDS));
  expect(cache.snapshot('nope', 'draining').types.get(LDS)?.resources.size).toBe(0);
});

test('a change of the draining form alone notifies the group with the type', () => {
  const cache = new SnapshotCache();
  cache.setAll(new Map([['g', group([listener('a', 1, 2)])]]));
  const listenerFn = jest.fn();
  cache.subscribe('g', listenerFn);
  const servingBefore = cache.snapshot('g').types.get(LDS);
  cache.setAll(new Map([['g', group([listener('a', 1, 5)])]]));
  expect(cache.snapshot('g').types.get(LDS)).toBe(servingBefore);
  expect(listenerFn).toHaveBeenCalledTimes(1);
  expect([...(listenerFn.mock.calls[0]![1] as Set<string>)]).toEqual([LDS]);
  cache.setAll(new Map([['g', group([listener('a', 1, 5)])]]));
  expect(listenerFn).toHaveBeenCalledTimes(1);
});

test('an endpoint update changes both views alike and keeps the draining listeners', () => {
  const cache = new SnapshotCache();
  cache.setAll(new Map([['g', group([listener('a', 1, 2)])]]));
  const drainingLds = cache.snapshot('g', 'draining').types.get(LDS);
  cache.updateResources('g', EDS, [cla(81)], []);
  expect(cache.snapshot('g', 'draining').types.get(EDS)).toBe(cache.snapshot('g').types.get(EDS));
  expect(cache.snapshot('g', 'draining').types.get(LDS)).toBe(drainingLds);
  expect(cache.snapshot('g').types.get(EDS)!.resources.get('c1')).toBeDefined();
});
