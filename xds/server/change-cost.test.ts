/**
 * xDS work proportional to the change: after one ClusterLoadAssignment of many changes, a SotW or Delta
 * stream machine looks at that one name only (the snapshot it is given counts every lookup and every
 * iteration), and its response carries that one resource, for SotW too (EDS is not a full-state type).
 */
import type {
  ChangedNames,
  EncodedResource,
  GroupResources,
  GroupSnapshot,
  PlainResource,
  TypeSnapshot,
} from '../cache/config-watcher.js';
import { SnapshotCache } from '../cache/snapshot-cache.js';
import type { ResourceTypeUrl } from '../protos/envoy-protos.js';
import { DeltaMachine } from './delta-machine.js';
import type { DeltaDiscoveryRequest, DiscoveryRequest } from './discovery-messages.js';
import { createNonceSource } from './nonce.js';
import { SotwMachine } from './sotw-machine.js';
import type { Push, Step, StreamMachine } from './stream-machine.js';
import { CDS, EDS, LDS, RDS, cla, cluster } from './testdata/ads-fixtures.js';

const N = 300;

const names = Array.from({ length: N }, (_, i) => `c${String(i).padStart(3, '0')}`);

function config(): GroupResources {
  return new Map<ResourceTypeUrl, PlainResource[]>([
    [CDS, names.map((n) => cluster(n))],
    [EDS, names.map((n) => cla(n))],
    [
      LDS,
      [
        {
          name: 'l',
          resource: { name: 'l', address: { socket_address: { address: '0.0.0.0', port_value: 80 } } },
        },
      ],
    ],
    [RDS, [{ name: 'r', resource: { name: 'r' } }]],
  ]);
}

/** Counts every access to the resources of a type snapshot, beyond the version. */
class CountingMap implements ReadonlyMap<string, EncodedResource> {
  constructor(
    private readonly inner: ReadonlyMap<string, EncodedResource>,
    private readonly count: { gets: number; iterations: number },
  ) {}
  get size(): number {
    return this.inner.size;
  }
  get(k: string): EncodedResource | undefined {
    this.count.gets++;
    return this.inner.get(k);
  }
  has(k: string): boolean {
    this.count.gets++;
    return this.inner.has(k);
  }
  forEach(fn: (v: EncodedResource, k: string, m: ReadonlyMap<string, EncodedResource>) => void): void {
    this.count.iterations++;
    this.inner.forEach((v, k) => fn(v, k, this));
  }
  entries(): MapIterator<[string, EncodedResource]> {
    this.count.iterations++;
    return this.inner.entries();
  }
  keys(): MapIterator<string> {
    this.count.iterations++;
    return this.inner.keys();
  }
  values(): MapIterator<EncodedResource> {
    this.count.iterations++;
    return this.inner.values();
  }
  [Symbol.iterator](): MapIterator<[string, EncodedResource]> {
    return this.entries();
  }
}

function counted(snapshot: GroupSnapshot): {
  snapshot: GroupSnapshot;
  count: { gets: number; iterations: number };
} {
  const count = { gets: 0, iterations: 0 };
  const types = new Map<ResourceTypeUrl, TypeSnapshot>();
  for (const [t, ts] of snapshot.types)
    types.set(t, { version: ts.version, resources: new CountingMap(ts.resources, count) });
  return { snapshot: { group: snapshot.group, types }, count };
}

interface Client {
  readonly machine: StreamMachine<DeltaDiscoveryRequest> | StreamMachine<DiscoveryRequest>;
  request(typeUrl: ResourceTypeUrl, subscribe: readonly string[], ack?: Push): Step;
}

function deltaClient(cache: SnapshotCache): Client {
  const machine = new DeltaMachine(createNonceSource('d'));
  return {
    machine,
    request: (typeUrl, subscribe, ack) =>
      machine.onRequest(
        {
          node: { id: 'n', cluster: 'g' },
          type_url: typeUrl,
          resource_names_subscribe: ack ? [] : subscribe,
          resource_names_unsubscribe: [],
          initial_resource_versions: {},
          response_nonce: ack?.nonce ?? '',
          error_detail: null,
        },
        cache.snapshot('g'),
      ),
  };
}

function sotwClient(cache: SnapshotCache): Client {
  const machine = new SotwMachine(createNonceSource('s'));
  const subscribed = new Map<string, readonly string[]>();
  return {
    machine,
    request: (typeUrl, subscribe, ack) => {
      if (!ack) subscribed.set(typeUrl, subscribe);
      return machine.onRequest(
        {
          version_info: ack?.version ?? '',
          node: { id: 'n', cluster: 'g' },
          resource_names: subscribed.get(typeUrl) ?? [],
          type_url: typeUrl,
          response_nonce: ack?.nonce ?? '',
          error_detail: null,
        },
        cache.snapshot('g'),
      );
    },
  };
}

function ackAll(client: Client, step: Step): void {
  for (const push of step.pushes) ackAll(client, client.request(push.typeUrl, [], push));
}

/** Subscribes as Envoy does (CDS, the CLAs, LDS, the route) and ACKs everything. */
function connect(client: Client): void {
  ackAll(client, client.request(CDS, []));
  ackAll(client, client.request(EDS, names));
  ackAll(client, client.request(LDS, []));
  ackAll(client, client.request(RDS, ['r']));
}

function setup(kind: 'sotw' | 'delta') {
  const cache = new SnapshotCache();
  cache.setAll(new Map([['g', config()]]));
  const client = kind === 'sotw' ? sotwClient(cache) : deltaClient(cache);
  connect(client);
  const seen: Array<[GroupSnapshot, ReadonlySet<ResourceTypeUrl>, ChangedNames]> = [];
  cache.subscribe('g', (s, changed, changedNames) => seen.push([s, changed, changedNames]));
  return { cache, client, seen };
}

describe.each(['sotw', 'delta'] as const)('%s machine, one ClusterLoadAssignment of %#', (kind) => {
  it(`changes: the machine looks at that name only and sends that one resource (of ${N})`, () => {
    const { cache, client, seen } = setup(kind);
    cache.updateResources('g', EDS, [cla('c123', 9090)], []);
    expect(seen).toHaveLength(1);
    const [snap, changed, changedNames] = seen[0]!;
    expect([...changed]).toEqual([EDS]);
    expect([...(changedNames.get(EDS) ?? [])]).toEqual(['c123']);
    const { snapshot, count } = counted(snap);
    const step = client.machine.onChange(snapshot, changed, changedNames);
    expect(step.pushes.map((p) => [p.typeUrl, p.resources.map((r) => r.name)])).toEqual([[EDS, ['c123']]]);
    expect(step.pushes[0]!.version).toBe(snap.types.get(EDS)!.version);
    expect(count.iterations).toBe(0);
    expect(count.gets).toBeLessThanOrEqual(4);
    ackAll(client, step);
  });

  it('is removed: Delta removes it, SotW sends nothing (a SotW EDS response cannot remove), neither scans', () => {
    const { cache, client, seen } = setup(kind);
    cache.updateResources('g', EDS, [], ['c007']);
    const [snap, changed, changedNames] = seen[0]!;
    const { snapshot, count } = counted(snap);
    const step = client.machine.onChange(snapshot, changed, changedNames);
    // Nothing waits on a listener or route ACK, so the removal is not held back.
    expect(step.pushes.map((p) => [p.typeUrl, p.resources.length, p.removed])).toEqual(
      kind === 'delta' ? [[EDS, 0, ['c007']]] : [],
    );
    expect(count.iterations).toBe(0);
    expect(count.gets).toBeLessThanOrEqual(4);
  });

  it('changes that the stream does not subscribe to: nothing is looked at or sent', () => {
    const cache = new SnapshotCache();
    cache.setAll(new Map([['g', config()]]));
    const client = kind === 'sotw' ? sotwClient(cache) : deltaClient(cache);
    ackAll(client, client.request(EDS, ['c001', 'c002']));
    const seen: Array<[GroupSnapshot, ReadonlySet<ResourceTypeUrl>, ChangedNames]> = [];
    cache.subscribe('g', (s, changed, changedNames) => seen.push([s, changed, changedNames]));
    cache.updateResources('g', EDS, [cla('c200', 9090)], []);
    const [snap, changed, changedNames] = seen[0]!;
    const { snapshot, count } = counted(snap);
    expect(client.machine.onChange(snapshot, changed, changedNames).pushes).toEqual([]);
    expect(count).toEqual({ gets: 0, iterations: 0 });
  });
});

describe('a changed cluster', () => {
  it.each(['sotw', 'delta'] as const)(
    '%s: the cluster response is whole for SotW (a full-state type), one cluster for Delta; its CLA is sent again',
    (kind) => {
      const { cache, client, seen } = setup(kind);
      cache.updateResources(
        'g',
        CDS,
        [{ ...cluster('c050'), resource: { ...cluster('c050').resource, connect_timeout: '2s' } }],
        [],
      );
      const [snap, changed, changedNames] = seen[0]!;
      const step = client.machine.onChange(snap, changed, changedNames);
      expect(step.pushes.map((p) => [p.typeUrl, p.resources.length])).toEqual([
        [CDS, kind === 'sotw' ? N : 1],
        [EDS, 1],
      ]);
      expect(step.pushes[1]!.resources[0]!.name).toBe('c050');
    },
  );
});

test('without changed names (e.g. a drain switch), a machine plans the whole type as before', () => {
  const { cache, client, seen } = setup('sotw');
  cache.updateResources('g', EDS, [cla('c123', 9090)], []);
  const [snap, changed] = seen[0]!;
  const step = client.machine.onChange(snap, changed);
  expect(step.pushes.map((p) => [p.typeUrl, p.resources.length])).toEqual([[EDS, N]]);
});

test('SotW: a whole cluster response names the cache snapshot it sends (its encoding is shared); a partial one does not', () => {
  const { cache, client, seen } = setup('sotw');
  cache.updateResources(
    'g',
    CDS,
    [{ ...cluster('c050'), resource: { ...cluster('c050').resource, connect_timeout: '2s' } }],
    [],
  );
  const [snap, changed, changedNames] = seen[0]!;
  const [clusters, endpoints] = client.machine.onChange(snap, changed, changedNames).pushes;
  expect(clusters?.shared).toBe(snap.types.get(CDS)!.resources);
  expect(endpoints?.shared).toBeUndefined();
});
