/**
 * Settles who owns what in one gateway group. The Ingresses come sorted oldest first, so the first claim
 * wins: on a host + path, on the group's default backend, on a TLS host's certificate. Every losing
 * claim is a diagnostic on its Ingress naming the winner.
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
}

/** Names the winning Ingress, with its cluster when it is not the loser's. */
function nameOf(e: IngressEntries, loser: IngressEntries): string {
  const cluster = e.ingress.origin.cluster;
  const where = cluster !== loser.ingress.origin.cluster ? ` in cluster ${cluster}` : '';
  return `Ingress ${e.ref.namespace}/${e.ref.name}${where}`;
}

export function claimGroup(
  group: string,
  owners: readonly IngressEntries[],
  diags: Diagnostic[],
): GroupClaims {
  const byHost = new Map<string, Map<string, ClaimedRoute>>();
  const tlsHosts = new Map<string, TlsClaim>();
  const redirectHosts = new Map<string, IngressEntries>();
  let defaultBackend: IngressEntries | undefined;
  let defaultCertificate: TlsClaim | undefined;

  for (const owner of owners) {
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
    ...(defaultBackend ? { defaultBackend } : {}),
    ...(defaultCertificate ? { defaultCertificate } : {}),
  };
}
