/** Incremental (Delta) ADS over a real grpc-js stream on 127.0.0.1. */
import { deltaResourceNames } from '../../test/support/xds-client.js';
import type { Harness } from './testdata/ads-fixtures.js';
import {
  CDS,
  EDS,
  LDS,
  RDS,
  SDS,
  cla,
  cluster,
  eventually,
  listener,
  resources,
  route,
  secret,
  simpleGroup,
  startHarness,
} from './testdata/ads-fixtures.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const snap = (typeUrl: string, group = 'default') => h.cache.snapshot(group).types.get(typeUrl as typeof CDS);
const resourceVersion = (typeUrl: string, name: string): string =>
  snap(typeUrl)?.resources.get(name)?.version ?? '';

describe('Delta ADS', () => {
  it('answers nothing before the cache is ready, then sends every resource of a wildcard type', async () => {
    h = await startHarness();
    const d = h.client.delta({ id: 'gw-1' });
    d.subscribe(CDS);
    await d.expectNoResponse();
    h.cache.setAll(new Map([['default', resources({ clusters: [cluster('c1'), cluster('c2')] })]]));
    const res = await d.nextResponse(CDS);
    expect(res.system_version_info).toBe(snap(CDS)?.version);
    expect(res.resources.map((r) => [r.name, r.version])).toEqual([
      ['c1', resourceVersion(CDS, 'c1')],
      ['c2', resourceVersion(CDS, 'c2')],
    ]);
    expect(res.resources[0]?.resource?.type_url).toBe(CDS);
    expect(res.resources[0]?.resource?.value).toEqual(
      Buffer.from(snap(CDS)?.resources.get('c1')?.value ?? []),
    );
    expect(res.removed_resources).toEqual([]);
    expect(res.nonce).not.toBe('');
  });

  it('answers the first wildcard request even when there is nothing to send', async () => {
    h = await startHarness();
    h.cache.setAll(new Map());
    const d = h.client.delta({ id: 'gw-1' });
    d.subscribe(LDS);
    const res = await d.nextResponse(LDS);
    expect(res.resources).toEqual([]);
    expect(res.system_version_info).toBe(snap(LDS)?.version);
  });

  it('records an ACK and sends nothing more', async () => {
    h = await startHarness();
    h.cache.setAll(new Map([['default', simpleGroup()]]));
    const d = h.client.delta({ id: 'gw-1' });
    d.subscribe(CDS);
    const res = await d.nextResponse(CDS);
    d.ack(res);
    await eventually(() => h.events.of('ack').length === 1);
    expect(h.events.of('ack')).toEqual([
      { kind: 'ack', node: 'gw-1', typeUrl: CDS, version: res.system_version_info },
    ]);
    expect(h.server.connections()[0]).toMatchObject({
      stream: 'delta',
      types: [{ typeUrl: CDS, state: 'acked' }],
    });
    await d.expectNoResponse();
  });

  it('records a NACK, does not send the rejected resources again, and pushes the next change', async () => {
    h = await startHarness();
    h.cache.setAll(new Map([['default', resources({ clusters: [cluster('c1'), cluster('c2')] })]]));
    const d = h.client.delta({ id: 'gw-1' });
    d.subscribe(CDS);
    const res = await d.nextResponse(CDS);
    d.nack(res, 'c2 is invalid');
    await eventually(() => h.events.of('nack').length === 1);
    expect(h.events.of('nack')).toEqual([
      {
        kind: 'nack',
        node: 'gw-1',
        typeUrl: CDS,
        version: res.system_version_info,
        message: 'c2 is invalid',
        names: ['c1', 'c2'],
      },
    ]);
    d.nack(res, 'c2 is invalid');
    d.send({ type_url: CDS });
    h.cache.setAll(
      new Map([
        [
          'default',
          resources({ clusters: [cluster('c1'), cluster('c2')], listeners: [listener('l1', 'r1')] }),
        ],
      ]),
    );
    await d.expectNoResponse(CDS);
    h.cache.setAll(new Map([['default', resources({ clusters: [cluster('c1'), cluster('c2', '7s')] })]]));
    const next = await d.nextResponse(CDS);
    expect(deltaResourceNames(next)).toEqual(['c2']);
    expect(next.resources[0]?.version).toBe(resourceVersion(CDS, 'c2'));
  });

  it('ignores a request with a stale nonce', async () => {
    h = await startHarness();
    h.cache.setAll(new Map([['default', resources({ clusters: [cluster('c1')] })]]));
    const d = h.client.delta({ id: 'gw-1' });
    d.subscribe(CDS);
    const first = await d.nextResponse(CDS);
    h.cache.setAll(new Map([['default', resources({ clusters: [cluster('c1', '2s')] })]]));
    const second = await d.nextResponse(CDS);
    d.ack(first);
    await d.expectNoResponse();
    expect(h.events.of('ack')).toEqual([]);
    expect(h.server.connections()[0]?.types[0]).toMatchObject({
      sentVersion: second.system_version_info,
      state: 'pending',
    });
    d.ack(second);
    await eventually(() => h.events.of('ack').length === 1);
  });

  it('on reconnect sends only what differs from initial_resource_versions, and removals', async () => {
    h = await startHarness();
    h.cache.setAll(
      new Map([['default', resources({ clusters: [cluster('c1'), cluster('c2'), cluster('c3')] })]]),
    );
    const before = h.client.delta({ id: 'gw-1' });
    before.subscribe(CDS);
    before.ack(await before.nextResponse(CDS));
    const had = before.versions(CDS);
    expect(Object.keys(had)).toEqual(['c1', 'c2', 'c3']);
    before.cancel();

    h.cache.setAll(
      new Map([['default', resources({ clusters: [cluster('c1'), cluster('c2', '9s'), cluster('c4')] })]]),
    );
    const after = h.client.delta({ id: 'gw-1' });
    after.subscribe(CDS, [], had);
    const res = await after.nextResponse(CDS);
    expect(deltaResourceNames(res)).toEqual(['c2', 'c4']);
    expect(res.removed_resources).toEqual(['c3']);

    const upToDate = h.client.delta({ id: 'gw-2' });
    upToDate.subscribe(CDS, [], {
      c1: resourceVersion(CDS, 'c1'),
      c2: resourceVersion(CDS, 'c2'),
      c4: resourceVersion(CDS, 'c4'),
    });
    await upToDate.expectNoResponse();
    const conn = h.server.connections().find((c) => c.nodeId === 'gw-2');
    expect(conn?.types).toEqual([
      {
        typeUrl: CDS,
        sentVersion: snap(CDS)?.version,
        ackedVersion: snap(CDS)?.version,
        state: 'acked',
        sentAt: expect.any(String),
        upToDate: true,
      },
    ]);
  });

  it('subscribes and unsubscribes ClusterLoadAssignments by name', async () => {
    h = await startHarness();
    h.cache.setAll(new Map([['default', resources({ endpoints: [cla('c1'), cla('c2')] })]]));
    const d = h.client.delta({ id: 'gw-1' });
    d.subscribe(EDS, ['c1']);
    const one = await d.nextResponse(EDS);
    expect(deltaResourceNames(one)).toEqual(['c1']);
    d.ack(one);
    d.subscribe(EDS, ['c2']);
    const two = await d.nextResponse(EDS);
    expect(deltaResourceNames(two)).toEqual(['c2']);
    d.ack(two);
    d.unsubscribe(EDS, ['c1']);
    await d.expectNoResponse();
    h.cache.updateResources('default', EDS, [cla('c1', 9001)], []);
    await d.expectNoResponse();
    h.cache.updateResources('default', EDS, [], ['c2']);
    const removed = await d.nextResponse(EDS);
    expect(removed.resources).toEqual([]);
    expect(removed.removed_resources).toEqual(['c2']);
  });

  it('sends the unchanged ClusterLoadAssignment of an updated cluster again, and only that one', async () => {
    h = await startHarness();
    const group = (timeout: string) =>
      new Map([
        [
          'default',
          resources({ clusters: [cluster('c1', timeout), cluster('c2')], endpoints: [cla('c1'), cla('c2')] }),
        ],
      ]);
    h.cache.setAll(group('1s'));
    const d = h.client.delta({ id: 'gw-1' });
    d.subscribe(CDS);
    d.ack(await d.nextResponse(CDS));
    d.subscribe(EDS, ['c1', 'c2']);
    d.ack(await d.nextResponse(EDS));
    h.cache.setAll(group('3s'));
    const clusters = await d.nextResponse();
    expect([clusters.type_url, deltaResourceNames(clusters)]).toEqual([CDS, ['c1']]);
    d.ack(clusters);
    const endpoints = await d.nextResponse();
    expect([endpoints.type_url, deltaResourceNames(endpoints)]).toEqual([EDS, ['c1']]);
    d.ack(endpoints);
    await d.expectNoResponse();
  });

  it('pushes a change in the order clusters, endpoints, secrets, listeners, routes', async () => {
    h = await startHarness();
    h.cache.setAll(
      new Map([
        [
          'default',
          resources({
            clusters: [cluster('c1')],
            endpoints: [cla('c1')],
            secrets: [secret('s1')],
            listeners: [listener('l1', 'r1')],
            routes: [route('r1', 'c1')],
          }),
        ],
      ]),
    );
    const d = h.client.delta({ id: 'gw-1' });
    for (const [t, names] of [
      [RDS, ['r1']],
      [LDS, []],
      [SDS, ['s1']],
      [EDS, ['c1', 'c2']],
      [CDS, []],
    ] as const) {
      d.subscribe(t, names);
      d.ack(await d.nextResponse(t));
    }
    h.cache.setAll(
      new Map([
        [
          'default',
          resources({
            clusters: [cluster('c1'), cluster('c2')],
            endpoints: [cla('c1'), cla('c2')],
            secrets: [secret('s1', 'cert-2')],
            listeners: [listener('l1', 'r1', 10081)],
            routes: [route('r1', 'c2')],
          }),
        ],
      ]),
    );
    const got: Array<[string, string[]]> = [];
    // The client ACKs as Envoy does; listeners and routes wait until the new cluster c2 has its endpoints.
    for (let i = 0; i < 5; i++) {
      const res = await d.nextResponse();
      got.push([res.type_url, deltaResourceNames(res)]);
      d.ack(res);
    }
    expect(got).toEqual([
      [CDS, ['c2']],
      [EDS, ['c2']],
      [SDS, ['s1']],
      [LDS, ['l1']],
      [RDS, ['r1']],
    ]);
  });

  it('holds back removed clusters and endpoints until listeners and routes are ACKed (make-before-break)', async () => {
    h = await startHarness({ holdRemovalsMs: 10_000 });
    h.cache.setAll(new Map([['default', simpleGroup('c1')]]));
    const d = h.client.delta({ id: 'gw-1' });
    for (const [t, names] of [
      [CDS, []],
      [EDS, ['c1']],
      [LDS, []],
      [RDS, ['r1']],
    ] as const) {
      d.subscribe(t, names);
      d.ack(await d.nextResponse(t));
    }
    d.subscribe(EDS, ['c2']); // as Envoy does once it learns about cluster c2
    h.cache.setAll(new Map([['default', simpleGroup('c2', 9090)]]));
    const cds = await d.nextResponse(CDS);
    expect([deltaResourceNames(cds), cds.removed_resources]).toEqual([['c2'], []]);
    const eds = await d.nextResponse(EDS);
    expect([deltaResourceNames(eds), eds.removed_resources]).toEqual([['c2'], []]);
    // c2 warms until its endpoints are ACKed: the routes that use it wait.
    await d.expectNoResponse(RDS, 100);
    d.ack(cds);
    d.ack(eds);
    const rds = await d.nextResponse(RDS);
    expect(deltaResourceNames(rds)).toEqual(['r1']);
    await d.expectNoResponse(CDS);
    d.ack(rds);
    const cdsRemoval = await d.nextResponse(CDS);
    expect([deltaResourceNames(cdsRemoval), cdsRemoval.removed_resources]).toEqual([[], ['c1']]);
    const edsRemoval = await d.nextResponse(EDS);
    expect([deltaResourceNames(edsRemoval), edsRemoval.removed_resources]).toEqual([[], ['c1']]);
  });

  it('sends only the touched ClusterLoadAssignment on an endpoint-only update', async () => {
    h = await startHarness();
    h.cache.setAll(
      new Map([
        [
          'default',
          resources({ clusters: [cluster('c1'), cluster('c2')], endpoints: [cla('c1'), cla('c2')] }),
        ],
      ]),
    );
    const d = h.client.delta({ id: 'gw-1' });
    d.subscribe(CDS);
    d.ack(await d.nextResponse(CDS));
    d.subscribe(EDS, ['c1', 'c2']);
    d.ack(await d.nextResponse(EDS));
    h.cache.updateResources('default', EDS, [cla('c2', 9999)], []);
    const res = await d.nextResponse();
    expect(res.type_url).toBe(EDS);
    expect(deltaResourceNames(res)).toEqual(['c2']);
    expect(res.removed_resources).toEqual([]);
    await d.expectNoResponse();
  });
});
