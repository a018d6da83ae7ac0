/**
 * IP addresses of VM backends (the `vms:` config section and `causeway vm register|deregister`): parsing
 * to the canonical text form an EndpointSlice holds, and the ranges an endpoint address may not be in.
 *
 * The apiserver refuses EndpointSlice addresses that are unspecified, loopback or link-local (unicast,
 * and link-local multicast); multicast and IPv4-mapped IPv6 addresses are refused here too (a multicast
 * address is never a backend; a mapped address belongs in an IPv4 slice, in its IPv4 form).
 */
import net from 'node:net';

export type IpFamily = 'IPv4' | 'IPv6';

export interface ParsedIp {
  /** Canonical text: IPv4 dotted quad; IPv6 lower-case and compressed (RFC 5952). */
  readonly address: string;
  readonly family: IpFamily;
}

/** `value` as an IP address, or undefined when it is none (zone ids such as `%eth0` are refused). */
export function parseIp(value: string): ParsedIp | undefined {
  if (value.includes('%')) return undefined;
  switch (net.isIP(value)) {
    case 4:
      return { address: value, family: 'IPv4' };
    case 6:
      // The WHATWG URL parser prints IPv6 hosts in RFC 5952 form.
      return { address: new URL(`http://[${value}]/`).hostname.slice(1, -1), family: 'IPv6' };
    default:
      return undefined;
  }
}

function blockList(subnets: readonly (readonly [string, number])[]): net.BlockList {
  const list = new net.BlockList();
  for (const [network, prefix] of subnets)
    list.addSubnet(network, prefix, network.includes(':') ? 'ipv6' : 'ipv4');
  return list;
}

/** Checked in this order; the first match names the problem. */
const RANGES: readonly { readonly what: string; readonly list: net.BlockList; readonly kind: RangeKind }[] = [
  {
    kind: 'unspecified',
    what: 'the unspecified address',
    list: blockList([
      ['0.0.0.0', 32],
      ['::', 128],
    ]),
  },
  {
    kind: 'loopback',
    what: 'a loopback address',
    list: blockList([
      ['127.0.0.0', 8],
      ['::1', 128],
    ]),
  },
  {
    kind: 'link-local',
    what: 'a link-local address',
    list: blockList([
      ['169.254.0.0', 16],
      ['fe80::', 10],
      ['224.0.0.0', 24],
      ['ff02::', 16],
    ]),
  },
  {
    kind: 'multicast',
    what: 'a multicast address',
    list: blockList([
      ['224.0.0.0', 4],
      ['ff00::', 8],
    ]),
  },
];

export type RangeKind = 'mapped' | 'unspecified' | 'loopback' | 'link-local' | 'multicast';

/**
 * Why `ip` cannot be an endpoint address (e.g. "is a loopback address"), or undefined when it can.
 * `allow` lists the kinds accepted anyway (the config file accepts loopback and link-local addresses:
 * the controller does not go through the apiserver, and local tests use them).
 */
export function endpointAddressProblem(ip: ParsedIp, allow: readonly RangeKind[] = []): string | undefined {
  const type = ip.family === 'IPv4' ? 'ipv4' : 'ipv6';
  // Canonical IPv6 text of ::ffff:0:0/96 always starts so (a BlockList would also match IPv4 against it).
  if (!allow.includes('mapped') && type === 'ipv6' && ip.address.startsWith('::ffff:'))
    return 'is an IPv4-mapped IPv6 address (use its IPv4 form)';
  for (const r of RANGES) {
    if (!allow.includes(r.kind) && r.list.check(ip.address, type)) return `is ${r.what}`;
  }
  return undefined;
}

/** Numeric order (IPv4 before IPv6), for stable endpoint lists. */
export function compareIps(a: string, b: string): number {
  const ka = sortKey(a);
  const kb = sortKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function sortKey(address: string): string {
  if (net.isIPv4(address))
    return `4${address
      .split('.')
      .map((p) => p.padStart(3, '0'))
      .join('.')}`;
  const parsed = parseIp(address)?.address ?? address;
  const [head = '', tail] = parsed.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return `6${groups.map((g) => g.padStart(4, '0')).join(':')}`;
}
