/**
 * What the fleet registry records about a gateway from the `node` of its first request and the peer of
 * its stream: locality, the address it is reached at, and its Envoy version. Pure.
 */
import net from 'node:net';
import type { AdsConnection } from './connection.js';
import { ADDRESS_METADATA_KEY } from './connection.js';
import type { NodeInfo } from './discovery-messages.js';

export type NodeIdentity = Pick<
  AdsConnection,
  'userAgent' | 'userAgentVersion' | 'region' | 'zone' | 'subZone' | 'address'
>;

/**
 * The IP of a grpc-js peer string (`1.2.3.4:5678`, `[::1]:5678`, `ipv4:1.2.3.4:5678`,
 * `::ffff:1.2.3.4:5678`), without the port; undefined for anything else (a Unix socket).
 */
export function peerIp(peer: string): string | undefined {
  const p = peer.replace(/^ipv[46]:/, '');
  const m = /^\[([^\]]+)\]:\d+$/.exec(p) ?? /^(.+):\d+$/.exec(p);
  const host = m?.[1];
  if (host === undefined || net.isIP(host) === 0) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  return mapped ? mapped[1] : host;
}

/** `MAJOR.MINOR.PATCH` from Envoy's build version, else the free-form user agent version. */
export function userAgentVersionOf(node: NodeInfo): string | undefined {
  const v = node.user_agent_build_version?.version;
  if (v) return `${v.major_number}.${v.minor_number}.${v.patch}`;
  return node.user_agent_version || undefined;
}

export function nodeIdentity(node: NodeInfo | null, peer: string): NodeIdentity {
  const announced = node?.metadata?.fields[ADDRESS_METADATA_KEY]?.stringValue.trim();
  const address = announced || peerIp(peer);
  const version = node ? userAgentVersionOf(node) : undefined;
  const l = node?.locality;
  return {
    ...(node?.user_agent_name ? { userAgent: node.user_agent_name } : {}),
    ...(version ? { userAgentVersion: version } : {}),
    ...(l?.region ? { region: l.region } : {}),
    ...(l?.zone ? { zone: l.zone } : {}),
    ...(l?.sub_zone ? { subZone: l.sub_zone } : {}),
    ...(address ? { address } : {}),
  };
}
