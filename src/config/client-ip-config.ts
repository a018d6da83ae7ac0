/**
 * The client address settings of the config file, at the top level (every group) or in a group (a
 * group's own replaces the top level's, key by key):
 *
 *   clientIp: { trustedHops: 1 }   # X-Forwarded-For hops set by trusted proxies in front (0 to 16)
 *   clientIp: { trustedCidrs: [10.0.0.0/8] }  # or: proxies trusted by address (at most 64 CIDRs)
 *   proxyProtocol: true            # every listener of the group requires a PROXY protocol v1/v2 header
 *
 * Unset: the client address is the TCP peer and X-Forwarded-For is appended to, never trusted. Strict:
 * a bad value throws through `fail` naming the key.
 */
import { parseSourceRange, rangeText } from '../translate/policies/source-ranges.js';
import type { GroupClientIp } from '../translate/translate-options.js';

/** More hops than any real chain of proxies; a bigger number is a typo. */
export const MAX_TRUSTED_HOPS = 16;
/** Envoy checks every XFF entry against every trusted CIDR on each request (n*m). */
export const MAX_TRUSTED_CIDRS = 64;

function readHops(at: string, hops: unknown, fail: (m: string) => never): GroupClientIp {
  if (typeof hops !== 'number' || !Number.isInteger(hops) || hops < 0 || hops > MAX_TRUSTED_HOPS)
    fail(
      `${at}.trustedHops must be a whole number from 0 to ${MAX_TRUSTED_HOPS}, got ${JSON.stringify(hops)}`,
    );
  return { trustedHops: hops };
}

function readCidrs(at: string, raw: unknown, fail: (m: string) => never): GroupClientIp {
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_TRUSTED_CIDRS)
    fail(`${at}.trustedCidrs must be a list of 1 to ${MAX_TRUSTED_CIDRS} CIDRs`);
  const cidrs = raw.map((c: unknown, i) => {
    const r = typeof c === 'string' ? parseSourceRange(c.trim()) : undefined;
    if (r === undefined || !r.ok)
      fail(`${at}.trustedCidrs[${i}]: ${r === undefined ? `${JSON.stringify(c)} is not a string` : r.error}`);
    return rangeText(r.value);
  });
  return { trustedCidrs: [...new Set(cidrs)].sort() };
}

export function readClientIpConfig(at: string, raw: unknown, fail: (m: string) => never): GroupClientIp {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail(`${at} must be a mapping {trustedHops} or {trustedCidrs}`);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (k !== 'trustedHops' && k !== 'trustedCidrs')
      fail(`unknown key ${at}.${k} (allowed: trustedHops, trustedCidrs)`);
  const hops = o['trustedHops'];
  const cidrs = o['trustedCidrs'];
  if (hops !== undefined && cidrs !== undefined)
    fail(`${at}: set trustedHops or trustedCidrs, not both (Envoy takes one)`);
  if (cidrs !== undefined) return readCidrs(at, cidrs, fail);
  if (hops === undefined) fail(`${at} needs trustedHops or trustedCidrs`);
  return readHops(at, hops, fail);
}

export function readProxyProtocolConfig(at: string, raw: unknown, fail: (m: string) => never): boolean {
  if (typeof raw !== 'boolean') fail(`${at} must be true or false, got ${JSON.stringify(raw)}`);
  return raw;
}
