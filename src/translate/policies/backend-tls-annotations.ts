/**
 * The backend protocol annotations (issue 12, item 7), read on the Service: which protocol the gateway
 * speaks to the Service's endpoints (`causeway.dev/backend-protocol`, named and spelled as ingress-nginx's),
 * and for HTTPS and GRPCS how the backend's certificate is verified (a CA from a Secret, the SNI and the
 * name the certificate must carry, or verification explicitly off). The specs only; the reader is
 * backend-tls.ts, the catalog list `src/translate/annotations-backend-tls.ts` (a policy reader may not
 * import src/translate, which imports it: that would be a folder cycle).
 */
import { parseBool, type AnnotationSpec, type ParseResult } from '../../ingress/ingress-annotations.js';
import { kubeNameProblem } from '../../ingress/text-checks.js';

/** ingress-nginx's values (FCGI and AUTO_HTTP aside) plus H2C. */
export const BACKEND_PROTOCOLS = ['HTTP', 'HTTPS', 'GRPC', 'GRPCS', 'H2C'] as const;
export type BackendProtocol = (typeof BACKEND_PROTOCOLS)[number];

export function parseBackendProtocol(raw: string): ParseResult<BackendProtocol> {
  const upper = raw.trim().toUpperCase();
  const found = BACKEND_PROTOCOLS.find((p) => p === upper);
  return found
    ? { ok: true, value: found }
    : { ok: false, error: `"${raw}" is not one of ${BACKEND_PROTOCOLS.join(', ')}` };
}

export const BACKEND_PROTOCOL: AnnotationSpec<BackendProtocol> = {
  name: 'causeway.dev/backend-protocol',
  targets: ['Service'],
  defaultText: "the port's `appProtocol`, else `HTTP`",
  description:
    "Protocol from the gateway to the endpoints of every port of the Service: `HTTP` (HTTP/1.1), `H2C` or `GRPC` (HTTP/2 in cleartext), `HTTPS` (TLS, HTTP/1.1) or `GRPCS` (TLS, HTTP/2). Case-insensitive. Wins over the ports' `appProtocol`.",
  parse: parseBackendProtocol,
};

export const BACKEND_TLS_CA_SECRET: AnnotationSpec<string> = {
  name: 'causeway.dev/backend-tls-ca-secret',
  targets: ['Service'],
  defaultText: 'none (an HTTPS or GRPCS backend then answers 503)',
  description:
    "Name of a Secret (type Opaque or kubernetes.io/tls, in the Service's namespace) whose `ca.crt` holds the PEM CA certificates the backend's certificate must chain to.",
  parse: (raw) => {
    const bad = kubeNameProblem(raw);
    return bad === undefined ? { ok: true, value: raw } : { ok: false, error: `"${raw}" ${bad}` };
  },
};

/** The longest SNI Envoy takes (UpstreamTlsContext.sni, max_bytes 255) and DNS allows (253). */
const MAX_DNS_NAME = 253;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** A DNS name (lowercased): labels of a-z, 0-9 and `-`, at most 253 characters; no IP, no wildcard. */
export function parseDnsName(raw: string): ParseResult<string> {
  const name = raw.toLowerCase();
  const labels = name.split('.');
  // A numeric last label is an IP address (or no DNS name at all): TLS forbids IPs as SNI.
  const ok =
    name.length <= MAX_DNS_NAME && labels.every((l) => DNS_LABEL.test(l)) && !/^\d+$/.test(labels.at(-1)!);
  return ok
    ? { ok: true, value: name }
    : {
        ok: false,
        error: `"${raw}" is not a DNS name (labels of a-z, 0-9 and -, at most 253 characters; not an IP)`,
      };
}

export const BACKEND_TLS_SNI: AnnotationSpec<string> = {
  name: 'causeway.dev/backend-tls-sni',
  targets: ['Service'],
  defaultText: '`<service>.<namespace>.svc`',
  description:
    "Server name the gateway sends (SNI) to an HTTPS or GRPCS backend, and the DNS name the backend's certificate must carry (a SAN; a wildcard SAN covers it) when verifying.",
  parse: parseDnsName,
};

export const BACKEND_TLS_VERIFY: AnnotationSpec<boolean> = {
  name: 'causeway.dev/backend-tls-verify',
  targets: ['Service'],
  defaultText: '`true`',
  description:
    '`false` sends traffic to an HTTPS or GRPCS backend without verifying its certificate (encrypted, not authenticated), with a `BackendTLSUnverified` warning on the Service on every translation.',
  parse: parseBool,
};
