/**
 * Gateway identity under mTLS: which gateway group a client certificate stands for, and whether a
 * stream's `node.cluster` may be served to it. Pure.
 *
 * A gateway certificate names its group in exactly one URI SAN of the form
 *
 *     spiffe://<trust domain>/causeway/group/<group>
 *
 * (a SPIFFE ID, so SPIRE, cert-manager's CSI driver or any CA can issue it). When the controller is
 * given a trust domain, the SAN's must match it. The group is authoritative: `node.cluster` may repeat
 * it or be empty (then the certificate's group is used); naming another group refuses the stream.
 */

/** The path of a gateway's SPIFFE ID, before the group. */
export const GROUP_ID_PATH = '/causeway/group/';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** SPIFFE trust domain: lowercase letters, digits, dots, dashes and underscores. */
const TRUST_DOMAIN = /^[a-z0-9._-]{1,255}$/;

/** The SPIFFE ID a gateway certificate of `group` carries as URI SAN. */
export function gatewaySpiffeId(trustDomain: string, group: string): string {
  return `spiffe://${trustDomain}${GROUP_ID_PATH}${group}`;
}

export function isTrustDomain(value: string): boolean {
  return TRUST_DOMAIN.test(value);
}

export type CertificateGroup =
  | { readonly ok: true; readonly group: string; readonly spiffeId: string }
  | { readonly ok: false; readonly reason: string };

/**
 * The URI entries of a certificate's subjectAltName, as Node writes it (`tls.PeerCertificate.subjectaltname`
 * or `X509Certificate.subjectAltName`: `DNS:a, URI:spiffe://…`; values with unusual characters are
 * JSON-quoted, and such values are never a group ID, so they are skipped).
 */
export function uriSans(subjectAltName: string | undefined): string[] {
  if (!subjectAltName) return [];
  return subjectAltName
    .split(', ')
    .filter((entry) => entry.startsWith('URI:') && !entry.startsWith('URI:"'))
    .map((entry) => entry.slice('URI:'.length));
}

/** The gateway group a client certificate names (see the file comment), or why it names none. */
export function groupFromCertificate(
  subjectAltName: string | undefined,
  trustDomain?: string,
): CertificateGroup {
  const ids = uriSans(subjectAltName).filter((u) => {
    const m = /^spiffe:\/\/([^/]+)(\/.*)$/.exec(u);
    return m !== null && m[2]!.startsWith(GROUP_ID_PATH);
  });
  if (ids.length === 0) {
    return {
      ok: false,
      reason: `the client certificate names no gateway group (expected a URI SAN spiffe://<trust domain>${GROUP_ID_PATH}<group>)`,
    };
  }
  if (ids.length > 1) {
    return {
      ok: false,
      reason: `the client certificate names several gateway groups (${ids.join(', ')}); it must name exactly one`,
    };
  }
  const id = ids[0]!;
  const m = /^spiffe:\/\/([^/]+)(\/.*)$/.exec(id)!;
  const domain = m[1]!;
  const group = m[2]!.slice(GROUP_ID_PATH.length);
  if (trustDomain !== undefined && domain !== trustDomain) {
    return {
      ok: false,
      reason: `the client certificate's SPIFFE ID ${id} is not in the trust domain ${trustDomain}`,
    };
  }
  if (!DNS_LABEL.test(group)) {
    return {
      ok: false,
      reason: `the client certificate's SPIFFE ID ${id} does not end in a gateway group name (a DNS label)`,
    };
  }
  return { ok: true, group, spiffeId: id };
}

export type GroupDecision =
  { readonly ok: true; readonly group: string } | { readonly ok: false; readonly reason: string };

/**
 * The group served to a stream whose certificate names `certGroup`: `node.cluster` when it is the same
 * or empty, a refusal when it names another group.
 */
export function authorizeGroup(cert: CertificateGroup, nodeCluster: string | undefined): GroupDecision {
  if (!cert.ok) return cert;
  const asked = nodeCluster ?? '';
  if (asked === '' || asked === cert.group) return { ok: true, group: cert.group };
  return {
    ok: false,
    reason: `node.cluster ${JSON.stringify(asked)} names another gateway group than the client certificate (${cert.spiffeId}): a gateway only gets its own group's configuration`,
  };
}
