/**
 * The client address settings of the config file, at the top level (every group) or in a group (a
 * group's own replaces the top level's, key by key):
 *
 *   clientIp: { trustedHops: 1 }   # X-Forwarded-For hops set by trusted proxies in front (0 to 16)
 *   proxyProtocol: true            # every listener of the group requires a PROXY protocol v1/v2 header
 *
 * Unset: the client address is the TCP peer and X-Forwarded-For is appended to, never trusted. Strict:
 * a bad value throws through `fail` naming the key.
 */
import type { GroupClientIp } from '../translate/translate-options.js';

/** More hops than any real chain of proxies; a bigger number is a typo. */
export const MAX_TRUSTED_HOPS = 16;

export function readClientIpConfig(at: string, raw: unknown, fail: (m: string) => never): GroupClientIp {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail(`${at} must be a mapping {trustedHops}`);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (k !== 'trustedHops') fail(`unknown key ${at}.${k} (allowed: trustedHops)`);
  const hops = o['trustedHops'];
  if (hops === undefined) fail(`${at}.trustedHops is required`);
  if (typeof hops !== 'number' || !Number.isInteger(hops) || hops < 0 || hops > MAX_TRUSTED_HOPS)
    fail(
      `${at}.trustedHops must be a whole number from 0 to ${MAX_TRUSTED_HOPS}, got ${JSON.stringify(hops)}`,
    );
  return { trustedHops: hops };
}

export function readProxyProtocolConfig(at: string, raw: unknown, fail: (m: string) => never): boolean {
  if (typeof raw !== 'boolean') fail(`${at} must be true or false, got ${JSON.stringify(raw)}`);
  return raw;
}
