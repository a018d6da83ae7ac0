/** Each gateway's metrics URL in the fleet registry: from its address and its group's served metrics listener. */
import type { AdsConnectionInfo } from '../../xds/server/connection.js';
import { SnapshotCache } from '../../xds/cache/snapshot-cache.js';
import { RESOURCE_TYPES } from '../../xds/protos/envoy-protos.js';
import { translateMetricsListener } from '../../xds/translator/listener-metrics.js';
import { buildFleetView } from './fleet-view.js';
import { metricsPortsOf, metricsUrl } from './metrics-ports.js';

test.each([
  ['192.0.2.10', 19001, 'http://192.0.2.10:19001/stats/prometheus'],
  ['2001:db8::1', 19001, 'http://[2001:db8::1]:19001/stats/prometheus'],
  ['gw-1.edge.example.com', 9102, 'http://gw-1.edge.example.com:9102/stats/prometheus'],
  ['javascript:alert(1)', 9102, undefined],
  ['a b', 9102, undefined],
  ['evil.example.com/x?', 9102, undefined],
  [undefined, 9102, undefined],
  ['192.0.2.10', undefined, undefined],
])('metricsUrl(%j, %j) is %j', (address, port, url) => {
  expect(metricsUrl(address, port)).toBe(url);
});

function conn(nodeId: string, group: string, address?: string): AdsConnectionInfo {
  return {
    id: `s-${nodeId}`,
    stream: 'delta',
    peer: '10.0.0.1:40000',
    nodeId,
    group,
    connectedAt: new Date(0).toISOString(),
    draining: false,
    types: [],
    ...(address !== undefined ? { address } : {}),
  } as AdsConnectionInfo;
}

test('the served metrics listener gives the group its port; the view links gateways with an address', () => {
  const cache = new SnapshotCache();
  cache.setAll(
    new Map([
      [
        'edge',
        new Map([
          [
            RESOURCE_TYPES.listener,
            [{ name: 'metrics', resource: translateMetricsListener({ name: 'metrics', port: 19001 }) }],
          ],
        ]),
      ],
      ['plain', new Map([[RESOURCE_TYPES.listener, []]])],
    ]),
  );
  const ports = metricsPortsOf(cache, ['edge', 'plain', 'unknown']);
  expect([...ports]).toEqual([['edge', 19001]]);
  const view = buildFleetView({
    connections: [conn('a', 'edge', '192.0.2.10'), conn('b', 'edge'), conn('c', 'plain', '192.0.2.11')],
    groupVersions: new Map([
      ['edge', {}],
      ['plain', {}],
    ]),
    now: 0,
    metricsPorts: ports,
  });
  const edge = view.groups.find((g) => g.name === 'edge')!;
  expect(edge.metricsPort).toBe(19001);
  expect(edge.gateways.map((g) => [g.nodeId, g.metricsUrl])).toEqual([
    ['a', 'http://192.0.2.10:19001/stats/prometheus'],
    ['b', undefined],
  ]);
  const plain = view.groups.find((g) => g.name === 'plain')!;
  expect(plain.metricsPort).toBeUndefined();
  expect(plain.gateways[0]?.metricsUrl).toBeUndefined();
});
