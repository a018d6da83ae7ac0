/**
 * TLS passthrough (annotation `causeway.dev/ssl-passthrough`), read per gateway group. Pure apart from
 * the diagnostics it appends.
 *
 * Semantics follow ingress-nginx: only the host matters (SNI). Each host of a passthrough Ingress is
 * forwarded to the backend of its path `/` (any path type), else of its first path; a host with several
 * paths gets a warning (CW_E_TLS_PASSTHROUGH_PATHS_IGNORED), and rules without a host cannot be passed
 * through (no SNI to match). The oldest passthrough Ingress wins a host. A host passed through is not
 * terminated by the group, even when an Ingress gives it a certificate (ingress-nginx intercepts
 * passthrough hosts before TLS too): that Ingress gets CW_E_TLS_PASSTHROUGH_CONFLICT, unless it is the
 * passthrough Ingress itself (its own `tls` entry for the host is just unused).
 */
import { diagnostic, type Diagnostic } from '../../errors.js';
import type { TlsClaim } from '../../ingress/group-claims.js';
import { ANY_HOST } from '../../ingress/hosts.js';
import { readAnnotation } from '../../ingress/ingress-annotations.js';
import type { IngressEntries, RouteEntry } from '../../ingress/ingress-reader.js';
import { SSL_PASSTHROUGH } from './passthrough-annotations.js';

/** One passthrough host: the Ingress that won it and the route whose backend gets its connections. */
export interface PassthroughClaim {
  readonly host: string;
  readonly owner: IngressEntries;
  readonly entry: RouteEntry;
}

function nameOf(e: IngressEntries): string {
  return `Ingress ${e.ref.namespace}/${e.ref.name}`;
}

/** The route of `entries` (one host's) whose backend gets the connections: path `/`, else the first. */
function chosenRoute(entries: readonly RouteEntry[]): RouteEntry {
  return entries.find((e) => e.match.path === '/' && e.match.kind !== 'regex') ?? entries[0]!;
}

function pathsIgnored(owner: IngressEntries, host: string, chosen: RouteEntry, n: number): Diagnostic {
  return diagnostic(
    'CW_E_TLS_PASSTHROUGH_PATHS_IGNORED',
    owner.diagRef,
    `host "${host}" has ${n} paths but a passed-through TLS connection carries no path: all of its HTTPS connections go to the backend of path "${chosen.match.path}"; plain HTTP keeps every path`,
  );
}

/** The hosts of one passthrough Ingress with their routes, in rule order; host-less rules reported. */
function routesByHost(owner: IngressEntries, diags: Diagnostic[]): Map<string, RouteEntry[]> {
  const byHost = new Map<string, RouteEntry[]>();
  for (const e of owner.routes) byHost.set(e.host, [...(byHost.get(e.host) ?? []), e]);
  if (byHost.delete(ANY_HOST))
    diags.push(
      diagnostic(
        'CW_E_TLS_PASSTHROUGH_PATHS_IGNORED',
        owner.diagRef,
        'rules without a host cannot be passed through (a TLS connection is matched by its SNI); they are served on plain HTTP only',
      ),
    );
  return byHost;
}

/**
 * The passthrough hosts of a group's Ingresses (not canaries; oldest first), by host. A host an older
 * Ingress already passes through is a CW_E_TLS_PASSTHROUGH_CONFLICT on the younger one.
 */
export function readPassthroughClaims(
  owners: readonly IngressEntries[],
  diags: Diagnostic[],
): ReadonlyMap<string, PassthroughClaim> {
  const claims = new Map<string, PassthroughClaim>();
  for (const owner of owners) {
    const on = readAnnotation(
      SSL_PASSTHROUGH,
      owner.ingress.object.metadata.annotations,
      owner.diagRef,
      diags,
      'TLS is terminated by the gateway as usual',
    );
    if (on !== true) continue;
    for (const [host, entries] of routesByHost(owner, diags)) {
      const prev = claims.get(host);
      if (prev) {
        diags.push(
          diagnostic(
            'CW_E_TLS_PASSTHROUGH_CONFLICT',
            owner.diagRef,
            `host "${host}" is already passed through by ${nameOf(prev.owner)}; ignored here`,
          ),
        );
        continue;
      }
      const entry = chosenRoute(entries);
      if (entries.length > 1) diags.push(pathsIgnored(owner, host, entry, entries.length));
      claims.set(host, { host, owner, entry });
    }
  }
  return claims;
}

/** The passthrough hosts that stay, and the terminated TLS hosts they take over. */
export interface SettledPassthrough {
  readonly passthrough: ReadonlyMap<string, PassthroughClaim>;
  readonly taken: ReadonlySet<string>;
}

/**
 * Settles passthrough against terminated TLS on each host: the older claim wins, so a younger Ingress
 * (of another namespace, say) cannot take a host whose certificate another Ingress serves. An older
 * passthrough takes the host over (reported on the Ingress that gave it a certificate); a younger one
 * is left out (reported on it). `isOlder(a, b)`: a was created before b.
 */
export function settlePassthrough(
  passthrough: ReadonlyMap<string, PassthroughClaim>,
  tlsHosts: ReadonlyMap<string, TlsClaim>,
  isOlder: (a: IngressEntries, b: IngressEntries) => boolean,
  diags: Diagnostic[],
): SettledPassthrough {
  const kept = new Map(passthrough);
  const taken = new Set<string>();
  for (const [host, tls] of tlsHosts) {
    const p = passthrough.get(host);
    if (!p) continue;
    // The passthrough Ingress's own TLS entry (ingress-nginx examples often keep one) is simply unused.
    if (tls.owner === p.owner || isOlder(p.owner, tls.owner)) {
      taken.add(host);
      if (tls.owner !== p.owner)
        diags.push(
          diagnostic(
            'CW_E_TLS_PASSTHROUGH_CONFLICT',
            tls.owner.diagRef,
            `host "${host}" is passed through by the older ${nameOf(p.owner)}: the gateway does not terminate TLS for it and Secret ${tls.secret} is not served for it`,
          ),
        );
      continue;
    }
    kept.delete(host);
    diags.push(
      diagnostic(
        'CW_E_TLS_PASSTHROUGH_CONFLICT',
        p.owner.diagRef,
        `host "${host}" is terminated with Secret ${tls.secret} by the older ${nameOf(tls.owner)}; not passed through`,
      ),
    );
  }
  return { passthrough: kept, taken };
}
