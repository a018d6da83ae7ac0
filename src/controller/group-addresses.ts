/**
 * The client-facing addresses of each gateway group, for Ingress status: the config file's
 * `groups.<g>.addresses` when given, else the addresses of the group's connected gateways (the peer
 * address of their xDS stream: gateways run in the host network of dedicated nodes).
 */

/** The host part of a grpc peer (`1.2.3.4:5678`, `[::1]:5678`, `ipv4:1.2.3.4:5678`). */
export function peerHost(peer: string): string | undefined {
  const p = peer.replace(/^ipv[46]:/, '');
  const m = /^\[([^\]]+)\]:\d+$/.exec(p) ?? /^([^:]+):\d+$/.exec(p);
  return m?.[1];
}

export function groupAddresses(
  configured: Readonly<Record<string, readonly string[]>>,
  connections: readonly { readonly group: string; readonly peer: string }[],
): ReadonlyMap<string, readonly string[]> {
  const out = new Map<string, string[]>();
  for (const c of connections) {
    if (configured[c.group] !== undefined) continue;
    const host = peerHost(c.peer);
    if (host === undefined) continue;
    const list = out.get(c.group) ?? [];
    if (!list.includes(host)) list.push(host);
    out.set(c.group, list);
  }
  for (const [g, addrs] of Object.entries(configured)) out.set(g, [...addrs]);
  for (const list of out.values()) list.sort();
  return out;
}
