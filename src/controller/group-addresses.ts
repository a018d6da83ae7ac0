/**
 * The client-facing addresses of each gateway group, for Ingress status: the config file's
 * `groups.<g>.addresses` when given, else the addresses of the group's connected gateways: the address a
 * gateway announces (node metadata `causeway.dev/address`, `causeway gateway bootstrap --address`), else the
 * peer address of its xDS stream (gateways run in the host network of dedicated nodes). Draining gateways
 * are leaving the rotation and are left out, unless every gateway of the group is draining.
 */

/** The host part of a grpc peer (`1.2.3.4:5678`, `[::1]:5678`, `ipv4:1.2.3.4:5678`). */
export function peerHost(peer: string): string | undefined {
  const p = peer.replace(/^ipv[46]:/, '');
  const m = /^\[([^\]]+)\]:\d+$/.exec(p) ?? /^([^:]+):\d+$/.exec(p);
  return m?.[1];
}

export interface GatewayAddressSource {
  readonly group: string;
  readonly peer: string;
  /** The announced address, when the gateway gave one. */
  readonly address?: string;
  readonly draining?: boolean;
}

export function groupAddresses(
  configured: Readonly<Record<string, readonly string[]>>,
  connections: readonly GatewayAddressSource[],
): ReadonlyMap<string, readonly string[]> {
  const out = new Map<string, string[]>();
  const serving = new Set(connections.filter((c) => c.draining !== true).map((c) => c.group));
  for (const c of connections) {
    if (configured[c.group] !== undefined) continue;
    if (c.draining === true && serving.has(c.group)) continue;
    const host = c.address ?? peerHost(c.peer);
    if (host === undefined) continue;
    const list = out.get(c.group) ?? [];
    if (!list.includes(host)) list.push(host);
    out.set(c.group, list);
  }
  for (const [g, addrs] of Object.entries(configured)) out.set(g, [...addrs]);
  for (const list of out.values()) list.sort();
  return out;
}
