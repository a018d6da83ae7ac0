/**
 * The routes and virtual hosts the path policy adds to a group (issue 12, item 2): the `app-root`
 * redirect of `/` on a host, and the `from-to-www-redirect` virtual hosts (`www.foo.com` <-> `foo.com`).
 * Pure functions of the group's claims and the Ingresses' policies.
 */
import type { ClaimedRoute, GroupClaims } from '../ingress/group-claims.js';
import { ANY_HOST, domainsFor, isWildcard } from '../ingress/hosts.js';
import type { IngressEntries } from '../ingress/ingress-reader.js';
import { compareStrings } from '../ingress/ordering.js';
import type { RouteIR, VirtualHostIR } from '../ir/ir-types.js';
import type { PathsPolicy } from './policies/paths.js';
import { DEFAULT_ROUTE_POLICY } from './route-policy.js';

export type PathsOf = (owner: IngressEntries) => PathsPolicy | undefined;

/** A host's `app-root` redirect (`/` -> 302 to the path), set by the oldest of its Ingresses that asks. */
export function appRootRoute(claimed: readonly ClaimedRoute[], pathsOf: PathsOf): RouteIR | undefined {
  const owner = claimed.map((c) => c.owner).find((o) => pathsOf(o)?.appRoot !== undefined);
  if (!owner) return undefined;
  return {
    name: `ingress/${owner.ref.namespace}/${owner.ref.name}/app-root`,
    match: { kind: 'exact', path: '/' },
    action: { kind: 'redirect', path: pathsOf(owner)!.appRoot!, stripQuery: true, code: 302 },
    timeoutSeconds: 0,
    ...DEFAULT_ROUTE_POLICY,
    source: owner.ref,
  };
}

/** The other name of a host for from-to-www-redirect (`www.foo.com` <-> `foo.com`), if it has one. */
export function wwwPartner(host: string): string | undefined {
  if (host === ANY_HOST || isWildcard(host)) return undefined;
  if (host.startsWith('www.')) return host.includes('.', 4) ? host.slice(4) : undefined;
  return `www.${host}`;
}

export interface WwwRedirect {
  /** The rule host the requests are sent to. */
  readonly target: string;
  readonly owner: IngressEntries;
}

/**
 * The names redirected to their partner rule host by from-to-www-redirect: for every rule host of an
 * Ingress asking (the oldest wins), its partner, unless the partner has rules of its own.
 */
export function wwwRedirects(claims: GroupClaims, pathsOf: PathsOf): ReadonlyMap<string, WwwRedirect> {
  const out = new Map<string, WwwRedirect>();
  for (const host of [...claims.byHost.keys()].sort(compareStrings)) {
    const partner = wwwPartner(host);
    if (partner === undefined || claims.byHost.has(partner) || out.has(partner)) continue;
    const owner = [...claims.byHost.get(host)!.values()]
      .map((c) => c.owner)
      .find((o) => pathsOf(o)?.fromToWww);
    if (owner) out.set(partner, { target: host, owner });
  }
  return out;
}

/** The virtual host of a redirected name: every request goes to the rule host (308, path and query kept). */
export function wwwRedirectVhost(host: string, r: WwwRedirect): VirtualHostIR {
  const route: RouteIR = {
    name: `ingress/${r.owner.ref.namespace}/${r.owner.ref.name}/from-to-www-redirect`,
    match: { kind: 'prefix', path: '/' },
    action: { kind: 'redirect', host: r.target, code: 308 },
    timeoutSeconds: 0,
    ...DEFAULT_ROUTE_POLICY,
    source: r.owner.ref,
  };
  return { name: host, domains: domainsFor(host), routes: [route] };
}
