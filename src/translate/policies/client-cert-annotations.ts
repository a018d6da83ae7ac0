/**
 * The client-certificate annotations (issue 13, item 2), read on an Ingress and applied to its TLS hosts:
 * the CA Secret client certificates must chain to (`causeway.dev/auth-tls-secret`), whether a certificate
 * is required, requested or requested without verification (`auth-tls-verify-client`), the chain depth
 * (`auth-tls-verify-depth`), and whether the PEM goes to the backend (`auth-tls-pass-certificate-to-upstream`).
 * Names, values and defaults are ingress-nginx's. The specs only; the reader is client-cert.ts, the
 * catalog list `src/translate/annotations-client-cert.ts`.
 */
import { parseBool, type AnnotationSpec, type ParseResult } from '../../ingress/ingress-annotations.js';
import { kubeNameProblem } from '../../ingress/text-checks.js';

/** A Secret named by an annotation: `namespace/name`, or `name` in the Ingress's namespace. */
export interface SecretName {
  readonly namespace?: string;
  readonly name: string;
}

export function parseSecretName(raw: string): ParseResult<SecretName> {
  const parts = raw.split('/');
  if (parts.length > 2) return { ok: false, error: `"${raw}" is not <namespace>/<name> or <name>` };
  const name = parts.at(-1)!;
  const badName = kubeNameProblem(name);
  if (badName !== undefined) return { ok: false, error: `Secret name "${name}" ${badName}` };
  if (parts.length === 1) return { ok: true, value: { name } };
  const namespace = parts[0]!;
  const badNs = kubeNameProblem(namespace, true);
  if (badNs !== undefined) return { ok: false, error: `namespace "${namespace}" ${badNs}` };
  return { ok: true, value: { namespace, name } };
}

export const AUTH_TLS_SECRET: AnnotationSpec<SecretName> = {
  name: 'causeway.dev/auth-tls-secret',
  targets: ['Ingress'],
  defaultText: 'none (no client certificate asked)',
  description:
    "`<namespace>/<name>` (or `<name>` in the Ingress's namespace) of a Secret (type Opaque, as ingress-nginx users keep it, or kubernetes.io/tls, as cert-manager issues it) whose `ca.crt` holds the PEM CA certificates client certificates must chain to. Applies to the Ingress's TLS hosts (`spec.tls`). A missing Secret, a `ca.crt` that is not PEM certificates or a bad value makes those hosts answer 403 to every request (fail closed).",
  parse: parseSecretName,
};

export const VERIFY_MODES = ['on', 'off', 'optional', 'optional_no_ca'] as const;
export type VerifyMode = (typeof VERIFY_MODES)[number];

export const AUTH_TLS_VERIFY_CLIENT: AnnotationSpec<VerifyMode> = {
  name: 'causeway.dev/auth-tls-verify-client',
  targets: ['Ingress'],
  defaultText: '`on` (with `auth-tls-secret`)',
  description:
    '`on`: a client certificate from the CA is required (without one, or with another, the TLS handshake fails). `optional`: one is asked for; without one the request passes with `ssl-client-verify: NONE`, a certificate not from the CA fails the handshake. `optional_no_ca`: one is asked for but not verified (`ssl-client-verify: FAILED:unverified` when it does not chain to the CA; the backend decides). `off`: none is asked for. A bad value means `on`.',
  parse: (raw) => {
    const found = VERIFY_MODES.find((m) => m === raw);
    return found
      ? { ok: true, value: found }
      : { ok: false, error: `"${raw}" is not one of ${VERIFY_MODES.join(', ')}` };
  },
};

/**
 * nginx's depth (OpenSSL 1.1+ `SSL_CTX_set_verify_depth`) counts the intermediate CA certificates between
 * the client certificate and the trust anchor; Envoy's max_verify_depth counts the anchor too (at most 100).
 */
export const MAX_VERIFY_DEPTH = 99;
export const DEFAULT_VERIFY_DEPTH = 1;

export const AUTH_TLS_VERIFY_DEPTH: AnnotationSpec<number> = {
  name: 'causeway.dev/auth-tls-verify-depth',
  targets: ['Ingress'],
  defaultText: '`1`',
  description: `Largest number of intermediate CA certificates between a client certificate and a CA of \`ca.crt\` (nginx's \`ssl_verify_depth\`): \`0\` only certificates signed by such a CA directly, \`1\` also through one intermediate (sent by the client). From 0 to ${MAX_VERIFY_DEPTH}. A bad value means \`1\`.`,
  parse: (raw) => {
    const n = Number(raw);
    return /^\d+$/.test(raw) && n <= MAX_VERIFY_DEPTH
      ? { ok: true, value: n }
      : { ok: false, error: `"${raw}" is not a whole number from 0 to ${MAX_VERIFY_DEPTH}` };
  },
};

export const AUTH_TLS_PASS_CERTIFICATE: AnnotationSpec<boolean> = {
  name: 'causeway.dev/auth-tls-pass-certificate-to-upstream',
  targets: ['Ingress'],
  defaultText: '`false`',
  description:
    'When `true`, the client certificate (PEM, URL-escaped, as nginx `$ssl_client_escaped_cert`) goes to the backend in the `ssl-client-cert` header. A client-sent `ssl-client-cert` is always removed.',
  parse: parseBool,
};
