/**
 * The kinds the Kubernetes source lists and watches, with their API paths. One list+watch per kind, across
 * all namespaces, except Secrets: two, narrowed on the server to the types Causeway reads, TLS Secrets
 * (certificates) and Opaque ones (basic auth users, CA bundles). Each list+watch feeds the object store as
 * its own scope, so that the relist of one type never drops the other's Secrets.
 *
 * The Gateway API kinds (gateway.networking.k8s.io/v1) are `optional`: a cluster without their CRDs (404 on
 * the list) or without the RBAC to read them (403) holds none of them, and its sync never waits on them
 * (see `KindWatch`: an empty state, logged once, checked again every `absentRecheckMs`).
 */
import type { KubeKind } from '../../resources/kube-types.js';
import { OPAQUE_SECRET_TYPE, TLS_SECRET_TYPE } from '../../sources/manifests/kube-object-readers.js';

export interface KubeKindSpec {
  readonly kind: KubeKind;
  /** The cluster-wide collection path (list and watch). */
  readonly path: string;
  readonly namespaced: boolean;
  readonly fieldSelector?: string;
  /** A kind the cluster may not serve (its CRD not installed): 404 or 403 on its list means "none". */
  readonly optional?: boolean;
}

const GATEWAY_API_PATH = '/apis/gateway.networking.k8s.io/v1';

/** The Gateway API kinds, each at gateway.networking.k8s.io/v1 (TLS, TCP and UDP routes: experimental channel). */
export const GATEWAY_API_KUBE_KINDS: readonly KubeKindSpec[] = [
  { kind: 'GatewayClass', path: `${GATEWAY_API_PATH}/gatewayclasses`, namespaced: false, optional: true },
  { kind: 'Gateway', path: `${GATEWAY_API_PATH}/gateways`, namespaced: true, optional: true },
  { kind: 'HTTPRoute', path: `${GATEWAY_API_PATH}/httproutes`, namespaced: true, optional: true },
  { kind: 'GRPCRoute', path: `${GATEWAY_API_PATH}/grpcroutes`, namespaced: true, optional: true },
  { kind: 'TLSRoute', path: `${GATEWAY_API_PATH}/tlsroutes`, namespaced: true, optional: true },
  { kind: 'TCPRoute', path: `${GATEWAY_API_PATH}/tcproutes`, namespaced: true, optional: true },
  { kind: 'UDPRoute', path: `${GATEWAY_API_PATH}/udproutes`, namespaced: true, optional: true },
  { kind: 'ReferenceGrant', path: `${GATEWAY_API_PATH}/referencegrants`, namespaced: true, optional: true },
];

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
  ...GATEWAY_API_KUBE_KINDS,
  // Only their labels are read (Gateway API listeners' namespace selectors). Optional: without the RBAC
  // to list them (403) Causeway knows only the kubernetes.io/metadata.name label of each namespace.
  { kind: 'Namespace', path: '/api/v1/namespaces', namespaced: false, optional: true },
];

/** The store scope of a list+watch, unique in KUBE_KINDS: the kind, with its field selector if any. */
export function watchScope(spec: KubeKindSpec): string {
  return spec.fieldSelector === undefined ? spec.kind : `${spec.kind} (${spec.fieldSelector})`;
}
