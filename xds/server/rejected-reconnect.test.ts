/**
 * No re-push of rejected content, across reconnects (rejected-memory.ts), over a real grpc-js stream:
 * a node that NACKed a version and reconnects running its last accepted config is not sent that version
 * again (SotW and Delta); a fresh process (no version told) is; a change is pushed; an ACK forgets.
 */
import { RejectedMemory, isRejectedContent } from './rejected-memory.js';
import type { Harness } from './testdata/ads-fixtures.js';
import {
  CDS,
  SDS,
  cluster,
  eventually,
  resources,
  secret,
  simpleGroup,
  startHarness,
} from './testdata/ads-fixtures.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const pushes = (typeUrl: string): number =>
  h.events.of('push').filter((e) => 'typeUrl' in e && e.typeUrl === typeUrl).length;

describe('SotW: a reconnecting node is not sent what it rejected', () => {
  it('skips the rejected version on reconnect, sends it to a fresh process, pushes the next change', async () => {
    h = await startHarness();
    const good = resources({ clusters: [cluster('c1')] });
    h.cache.setAll(new Map([['default', good]]));
    const s1 = h.client.sotw({ id: 'gw-1' });
    s1.subscribe(CDS);
    s1.ack(await s1.nextResponse(CDS));
    await eventually(() => h.events.of('ack').length === 1);
    const accepted = h.cache.snapshot('default').types.get(CDS)!.version;
    h.cache.setAll(new Map([['default', resources({ clusters: [cluster('c1'), cluster('bad')] })]]));
    const rejected = await s1.nextResponse(CDS);
    s1.nack(rejected, 'Error adding/updating cluster(s) bad: something Envoy refuses');
    await eventually(() => h.events.of('nack').length === 1);
    s1.end();
    await eventually(() => h.events.of('close').length === 1);
    expect(pushes(CDS)).toBe(2);

    // The same Envoy process reconnects: it tells the version it runs (the last one it accepted).
    const s2 = h.client.sotw({ id: 'gw-1' });
    s2.subscribe(CDS, [], { versionInfo: accepted });
    await s2.expectNoResponse(CDS);
    expect(pushes(CDS)).toBe(2);
    const conn = h.server.connections().find((c) => c.nodeId === 'gw-1');
    expect(conn?.types[0]).toMatchObject({
      state: 'nacked',
      sentVersion: rejected.version_info,
      ackedVersion: accepted,
      lastNack: { version: rejected.version_info },
    });

    // A new Envoy process with the same node id has no config: it gets everything (valid parts apply).
    const fresh = h.client.sotw({ id: 'gw-1' });
    fresh.subscribe(CDS);
    expect((await fresh.nextResponse(CDS)).version_info).toBe(rejected.version_info);
    fresh.end();

    // Another node is not affected by gw-1's rejection.
    const other = h.client.sotw({ id: 'gw-2' });
    other.subscribe(CDS, [], { versionInfo: accepted });
    expect((await other.nextResponse(CDS)).version_info).toBe(rejected.version_info);

    // The config changes: the reconnected stream gets it, ACKs it, and the memory forgets.
    h.cache.setAll(new Map([['default', resources({ clusters: [cluster('c1'), cluster('bad', '3s')] })]]));
    const fixed = await s2.nextResponse(CDS);
    expect(fixed.version_info).not.toBe(rejected.version_info);
    s2.ack(fixed);
    await eventually(() =>
      h.events.of('ack').some((e) => 'version' in e && e.version === fixed.version_info),
    );
  });

  it('sends again when the content differs from the rejected one at reconnect', async () => {
    h = await startHarness();
    h.cache.setAll(new Map([['default', simpleGroup()]]));
    const s1 = h.client.sotw({ id: 'gw-1' });
    s1.subscribe(CDS);
    const res = await s1.nextResponse(CDS);
    s1.nack(res, 'no');
    await eventually(() => h.events.of('nack').length === 1);
    s1.end();
    h.cache.setAll(new Map([['default', resources({ clusters: [cluster('c1', '4s')] })]]));
    const s2 = h.client.sotw({ id: 'gw-1' });
    s2.subscribe(CDS, [], { versionInfo: 'an-older-version' });
    expect((await s2.nextResponse(CDS)).version_info).not.toBe(res.version_info);
  });
});

describe('Delta: a reconnecting node is not sent the resources it rejected', () => {
  it('counts unchanged rejected resources as known on reconnect; sends changed ones', async () => {
    h = await startHarness();
    h.cache.setAll(new Map([['default', resources({ clusters: [cluster('c1')] })]]));
    const d1 = h.client.delta({ id: 'gw-1' });
    d1.subscribe(CDS);
    d1.ack(await d1.nextResponse(CDS));
    await eventually(() => h.events.of('ack').length === 1);
    h.cache.setAll(new Map([['default', resources({ clusters: [cluster('c1'), cluster('bad')] })]]));
    const rejected = await d1.nextResponse(CDS);
    expect(rejected.resources.map((r) => r.name)).toEqual(['bad']);
    d1.nack(rejected, 'Error adding/updating cluster(s) bad: no');
    await eventually(() => h.events.of('nack').length === 1);
    const told = d1.versions(CDS);
    d1.end();
    await eventually(() => h.events.of('close').length === 1);
    expect(pushes(CDS)).toBe(2);

    const d2 = h.client.delta({ id: 'gw-1' });
    d2.subscribe(CDS, [], told);
    await d2.expectNoResponse(CDS);
    expect(pushes(CDS)).toBe(2);
    expect(h.server.connections().find((c) => c.nodeId === 'gw-1')?.types[0]).toMatchObject({
      state: 'nacked',
      lastNack: { version: rejected.system_version_info },
    });

    h.cache.setAll(new Map([['default', resources({ clusters: [cluster('c1'), cluster('bad', '3s')] })]]));
    const fixed = await d2.nextResponse(CDS);
    expect(fixed.resources.map((r) => r.name)).toEqual(['bad']);
    expect(pushes(CDS)).toBe(3);
  });
});

describe('RejectedMemory', () => {
  const nack = { version: 'v1', message: 'm', resourceNames: ['a'], at: '2026-01-01T00:00:00.000Z' };
  it('keeps one entry per group, node and type; forgets on request; evicts the oldest beyond its bound', () => {
    const m = new RejectedMemory(2);
    const content = { version: 'v1', resources: new Map([['a', 'x']]), nack };
    m.remember('g', 'n1', CDS, content);
    m.remember('g', 'n2', CDS, content);
    expect(m.recall('g', 'n1', CDS)).toBe(content);
    expect(m.recall('other', 'n1', CDS)).toBeUndefined();
    m.remember('g', 'n3', CDS, content);
    expect(m.size).toBe(2);
    expect(m.recall('g', 'n1', CDS)).toBeUndefined();
    m.forget('g', 'n2', CDS);
    expect(m.recall('g', 'n2', CDS)).toBeUndefined();
  });

  it('does not remember nodes without an id', () => {
    const m = new RejectedMemory();
    const view = m.forStream(() => ({ nodeId: '', group: 'g' }));
    view.remember(CDS, { version: 'v1', resources: new Map(), nack });
    expect(m.size).toBe(0);
  });

  it('compares content by resource versions', () => {
    const rejected = { version: 'v', resources: new Map([['a', '1']]), nack };
    expect(isRejectedContent(new Map([['a', { version: '1' }]]), rejected)).toBe(true);
    expect(isRejectedContent(new Map([['a', { version: '2' }]]), rejected)).toBe(false);
    expect(
      isRejectedContent(
        new Map([
          ['a', { version: '1' }],
          ['b', { version: '1' }],
        ]),
        rejected,
      ),
    ).toBe(false);
  });
});

describe('a type the node never accepted anything of', () => {
  it('is not re-sent when the reconnecting stream told a version of an earlier type', async () => {
    h = await startHarness();
    h.cache.setAll(new Map([['default', resources({ clusters: [cluster('c1')], secrets: [secret('s1')] })]]));
    const s1 = h.client.sotw({ id: 'gw-1' });
    s1.subscribe(CDS);
    s1.ack(await s1.nextResponse(CDS));
    s1.subscribe(SDS, ['s1']);
    const rejected = await s1.nextResponse(SDS);
    s1.nack(rejected, 'Failed to load certificate chain from <inline>');
    await eventually(() => h.events.of('nack').length === 1);
    const accepted = h.cache.snapshot('default').types.get(CDS)!.version;
    s1.end();
    await eventually(() => h.events.of('close').length === 1);

    const s2 = h.client.sotw({ id: 'gw-1' });
    s2.subscribe(CDS, [], { versionInfo: accepted });
    s2.subscribe(SDS, ['s1']);
    await s2.expectNoResponse();
    expect(pushes(SDS)).toBe(1);
  });
});
