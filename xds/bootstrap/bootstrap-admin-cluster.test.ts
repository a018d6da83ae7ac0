/**
 * The bootstrap's `causeway_admin` cluster, which a group's metrics listener routes `GET
 * /stats/prometheus` to: it points at the gateway's own admin address (loopback for an unspecified
 * bind address), and is absent when the admin port is kernel-chosen (0), which the bootstrap cannot name.
 */
import { buildBootstrap, type BootstrapOptions } from './bootstrap.js';
import { ADMIN_CLUSTER_NAME } from '../translator/listener-metrics.js';

const BASE: BootstrapOptions = {
  group: 'edge',
  xdsHost: '10.96.0.10',
  xdsPort: 18000,
  nodeId: 'edge-1',
  adminPort: 9901,
};

function adminEndpoint(opts: BootstrapOptions): unknown {
  const clusters = (buildBootstrap(opts)['static_resources'] as { clusters: Record<string, unknown>[] })
    .clusters;
  const c = clusters.find((x) => x['name'] === ADMIN_CLUSTER_NAME);
  if (!c) return undefined;
  expect(c['type']).toBe('STATIC');
  const la = c['load_assignment'] as {
    endpoints: { lb_endpoints: { endpoint: { address: { socket_address: unknown } } }[] }[];
  };
  return la.endpoints[0]!.lb_endpoints[0]!.endpoint.address.socket_address;
}

test.each([
  ['127.0.0.1', 9901, { address: '127.0.0.1', port_value: 9901 }],
  ['0.0.0.0', 19000, { address: '127.0.0.1', port_value: 19000 }],
  ['::', 19000, { address: '::1', port_value: 19000 }],
  ['10.0.0.7', 9901, { address: '10.0.0.7', port_value: 9901 }],
])('admin %s:%d: causeway_admin points at %j', (adminAddress, adminPort, expected) => {
  expect(adminEndpoint({ ...BASE, adminAddress, adminPort })).toEqual(expected);
});

test('a kernel-chosen admin port (0) gives no causeway_admin cluster', () => {
  expect(adminEndpoint({ ...BASE, adminPort: 0 })).toBeUndefined();
});
