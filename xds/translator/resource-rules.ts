/**
 * The Envoy constraints we know, checked on a translated resource (canonical proto3 JSON) before it
 * goes to the cache: Envoy rejects a whole xDS response for one resource that breaks them, so a bad
 * resource must be left out instead (resource-guard.ts). Cheap rules only, from Envoy's protos (PGV)
 * and what Envoy 1.40 refuses: a non-empty name; every string well-formed UTF-8 (no lone surrogate),
 * without control characters (line breaks allowed only in inline data such as certificates and
 * response bodies) and within a length cap; a socket address an IP with a port in 0..65535; a virtual
 * host with a name and at least one domain. Pure.
 */
import { isIP } from 'node:net';
import { textProblem } from '../../src/ingress/text-checks.js';

/** Longest string outside inline data (names, domains, paths, regexes, zones), in UTF-16 units. */
export const MAX_FIELD_LENGTH = 8192;
/** Longest inline data (a certificate chain, a response body), in UTF-16 units. */
export const MAX_INLINE_LENGTH = 4 * 1024 * 1024;

/** Fields holding data where line breaks are normal (DataSource inline content). */
const INLINE_FIELDS = new Set(['inline_string', 'inline_bytes']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A DNS name (RFC 1123 labels, lowercase), as the endpoint of a STRICT_DNS cluster may be. */
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

/** Why a `socket_address` breaks Envoy's rules (inside a STRICT_DNS cluster: `dns`), or undefined. */
function socketAddressProblem(s: Record<string, unknown>, minPort: number, dns: boolean): string | undefined {
  const address = s['address'];
  if (typeof address !== 'string' || (isIP(address) === 0 && !(dns && DNS_NAME.test(address))))
    return dns ? 'address is not an IP address or DNS name' : 'address is not an IP address';
  const port = s['port_value'];
  if (typeof port !== 'number' || !Number.isInteger(port) || port < minPort || port > 65535)
    return `port_value is not in ${minPort}..65535`;
  return undefined;
}

/** Why a virtual host breaks Envoy's rules (PGV: name min_len 1, domains min_items 1), or undefined. */
function virtualHostProblem(v: Record<string, unknown>): string | undefined {
  if (typeof v['name'] !== 'string' || v['name'] === '') return 'name is empty';
  const domains = v['domains'];
  if (!Array.isArray(domains) || domains.length === 0) return 'has no domain';
  return undefined;
}

/** Rules on an object by the field holding it; undefined when it passes. */
function objectProblem(
  key: string,
  o: Record<string, unknown>,
  minPort: number,
  dns: boolean,
): string | undefined {
  if (key === 'socket_address') return socketAddressProblem(o, minPort, dns);
  if (key === 'virtual_hosts') return virtualHostProblem(o);
  return undefined;
}

/** A broken rule: the problem, and the path to it as segments from the innermost out (`key`, `[i]`). */
interface Found {
  readonly segments: string[];
  readonly problem: string;
}

/**
 * The walk behind valueProblem. It builds no path on the way down (most resources pass, and a path per
 * node was most of the guard's cost): a problem collects its path segments on the way back up.
 */
function find(value: unknown, key: string, minPort: number, dns = false): Found | undefined {
  if (typeof value === 'string') {
    const inline = INLINE_FIELDS.has(key);
    const p = textProblem(value, {
      maxLength: inline ? MAX_INLINE_LENGTH : MAX_FIELD_LENGTH,
      allowLineBreaks: inline,
    });
    return p === undefined ? undefined : { segments: [], problem: p };
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const f = find(value[i], key, minPort, dns);
      if (f !== undefined) {
        f.segments.push(`[${i}]`);
        return f;
      }
    }
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  // A STRICT_DNS cluster (the tracing collector's) resolves the names of its endpoints itself.
  const inDns = dns || value['type'] === 'STRICT_DNS';
  const own = objectProblem(key, value, minPort, inDns);
  if (own !== undefined) return { segments: [], problem: own };
  for (const k in value) {
    const f = find(value[k], k, minPort, inDns);
    if (f !== undefined) {
      f.segments.push(k);
      return f;
    }
  }
  return undefined;
}

/**
 * The first rule `value` breaks, as `<json path> <problem>`, or undefined when it passes. `minPort` is
 * the lowest port a socket address may have (1 for upstream endpoints, 0 for listeners).
 */
export function valueProblem(value: unknown, path = '', key = '', minPort = 0): string | undefined {
  const f = find(value, key, minPort);
  if (f === undefined) return undefined;
  let at = path;
  for (let i = f.segments.length - 1; i >= 0; i--) {
    const s = f.segments[i]!;
    at = s.startsWith('[') || at === '' ? `${at}${s}` : `${at}.${s}`;
  }
  return `${at} ${f.problem}`;
}

/** Why a resource's name (or a ClusterLoadAssignment's cluster_name) is unusable, or undefined. */
export function nameProblem(name: string): string | undefined {
  if (name === '') return 'its name is empty';
  const p = textProblem(name, { maxLength: MAX_FIELD_LENGTH });
  return p === undefined ? undefined : `its name ${p}`;
}
