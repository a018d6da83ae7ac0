import { createHash } from 'node:crypto';
import type { GroupResources, PlainResource } from './config-watcher.js';
import { typeVersion } from './config-watcher.js';
import { BUCKETS, bucketOf } from './type-version.js';
import { SnapshotCache, deepEqual } from './snapshot-cache.js';
import type { ResourceTypeUrl } from '../protos/envoy-protos.js';
import { PUSH_ORDER, RESOURCE_TYPES, decodeResource } from '../protos/envoy-protos.js';

const CDS = RESOURCE_TYPES.cluster;
const EDS = RESOURCE_TYPES.endpoint;
const LDS = RESOURCE_TYPES.listener;

function cluster(name: string, connectTimeout = '1s'): PlainResource {
  return {
    name,
    resource: {
      name,
      type: 'EDS',
      eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
      connect_timeout: connectTimeout,
    },
  };
}

function cla(name: string, port = 8081): PlainResource {
  return {
    name,
    resource: {
      cluster_name: name,
      endpoints: [
        {
          lb_endpoints: [
            { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } },
          ],
        },
      ],
    },
  };
}

function group(clusters: PlainResource[], endpoints: PlainResource[] = []): GroupResources {
  return new Map<ResourceTypeUrl, PlainResource[]>([
    [CDS, clusters],
    [EDS, endpoints],
  ]);
}

const sha16 = (bytes: Uint8Array | string): string =>
  createHash('sha256').update(bytes).digest('hex').slice(0, 16);

type Notification = { group: string; changed: string[] };

function record(cache: SnapshotCache, ...groups: string[]): Notification[] {
  const seen: Notification[] = [];
  for (const g of groups)
    cache.subscribe(g, (s, changed) => seen.push({ group: s.group, changed: [...changed].sort() }));
  return seen;
}

describe('SnapshotCache', () => {
  it('encodes resources, versions them by content hash, and the type by its bucketed name:version pairs', () => {
    const cache = new SnapshotCache();
    cache.setAll(new Map([['public', group([cluster('b'), cluster('a', '2s')], [cla('a')])]]));
    const cds = cache.snapshot('public').types.get(CDS);
    expect([...(cds?.resources.keys() ?? [])]).toEqual(['a', 'b']);
    const a = cds?.resources.get('a');
    expect(a?.version).toBe(sha16(a?.value ?? new Uint8Array()));
    expect(decodeResource(CDS, a?.value ?? new Uint8Array())).toMatchObject({
      name: 'a',
      connect_timeout: '2s',
      type: 'EDS',
    });
    const b = cds?.resources.get('b');
    // type-version.ts: per bucket the sha256 of its sorted `name:version` lines, then the hash of the digests.
    const lines = new Map<number, string[]>();
    for (const r of [a!, b!])
      lines.set(bucketOf(r.name), [...(lines.get(bucketOf(r.name)) ?? []), `${r.name}:${r.version}`]);
    const digests = Array.from({ length: BUCKETS }, (_, i) => {
      const l = lines.get(i);
      return l ? createHash('sha256').update(l.sort().join('\n')).digest('hex').slice(0, 32) : '';
    });
    expect(cds?.version).toBe(sha16(digests.join('\n')));
    expect(cds?.version).toBe(typeVersion([b!, a!]));
  });

  it('gives the same versions for the same content, whatever the input order', () => {
    const one = new SnapshotCache();
    const two = new SnapshotCache();
    one.setAll(new Map([['g', group([cluster('a'), cluster('b')])]]));
    two.setAll(new Map([['g', group([cluster('b'), cluster('a')])]]));
    expect(one.snapshot('g').types.get(CDS)?.version).toBe(two.snapshot('g').types.get(CDS)?.version);
  });

  it('answers an empty snapshot with every type for an unknown group, with a stable version', () => {
    const cache = new SnapshotCache();
    const s = cache.snapshot('nope');
    expect(s.group).toBe('nope');
    expect([...s.types.keys()]).toEqual([...PUSH_ORDER]);
    for (const t of s.types.values()) {
      expect(t.resources.size).toBe(0);
      expect(t.version).toBe(sha16('\n'.repeat(BUCKETS - 1)));
    }
    expect(cache.groups()).toEqual([]);
  });

  it('becomes ready on the first setAll', async () => {
    const cache = new SnapshotCache();
    let resolved = false;
    void cache.whenReady().then(() => (resolved = true));
    await Promise.resolve();
    expect(cache.isReady()).toBe(false);
    expect(resolved).toBe(false);
    cache.setAll(new Map());
    expect(cache.isReady()).toBe(true);
    await cache.whenReady();
    expect(resolved).toBe(true);
  });

  it('notifies only groups whose types changed, with those types', () => {
    const cache = new SnapshotCache();
    const seen = record(cache, 'a', 'b');
    cache.setAll(
      new Map([
        ['a', group([cluster('c1')], [cla('c1')])],
        ['b', group([cluster('c1')])],
      ]),
    );
    expect(seen).toEqual([
      { group: 'a', changed: [CDS, EDS].sort() },
      { group: 'b', changed: [CDS] },
    ]);
    seen.length = 0;
    const before = cache.snapshot('b').types.get(CDS);
    cache.setAll(
      new Map([
        ['a', group([cluster('c1')], [cla('c1', 9090)])],
        ['b', group([cluster('c1')])],
      ]),
    );
    expect(seen).toEqual([{ group: 'a', changed: [EDS] }]);
    expect(cache.snapshot('b').types.get(CDS)).toBe(before);
    expect(cache.groups()).toEqual(['a', 'b']);
  });

  it('empties the groups absent from a translation and tells their subscribers', () => {
    const cache = new SnapshotCache();
    cache.setAll(
      new Map([
        ['a', group([cluster('c1')])],
        ['b', group([cluster('c1')])],
      ]),
    );
    const seen = record(cache, 'b');
    cache.setAll(new Map([['a', group([cluster('c1')])]]));
    expect(seen).toEqual([{ group: 'b', changed: [CDS] }]);
    expect(cache.snapshot('b').types.get(CDS)?.resources.size).toBe(0);
    expect(cache.groups()).toEqual(['a']);
  });

  it('keeps the previous snapshots when a resource does not encode', () => {
    const cache = new SnapshotCache();
    cache.setAll(new Map([['a', group([cluster('c1')])]]));
    const before = cache.snapshot('a');
    const bad: PlainResource = { name: 'x', resource: { name: 'x', no_such_field: true } };
    expect(() => cache.setAll(new Map([['a', group([cluster('c2'), bad])]]))).toThrow(
      /cannot encode .*"x".*no_such_field/,
    );
    expect(cache.snapshot('a')).toBe(before);
  });

  it('rejects duplicate names and types it does not serve', () => {
    const cache = new SnapshotCache();
    expect(() => cache.setAll(new Map([['a', group([cluster('c1'), cluster('c1')])]]))).toThrow(/duplicate/);
    const odd = new Map([['type.googleapis.com/envoy.config.core.v3.Node' as ResourceTypeUrl, []]]);
    expect(() => cache.setAll(new Map([['a', odd]]))).toThrow(/not served/);
  });

  it('re-encodes a resource whose object the caller mutated after storing it', () => {
    const cache = new SnapshotCache();
    const c = cluster('c1');
    cache.setAll(new Map([['a', group([c])]]));
    const v1 = cache.snapshot('a').types.get(CDS)?.version;
    (c.resource as { connect_timeout: string }).connect_timeout = '3s';
    const seen = record(cache, 'a');
    cache.setAll(new Map([['a', group([c])]]));
    expect(seen).toEqual([{ group: 'a', changed: [CDS] }]);
    expect(cache.snapshot('a').types.get(CDS)?.version).not.toBe(v1);
  });

  describe('updateResources', () => {
    it('changes only the touched resources and notifies with that type', () => {
      const cache = new SnapshotCache();
      cache.setAll(new Map([['a', group([cluster('c1'), cluster('c2')], [cla('c1'), cla('c2')])]]));
      const before = cache.snapshot('a');
      const seen = record(cache, 'a');
      cache.updateResources('a', EDS, [cla('c1', 9999)], []);
      expect(seen).toEqual([{ group: 'a', changed: [EDS] }]);
      const after = cache.snapshot('a');
      expect(after.types.get(CDS)).toBe(before.types.get(CDS));
      expect(after.types.get(EDS)?.resources.get('c2')).toBe(before.types.get(EDS)?.resources.get('c2'));
      expect(after.types.get(EDS)?.resources.get('c1')?.version).not.toBe(
        before.types.get(EDS)?.resources.get('c1')?.version,
      );
      expect(after.types.get(EDS)?.version).toBe(typeVersion(after.types.get(EDS)?.resources.values() ?? []));
    });

    it('does not notify when the bytes do not change, and does on a removal', () => {
      const cache = new SnapshotCache();
      cache.setAll(new Map([['a', group([cluster('c1')], [cla('c1'), cla('c2')])]]));
      const seen = record(cache, 'a');
      cache.updateResources('a', EDS, [cla('c1')], ['nope']);
      expect(seen).toEqual([]);
      cache.updateResources('a', EDS, [], ['c2']);
      expect(seen).toEqual([{ group: 'a', changed: [EDS] }]);
      expect([...(cache.snapshot('a').types.get(EDS)?.resources.keys() ?? [])]).toEqual(['c1']);
    });

    it('keeps resources sorted by name', () => {
      const cache = new SnapshotCache();
      cache.setAll(new Map([['a', group([], [cla('m')])]]));
      cache.updateResources('a', EDS, [cla('z'), cla('b')], []);
      expect([...(cache.snapshot('a').types.get(EDS)?.resources.keys() ?? [])]).toEqual(['b', 'm', 'z']);
    });

    it('rejects a type it does not serve', () => {
      const cache = new SnapshotCache();
      expect(() => cache.updateResources('a', 'type.googleapis.com/x.Y' as ResourceTypeUrl, [], [])).toThrow(
        /not served/,
      );
    });
  });

  it('keeps notifying the other subscribers when one throws', () => {
    const errors: unknown[] = [];
    const cache = new SnapshotCache({ onListenerError: (e) => errors.push(e) });
    cache.subscribe('a', () => {
      throw new Error('boom');
    });
    const seen = record(cache, 'a');
    cache.setAll(new Map([['a', group([cluster('c1')])]]));
    expect(seen).toHaveLength(1);
    expect(errors).toHaveLength(1);
  });

  it('stops notifying after unsubscribe', () => {
    const cache = new SnapshotCache();
    let calls = 0;
    const off = cache.subscribe('a', () => calls++);
    cache.setAll(new Map([['a', group([cluster('c1')])]]));
    off();
    cache.setAll(new Map([['a', group([cluster('c2')])]]));
    expect(calls).toBe(1);
    expect(cache.snapshot('a').types.get(LDS)?.resources.size).toBe(0);
  });
});

describe('deepEqual', () => {
  it('compares JSON-like values structurally', () => {
    expect(deepEqual({ a: [1, { b: 'x' }] }, { a: [1, { b: 'x' }] })).toBe(true);
    expect(deepEqual({ a: [1, { b: 'x' }] }, { a: [1, { b: 'y' }] })).toBe(false);
    expect(deepEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(deepEqual([1], { 0: 1 })).toBe(false);
    expect(deepEqual(null, {})).toBe(false);
  });
});
