/**
 * Client address ranges as annotations give them: comma-separated CIDRs (`10.0.0.0/8`, `2001:db8::/32`)
 * or bare addresses (one host). Validated strictly so Envoy never sees a range it would refuse: the
 * address must be a plain IPv4 or IPv6 address and the prefix at most 32 or 128. Host bits below the
 * prefix are cleared (`10.1.2.3/8` is `10.0.0.0/8`), as Envoy's CidrRange matches. Pure.
 */
import net from 'node:net';
import type { ParseResult } from '../../ingress/ingress-annotations.js';
import type { CidrIR } from '../../ir/ir-types.js';

export const MAX_CIDRS = 64;

function ipv4Network(address: string, prefix: number): string {
  const octets = address.split('.').map(Number);
  return octets
    .map((o, i) => {
      const bits = Math.max(0, Math.min(8, prefix - i * 8));
      return o & (bits === 0 ? 0 : (0xff << (8 - bits)) & 0xff);
    })
    .join('.');
}

/** The 8 groups of an IPv6 address (no embedded IPv4 form). */
function ipv6Groups(address: string): number[] | undefined {
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const part = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const head = part(halves[0]!);
  const tail = halves.length === 2 ? part(halves[1]!) : [];
  const fill = 8 - head.length - tail.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return undefined;
  return [...head, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...tail];
}

function ipv6Network(address: string, prefix: number): string | undefined {
  const groups = ipv6Groups(address);
  if (groups === undefined || groups.some((g) => Number.isNaN(g))) return undefined;
  const masked = groups.map((g, i) => {
    const bits = Math.max(0, Math.min(16, prefix - i * 16));
    return g & (bits === 0 ? 0 : (0xffff << (16 - bits)) & 0xffff);
  });
  return shortIpv6(masked);
}

/** RFC 5952 text: lowercase, the longest run of two or more zero groups (the first on a tie) as `::`. */
function shortIpv6(groups: readonly number[]): string {
  let best = { at: -1, length: 1 };
  for (let i = 0; i < groups.length;) {
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > best.length) best = { at: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.length).join(':')}`;
}

export function parseCidr(raw: string): ParseResult<CidrIR> {
  const m = /^([0-9a-fA-F.:]{2,39})(?:\/(\d{1,3}))?$/.exec(raw);
  const family = m ? net.isIP(m[1]!) : 0;
  if (!m || family === 0 || (family === 6 && m[1]!.includes('.')))
    return { ok: false, error: `"${raw}" is not an IPv4 or IPv6 address or CIDR` };
  const max = family === 4 ? 32 : 128;
  const prefix = m[2] === undefined ? max : Number(m[2]);
  if (prefix > max) return { ok: false, error: `"${raw}" has a prefix longer than ${max}` };
  const address = family === 4 ? ipv4Network(m[1]!, prefix) : ipv6Network(m[1]!.toLowerCase(), prefix);
  if (address === undefined) return { ok: false, error: `"${raw}" is not an IPv4 or IPv6 address or CIDR` };
  return { ok: true, value: { address, prefixLength: prefix } };
}

/** `a/n, b/m`: at least one range, at most MAX_CIDRS; the ranges sorted and without duplicates. */
export function parseCidrList(raw: string): ParseResult<readonly CidrIR[]> {
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0) return { ok: false, error: 'no CIDR is given' };
  if (items.length > MAX_CIDRS) return { ok: false, error: `more than ${MAX_CIDRS} CIDRs` };
  const out = new Map<string, CidrIR>();
  for (const item of items) {
    const r = parseCidr(item);
    if (!r.ok) return r;
    out.set(cidrText(r.value), r.value);
  }
  return { ok: true, value: [...out.keys()].sort().map((k) => out.get(k)!) };
}

export function cidrText(c: CidrIR): string {
  return `${c.address}/${c.prefixLength}`;
}
