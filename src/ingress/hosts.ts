/**
 * Ingress host semantics: a rule without host matches every host; `*.foo.com` matches exactly one extra
 * DNS label (`bar.foo.com`, not `foo.com`, not `a.bar.foo.com`). Hosts are case-insensitive.
 */
import { diagnostic, type Diagnostic, type ObjectRef } from '../errors.js';

export const ANY_HOST = '*';

const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const SUBDOMAIN = new RegExp(`^${LABEL}(\\.${LABEL})*$`);

/**
 * Most DNS labels a wildcard host may have after `*.`: the gateways check "exactly one more label" with
 * an RE2 program whose size grows with the label count, and Envoy refuses one over 100 instructions
 * (measured with Envoy 1.40: 22 labels fit, 30 do not), which would reject the whole route table.
 */
export const MAX_WILDCARD_LABELS = 20;

export type HostResult =
  { readonly ok: true; readonly host: string } | { readonly ok: false; readonly error: string };

export function normalizeHost(host: string | undefined): HostResult {
  if (host === undefined || host === '') return { ok: true, host: ANY_HOST };
  const h = host.toLowerCase();
  const bare = h.startsWith('*.') ? h.slice(2) : h;
  if (h.length > 253 || !SUBDOMAIN.test(bare) || bare.split('.').some((l) => l.length > 63)) {
    return { ok: false, error: `host "${host}" is not a DNS name or a wildcard of the form *.example.com` };
  }
  const labels = bare.split('.').length;
  if (h !== bare && labels > MAX_WILDCARD_LABELS)
    return {
      ok: false,
      error: `wildcard host "${host}" has ${labels} labels after "*."; at most ${MAX_WILDCARD_LABELS}`,
    };
  if (/^\d+(\.\d+){3}$/.test(bare))
    return { ok: false, error: `host "${host}" is an IP address, not a DNS name` };
  return { ok: true, host: h };
}

export function isWildcard(host: string): boolean {
  return host.startsWith('*.');
}

/** True when `host` (a concrete name) is matched by `wildcard` (`*.foo.com`): exactly one extra label. */
export function wildcardMatches(wildcard: string, host: string): boolean {
  if (!isWildcard(wildcard) || isWildcard(host) || host === ANY_HOST) return false;
  const suffix = wildcard.slice(1); // ".foo.com"
  if (!host.endsWith(suffix)) return false;
  const label = host.slice(0, host.length - suffix.length);
  return label.length > 0 && !label.includes('.');
}

/**
 * The one wildcard that matches a concrete `host` (`shop.foo.com` -> `*.foo.com`), or undefined for a
 * single-label host: a lookup instead of testing every wildcard of the group (wildcardMatches).
 */
export function wildcardOf(host: string): string | undefined {
  const dot = host.indexOf('.');
  return dot > 0 && !isWildcard(host) && host !== ANY_HOST ? `*${host.slice(dot)}` : undefined;
}

/**
 * RE2 regex over :authority, for the routes of a wildcard's own virtual host: it holds exactly when the
 * authority has one label more than the wildcard's suffix. Envoy chose the virtual host by that suffix
 * (`*.foo.com` also matches `a.bar.foo.com`), so counting labels is enough, and the program stays small
 * whatever the suffix's length (spelling the suffix out cost one RE2 instruction a character: a 90-character
 * wildcard host made Envoy reject the whole route table). An optional port is allowed.
 */
export function singleLabelAuthorityRegex(wildcard: string): string {
  const labels = wildcard.slice(2).split('.').length;
  return `^[^.]+(?:\\.[^.]+){${labels}}(:[0-9]+)?$`;
}

/** Envoy virtual host domains for a host (Envoy matches them case-insensitively; ports are stripped). */
export function domainsFor(host: string): readonly string[] {
  return [host];
}

/** Host order for output: concrete names, then wildcards, then the catch-all; each alphabetically. */
export function compareHosts(a: string, b: string): number {
  const rank = (h: string): number => (h === ANY_HOST ? 2 : isWildcard(h) ? 1 : 0);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The hosts of an Ingress's `spec.tls[index]` entry, normalized; a host that is not a DNS name (or `*`)
 * is left out with a CW_E_INGRESS_HOST_INVALID diagnostic on the Ingress.
 */
export function readTlsHosts(
  hosts: readonly string[] | undefined,
  index: number,
  ingress: ObjectRef,
  diags: Diagnostic[],
): string[] {
  const out: string[] = [];
  for (const h of hosts ?? []) {
    const n = normalizeHost(h);
    if (n.ok && n.host !== '*') out.push(n.host);
    else
      diags.push(
        diagnostic(
          'CW_E_INGRESS_HOST_INVALID',
          ingress,
          `tls[${index}]: host "${h}" is not a DNS name; host ignored`,
        ),
      );
  }
  return out;
}
