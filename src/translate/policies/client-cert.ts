/**
 * The client-certificate policy of an Ingress (issue 13, item 2), read once per Ingress from the
 * `causeway.dev/auth-tls-*` annotations. Pure. Without `auth-tls-secret` (or with
 * `auth-tls-verify-client: off`) the Ingress asks for no client certificate. A bad `auth-tls-secret`
 * FAILS CLOSED: the policy is `refuse` and the Ingress's TLS hosts answer 403. A bad `verify-client`
 * means `on` (the strictest), a bad `verify-depth` means 1 (nginx's default) and a bad
 * `pass-certificate-to-upstream` means `false`, each with a CW_E_ANNOTATION_INVALID diagnostic on the Ingress.
 */
import type { Diagnostic } from '../../errors.js';
import { readAnnotation, type AnnotationSpec } from '../../ingress/ingress-annotations.js';
import type { IngressEntries } from '../../ingress/ingress-reader.js';
import type { ClientCertModeIR } from '../../ir/ir-types.js';
import {
  AUTH_TLS_PASS_CERTIFICATE,
  AUTH_TLS_SECRET,
  AUTH_TLS_VERIFY_CLIENT,
  AUTH_TLS_VERIFY_DEPTH,
  DEFAULT_VERIFY_DEPTH,
} from './client-cert-annotations.js';

/** What an Ingress asks of the clients of its TLS hosts. */
export type ClientCertPolicy =
  | {
      readonly kind: 'verify';
      /** `namespace/name` of the CA Secret. */
      readonly caSecret: string;
      readonly mode: ClientCertModeIR;
      readonly verifyDepth: number;
      readonly passCertificate: boolean;
    }
  /** `auth-tls-secret` is set but unusable as a value: the hosts answer 403. */
  | { readonly kind: 'refuse' };

function read<T>(
  spec: AnnotationSpec<T>,
  owner: IngressEntries,
  diags: Diagnostic[],
  consequence: string,
): T | undefined {
  const annotations = owner.ingress.object.metadata.annotations;
  return readAnnotation(spec, annotations, owner.diagRef, diags, consequence);
}

/** The Ingress's client-certificate policy; undefined when it asks for none. */
export function readClientCert(owner: IngressEntries, diags: Diagnostic[]): ClientCertPolicy | undefined {
  const annotations = owner.ingress.object.metadata.annotations;
  if (annotations?.[AUTH_TLS_SECRET.name] === undefined) return undefined;
  const mode = read(AUTH_TLS_VERIFY_CLIENT, owner, diags, 'using "on"') ?? 'on';
  if (mode === 'off') return undefined;
  const refused = "the Ingress's TLS hosts answer 403 to every request";
  const secret = read(AUTH_TLS_SECRET, owner, diags, refused);
  const verifyDepth =
    read(AUTH_TLS_VERIFY_DEPTH, owner, diags, `using ${DEFAULT_VERIFY_DEPTH}`) ?? DEFAULT_VERIFY_DEPTH;
  const passCertificate = read(AUTH_TLS_PASS_CERTIFICATE, owner, diags, 'using "false"') ?? false;
  if (secret === undefined) return { kind: 'refuse' };
  const caSecret = `${secret.namespace ?? owner.ref.namespace}/${secret.name}`;
  return { kind: 'verify', caSecret, mode, verifyDepth, passCertificate };
}

/** Whether two policies ask the same of a host's clients. */
export function sameClientCert(a: ClientCertPolicy, b: ClientCertPolicy): boolean {
  if (a.kind === 'refuse' || b.kind === 'refuse') return a.kind === b.kind;
  return (
    a.caSecret === b.caSecret &&
    a.mode === b.mode &&
    a.verifyDepth === b.verifyDepth &&
    a.passCertificate === b.passCertificate
  );
}
