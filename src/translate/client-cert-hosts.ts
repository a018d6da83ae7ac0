/**
 * Client-certificate authentication per host (issue 13, item 2). A client certificate is part of the TLS
 * handshake, which happens before any request, so it is a property of the host (its SNI filter chain),
 * not of a route. The Ingress that owns the host's TLS certificate (the oldest with the host in `spec.tls`,
 * as for the certificate itself) decides for every route of that host; an Ingress without the annotation
 * never turns it off; another Ingress asking the same settings is covered by them. An Ingress asking for
 * other settings on a host whose certificate it does not own (or on a host without TLS) cannot impose
 * them on the host's other routes (so another namespace cannot close a tenant's host); its own routes
 * there fail closed instead (403, CW_E_CLIENT_CERT_CONFLICT). Rules without a host are not covered (they have no SNI name).
 *
 * A host whose CA cannot be used (a bad `auth-tls-secret`, a missing Secret, a bad `ca.crt`) is refused:
 * every request answers 403, over HTTPS and plain HTTP. Plain HTTP never reaches a protected host's
 * backends: it is redirected to HTTPS when the Ingress asks (`ssl-redirect`), else answered 403.
 */
import { diagnostic, type Diagnostic, type ObjectRef } from '../errors.js';
import { ANY_HOST, domainsFor } from '../ingress/hosts.js';
import type { IngressEntries } from '../ingress/ingress-reader.js';
import { compareStrings } from '../ingress/ordering.js';
import type { ClientCertIR, RouteIR, VirtualHostIR } from '../ir/ir-types.js';
import { readClientCert, sameClientCert, type ClientCertPolicy } from './policies/client-cert.js';
import { DEFAULT_ROUTE_POLICY } from './route-policy.js';
import type { SecretRegistry } from './secret-registry.js';

/** What a host asks of its clients: a verified certificate, or nothing at all (refused: 403). */
export type HostClientCert =
  | { readonly kind: 'verify'; readonly clientCert: ClientCertIR; readonly owner: IngressEntries }
  | { readonly kind: 'refuse'; readonly owner: IngressEntries };

/** The hosts of an Ingress's rules and TLS entries (the catch-all aside). */
function hostsOf(owner: IngressEntries): Set<string> {
  const hosts = new Set([...owner.routes.map((r) => r.host), ...owner.tls.flatMap((t) => t.hosts)]);
  hosts.delete(ANY_HOST);
  return hosts;
}

/**
 * What an Ingress with client-certificate settings has that they cannot cover: rules without a host or
 * a default backend (no SNI name to ask on), and hosts without a TLS certificate in the group (not
 * served over HTTPS at all; plain HTTP answers 403). One warning naming them.
 */
function reportUncovered(owner: IngressEntries, tlsHosts: ReadonlySet<string>, diags: Diagnostic[]): void {
  const parts: string[] = [];
  if (owner.routes.some((r) => r.host === ANY_HOST) || owner.defaultBackend)
    parts.push('its rules without a host (or default backend) are served without a client certificate');
  const plain = [...hostsOf(owner)].filter((h) => !tlsHosts.has(h)).sort(compareStrings);
  if (plain.length > 0)
    parts.push(
      `host${plain.length > 1 ? 's' : ''} ${plain.map((h) => `"${h}"`).join(', ')} ha${plain.length > 1 ? 've' : 's'} no TLS certificate (spec.tls): not served over HTTPS, plain HTTP answers 403`,
    );
  if (parts.length > 0)
    diags.push(
      diagnostic(
        'CW_E_CLIENT_CERT_NOT_APPLIED',
        owner.diagRef,
        `client-certificate authentication: ${parts.join('; ')}`,
      ),
    );
}

/** What a group's client-certificate settings decide: per host, and the Ingresses refused on a host. */
export interface ClientCertHosts {
  /** Hosts whose TLS owner asks for client certificates (or is refused: a bad CA). */
  readonly hosts: ReadonlyMap<string, HostClientCert>;
  /** host -> Ingresses that asked for client certificates there without owning its certificate. */
  readonly refusedOwners: ReadonlyMap<string, ReadonlySet<IngressEntries>>;
}

interface Winners {
  readonly winners: Map<string, { readonly policy: ClientCertPolicy; readonly owner: IngressEntries }>;
  readonly refusedOwners: Map<string, Set<IngressEntries>>;
}

/**
 * The policy per host, from the Ingress owning the host's certificate. Another Ingress asking the same
 * there is covered by it; one asking otherwise (or where the owner asks nothing, or there is no TLS) is
 * refused on that host.
 */
function winningPolicies(
  owners: readonly IngressEntries[],
  tlsOwners: ReadonlyMap<string, IngressEntries>,
  diags: Diagnostic[],
): Winners {
  const asked = owners.flatMap((owner) => {
    const policy = readClientCert(owner, diags);
    if (policy === undefined) return [];
    reportUncovered(owner, new Set(tlsOwners.keys()), diags);
    return [{ owner, policy }];
  });
  const winners: Winners['winners'] = new Map();
  for (const { owner, policy } of asked)
    for (const host of hostsOf(owner))
      if (tlsOwners.get(host) === owner) winners.set(host, { policy, owner });
  const refusedOwners: Winners['refusedOwners'] = new Map();
  for (const { owner, policy } of asked) {
    for (const host of [...hostsOf(owner)].sort(compareStrings)) {
      const tlsOwner = tlsOwners.get(host);
      const winner = winners.get(host);
      if (tlsOwner === owner || (winner && sameClientCert(winner.policy, policy))) continue;
      refusedOwners.set(host, (refusedOwners.get(host) ?? new Set()).add(owner));
      if (tlsOwner === undefined) continue; // reportUncovered named the host
      const what =
        `host "${host}" has the TLS certificate of Ingress ${tlsOwner.ref.namespace}/${tlsOwner.ref.name}, ` +
        `which alone sets its client-certificate settings${winner ? ' (others than these)' : ' (none)'}; ` +
        "this Ingress's routes on it answer 403";
      diags.push(diagnostic('CW_E_CLIENT_CERT_CONFLICT', owner.diagRef, what));
    }
  }
  return { winners, refusedOwners };
}

/**
 * Every host of the group with client-certificate authentication. The CA Secret of each winning
 * Ingress is looked up once (a diagnostic on the Ingress when unusable).
 */
export function hostClientCerts(
  owners: readonly IngressEntries[],
  tlsOwners: ReadonlyMap<string, IngressEntries>,
  secrets: SecretRegistry,
  diags: Diagnostic[],
): ClientCertHosts {
  const byOwner = new Map<IngressEntries, HostClientCert>();
  const resolve = (policy: ClientCertPolicy, owner: IngressEntries): HostClientCert => {
    if (policy.kind === 'refuse') return { kind: 'refuse', owner };
    const caSecret = secrets.useClientCa(policy.caSecret, owner);
    if (caSecret === undefined) return { kind: 'refuse', owner };
    const { mode, verifyDepth, passCertificate } = policy;
    return { kind: 'verify', clientCert: { caSecret, mode, verifyDepth, passCertificate }, owner };
  };
  const hosts = new Map<string, HostClientCert>();
  const { winners, refusedOwners } = winningPolicies(owners, tlsOwners, diags);
  for (const [host, { policy, owner }] of winners) {
    const resolved = byOwner.get(owner) ?? resolve(policy, owner);
    byOwner.set(owner, resolved);
    hosts.set(host, resolved);
  }
  return { hosts, refusedOwners };
}

function sameObject(a: ObjectRef, b: ObjectRef): boolean {
  return a.kind === b.kind && a.namespace === b.namespace && a.name === b.name && a.cluster === b.cluster;
}

/** `v` with the routes of `refused` Ingresses answering 403 (they asked for client certificates in vain). */
export function withRefusedRoutes(
  v: VirtualHostIR,
  refused: ReadonlySet<IngressEntries> | undefined,
): VirtualHostIR {
  if (refused === undefined) return v;
  const refs = [...refused].map((o) => o.ref);
  const refuse = (r: RouteIR): RouteIR =>
    refs.some((ref) => sameObject(ref, r.source))
      ? {
          name: r.name,
          match: r.match,
          ...(r.authority ? { authority: r.authority } : {}),
          ...(r.headers ? { headers: r.headers } : {}),
          action: { kind: 'direct', status: 403, body: REFUSED_BODY },
          timeoutSeconds: 0,
          ...DEFAULT_ROUTE_POLICY,
          source: r.source,
        }
      : r;
  return { ...v, routes: v.routes.map(refuse) };
}

/** The filter chain name of a certificate's hosts with this client-certificate setting. */
export function clientCertChainName(secret: string, c: HostClientCert | undefined): string {
  if (c === undefined) return `https/${secret}`;
  if (c.kind === 'refuse') return `https/${secret}/client-cert-refused`;
  const { caSecret, mode, verifyDepth, passCertificate } = c.clientCert;
  const pass = passCertificate ? '/pass-certificate' : '';
  return `https/${secret}/client-${caSecret}/${mode}/depth-${verifyDepth}${pass}`;
}

/**
 * Whether requests for concrete `host` may fall through to the routes of `wildcard` (one label up): not
 * when the wildcard asks for client certificates and the host does not ask the same, or a client could
 * reach the wildcard's routes through the host's chain (or plain HTTP) without one.
 */
export function mayFallThrough(
  hosts: ReadonlyMap<string, HostClientCert>,
  host: string,
  wildcard: string,
): boolean {
  const w = hosts.get(wildcard);
  if (w === undefined) return true;
  const h = hosts.get(host);
  return h !== undefined && clientCertChainName('', h) === clientCertChainName('', w);
}

export const REFUSED_BODY = 'client certificate authentication of this host is not available\n';
export const HTTPS_REQUIRED_BODY = 'this host requires HTTPS with a client certificate\n';

/** A virtual host answering 403 with `body` to every request for `host`. */
export function refusalVhost(host: string, owner: IngressEntries, body: string): VirtualHostIR {
  const route: RouteIR = {
    name: `ingress/${owner.ref.namespace}/${owner.ref.name}/client-cert-refused`,
    match: { kind: 'prefix', path: '/' },
    action: { kind: 'direct', status: 403, body },
    timeoutSeconds: 0,
    ...DEFAULT_ROUTE_POLICY,
    source: owner.ref,
  };
  return { name: host, domains: domainsFor(host), routes: [route] };
}
