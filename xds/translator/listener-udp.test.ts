/** UDP listeners in Envoy's words: a UDP socket, the UDP proxy to the backend, the source map to the Service. */
import type { ObjectRef } from '../../src/errors.js';
import type { GatewayGroupIR, UdpListenerIR } from '../../src/ir/ir-types.js';
import { encodeResource, RESOURCE_TYPES } from '../protos/envoy-protos.js';
import { translateUdpListener } from './listener-udp.js';
import { sourcesOf } from './source-map.js';
import { translateXds } from './xds.translator.js';

const dns: ObjectRef = { kind: 'Service', namespace: 'net', name: 'dns' };

const listener = (extra: Partial<UdpListenerIR> = {}): UdpListenerIR => ({
  name: 'udp/5353',
  port: 5353,
  backend: 'udp/net/dns/53',
  idleTimeoutSeconds: 60,
  source: dns,
  ...extra,
});

const group: GatewayGroupIR = {
  name: 'edge',
  http: { name: 'http', port: 8080, virtualHosts: [] },
  tcp: [],
  udp: [listener()],
  backends: [
    {
      name: 'udp/net/dns/53',
      service: { namespace: 'net', name: 'dns', port: 53, portName: 'dns', protocol: 'UDP' },
      protocol: 'http1',
      connectTimeoutSeconds: 2,
      crossCluster: 'failover',
      endpoints: [],
      sources: [dns],
    },
  ],
  secrets: [],
};

test('a UDP listener binds a UDP socket, has no filter chain and routes every datagram to its backend', () => {
  const l = translateUdpListener(listener()) as Record<string, unknown>;
  expect(l['address']).toEqual({ socket_address: { protocol: 'UDP', address: '0.0.0.0', port_value: 5353 } });
  expect(l['filter_chains']).toBeUndefined();
  expect(JSON.stringify(l)).toContain('"cluster":"udp/net/dns/53"');
  expect(JSON.stringify(l)).not.toContain('hash_policies');
  expect(() => encodeResource(RESOURCE_TYPES.listener, l)).not.toThrow();
});

test('source-ip affinity hashes the client address', () => {
  const l = translateUdpListener(listener({ hashSourceIp: true }));
  expect(JSON.stringify(l)).toContain('"hash_policies":[{"source_ip":true}]');
});

test('the UDP listener and its cluster are attributed to the Service', () => {
  const t = translateXds({ groups: [group] });
  expect(sourcesOf(t.sources, 'edge', RESOURCE_TYPES.listener, 'udp/5353')).toEqual([dns]);
  expect(sourcesOf(t.sources, 'edge', RESOURCE_TYPES.cluster, 'udp/net/dns/53')).toEqual([dns]);
  expect(t.diagnostics).toEqual([]);
});
