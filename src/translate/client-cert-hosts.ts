/**
 * Client-certificate authentication per host (issue 13, item 2). A client certificate is part of the TLS
 * handshake, which happens before any request, so it is a property of the host (its SNI filter chain),
 * not of a route: the oldest Ingress with rules or TLS for a host that sets `causeway.dev/auth-tls-secret`
 * decides for every route of that host; a younger Ingress asking otherwise gets CW_E_CLIENT_CERT_CONFLICT,
 * and an Ingress without the annotation never turns it off (fail closed). Rules without a host are not
 * covered (they have no SNI name).
 *
 * A host whose CA cannot be used (a bad `auth-tls-secret`, a missing Secret, a bad `ca.crt`) is refused:
 * every request answers 403, over HTTPS and plain HTTP. Plain HTTP never reaches a protected host's
 * backends: it is redirected to HTTPS when the Ingress asks (`ssl-redirect`), else answered 403.
 */
import { diagnostic, type Diagnostic } from '../errors.js';
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

/** The winning policy per host, oldest Ingress first; a different one later is a conflict. */
function winningPolicies(
  owners: readonly IngressEntries[],
  tlsHosts: ReadonlySet<string>,
  diags: Diagnostic[],
): Map<string, { readonly policy: ClientCertPolicy; readonly owner: IngressEntries }> {
  const winners = new Map<string, { readonly policy: ClientCertPolicy; readonly owner: IngressEntries }>();
  for (const owner of owners) {
    const policy = readClientCert(owner, diags);
    if (policy === undefined) continue;
    reportUncovered(owner, tlsHosts, diags);
    for (const host of [...hostsOf(owner)].sort(compareStrings)) {
      const prev = winners.get(host);
      if (prev === undefined) winners.set(host, { policy, owner });
      else if (!sameClientCert(prev.policy, policy)) {
        const winner = `Ingress ${prev.owner.ref.namespace}/${prev.owner.ref.name}`;
        const what = `host "${host}" already has the client-certificate settings of ${winner}; they apply to this Ingress's routes on it`;
        diags.push(diagnostic('CW_E_CLIENT_CERT_CONFLICT', owner.diagRef, what));
      }
    }
  }
  return winners;
}

/**
 * Every host of the group with client-certificate authentication. The CA Secret of each winning
 * Ingress is looked up once (a diagnostic on the Ingress when unusable).
 */
export function hostClientCerts(
  owners: readonly IngressEntries[],
  tlsHosts: ReadonlySet<string>,
  secrets: SecretRegistry,
  diags: Diagnostic[],
): ReadonlyMap<string, HostClientCert> {
  const byOwner = new Map<IngressEntries, HostClientCert>();
  const resolve = (policy: ClientCertPolicy, owner: IngressEntries): HostClientCert => {
    if (policy.kind === 'refuse') return { kind: 'refuse', owner };
    const caSecret = secrets.useClientCa(policy.caSecret, owner);
    if (caSecret === undefined) return { kind: 'refuse', owner };
    const { mode, verifyDepth, passCertificate } = policy;
    return { kind: 'verify', clientCert: { caSecret, mode, verifyDepth, passCertificate }, owner };
  };
  const hosts = new Map<string, HostClientCert>();
  for (const [host, { policy, owner }] of winningPolicies(owners, tlsHosts, diags)) {
    const resolved = byOwner.get(owner) ?? resolve(policy, owner);
    byOwner.set(owner, resolved);
    hosts.set(host, resolved);
  }
  return hosts;
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
