/**
 * Client address ranges as annotations give them: comma-separated CIDRs (`10.0.0.0/8`, `2001:db8::/32`)
 * or bare addresses (one host). Validated strictly so Envoy never sees a range it would refuse: the
 * address must be a plain IPv4 or IPv6 address and the prefix at most 32 or 128. Host bits below the
 * prefix are cleared (`10.1.2.3/8` is `10.0.0.0/8`), as Envoy's CidrRange matches, by the same
 * `networkOf` the source lists use (source-ranges.ts). Pure.
 */
import net from 'node:net';
import type { ParseResult } from '../../ingress/ingress-annotations.js';
import type { CidrIR } from '../../ir/ir-types.js';
import { parseIp } from '../../vms/ip-address.js';
import { networkOf } from './source-ranges.js';

export const MAX_CIDRS = 64;

export function parseCidr(raw: string): ParseResult<CidrIR> {
  const m = /^([0-9a-fA-F.:]{2,39})(?:\/(\d{1,3}))?$/.exec(raw);
  const family = m ? net.isIP(m[1]!) : 0;
  if (!m || family === 0 || (family === 6 && m[1]!.includes('.')))
    return { ok: false, error: `"${raw}" is not an IPv4 or IPv6 address or CIDR` };
  const max = family === 4 ? 32 : 128;
  const prefix = m[2] === undefined ? max : Number(m[2]);
  if (prefix > max) return { ok: false, error: `"${raw}" has a prefix longer than ${max}` };
  const ip = parseIp(m[1]!);
  if (ip === undefined) return { ok: false, error: `"${raw}" is not an IPv4 or IPv6 address or CIDR` };
  return { ok: true, value: { address: networkOf(ip.address, prefix, family === 6), prefixLength: prefix } };
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
