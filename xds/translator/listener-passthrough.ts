/**
 * The TLS passthrough filter chains of a group's HTTPS listener (`causeway.dev/ssl-passthrough`): each
 * matches its host by SNI (the listener's TLS inspector reads it from the ClientHello) and proxies the
 * connection's bytes unchanged to the host's `passthrough/...` cluster, so the backend terminates TLS
 * with its own certificate. They sit beside the terminated chains; Envoy prefers an exact server name
 * over a wildcard, so a concrete terminated host beats a wildcard passthrough host and the other way
 * round. A drained gateway keeps them as they are (a TCP stream has no request to end it after).
 */
import type { AccessLogIR, HttpsListenerIR, PassthroughChainIR } from '../../src/ir/ir-types.js';
import { TYPES } from './common.js';
import { accessLogField } from './listener-access-log.js';
import { clusterField } from './tcp.translator.js';

/** A chain without a backend has no filter: Envoy closes its connections once the ClientHello chose it. */
function passthroughChain(c: PassthroughChainIR, accessLog: AccessLogIR | undefined): object {
  if (c.backend === undefined)
    return { name: c.name, filter_chain_match: { server_names: [...c.serverNames] }, filters: [] };
  return {
    name: c.name,
    filter_chain_match: { server_names: [...c.serverNames] },
    filters: [
      {
        name: 'envoy.filters.network.tcp_proxy',
        typed_config: {
          '@type': TYPES.tcpProxy,
          stat_prefix: 'passthrough',
          ...clusterField(c),
          idle_timeout: '3600s',
          ...(c.hashSourceIp ? { hash_policy: [{ source_ip: {} }] } : {}),
          ...accessLogField(accessLog, 'tcp'),
        },
      },
    ],
  };
}

/** The passthrough chains, each logging its connections like a TCP service (the group's access log). */
export function passthroughFilterChains(l: HttpsListenerIR, accessLog?: AccessLogIR): object[] {
  return (l.passthrough ?? []).map((c) => passthroughChain(c, accessLog));
}
