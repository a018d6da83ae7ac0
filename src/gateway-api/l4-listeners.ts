/**
 * The layer-4 listeners of a Gateway (pure): TLS with `tls.mode: Passthrough` (TLSRoutes: the backend
 * terminates TLS, chosen by the ClientHello's SNI), TCP (TCPRoutes) and UDP (UDPRoutes). TLS with
 * `tls.mode: Terminate` is not served yet (UnsupportedProtocol, like any other unknown protocol).
 */
import { GATEWAY_API_GROUP, type Listener, type RouteGroupKind } from '../resources/gateway-api-types.js';

export type L4Protocol = 'TLS' | 'TCP' | 'UDP';
export type L4RouteKind = 'TLSRoute' | 'TCPRoute' | 'UDPRoute';

const KIND_OF: Readonly<Record<L4Protocol, L4RouteKind>> = {
  TLS: 'TLSRoute',
  TCP: 'TCPRoute',
  UDP: 'UDPRoute',
};

/** The route kind served on a listener of `protocol`; undefined for HTTP, HTTPS and unknown protocols. */
export function l4RouteKindOf(protocol: string): L4RouteKind | undefined {
  return protocol === 'TLS' || protocol === 'TCP' || protocol === 'UDP' ? KIND_OF[protocol] : undefined;
}

/** The supportedKinds of a layer-4 listener of `protocol`; undefined for the others. */
export function routeKindsFor(protocol: string): readonly RouteGroupKind[] | undefined {
  const kind = l4RouteKindOf(protocol);
  return kind === undefined ? undefined : [{ group: GATEWAY_API_GROUP, kind }];
}

/** True for the layer-4 listeners Causeway serves: TLS Passthrough, TCP, UDP. */
export function isServedL4Listener(l: Listener): boolean {
  if (l.protocol === 'TLS') return l.tls?.mode === 'Passthrough';
  return l.protocol === 'TCP' || l.protocol === 'UDP';
}

/** True when a listener model's protocol is a layer-4 one. */
export function isL4Protocol(protocol: string): protocol is L4Protocol {
  return l4RouteKindOf(protocol) !== undefined;
}
