/** The registry fields of a connection: node identity (locality, address, version) and per-type upToDate. */
import { sotwResourceNames } from '../../test/support/xds-client.js';
import { AckTracker } from './ack-tracker.js';
import type { NodeInfo } from './discovery-messages.js';
import { nodeIdentity, peerIp, userAgentVersionOf } from './node-identity.js';
import type { Harness } from './testdata/ads-fixtures.js';
import {
  CDS,
  EDS,
  LDS,
  RDS,
  cla,
  cluster,
  eventually,
  resources,
  simpleGroup,
  startHarness,
} from './testdata/ads-fixtures.js';

const ENVOY_NODE: Omit<NodeInfo, 'id' | 'cluster'> = {
  user_agent_name: 'envoy',
  user_agent_build_version: { version: { major_number: 1, minor_number: 40, patch: 0 } },
  locality: { region: 'eu-west', zone: 'eu-west-1a', sub_zone: 'rack7' },
  metadata: { fields: { 'causeway.dev/address': { stringValue: '192.0.2.7' } } },
};

describe('peerIp', () => {
  it.each([
    ['127.0.0.1:5678', '127.0.0.1'],
    ['ipv4:10.0.0.2:80', '10.0.0.2'],
    ['[::1]:5678', '::1'],
    ['ipv6:[2001:db8::1]:443', '2001:db8::1'],
    ['::ffff:10.1.2.3:5678', '10.1.2.3'],
    ['[::ffff:10.1.2.3]:5678', '10.1.2.3'],
  ])('%s -> %s', (peer, ip) => {
    expect(peerIp(peer)).toBe(ip);
  });

  it.each(['unix:/tmp/sock', 'localhost:80', '', 'garbage'])('%j has no IP', (peer) => {
    expect(peerIp(peer)).toBeUndefined();
  });
});

describe('nodeIdentity', () => {
  it('takes locality, Envoy build version and the announced address from the node', () => {
    expect(nodeIdentity({ id: 'gw', cluster: 'edge', ...ENVOY_NODE }, '127.0.0.1:4000')).toEqual({
      userAgent: 'envoy',
      userAgentVersion: '1.40.0',
      region: 'eu-west',
      zone: 'eu-west-1a',
      subZone: 'rack7',
      address: '192.0.2.7',
    });
  });

  it('falls back to the peer IP and the free-form version, and leaves out what is unknown', () => {
    expect(
      nodeIdentity({ id: 'gw', cluster: '', user_agent_version: 'grpc-node 1.14' }, '[::1]:4000'),
    ).toEqual({ userAgentVersion: 'grpc-node 1.14', address: '::1' });
    expect(nodeIdentity(null, 'unix:/x')).toEqual({});
  });

  it('prefers the build version when both are given', () => {
    expect(
      userAgentVersionOf({
        id: 'gw',
        cluster: '',
        user_agent_version: 'x',
        user_agent_build_version: { version: { major_number: 1, minor_number: 2, patch: 3 } },
      }),
    ).toBe('1.2.3');
  });
});

describe('AckTracker pendingSince', () => {
  it('stays at the first response still unanswered, and goes with the answer', () => {
    let now = 1_000;
    const t = new AckTracker(() => now);
    t.recordPush(CDS, 'n1', 'v1', []);
    now = 2_000;
    t.recordPush(CDS, 'n2', 'v2', []); // a newer response before any answer
    expect(t.info()[0]).toMatchObject({
      state: 'pending',
      sentAt: new Date(2_000).toISOString(),
      pendingSince: new Date(1_000).toISOString(),
    });
    now = 3_000;
    expect(t.onRequest(CDS, 'n2', null)).toEqual({ kind: 'ack', version: 'v2' });
    expect(t.info()[0]).not.toHaveProperty('pendingSince');
    t.recordPush(CDS, 'n3', 'v3', []);
    expect(t.info()[0]?.pendingSince).toBe(new Date(3_000).toISOString());
  });
});

describe('connections() registry fields', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('reports what the node says over the wire, and the peer IP when it announces no address', async () => {
    h = await startHarness();
    h.cache.setAll(new Map([['edge', resources({ clusters: [cluster('c1')] })]]));
    const full = h.client.sotw({ id: 'gw-1', cluster: 'edge', ...ENVOY_NODE });
    full.subscribe(CDS);
    full.ack(await full.nextResponse(CDS));
    const bare = h.client.delta({ id: 'gw-2', cluster: 'edge' });
    bare.subscribe(CDS);
    await bare.nextResponse(CDS);
    await eventually(() => h!.server.connections().length === 2);
    const [one, two] = h.server.connections();
    expect(one).toMatchObject({
      nodeId: 'gw-1',
      group: 'edge',
      userAgent: 'envoy',
      userAgentVersion: '1.40.0',
      region: 'eu-west',
      zone: 'eu-west-1a',
      subZone: 'rack7',
      address: '192.0.2.7',
      draining: false,
    });
    expect(two).toMatchObject({ nodeId: 'gw-2', address: '127.0.0.1', draining: false });
    expect(two).not.toHaveProperty('zone');
    expect(two).not.toHaveProperty('userAgentVersion');
    expect(Number.isNaN(Date.parse(one?.types[0]?.sentAt ?? ''))).toBe(false);
  });

  it('a SotW client whose subscription a removal does not touch is up to date with a different version string', async () => {
    h = await startHarness();
    const group = (names: string[]): ReturnType<typeof resources> =>
      resources({ clusters: names.map((n) => cluster(n)), endpoints: names.map((n) => cla(n)) });
    h.cache.setAll(new Map([['default', group(['c1', 'c2'])]]));
    const s = h.client.sotw({ id: 'gw-1' });
    s.subscribe(EDS, ['c1', 'c2']);
    const res = await s.nextResponse(EDS);
    expect(sotwResourceNames(res)).toEqual(['c1', 'c2']);
    s.ack(res);
    await eventually(() => h!.server.connections()[0]?.types[0]?.state === 'acked');
    s.subscribe(EDS, ['c1']); // Envoy drops the name of a cluster it removed
    h.cache.updateResources('default', EDS, [], ['c2']);
    await s.expectNoResponse(EDS); // a SotW removal alone is no news
    const current = h.cache.snapshot('default').types.get(EDS)?.version;
    const [eds] = h.server.connections()[0]?.types ?? [];
    expect(eds?.ackedVersion).toBe(res.version_info);
    expect(eds?.ackedVersion).not.toBe(current);
    expect(eds).toMatchObject({ state: 'acked', upToDate: true });
  });

  it('is not up to date while a cluster removal is held back for make-before-break, then is', async () => {
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
    const upToDate = (): boolean[] | undefined => h!.server.connections()[0]?.types.map((t) => t.upToDate);
    await eventually(() => h!.server.connections()[0]?.types.every((t) => t.state === 'acked') ?? false);
    expect(upToDate()).toEqual([true, true, true, true]);
    h.cache.setAll(new Map([['default', simpleGroup('c2', 9090)]])); // r1 now routes to c2; c1 is gone
    const cds = await s.nextResponse(CDS);
    expect(sotwResourceNames(cds)).toEqual(['c1', 'c2']); // c1 held back
    s.ack(cds);
    await eventually(() => h!.server.connections()[0]?.types[0]?.state === 'acked');
    expect(upToDate()).toEqual([false, false, false, false]);
    expect(Date.parse(h.server.connections()[0]?.unsettledSince ?? '')).toBeLessThanOrEqual(Date.now());
    s.subscribe(EDS, ['c1', 'c2']);
    s.ack(await s.nextResponse(EDS));
    s.ack(await s.nextResponse(RDS));
    const final = await s.nextResponse(CDS);
    expect(sotwResourceNames(final)).toEqual(['c2']);
    s.ack(final);
    await eventually(() => h!.server.connections()[0]?.types.every((t) => t.state === 'acked') ?? false);
    expect(upToDate()).toEqual([true, true, true, true]);
    expect(h.server.connections()[0]).not.toHaveProperty('unsettledSince');
  });
});
