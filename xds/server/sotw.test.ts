/** State-of-the-world ADS over a real grpc-js stream on 127.0.0.1. */
import { sotwResourceNames } from '../../test/support/xds-client.js';
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

const version = (typeUrl: string, group = 'default'): string =>
  h.cache.snapshot(group).types.get(typeUrl as typeof CDS)?.version ?? '';

describe('SotW ADS', () => {
  it('answers nothing before the cache is ready, then answers the held request', async () => {
    h = await startHarness();
    const s = h.client.sotw({ id: 'gw-1' });
    s.subscribe(CDS);
    await s.expectNoResponse();
    h.cache.setAll(new Map([['default', simpleGroup()]]));
    const res = await s.nextResponse(CDS);
    expect(res.version_info).toBe(version(CDS));
    expect(res.nonce).not.toBe('');
    expect(sotwResourceNames(res)).toEqual(['c1']);
    expect(res.resources[0]?.type_url).toBe(CDS);
    expect(h.events.of('open')).toEqual([{ kind: 'open', node: 'gw-1' }]);
  });

  it('records an ACK and sends nothing more', async () => {
    h = await startHarness();
    h.cache.setAll(new Map([['default', simpleGroup()]]));
    const s = h.client.sotw({ id: 'gw-1' });
    s.subscribe(CDS);
    const res = await s.nextResponse(CDS);
    s.ack(res);
    await eventually(() => h.events.of('ack').length === 1);
    expect(h.events.of('ack')).toEqual([
      { kind: 'ack', node: 'gw-1', typeUrl: CDS, version: res.version_info },
    ]);
    const [conn] = h.server.connections();
    expect(conn).toMatchObject({ nodeId: 'gw-1', group: 'default', stream: 'sotw' });
    expect(conn?.types).toEqual([
      {
        typeUrl: CDS,
        sentVersion: res.version_info,
        ackedVersion: res.version_info,
        state: 'acked',
        sentAt: expect.any(String),
        upToDate: true,
      },
    ]);
    await s.expectNoResponse();
  });

  it('records a NACK, does not send the rejected version again, and pushes the next change', async () => {
    h = await startHarness();
    h.cache.setAll(new Map([['default', simpleGroup()]]));
    const s = h.client.sotw({ id: 'gw-1' });
    s.subscribe(CDS);
    const res = await s.nextResponse(CDS);
    s.nack(res, 'bad cluster c1');
    await eventually(() => h.events.of('nack').length === 1);
    expect(h.events.of('nack')).toEqual([
      {
        kind: 'nack',
        node: 'gw-1',
        typeUrl: CDS,
        version: res.version_info,
        message: 'bad cluster c1',
        names: ['c1'],
      },
    ]);
    expect(h.server.connections()[0]?.types[0]).toMatchObject({
      state: 'nacked',
      lastNack: { version: res.version_info, message: 'bad cluster c1' },
    });
    // The storm: the client repeats its request; a translation producing the same clusters comes by.
    s.nack(res, 'bad cluster c1');
    s.subscribe(CDS);
    h.cache.setAll(
      new Map([['default', resources({ clusters: [cluster('c1')], listeners: [listener('l2', 'r1')] })]]),
    );
    await s.expectNoResponse(CDS);
    h.cache.setAll(new Map([['default', resources({ clusters: [cluster('c1', '5s')] })]]));
    const next = await s.nextResponse(CDS);
    expect(next.version_info).not.toBe(res.version_info);
    expect(next.version_info).toBe(version(CDS));
  });

  it('ignores a request with a stale nonce', async () => {
    h = await startHarness();
    h.cache.setAll(new Map([['default', simpleGroup()]]));
    const s = h.client.sotw({ id: 'gw-1' });
    s.subscribe(CDS);
    const first = await s.nextResponse(CDS);
    h.cache.setAll(new Map([['default', resources({ clusters: [cluster('c1', '2s')] })]]));
    const second = await s.nextResponse(CDS);
    s.ack(first); // arrives after `second` was sent: stale
    s.send({ type_url: CDS, response_nonce: first.nonce, resource_names: ['*'] });
    await s.expectNoResponse();
    expect(h.events.of('ack')).toEqual([]);
    expect(h.server.connections()[0]?.types[0]).toMatchObject({
      sentVersion: second.version_info,
      state: 'pending',
    });
    s.ack(second);
    await eventually(() => h.events.of('ack').length === 1);
    expect(h.events.of('ack')[0]).toMatchObject({ version: second.version_info });
  });

  it('ignores a stale request even when it changes resource_names', async () => {
    h = await startHarness();
    h.cache.setAll(new Map([['default', resources({ endpoints: [cla('c1'), cla('c2')] })]]));
    const s = h.client.sotw({ id: 'gw-1' });
    s.subscribe(EDS, ['c1']);
    const first = await s.nextResponse(EDS);
    h.cache.updateResources('default', EDS, [cla('c1', 9000)], []);
    const second = await s.nextResponse(EDS);
    s.send({ type_url: EDS, response_nonce: first.nonce, resource_names: ['c1', 'c2'] });
    await s.expectNoResponse();
    s.send({
      type_url: EDS,
      response_nonce: second.nonce,
      resource_names: ['c1', 'c2'],
      version_info: second.version_info,
    });
    expect(sotwResourceNames(await s.nextResponse(EDS))).toEqual(['c1', 'c2']);
  });

  it('answers a change of EDS resource_names with the new set, and only requested names', async () => {
    h = await startHarness();
    h.cache.setAll(
      new Map([
        [
          'default',
          resources({
            clusters: [cluster('c1'), cluster('c2')],
            endpoints: [cla('c1'), cla('c2'), cla('c3')],
          }),
        ],
      ]),
    );
    const s = h.client.sotw({ id: 'gw-1' });
    s.subscribe(EDS, ['c1']);
    const one = await s.nextResponse(EDS);
    expect(sotwResourceNames(one)).toEqual(['c1']);
    expect(one.version_info).toBe(version(EDS));
    s.ack(one);
    s.subscribe(EDS, ['c1', 'c2']); // carries the current nonce
    const two = await s.nextResponse(EDS);
    expect(sotwResourceNames(two)).toEqual(['c1', 'c2']);
    s.ack(two);
    s.subscribe(EDS, ['c2']); // dropping a name needs no answer
    await s.expectNoResponse();
    h.cache.updateResources('default', EDS, [cla('c1', 9000)], []);
    await s.expectNoResponse(); // c1 is no longer subscribed
    h.cache.updateResources('default', EDS, [cla('c2', 9000)], []);
    expect(sotwResourceNames(await s.nextResponse(EDS))).toEqual(['c2']);
  });

  it('does not answer a reconnecting client already at the current version, until something changes', async () => {
    h = await startHarness();
    h.cache.setAll(new Map([['default', simpleGroup()]]));
    const s = h.client.sotw({ id: 'gw-1' });
    s.subscribe(CDS, [], { versionInfo: version(CDS) });
    await s.expectNoResponse();
    expect(h.server.connections()[0]?.types).toEqual([
      {
        typeUrl: CDS,
        sentVersion: version(CDS),
        ackedVersion: version(CDS),
        state: 'acked',
        sentAt: expect.any(String),
        upToDate: true,
      },
    ]);
    h.cache.setAll(new Map([['default', resources({ clusters: [cluster('c1'), cluster('c2')] })]]));
    expect(sotwResourceNames(await s.nextResponse(CDS))).toEqual(['c1', 'c2']);
    const other = h.client.sotw({ id: 'gw-2' });
    other.subscribe(CDS, [], { versionInfo: 'some-old-version' });
    expect(sotwResourceNames(await other.nextResponse(CDS))).toEqual(['c1', 'c2']);
  });

  it('pushes a change in the order clusters, endpoints, secrets, listeners, routes', async () => {
    h = await startHarness();
    const v1 = resources({
      clusters: [cluster('c1')],
      endpoints: [cla('c1')],
      secrets: [secret('s1')],
      listeners: [listener('l1', 'r1')],
      routes: [route('r1', 'c1')],
    });
    h.cache.setAll(new Map([['default', v1]]));
    const s = h.client.sotw({ id: 'gw-1' });
    // Requested in reverse order while not yet subscribed anywhere: each answered as it comes.
    for (const [t, names] of [
      [RDS, ['r1']],
      [LDS, []],
      [SDS, ['s1']],
      [EDS, ['c1', 'c2']],
      [CDS, []],
    ] as const) {
      s.subscribe(t, names);
      s.ack(await s.nextResponse(t));
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
    const order: string[] = [];
    // The client ACKs as Envoy does; listeners and routes wait until the new cluster c2 has its endpoints.
    for (let i = 0; i < 5; i++) {
      const r = await s.nextResponse();
      order.push(r.type_url);
      s.ack(r);
    }
    expect(order).toEqual([CDS, EDS, SDS, LDS, RDS]);
  });

  it('orders the answers to requests held before ready by push order', async () => {
    h = await startHarness();
    const s = h.client.sotw({ id: 'gw-1' });
    s.subscribe(LDS);
    s.subscribe(RDS, ['r1']);
    s.subscribe(CDS);
    await s.expectNoResponse();
    h.cache.setAll(new Map([['default', simpleGroup()]]));
    const order: string[] = [];
    for (let i = 0; i < 3; i++) order.push((await s.nextResponse()).type_url);
    expect(order).toEqual([CDS, LDS, RDS]);
  });

  it('keeps a removed cluster until the routes moving away from it are ACKed (make-before-break)', async () => {
    h = await startHarness({ holdRemovalsMs: 10_000 });
    h.cache.setAll(new Map([['default', simpleGroup('c1')]]));
    const s = h.client.sotw({ id: 'gw-1' });
    for (const [t, names] of [
      [CDS, []],
      [EDS, ['c1']],
      [LDS, []],
      [RDS, ['r1']],
    ] as const) {
      s.subscribe(t, names);
      s.ack(await s.nextResponse(t));
    }
    h.cache.setAll(new Map([['default', simpleGroup('c2', 9090)]])); // r1 now routes to c2; c1 is gone
    const cds = await s.nextResponse(CDS);
    expect(sotwResourceNames(cds)).toEqual(['c1', 'c2']);
    expect(cds.version_info).not.toBe(version(CDS));
    s.ack(cds);
    // c2 is new: the routes wait until it is warm (its endpoints ACKed), as Envoy asks for them.
    await s.expectNoResponse(RDS, 100);
    s.subscribe(EDS, ['c1', 'c2']);
    const eds = await s.nextResponse(EDS);
    await s.expectNoResponse(RDS, 50);
    s.ack(eds);
    const rds = await s.nextResponse(RDS);
    await s.expectNoResponse(CDS);
    s.ack(rds);
    const final = await s.nextResponse(CDS);
    expect(sotwResourceNames(final)).toEqual(['c2']);
    expect(final.version_info).toBe(version(CDS));
  });

  it('sends routes to a new cluster after the timeout when its endpoints are never asked for', async () => {
    h = await startHarness({ holdRemovalsMs: 300 });
    h.cache.setAll(new Map([['default', simpleGroup('c1')]]));
    const s = h.client.sotw({ id: 'gw-1' });
    for (const [t, names] of [
      [CDS, []],
      [RDS, ['r1']],
    ] as const) {
      s.subscribe(t, names);
      s.ack(await s.nextResponse(t));
    }
    h.cache.setAll(new Map([['default', simpleGroup('c2')]]));
    s.ack(await s.nextResponse(CDS));
    await s.expectNoResponse(RDS, 150);
    const rds = await s.nextResponse(RDS, 1000);
    expect(sotwResourceNames(rds)).toEqual(['r1']);
  });

  it('releases a held cluster removal after the timeout when the routes are not ACKed', async () => {
    h = await startHarness({ holdRemovalsMs: 300 });
    h.cache.setAll(new Map([['default', simpleGroup('c1')]]));
    const s = h.client.sotw({ id: 'gw-1' });
    for (const [t, names] of [
      [CDS, []],
      [EDS, ['c1']],
      [RDS, ['r1']],
    ] as const) {
      s.subscribe(t, names);
      s.ack(await s.nextResponse(t));
    }
    h.cache.setAll(new Map([['default', simpleGroup('c2')]]));
    const cds = await s.nextResponse(CDS);
    expect(sotwResourceNames(cds)).toEqual(['c1', 'c2']);
    s.ack(cds);
    s.subscribe(EDS, ['c1', 'c2']);
    s.ack(await s.nextResponse(EDS));
    const rds = await s.nextResponse(RDS);
    s.nack(rds, 'route rejected');
    await s.expectNoResponse(CDS, 150);
    expect(sotwResourceNames(await s.nextResponse(CDS, 1000))).toEqual(['c2']);
  });

  it('answers an endpoint-only update with the changed ClusterLoadAssignment only (EDS is not a full-state type)', async () => {
    h = await startHarness();
    h.cache.setAll(
      new Map([
        [
          'default',
          resources({ clusters: [cluster('c1'), cluster('c2')], endpoints: [cla('c1'), cla('c2')] }),
        ],
      ]),
    );
    const s = h.client.sotw({ id: 'gw-1' });
    s.subscribe(CDS);
    s.ack(await s.nextResponse(CDS));
    s.subscribe(EDS, ['c1', 'c2']);
    s.ack(await s.nextResponse(EDS));
    h.cache.updateResources('default', EDS, [cla('c1', 9999)], []);
    const res = await s.nextResponse();
    expect(res.type_url).toBe(EDS);
    expect(sotwResourceNames(res)).toEqual(['c1']);
    expect(res.version_info).toBe(h.cache.snapshot('default').types.get(EDS)?.version);
    await s.expectNoResponse();
  });

  it('sends the unchanged ClusterLoadAssignment again right after an updated cluster (Envoy re-warms it)', async () => {
    h = await startHarness();
    h.cache.setAll(
      new Map([
        [
          'default',
          resources({ clusters: [cluster('c1'), cluster('c2')], endpoints: [cla('c1'), cla('c2')] }),
        ],
      ]),
    );
    const s = h.client.sotw({ id: 'gw-1' });
    s.subscribe(CDS);
    s.ack(await s.nextResponse(CDS));
    s.subscribe(EDS, ['c1', 'c2']);
    s.ack(await s.nextResponse(EDS));
    // c1's settings change (its endpoints do not).
    h.cache.setAll(
      new Map([
        [
          'default',
          resources({ clusters: [cluster('c1', '3s'), cluster('c2')], endpoints: [cla('c1'), cla('c2')] }),
        ],
      ]),
    );
    const clusters = await s.nextResponse();
    expect(clusters.type_url).toBe(CDS);
    s.ack(clusters);
    const endpoints = await s.nextResponse();
    expect(endpoints.type_url).toBe(EDS);
    expect(sotwResourceNames(endpoints)).toEqual(['c1']);
    s.ack(endpoints);
    await s.expectNoResponse();
  });
});
