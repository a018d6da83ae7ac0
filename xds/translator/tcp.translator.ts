/** IR TCP services -> Envoy Listeners with the TCP proxy filter (one listener per gateway port). */
import type { TcpListenerIR } from '../../src/ir/ir-types.js';
import { socketAddress } from './common.js';

const TCP_PROXY = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';

export function translateTcpListener(l: TcpListenerIR): object {
  return {
    name: l.name,
    address: socketAddress('0.0.0.0', l.port),
    per_connection_buffer_limit_bytes: 32768,
    filter_chains: [
      {
        name: l.name,
        filters: [
          {
            name: 'envoy.filters.network.tcp_proxy',
            typed_config: {
              '@type': TCP_PROXY,
              stat_prefix: l.name,
              cluster: l.backend,
              idle_timeout: '3600s',
            },
          },
        ],
      },
    ],
  };
}
