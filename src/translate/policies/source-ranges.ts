/**
 * The value syntax of source ranges (the `*-source-range` annotations and the config file's
 * `clientIp.trustedCidrs`), pure: comma-separated IPv4 or IPv6 addresses or CIDRs, as ingress-nginx's
 * `whitelist-source-range`. A bare address is a one-address range (/32, /128). Host bits set below
 * the prefix are cleared, as nginx's `allow` does (`10.1.2.3/8` is `10.0.0.0/8`), so the canonical
 * form is the network address; the list is sorted (IPv4 first, numerically) without duplicates. Zone
 * ids (`fe80::1%eth0`), leading zeros in a prefix and prefixes out of range (0-32, 0-128) are refused.
 */
import type { ParseResult } from '../../ingress/ingress-annotations.js';
import { printable } from '../../ingress/text-checks.js';
import { compareIps, parseIp } from '../../vms/ip-address.js';

/** At most this many entries in one list (a long list is one RBAC principal per entry on every route). */
export const MAX_SOURCE_RANGES = 1000;
/** Longest accepted list, in characters: 1,000 IPv6 CIDRs with separators fit. */
export const MAX_SOURCE_RANGES_LENGTH = 65536;

/** A CIDR range in canonical form. */
export interface SourceRange {
  /** The network address (host bits cleared), canonical text (IPv6 RFC 5952). */
  readonly address: string;
  readonly prefixLength: number;
}

function bitsOf(address: string, v6: boolean): bigint {
  if (!v6) return address.split('.').reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
  const [head = '', tail] = address.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function textOf(bits: bigint, v6: boolean): string {
  if (!v6) return [24n, 16n, 8n, 0n].map((s) => String((bits >> s) & 255n)).join('.');
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((s) => ((bits >> s) & 0xffffn).toString(16));
  return parseIp(groups.join(':'))!.address;
}

/** The network address of `address/prefix` (host bits cleared), canonical text; `address` is canonical. */
export function networkOf(address: string, prefix: number, v6: boolean): string {
  const width = v6 ? 128n : 32n;
  const hostBits = width - BigInt(prefix);
  const mask = ((1n << width) - 1n) ^ ((1n << hostBits) - 1n);
  return textOf(bitsOf(address, v6) & mask, v6);
}

/** One entry (`10.0.0.0/8`, `192.0.2.7`, `2001:db8::/32`) in canonical form, or why it is none. */
export function parseSourceRange(entry: string): ParseResult<SourceRange> {
  const shown = `"${printable(entry, 64)}"`;
  const slash = entry.indexOf('/');
  const addressText = slash < 0 ? entry : entry.slice(0, slash);
  // Dotted IPv4 inside IPv6 (`::ffff:1.2.3.4`) is refused: bitsOf reads 16-bit groups only.
  const ip = addressText.includes('.') && addressText.includes(':') ? undefined : parseIp(addressText);
  if (ip === undefined)
    return { ok: false, error: `${shown} is not an IPv4 or IPv6 address or CIDR (like 10.0.0.0/8)` };
  const v6 = ip.family === 'IPv6';
  const max = v6 ? 128 : 32;
  let prefix = max;
  if (slash >= 0) {
    const p = entry.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > max)
      return { ok: false, error: `${shown} has a prefix length that is not a number from 0 to ${max}` };
    prefix = Number(p);
  }
  return { ok: true, value: { address: networkOf(ip.address, prefix, v6), prefixLength: prefix } };
}

/** `address/prefix`, as the IR and diagnostics show a range. */
export function rangeText(r: SourceRange): string {
  return `${r.address}/${r.prefixLength}`;
}

function compareRanges(a: SourceRange, b: SourceRange): number {
  return compareIps(a.address, b.address) || a.prefixLength - b.prefixLength;
}

/**
 * A comma-separated list (spaces around entries allowed) in canonical text (`address/prefix`), sorted,
 * without duplicates; or why it is not one, naming the first bad entry and its position (1-based).
 */
export function parseSourceRanges(raw: string): ParseResult<readonly string[]> {
  if (raw.length > MAX_SOURCE_RANGES_LENGTH)
    return {
      ok: false,
      error: `the value is ${raw.length} characters long (at most ${MAX_SOURCE_RANGES_LENGTH})`,
    };
  const entries = raw.split(',').map((s) => s.trim());
  if (entries.length > MAX_SOURCE_RANGES)
    return { ok: false, error: `${entries.length} entries are given (at most ${MAX_SOURCE_RANGES})` };
  const ranges: SourceRange[] = [];
  for (const [i, entry] of entries.entries()) {
    if (entry === '') return { ok: false, error: `entry ${i + 1} is empty` };
    const r = parseSourceRange(entry);
    if (!r.ok) return { ok: false, error: `entry ${i + 1} ${r.error}` };
    ranges.push(r.value);
  }
  const sorted = ranges.sort(compareRanges).map(rangeText);
  return { ok: true, value: sorted.filter((t, i) => i === 0 || t !== sorted[i - 1]) };
}

interface Bits {
  readonly v6: boolean;
  readonly bits: bigint;
  readonly prefix: number;
}

function toBits(cidr: string): Bits {
  const [address, prefix] = cidr.split('/') as [string, string];
  const v6 = address.includes(':');
  return { v6, bits: bitsOf(address, v6), prefix: Number(prefix) };
}

/** True when `outer` holds every address of `inner`. */
function contains(outer: Bits, inner: Bits): boolean {
  if (outer.v6 !== inner.v6 || outer.prefix > inner.prefix) return false;
  const shift = BigInt((outer.v6 ? 128 : 32) - outer.prefix);
  return outer.bits >> shift === inner.bits >> shift;
}

/** `a` without the addresses of `d`: the halves of `a` on the way down to `d` that do not hold it. */
function subtractOne(a: Bits, d: Bits): Bits[] {
  if (contains(d, a)) return [];
  if (!contains(a, d)) return [a];
  const width = a.v6 ? 128 : 32;
  const out: Bits[] = [];
  for (let p = a.prefix + 1; p <= d.prefix; p++) {
    const bit = 1n << BigInt(width - p);
    // The half of the range of prefix p-1 around d that does not hold d.
    const dNetwork = (d.bits >> BigInt(width - p)) << BigInt(width - p);
    out.push({ v6: a.v6, bits: dNetwork ^ bit, prefix: p });
  }
  return out;
}

/**
 * The addresses in `allow` (canonical CIDRs; undefined: every IPv4 and IPv6 address) and in no range of
 * `deny`, as canonical CIDRs sorted like parseSourceRanges' output. Used where a list must be one set of
 * ranges (a listener's filter chain match), so deny still wins. Undefined when the result would exceed
 * `max` ranges.
 */
export function subtractRanges(
  allow: readonly string[] | undefined,
  deny: readonly string[],
  max: number,
): readonly string[] | undefined {
  let ranges = (allow ?? ['0.0.0.0/0', '::/0']).map(toBits);
  for (const d of deny.map(toBits)) {
    ranges = ranges.flatMap((a) => subtractOne(a, d));
    if (ranges.length > max) return undefined;
  }
  const parsed = ranges.map((r) => ({ address: textOf(r.bits, r.v6), prefixLength: r.prefix }));
  const sorted = parsed.sort(compareRanges).map(rangeText);
  return sorted.filter((t, i) => i === 0 || t !== sorted[i - 1]);
}
