/**
 * Settles who owns what in one gateway group. The Ingresses come sorted oldest first, so the first claim
 * wins: on a host + path, on the group's default backend, on a TLS host's certificate. Every losing
 * claim is a diagnostic on its Ingress naming the winner. A canary Ingress (gateway mode's `isCanary`)
 * claims no host + path of its own: each of its paths attaches to the main route of the same host and
 * path in its namespace (the oldest canary wins), and is ignored with a diagnostic when there is none.
 * A canary brings no TLS host, default backend or redirect: those of the main Ingress apply.
 */
import { diagnostic, type Diagnostic } from '../errors.js';
import type { IngressEntries, RouteEntry } from './ingress-reader.js';
import { pathKey } from './paths.js';

export interface ClaimedRoute {
  readonly entry: RouteEntry;
  readonly owner: IngressEntries;
}

export interface TlsClaim {
  /** `namespace/name` of the Secret. */
  readonly secret: string;
  readonly owner: IngressEntries;
}

export interface GroupClaims {
  /** host -> path key -> route, in claim order. */
  readonly byHost: ReadonlyMap<string, ReadonlyMap<string, ClaimedRoute>>;
  readonly defaultBackend?: IngressEntries;
  readonly tlsHosts: ReadonlyMap<string, TlsClaim>;
  /** The certificate of a `tls` entry without hosts (clients whose SNI matches no host). */
  readonly defaultCertificate?: TlsClaim;
  /** TLS hosts whose plain-HTTP requests are redirected, with the Ingress that asked. */
  readonly redirectHosts: ReadonlyMap<string, IngressEntries>;
  /** host -> path key -> the canary route attached to the main route of `byHost` with that key. */
  readonly canaries: ReadonlyMap<string, ReadonlyMap<string, ClaimedRoute>>;
}

/** Names the winning Ingress, with its cluster when it is not the loser's. */
function nameOf(e: IngressEntries, loser: IngressEntries): string {
  const cluster = e.ingress.origin.cluster;
  const where = cluster !== loser.ingress.origin.cluster ? ` in cluster ${cluster}` : '';
  return `Ingress ${e.ref.namespace}/${e.ref.name}${where}`;
}

/** Where a canary route attaches: the main route's claims must exist, in the canary's namespace. */
function attachCanaries(
  canaryRoutes: readonly ClaimedRoute[],
  byHost: ReadonlyMap<string, ReadonlyMap<string, ClaimedRoute>>,
  diags: Diagnostic[],
): Map<string, Map<string, ClaimedRoute>> {
  const canaries = new Map<string, Map<string, ClaimedRoute>>();
  for (const c of canaryRoutes) {
    const { entry, owner } = c;
    const key = pathKey(entry.match);
    const where = `host "${entry.host}" ${entry.match.kind} path "${entry.match.path}"`;
    const main = byHost.get(entry.host)?.get(key);
    if (!main || main.owner.ref.namespace !== owner.ref.namespace) {
      const why = main
        ? `is served by ${nameOf(main.owner, owner)} of another namespace`
        : 'has no main Ingress';
      diags.push(diagnostic('CW_E_CANARY_WITHOUT_MAIN', owner.diagRef, `canary ${where} ${why}; ignored`));
      continue;
    }
    const paths = canaries.get(entry.host) ?? new Map<string, ClaimedRoute>();
    canaries.set(entry.host, paths);
    const prev = paths.get(key);
    if (prev) {
      const winner = prev.owner === owner ? 'an earlier path of the same Ingress' : nameOf(prev.owner, owner);
      diags.push(
        diagnostic(
          'CW_E_ROUTE_CONFLICT',
          owner.diagRef,
          `canary ${where} already has the canary ${winner}; ignored here`,
        ),
      );
      continue;
    }
    paths.set(key, c);
  }
  return canaries;
}

export function claimGroup(
  group: string,
  owners: readonly IngressEntries[],
  diags: Diagnostic[],
  isCanary: (owner: IngressEntries) => boolean = () => false,
): GroupClaims {
  const byHost = new Map<string, Map<string, ClaimedRoute>>();
  const tlsHosts = new Map<string, TlsClaim>();
  const redirectHosts = new Map<string, IngressEntries>();
  let defaultBackend: IngressEntries | undefined;
  let defaultCertificate: TlsClaim | undefined;
  const canaryRoutes: ClaimedRoute[] = [];

  for (const owner of owners) {
    if (isCanary(owner)) {
      canaryRoutes.push(...owner.routes.map((entry) => ({ entry, owner })));
      continue;
    }
    for (const entry of owner.routes) {
      const paths = byHost.get(entry.host) ?? new Map<string, ClaimedRoute>();
      byHost.set(entry.host, paths);
      const prev = paths.get(pathKey(entry.match));
      if (prev) {
        const winner =
          prev.owner === owner ? 'an earlier path of the same Ingress' : nameOf(prev.owner, owner);
        diags.push(
          diagnostic(
            'CW_E_ROUTE_CONFLICT',
            owner.diagRef,
            `host "${entry.host}" ${entry.match.kind} path "${entry.match.path}" is already served by ${winner}; ignored here`,
          ),
        );
        continue;
      }
      paths.set(pathKey(entry.match), { entry, owner });
    }
    if (owner.defaultBackend) {
      if (defaultBackend) {
        diags.push(
          diagnostic(
            'CW_E_DEFAULT_BACKEND_CONFLICT',
            owner.diagRef,
            `gateway group "${group}" already has the default backend of ${nameOf(defaultBackend, owner)}; ignored here`,
          ),
        );
      } else defaultBackend = owner;
    }
    for (const t of owner.tls) {
      const secret = `${owner.ref.namespace}/${t.secretName}`;
      if (t.hosts.length === 0) {
        defaultCertificate ??= { secret, owner };
        continue;
      }
      for (const h of t.hosts) {
        const prev = tlsHosts.get(h);
        if (prev && prev.secret !== secret) {
          diags.push(
            diagnostic(
              'CW_E_TLS_HOST_CONFLICT',
              owner.diagRef,
              `host "${h}" already uses Secret ${prev.secret} of ${nameOf(prev.owner, owner)}; ignored here`,
            ),
          );
          continue;
        }
        if (!prev) tlsHosts.set(h, { secret, owner });
        if (owner.sslRedirect && !redirectHosts.has(h)) redirectHosts.set(h, owner);
      }
    }
  }
  return {
    byHost,
    tlsHosts,
    redirectHosts,
    canaries: attachCanaries(canaryRoutes, byHost, diags),
    ...(defaultBackend ? { defaultBackend } : {}),
    ...(defaultCertificate ? { defaultCertificate } : {}),
  };
}
