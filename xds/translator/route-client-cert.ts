/**
 * What a backend learns of a client certificate (issue 13, item 2), in the route configuration of a
 * filter chain with client-certificate authentication: nginx's headers (`ssl-client-verify`,
 * `ssl-client-subject-dn`, `ssl-client-issuer-dn`, and `ssl-client-cert` with
 * auth-tls-pass-certificate-to-upstream), their values written by us from Envoy's format operators
 * (%DOWNSTREAM_PEER_SUBJECT%, %DOWNSTREAM_PEER_ISSUER%, %DOWNSTREAM_PEER_CERT%: RFC 2253 names, the PEM
 * URL-escaped), never from user input. Client-sent copies are removed on every forwarding route of the
 * chain, so they cannot be forged.
 *
 * Whether a certificate was sent is known per connection, not per header, so in the `optional` modes a
 * forwarding route is written once per outcome, matched on the connection's TLS state
 * (RouteMatch.tls_context): sent and verified (`SUCCESS`), sent but not verified (`optional_no_ca`
 * only: `FAILED:unverified`), none (`NONE`). With `on` every request has a verified certificate.
 */
import type { ClientCertIR } from '../../src/ir/ir-types.js';

/** The headers a backend gets, lowercase as Envoy writes them. */
export const CLIENT_CERT_HEADERS = {
  verify: 'ssl-client-verify',
  subject: 'ssl-client-subject-dn',
  issuer: 'ssl-client-issuer-dn',
  cert: 'ssl-client-cert',
} as const;

const REMOVED = Object.values(CLIENT_CERT_HEADERS);

type Outcome = 'SUCCESS' | 'FAILED:unverified' | 'NONE';

interface Variant {
  readonly tlsContext?: { readonly presented: boolean; readonly validated?: boolean };
  readonly outcome: Outcome;
}

function variants(mode: ClientCertIR['mode']): readonly Variant[] {
  switch (mode) {
    case 'on':
      return [{ outcome: 'SUCCESS' }];
    case 'optional':
      // A certificate that does not chain to the CA fails the handshake: a sent one is a verified one.
      return [{ tlsContext: { presented: true }, outcome: 'SUCCESS' }, { outcome: 'NONE' }];
    case 'optional_no_ca':
      return [
        { tlsContext: { presented: true, validated: true }, outcome: 'SUCCESS' },
        { tlsContext: { presented: true }, outcome: 'FAILED:unverified' },
        { outcome: 'NONE' },
      ];
  }
}

function set(key: string, value: string): object {
  return { header: { key, value }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' };
}

function headersToAdd(outcome: Outcome, passCertificate: boolean): object[] {
  if (outcome === 'NONE') return [set(CLIENT_CERT_HEADERS.verify, 'NONE')];
  return [
    set(CLIENT_CERT_HEADERS.verify, outcome),
    set(CLIENT_CERT_HEADERS.subject, '%DOWNSTREAM_PEER_SUBJECT%'),
    set(CLIENT_CERT_HEADERS.issuer, '%DOWNSTREAM_PEER_ISSUER%'),
    ...(passCertificate ? [set(CLIENT_CERT_HEADERS.cert, '%DOWNSTREAM_PEER_CERT%')] : []),
  ];
}

type RouteJson = Readonly<Record<string, unknown>>;

/** One forwarding route for one outcome: its own header changes first, ours after (ours win). */
function routeFor(r: RouteJson, v: Variant, passCertificate: boolean): RouteJson {
  const own = (key: string): readonly unknown[] => (r[key] as readonly unknown[] | undefined) ?? [];
  const match = r['match'] as RouteJson;
  return {
    ...r,
    match: v.tlsContext ? { ...match, tls_context: v.tlsContext } : match,
    request_headers_to_add: [...own('request_headers_to_add'), ...headersToAdd(v.outcome, passCertificate)],
    request_headers_to_remove: [...new Set([...(own('request_headers_to_remove') as string[]), ...REMOVED])],
  };
}

/** A rendered RouteConfiguration with the client-certificate headers on its forwarding routes. */
export function withClientCertHeaders(config: object, c: ClientCertIR | undefined): object {
  if (c === undefined) return config;
  const rc = config as RouteJson & { readonly virtual_hosts: readonly RouteJson[] };
  const outcomes = variants(c.mode);
  return {
    ...rc,
    virtual_hosts: rc.virtual_hosts.map((v) => ({
      ...v,
      routes: (v['routes'] as readonly RouteJson[]).flatMap((r) =>
        'route' in r ? outcomes.map((o) => routeFor(r, o, c.passCertificate)) : [r],
      ),
    })),
  };
}
