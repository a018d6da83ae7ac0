/**
 * The kinds the Kubernetes source lists and watches, with their API paths. One list+watch per kind, across
 * all namespaces. Secrets are narrowed on the server to TLS Secrets (the only ones Causeway reads).
 */
import type { KubeKind } from '../../resources/kube-types.js';
import { TLS_SECRET_TYPE } from '../../sources/manifests/kube-object-readers.js';

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
];
