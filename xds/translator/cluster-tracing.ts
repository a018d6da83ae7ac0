/**
 * The Envoy cluster of a host:port tracing collector (a collector Service is an ordinary backend
 * cluster): STATIC for an IP address, STRICT_DNS (IPv4 preferred) for a DNS name, HTTP/2 for OTLP/gRPC.
 */
import type { TracingIR } from '../../src/ir/ir-types.js';
import { socketAddress, TYPES } from './common.js';
import { isIP } from 'node:net';

/** The group's collector cluster; undefined when it has none (no tracing, or a Service collector). */
export function tracingCollectorCluster(
  t: TracingIR | undefined,
): { name: string; resource: object } | undefined {
  if (t?.collector.kind !== 'address') return undefined;
  const { cluster, host, port } = t.collector;
  const dns = isIP(host) === 0;
  return {
    name: cluster,
    resource: {
      name: cluster,
      type: dns ? 'STRICT_DNS' : 'STATIC',
      ...(dns ? { dns_lookup_family: 'V4_PREFERRED' } : {}),
      connect_timeout: '5s',
      load_assignment: {
        cluster_name: cluster,
        endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(host, port) } }] }],
      },
      typed_extension_protocol_options: {
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
          '@type': TYPES.httpProtocolOptions,
          explicit_http_config: { http2_protocol_options: {} },
        },
      },
    },
  };
}
