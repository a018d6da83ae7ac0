/** IR TCP services -> Envoy Listeners with the TCP proxy filter (one listener per gateway port). */
import type { AccessLogIR, TcpListenerIR, WeightedBackendIR } from '../../src/ir/ir-types.js';
import { listenerBase } from './common.js';
import { accessLogField } from './listener-access-log.js';
import { proxyProtocolFilters } from './listener-client-ip.js';
import { CLOSE_CONNECTION_FILTER, refusesEveryone, tcpSourceMatch } from './tcp-source-access.js';

const TCP_PROXY = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';

export function translateTcpListener(l: TcpListenerIR, accessLog?: AccessLogIR): object {
  return {
    ...listenerBase(l.name, l.port),
    ...(l.proxyProtocol ? { listener_filters: proxyProtocolFilters({ proxyProtocol: true }) } : {}),
    filter_chains: [
      {
        name: l.name,
        ...tcpSourceMatch(l),
        filters: refusesEveryone(l) ? [CLOSE_CONNECTION_FILTER] : [tcpProxy(l, accessLog)],
      },
    ],
  };
}

/** The TCP proxy's upstream: one cluster, or weighted clusters (a Gateway API route's backendRefs). */
export function clusterField(l: {
  readonly backend?: string;
  readonly weightedBackends?: readonly WeightedBackendIR[];
}): object {
  if (l.weightedBackends === undefined) return { cluster: l.backend };
  return {
    weighted_clusters: { clusters: l.weightedBackends.map((b) => ({ name: b.backend, weight: b.weight })) },
  };
}

function tcpProxy(l: TcpListenerIR, accessLog: AccessLogIR | undefined): object {
  return {
    name: 'envoy.filters.network.tcp_proxy',
    typed_config: {
      '@type': TCP_PROXY,
      stat_prefix: l.name,
      ...clusterField(l),
      idle_timeout: '3600s',
      // `affinity: source-ip` on the Service: its ring hash or maglev hashes the client address.
      ...(l.hashSourceIp ? { hash_policy: [{ source_ip: {} }] } : {}),
      ...accessLogField(accessLog, 'tcp'),
    },
  };
}
