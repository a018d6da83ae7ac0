import type { EndpointSlice, Ingress, IngressClass, KubeObject, Secret, Service } from './kube-types.js';

/** Where an object came from: the cluster (or manifests folder) and, for files, the file and document index. */
export interface ObjectOrigin {
  readonly cluster: string;
  readonly file?: string;
  readonly documentIndex?: number;
}

export interface Sourced<T extends KubeObject> {
  readonly object: T;
  readonly origin: ObjectOrigin;
}

/**
 * The normalized, immutable view of the world that `translate` reads.
 * Every map is keyed by `namespace/name` (cluster-scoped objects: `name`).
 */
export interface ResourceSet {
  readonly ingresses: ReadonlyMap<string, Sourced<Ingress>>;
  readonly ingressClasses: ReadonlyMap<string, Sourced<IngressClass>>;
  readonly services: ReadonlyMap<string, Sourced<Service>>;
  /** EndpointSlices grouped by the `namespace/service` they belong to (label kubernetes.io/service-name). */
  readonly endpointSlices: ReadonlyMap<string, readonly Sourced<EndpointSlice>[]>;
  readonly secrets: ReadonlyMap<string, Sourced<Secret>>;
}

export function objectKey(o: {
  readonly metadata: { readonly name: string; readonly namespace?: string };
}): string {
  return o.metadata.namespace === undefined ? o.metadata.name : `${o.metadata.namespace}/${o.metadata.name}`;
}

export const DEFAULT_NAMESPACE = 'default';

/** Builds a ResourceSet from a flat list of objects; later duplicates of the same kind+key replace earlier ones. */
export function buildResourceSet(objects: readonly Sourced<KubeObject>[]): ResourceSet {
  const ingresses = new Map<string, Sourced<Ingress>>();
  const ingressClasses = new Map<string, Sourced<IngressClass>>();
  const services = new Map<string, Sourced<Service>>();
  const slicesByName = new Map<string, Sourced<EndpointSlice>>();
  const secrets = new Map<string, Sourced<Secret>>();
  for (const s of objects) {
    const o = s.object;
    switch (o.kind) {
      case 'Ingress':
        ingresses.set(objectKey(o), s as Sourced<Ingress>);
        break;
      case 'IngressClass':
        ingressClasses.set(o.metadata.name, s as Sourced<IngressClass>);
        break;
      case 'Service':
        services.set(objectKey(o), s as Sourced<Service>);
        break;
      case 'EndpointSlice':
        slicesByName.set(`${s.origin.cluster}|${objectKey(o)}`, s as Sourced<EndpointSlice>);
        break;
      case 'Secret':
        secrets.set(objectKey(o), s as Sourced<Secret>);
        break;
    }
  }
  const endpointSlices = new Map<string, Sourced<EndpointSlice>[]>();
  for (const [, s] of [...slicesByName].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const svc = s.object.metadata.labels?.['kubernetes.io/service-name'];
    if (svc === undefined) continue;
    const key = `${s.object.metadata.namespace ?? DEFAULT_NAMESPACE}/${svc}`;
    const list = endpointSlices.get(key) ?? [];
    list.push(s);
    endpointSlices.set(key, list);
  }
  return { ingresses, ingressClasses, services, endpointSlices, secrets };
}
