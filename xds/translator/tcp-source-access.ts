/**
 * Who may connect to a Service's gateway TCP port, in Envoy's words: the listener's filter chain matches
 * only the allowed source ranges (`source_prefix_ranges`: the connection's address, after the PROXY
 * protocol when the group requires it), so a refused connection matches no chain and Envoy closes it
 * at once: the TCP proxy never connects to the backend, which therefore cannot greet a refused client
 * (a network RBAC filter decides only on the client's first bytes, after the TCP proxy connected). An
 * empty set (a list that fails closed) is a chain whose only filter closes the connection unanswered.
 */
import type { TcpListenerIR } from '../../src/ir/ir-types.js';

function cidrRange(cidr: string): object {
  const [address, prefix] = cidr.split('/');
  return { address_prefix: address, prefix_len: Number(prefix) };
}

/** The filter chain match of the listener; none without a list. */
export function tcpSourceMatch(l: TcpListenerIR): Record<string, unknown> {
  if (l.allowedSources === undefined || l.allowedSources.length === 0) return {};
  return { filter_chain_match: { source_prefix_ranges: l.allowedSources.map(cidrRange) } };
}

/** True when nobody may connect: the chain closes every connection instead of proxying it. */
export function refusesEveryone(l: TcpListenerIR): boolean {
  return l.allowedSources !== undefined && l.allowedSources.length === 0;
}

export const CLOSE_CONNECTION_FILTER = {
  name: 'envoy.filters.network.direct_response',
  typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.direct_response.v3.Config' },
} as const;
