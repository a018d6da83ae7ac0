import type { AdsConnectionInfo, AdsTypeInfo } from '../../xds/server/connection.js';
import { RESOURCE_TYPES } from '../../xds/protos/envoy-protos.js';
import { DEFAULT_LAGGING_AFTER_MS, buildFleetView, fleetGroupView } from './fleet-view.js';
import type { GroupVersions } from './fleet-view.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const ago = (ms: number): string => new Date(NOW - ms).toISOString();

const V1: GroupVersions = { cluster: 'c1', endpoint: 'e1', listener: 'l1', route: 'r1' };

function acked(
  kind: keyof typeof RESOURCE_TYPES,
  version: string,
  more: Partial<AdsTypeInfo> = {},
): AdsTypeInfo {
  return {
    typeUrl: RESOURCE_TYPES[kind],
    sentVersion: version,
    ackedVersion: version,
    state: 'acked',
    sentAt: ago(60_000),
    upToDate: false,
    ...more,
  };
}

const inSyncTypes = (): AdsTypeInfo[] => [
  acked('cluster', 'c1'),
  acked('endpoint', 'e1'),
  acked('listener', 'l1'),
  acked('route', 'r1'),
];

function conn(nodeId: string, group: string, more: Partial<AdsConnectionInfo> = {}): AdsConnectionInfo {
  return {
    id: `s-${nodeId}`,
    stream: 'delta',
    peer: '10.0.0.1:40000',
    nodeId,
    group,
    connectedAt: ago(3_600_000),
    types: inSyncTypes(),
    draining: false,
    ...more,
  };
}

function statusOf(types: AdsTypeInfo[], more: Partial<AdsConnectionInfo> = {}): string | undefined {
  const view = buildFleetView({
    connections: [conn('gw', 'edge', { types, ...more })],
    groupVersions: new Map([['edge', V1]]),
    now: NOW,
  });
  return view.groups[0]?.gateways[0]?.status;
}

describe('buildFleetView', () => {
  it('groups gateways by group, sorted, with known groups that have no gateway, and counts', () => {
    const view = buildFleetView({
      connections: [conn('b-2', 'edge'), conn('z-1', 'billing'), conn('a-1', 'edge')],
      groupVersions: new Map([
        ['edge', V1],
        ['internal', {}],
      ]),
      now: NOW,
    });
    expect(view.groups.map((g) => [g.name, g.gateways.map((x) => x.nodeId)])).toEqual([
      ['billing', ['z-1']],
      ['edge', ['a-1', 'b-2']],
      ['internal', []],
    ]);
    expect(view.summary).toEqual({
      groups: 3,
      gateways: 3,
      inSync: 2,
      lagging: 1,
      rejecting: 0,
      draining: 0,
    });
    // billing is unknown to the configuration: its versions are unknown, and nothing says its types are current.
    expect(view.groups[0]?.gateways[0]?.status).toBe('lagging');
    expect(view.groups[1]?.versions).toEqual({ cluster: 'c1', endpoint: 'e1', listener: 'l1', route: 'r1' });
    expect(view.generatedAt).toBe('2026-11-25T12:00:00.000Z');
    expect(view.laggingAfterMs).toBe(DEFAULT_LAGGING_AFTER_MS);
  });

  it('carries the registry fields of each gateway', () => {
    const view = buildFleetView({
      connections: [
        conn('gw-1', 'edge', {
          zone: 'eu-1a',
          region: 'eu',
          address: '192.0.2.7',
          userAgent: 'envoy',
          userAgentVersion: '1.40.0',
          stream: 'sotw',
        }),
      ],
      groupVersions: new Map([['edge', V1]]),
      now: NOW,
    });
    const gw = view.groups[0]?.gateways[0];
    expect(gw).toMatchObject({
      nodeId: 'gw-1',
      group: 'edge',
      status: 'in-sync',
      draining: false,
      zone: 'eu-1a',
      region: 'eu',
      address: '192.0.2.7',
      userAgent: 'envoy',
      envoyVersion: '1.40.0',
      stream: 'sotw',
      streamId: 's-gw-1',
      peer: '10.0.0.1:40000',
      connectedAt: ago(3_600_000),
    });
    expect(gw?.types.map((t) => [t.type, t.status, t.ackedVersion])).toEqual([
      ['cluster', 'in-sync', 'c1'],
      ['endpoint', 'in-sync', 'e1'],
      ['listener', 'in-sync', 'l1'],
      ['route', 'in-sync', 'r1'],
    ]);
    expect(gw).not.toHaveProperty('lastNack');
  });

  it('is in sync when every type ACKed the current version, or is up to date with another version string', () => {
    expect(statusOf(inSyncTypes())).toBe('in-sync');
    const types = inSyncTypes();
    types[1] = acked('endpoint', 'e0', { upToDate: true }); // a removal it had dropped: nothing to send
    expect(statusOf(types)).toBe('in-sync');
  });

  it('is lagging when a type is behind or unanswered for longer than the threshold, not before', () => {
    const behind = (sentAgo: number, more: Partial<AdsTypeInfo> = {}): AdsTypeInfo[] => {
      const types = inSyncTypes();
      types[0] = acked('cluster', 'c0', { sentAt: ago(sentAgo), ...more });
      return types;
    };
    expect(statusOf(behind(60_000))).toBe('lagging');
    expect(statusOf(behind(1_000))).toBe('in-sync');
    const pending = { state: 'pending' as const, sentVersion: 'c1', ackedVersion: 'c0' };
    expect(statusOf(behind(DEFAULT_LAGGING_AFTER_MS + 1, pending))).toBe('lagging');
    expect(statusOf(behind(DEFAULT_LAGGING_AFTER_MS, pending))).toBe('in-sync');
    // upToDate alone does not make an unanswered push in sync
    expect(statusOf(behind(60_000, { ...pending, upToDate: true }))).toBe('lagging');
  });

  it('counts an unanswered response from the first one still unanswered, not the latest push', () => {
    const types = inSyncTypes();
    types[1] = acked('endpoint', 'e0', {
      state: 'pending',
      sentVersion: 'e1',
      sentAt: ago(500), // pushed again just now
      pendingSince: ago(30_000), // but unanswered since 30 s
    });
    expect(statusOf(types)).toBe('lagging');
    types[1] = { ...types[1], pendingSince: ago(2_000) };
    expect(statusOf(types)).toBe('in-sync');
  });

  it('counts a change not yet sent from when the stream got it, not from the last push', () => {
    const types = inSyncTypes();
    types[0] = acked('cluster', 'c0', { sentAt: ago(3_600_000) }); // ACKed long ago, the group moved on
    expect(statusOf(types, { unsettledSince: ago(1_000) })).toBe('in-sync'); // waiting for a push slot
    expect(statusOf(types, { unsettledSince: ago(30_000) })).toBe('lagging');
    expect(statusOf(types)).toBe('lagging'); // no clock but the last push
  });

  it('a gateway that got nothing long after it connected is lagging', () => {
    expect(statusOf([], { connectedAt: ago(60_000) })).toBe('lagging');
    expect(statusOf([], { connectedAt: ago(1_000) })).toBe('in-sync');
  });

  it('honours laggingAfterMs', () => {
    const types = inSyncTypes();
    types[0] = acked('cluster', 'c0', { sentAt: ago(5_000) });
    const view = buildFleetView({
      connections: [conn('gw', 'edge', { types })],
      groupVersions: new Map([['edge', V1]]),
      now: NOW,
      laggingAfterMs: 2_000,
    });
    expect(view.groups[0]?.gateways[0]?.status).toBe('lagging');
    expect(view.laggingAfterMs).toBe(2_000);
  });

  it('is rejecting when a last response was NACKed, with the NACK shown; a later ACK clears the status, not the history', () => {
    const nack = {
      version: 'l2',
      message: 'Error adding/updating listener(s) http: <script>',
      resourceNames: ['http'],
      at: ago(30_000),
      objects: [{ kind: 'Ingress', namespace: 'shop', name: 'web' }],
    };
    const older = { version: 'c2', message: 'old', resourceNames: ['a'], at: ago(90_000) };
    const types = inSyncTypes();
    types[0] = acked('cluster', 'c1', { lastNack: older });
    types[2] = { ...acked('listener', 'l1'), sentVersion: 'l2', state: 'nacked', lastNack: nack };
    const view = buildFleetView({
      connections: [conn('gw', 'edge', { types })],
      groupVersions: new Map([['edge', { ...V1, listener: 'l2' }]]),
      now: NOW,
    });
    const gw = view.groups[0]?.gateways[0];
    expect(gw?.status).toBe('rejecting');
    expect(gw?.types[2]).toMatchObject({ type: 'listener', status: 'rejecting', lastNack: nack });
    expect(gw?.lastNack).toEqual({ ...nack, type: 'listener' });
    expect(view.summary.rejecting).toBe(1);

    types[2] = acked('listener', 'l3', { lastNack: nack });
    const later = buildFleetView({
      connections: [conn('gw', 'edge', { types })],
      groupVersions: new Map([['edge', { ...V1, listener: 'l3' }]]),
      now: NOW,
    }).groups[0]?.gateways[0];
    expect(later?.status).toBe('in-sync');
    expect(later?.lastNack).toEqual({ ...nack, type: 'listener' });
  });

  it('draining takes precedence over rejecting and lagging', () => {
    const types = inSyncTypes();
    types[0] = { ...acked('cluster', 'c1'), state: 'nacked' };
    expect(statusOf(types, { draining: true })).toBe('draining');
    expect(statusOf(types)).toBe('rejecting');
  });

  it('keeps one entry per stream, sorted by node id then connection time', () => {
    const view = buildFleetView({
      connections: [
        conn('gw', 'edge', { id: 's9', connectedAt: ago(1_000) }),
        conn('gw', 'edge', { id: 's2', connectedAt: ago(9_000) }),
      ],
      groupVersions: new Map([['edge', V1]]),
      now: NOW,
    });
    expect(view.groups[0]?.gateways.map((g) => g.streamId)).toEqual(['s2', 's9']);
  });
});

describe('fleetGroupView', () => {
  it('keeps one group and recounts, or answers undefined for an unknown group', () => {
    const view = buildFleetView({
      connections: [conn('a', 'edge'), conn('b', 'internal', { draining: true })],
      groupVersions: new Map([
        ['edge', V1],
        ['internal', V1],
      ]),
      now: NOW,
    });
    const internal = fleetGroupView(view, 'internal');
    expect(internal?.groups.map((g) => g.name)).toEqual(['internal']);
    expect(internal?.summary).toEqual({
      groups: 1,
      gateways: 1,
      inSync: 0,
      lagging: 0,
      rejecting: 0,
      draining: 1,
    });
    expect(fleetGroupView(view, 'nope')).toBeUndefined();
  });
});
