/** Server-level behaviour: groups, connections(), malformed requests, events, shutdown. */
import { Client, credentials, Metadata, status } from '@grpc/grpc-js';
import type { StatusObject } from '@grpc/grpc-js';
import { deltaResourceNames, sotwResourceNames } from '../../test/support/xds-client.js';
import { SOTW_METHOD } from './ads-service.js';
import type { Harness } from './testdata/ads-fixtures.js';
import {
  CDS,
  EDS,
  cla,
  cluster,
  eventually,
  resources,
  simpleGroup,
  startHarness,
} from './testdata/ads-fixtures.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

function twoGroups(aCluster: string, bCluster: string) {
  return new Map([
    ['a', resources({ clusters: [cluster(aCluster)], endpoints: [cla(aCluster)] })],
    ['b', resources({ clusters: [cluster(bCluster)], endpoints: [cla(bCluster)] })],
  ]);
}

describe('ADS server', () => {
  it('keeps gateway groups apart on SotW streams', async () => {
    h = await startHarness();
    h.cache.setAll(twoGroups('a1', 'b1'));
    const a = h.client.sotw({ id: 'gw-a', cluster: 'a' });
    const b = h.client.sotw({ id: 'gw-b', cluster: 'b' });
    a.subscribe(CDS);
    b.subscribe(CDS);
    const ra = await a.nextResponse(CDS);
    const rb = await b.nextResponse(CDS);
    expect(sotwResourceNames(ra)).toEqual(['a1']);
    expect(sotwResourceNames(rb)).toEqual(['b1']);
    a.ack(ra);
    b.ack(rb);
    h.cache.setAll(twoGroups('a2', 'b1'));
    expect(sotwResourceNames(await a.nextResponse(CDS))).toEqual(['a2']);
    await b.expectNoResponse();
  });

  it('keeps gateway groups apart on Delta streams', async () => {
    h = await startHarness();
    h.cache.setAll(twoGroups('a1', 'b1'));
    const a = h.client.delta({ id: 'gw-a', cluster: 'a' });
    const b = h.client.delta({ id: 'gw-b', cluster: 'b' });
    a.subscribe(EDS, ['a1', 'b1']);
    b.subscribe(EDS, ['a1', 'b1']);
    expect(deltaResourceNames(await a.nextResponse(EDS))).toEqual(['a1']);
    expect(deltaResourceNames(await b.nextResponse(EDS))).toEqual(['b1']);
    h.cache.updateResources('b', EDS, [cla('b1', 9000)], []);
    expect(deltaResourceNames(await b.nextResponse(EDS))).toEqual(['b1']);
    await a.expectNoResponse();
  });

  it('puts a node without cluster in the default group and lists connections', async () => {
    h = await startHarness();
    h.cache.setAll(new Map([['default', simpleGroup()]]));
    const s = h.client.sotw({ id: 'gw-1' });
    const d = h.client.delta({ id: 'gw-2', cluster: 'other' });
    s.subscribe(CDS);
    d.subscribe(CDS);
    const rs = await s.nextResponse(CDS);
    const rd = await d.nextResponse(CDS);
    expect(sotwResourceNames(rs)).toEqual(['c1']);
    expect(rd.resources).toEqual([]); // the empty snapshot of an unknown group
    const conns = h.server.connections();
    expect(conns.map((c) => [c.group, c.nodeId, c.stream])).toEqual([
      ['default', 'gw-1', 'sotw'],
      ['other', 'gw-2', 'delta'],
    ]);
    expect(conns[0]?.peer).toMatch(/127\.0\.0\.1/);
    expect(Number.isNaN(Date.parse(conns[0]?.connectedAt ?? ''))).toBe(false);
  });

  it('ignores requests for types it does not serve', async () => {
    h = await startHarness();
    h.cache.setAll(new Map([['default', simpleGroup()]]));
    const s = h.client.sotw({ id: 'gw-1' });
    s.subscribe('type.googleapis.com/envoy.service.runtime.v3.Runtime');
    await s.expectNoResponse();
    s.subscribe(CDS);
    expect(sotwResourceNames(await s.nextResponse(CDS))).toEqual(['c1']);
  });

  it('closes a stream whose request has no type_url with INVALID_ARGUMENT, and keeps serving', async () => {
    h = await startHarness();
    h.cache.setAll(new Map([['default', simpleGroup()]]));
    const bad = h.client.delta({ id: 'gw-bad' });
    bad.send({ type_url: '' });
    const st = await bad.status;
    expect(st.code).toBe(status.INVALID_ARGUMENT);
    await eventually(() => h.events.of('close').length === 1);
    const good = h.client.sotw({ id: 'gw-good' });
    good.subscribe(CDS);
    expect(sotwResourceNames(await good.nextResponse(CDS))).toEqual(['c1']);
    expect(h.server.connections().map((c) => c.nodeId)).toEqual(['gw-good']);
  });

  it('closes a stream sending undecodable bytes with an error status, and keeps serving', async () => {
    h = await startHarness();
    h.cache.setAll(new Map([['default', simpleGroup()]]));
    const raw = new Client(`127.0.0.1:${h.port}`, credentials.createInsecure());
    try {
      const call = raw.makeBidiStreamRequest(
        SOTW_METHOD.path,
        (b: Buffer) => b,
        SOTW_METHOD.responseDeserialize,
        new Metadata(),
      );
      const st = new Promise<StatusObject>((resolve) => call.on('status', resolve));
      call.on('error', () => undefined);
      call.write(Buffer.from([0x0a, 0x05, 0x61])); // field 1, length 5, one byte: truncated
      expect((await st).code).not.toBe(status.OK);
    } finally {
      raw.close();
    }
    const good = h.client.sotw({ id: 'gw-good' });
    good.subscribe(CDS);
    expect(sotwResourceNames(await good.nextResponse(CDS))).toEqual(['c1']);
  });

  it('survives an event hook that throws', async () => {
    h = await startHarness({
      events: {
        onPush: () => {
          throw new Error('metrics bug');
        },
      },
    });
    h.cache.setAll(new Map([['default', simpleGroup()]]));
    const s = h.client.sotw({ id: 'gw-1' });
    s.subscribe(CDS);
    s.ack(await s.nextResponse(CDS));
    h.cache.setAll(new Map([['default', resources({ clusters: [cluster('c9')] })]]));
    expect(sotwResourceNames(await s.nextResponse(CDS))).toEqual(['c9']);
  });

  it('reports open, push and close events, and ends the stream when the client half-closes', async () => {
    h = await startHarness();
    h.cache.setAll(new Map([['default', simpleGroup()]]));
    const s = h.client.sotw({ id: 'gw-1' });
    s.subscribe(CDS);
    const res = await s.nextResponse(CDS);
    s.end();
    expect((await s.status).code).toBe(status.OK);
    await eventually(() => h.events.of('close').length === 1);
    expect(h.events.events.map((e) => e.kind)).toEqual(['open', 'push', 'close']);
    expect(h.events.of('push')).toEqual([
      { kind: 'push', node: 'gw-1', typeUrl: CDS, version: res.version_info, count: 1 },
    ]);
    expect(h.server.connections()).toEqual([]);
  });

  it('ends every stream with UNAVAILABLE on close()', async () => {
    h = await startHarness({ closeWindowMs: 100 });
    h.cache.setAll(new Map([['default', simpleGroup()]]));
    const streams = [
      h.client.sotw({ id: 'gw-1' }),
      h.client.delta({ id: 'gw-2' }),
      h.client.sotw({ id: 'gw-3' }),
    ];
    for (const s of streams) s.subscribe(CDS);
    for (const s of streams) await s.nextResponse(CDS);
    await h.server.close();
    const codes = await Promise.all(streams.map((s) => s.status.then((st) => st.code)));
    expect(codes).toEqual([status.UNAVAILABLE, status.UNAVAILABLE, status.UNAVAILABLE]);
    expect(h.events.of('close')).toHaveLength(3);
    expect(h.server.connections()).toEqual([]);
  });
});
