/**
 * What decides the client address on a group's listeners, and the filter that checks it:
 *  - trusted X-Forwarded-For hops (`clientIp.trustedHops`): the connection manager keeps
 *    `use_remote_address` (it appends the peer to X-Forwarded-For) and takes the client address that
 *    many hops from the right of X-Forwarded-For (`xff_num_trusted_hops`); unset: the peer itself;
 *  - trusted proxy CIDRs (`clientIp.trustedCidrs`): Envoy's XFF original IP detection extension, which
 *    Envoy does not allow next to `use_remote_address`: when the peer is in a trusted CIDR, the client
 *    is the rightmost X-Forwarded-For entry outside them (all inside: the leftmost); else the peer.
 *    `skip_xff_append: false` keeps appending the peer, as `use_remote_address` did (fields newer than
 *    the shipped protos: xds/protos/proto-additions.ts). Envoy then sets no
 *    `X-Envoy-External-Address`;
 *  - the PROXY protocol (`proxyProtocol: true`): a listener filter (before tls_inspector) reads the v1
 *    or v2 header the load balancer sends first and makes its source the connection's remote address.
 *    A connection without the header is closed (a client able to reach the gateway directly could
 *    otherwise claim any address by leaving the header out);
 *  - the RBAC filter of source allow/deny lists, once in every connection manager, off unless a route
 *    turns it on (route-source-access.ts). With no rules it enforces nothing.
 * Everything that uses the client address (RBAC `remote_ip`, access logs, rate limits by client) sees
 * the address these settings give.
 */
import type { ClientAddressIR } from '../../src/ir/ir-types.js';
import { RBAC_FILTER_NAME, TYPES } from './common.js';

export const RBAC_HTTP_FILTER = {
  name: RBAC_FILTER_NAME,
  typed_config: { '@type': TYPES.rbac },
  disabled: true,
} as const;

function cidrRange(cidr: string): object {
  const [address, prefix] = cidr.split('/');
  return { address_prefix: address, prefix_len: Number(prefix) };
}

/** The connection manager fields of the client address: none by default (the TCP peer, XFF not trusted). */
export function clientIpFields(c: ClientAddressIR | undefined): Record<string, unknown> {
  if (c?.trustedCidrs !== undefined)
    return {
      use_remote_address: false,
      original_ip_detection_extensions: [
        {
          name: 'envoy.http.original_ip_detection.xff',
          typed_config: {
            '@type': TYPES.xffIpDetection,
            xff_trusted_cidrs: { cidrs: c.trustedCidrs.map(cidrRange) },
            skip_xff_append: false,
          },
        },
      ],
    };
  return c?.trustedHops !== undefined && c.trustedHops > 0 ? { xff_num_trusted_hops: c.trustedHops } : {};
}

/** The PROXY protocol listener filter, first of the listener's filters, when the group asks for it. */
export function proxyProtocolFilters(c: ClientAddressIR | undefined): object[] {
  if (!c?.proxyProtocol) return [];
  return [
    {
      name: 'envoy.filters.listener.proxy_protocol',
      typed_config: { '@type': TYPES.proxyProtocol },
    },
  ];
}
