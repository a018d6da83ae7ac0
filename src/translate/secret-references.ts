/**
 * The Secrets an object names that translation may read, as `namespace/name`: an Ingress's
 * `spec.tls[].secretName` (certificates), `causeway.dev/auth-secret` (basic auth users, only in the
 * Ingress's namespace: another is refused by translation) and `causeway.dev/auth-tls-secret` (client CA);
 * a Service's `causeway.dev/backend-tls-ca-secret` (backend CA); a Gateway's listener
 * `tls.certificateRefs` to Secrets (whether a cross-namespace one may be used is translation's
 * ReferenceGrant check). A value that does not parse names
 * nothing (translation reports it). Sources that hold more Secrets than they pass on (the Kubernetes
 * object store) pass on exactly these. Pure.
 */
import { parseAnnotation, type AnnotationSpec } from '../ingress/ingress-annotations.js';
import type { Gateway } from '../resources/gateway-api-types.js';
import type { Ingress, KubeObject } from '../resources/kube-types.js';
import { DEFAULT_NAMESPACE } from '../resources/resource-set.js';
import { BACKEND_TLS_CA_SECRET } from './policies/backend-tls-annotations.js';
import { AUTH_SECRET } from './policies/basic-auth-annotations.js';
import { AUTH_TLS_SECRET } from './policies/client-cert-annotations.js';

/** The parsed value of `spec` on `object`, or undefined when it is absent or does not parse. */
function annotation<T>(object: KubeObject, spec: AnnotationSpec<T>): T | undefined {
  const raw = object.metadata.annotations?.[spec.name];
  if (raw === undefined) return undefined;
  const parsed = parseAnnotation(spec, raw);
  return parsed.ok ? parsed.value : undefined;
}

function ingressReferences(object: Ingress, namespace: string): string[] {
  const out: string[] = [];
  for (const t of object.spec?.tls ?? []) if (t.secretName) out.push(`${namespace}/${t.secretName}`);
  const auth = annotation(object, AUTH_SECRET);
  if (auth !== undefined && (auth.namespace ?? namespace) === namespace)
    out.push(`${namespace}/${auth.name}`);
  const clientCa = annotation(object, AUTH_TLS_SECRET);
  if (clientCa !== undefined) out.push(`${clientCa.namespace ?? namespace}/${clientCa.name}`);
  return out;
}

function gatewayReferences(object: Gateway, namespace: string): string[] {
  const out: string[] = [];
  for (const l of object.spec?.listeners ?? [])
    for (const r of l.tls?.certificateRefs ?? [])
      if ((r.group ?? '') === '' && (r.kind ?? 'Secret') === 'Secret')
        out.push(`${r.namespace ?? namespace}/${r.name}`);
  return out;
}

/** `namespace/name` of every Secret `object` names (see the file comment); none for other kinds. */
export function secretReferences(object: KubeObject): readonly string[] {
  const namespace = object.metadata.namespace ?? DEFAULT_NAMESPACE;
  if (object.kind === 'Ingress') return ingressReferences(object, namespace);
  if (object.kind === 'Gateway') return gatewayReferences(object, namespace);
  if (object.kind === 'Service') {
    const ca = annotation(object, BACKEND_TLS_CA_SECRET);
    return ca === undefined ? [] : [`${namespace}/${ca}`];
  }
  return [];
}
