/**
 * The kinds the Kubernetes source lists and watches, with their API paths. One list+watch per kind, across
 * all namespaces, except Secrets: two, narrowed on the server to the types Causeway reads, TLS Secrets
 * (certificates) and Opaque ones (basic auth users, CA bundles). Each list+watch feeds the object store as
 * its own scope, so that the relist of one type never drops the other's Secrets.
 */
import type { KubeKind } from '../../resources/kube-types.js';
import { OPAQUE_SECRET_TYPE, TLS_SECRET_TYPE } from '../../sources/manifests/kube-object-readers.js';

export interface KubeKindSpec {
  readonly kind: KubeKind;
  /** The cluster-wide collection path (list and watch). */
  readonly path: string;
  readonly namespaced: boolean;
  readonly fieldSelector?: string;
}

/** In a fixed order (the order `load()` names kinds that could not be listed). */
export const KUBE_KINDS: readonly KubeKindSpec[] = [
  { kind: 'IngressClass', path: '/apis/networking.k8s.io/v1/ingressclasses', namespaced: false },
  { kind: 'Ingress', path: '/apis/networking.k8s.io/v1/ingresses', namespaced: true },
  { kind: 'Service', path: '/api/v1/services', namespaced: true },
  { kind: 'EndpointSlice', path: '/apis/discovery.k8s.io/v1/endpointslices', namespaced: true },
  {
    kind: 'Secret',
    path: '/api/v1/secrets',
    namespaced: true,
    fieldSelector: `type=${TLS_SECRET_TYPE}`,
  },
  {
    kind: 'Secret',
    path: '/api/v1/secrets',
    namespaced: true,
    fieldSelector: `type=${OPAQUE_SECRET_TYPE}`,
  },
];

/** The store scope of a list+watch, unique in KUBE_KINDS: the kind, with its field selector if any. */
export function watchScope(spec: KubeKindSpec): string {
  return spec.fieldSelector === undefined ? spec.kind : `${spec.kind} (${spec.fieldSelector})`;
}
