/**
 * IR UDP listeners -> Envoy Listeners on a UDP socket with the UDP proxy listener filter (one listener
 * per gateway UDP port). Each client address and port gets its own session to one upstream endpoint,
 * ended after the listener's idle timeout; a `matcher` whose on_no_match routes every datagram to the
 * backend cluster (the form Envoy documents; the plain `cluster` field is deprecated). A raw UDP listener
 * has no filter chains. Each session is one access log line (the group's TCP format) when it ends.
 */
import type { AccessLogIR, UdpListenerIR } from '../../src/ir/ir-types.js';
import { seconds } from './common.js';
import { accessLogField } from './listener-access-log.js';

const UDP_PROXY = 'type.googleapis.com/envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig';
const UDP_ROUTE = 'type.googleapis.com/envoy.extensions.filters.udp.udp_proxy.v3.Route';

/**
 * The largest datagram received from clients and from endpoints (a jumbo frame). Envoy's default is
 * 1500 and it drops larger datagrams, e.g. DNS answers with EDNS (up to 4096 bytes).
 */
export const MAX_DATAGRAM_BYTES = 9000;
const SOCKET_CONFIG = { max_rx_datagram_size: MAX_DATAGRAM_BYTES };

/** The UDP proxy's config: the route to the backend, the session idle timeout, the client hash. */
function udpProxy(l: UdpListenerIR, accessLog: AccessLogIR | undefined): object {
  return {
    '@type': UDP_PROXY,
    stat_prefix: l.name,
    matcher: {
      on_no_match: {
        action: { name: 'route', typed_config: { '@type': UDP_ROUTE, cluster: l.backend } },
      },
    },
    idle_timeout: seconds(l.idleTimeoutSeconds),
    upstream_socket_config: SOCKET_CONFIG,
    // `affinity: source-ip` on the Service: its ring hash or maglev hashes the client address.
    ...(l.hashSourceIp ? { hash_policies: [{ source_ip: true }] } : {}),
    // One line per session, when it ends, in the group's TCP format.
    ...accessLogField(accessLog, 'tcp'),
  };
}

export function translateUdpListener(l: UdpListenerIR, accessLog?: AccessLogIR): object {
  return {
    name: l.name,
    address: { socket_address: { protocol: 'UDP', address: '0.0.0.0', port_value: l.port } },
    udp_listener_config: { downstream_socket_config: SOCKET_CONFIG },
    listener_filters: [
      { name: 'envoy.filters.udp_listener.udp_proxy', typed_config: udpProxy(l, accessLog) },
    ],
  };
}
