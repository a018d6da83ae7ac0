/** Inputs too large to write by hand: a group with many hosts, a Service with many pods. */
import type {
  Endpoint,
  EndpointSlice,
  Ingress,
  IngressClass,
  KubeObject,
  Service,
} from '../../src/resources/kube-types.js';
import type { ResourceSet } from '../../src/resources/resource-set.js';
import { resourcesOf } from './alb-cases.js';

const albClass: IngressClass = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: { name: 'alb' },
  spec: { controller: 'causeway.dev/alb' },
};

function service(name: string): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'shop' },
    spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  };
}

function slices(name: string, endpoints: readonly Endpoint[]): EndpointSlice[] {
  const out: EndpointSlice[] = [];
  for (let i = 0; i < endpoints.length || i === 0; i += 100) {
    out.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: `${name}-${i / 100}`,
        namespace: 'shop',
        labels: { 'kubernetes.io/service-name': name },
      },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: endpoints.slice(i, i + 100),
    });
  }
  return out;
}

function pod(i: number, state: 'ready' | 'terminating'): Endpoint {
  return {
    addresses: [`10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`],
    conditions:
      state === 'ready'
        ? { ready: true, serving: true, terminating: false }
        : { ready: false, serving: false, terminating: true },
    targetRef: { kind: 'Pod', namespace: 'shop', name: `web-${i}` },
  };
}

function host(i: number): string {
  return `h${String(i).padStart(3, '0')}.example.com`;
}

/**
 * One Ingress of group `many` with `hosts` hosts, each with its own Prefix path to the same Service
 * (so no two rules merge): one rule per host. `extraPathOn` adds a second path to that host.
 */
export function manyHostsCase(hosts: number, extraPathOn?: number): ResourceSet {
  const ingress: Ingress = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: 'many',
      namespace: 'shop',
      creationTimestamp: '2024-01-01T00:00:00Z',
      annotations: { 'alb.causeway.dev/group.name': 'many' },
    },
    spec: {
      ingressClassName: 'alb',
      rules: Array.from({ length: hosts }, (_, i) => ({
        host: host(i),
        http: {
          paths: [
            {
              path: `/p${i}`,
              pathType: 'Prefix' as const,
              backend: { service: { name: 'web', port: { name: 'http' } } },
            },
            ...(i === extraPathOn
              ? [
                  {
                    path: `/extra`,
                    pathType: 'Exact' as const,
                    backend: { service: { name: 'web', port: { name: 'http' } } },
                  },
                ]
              : []),
          ],
        },
      })),
    },
  };
  const objects: KubeObject[] = [albClass, service('web'), ...slices('web', [pod(0, 'ready')]), ingress];
  return resourcesOf(objects);
}

/** One Ingress to Service `web` with `ready` ready pods (0..) and then `terminating` terminating pods. */
export function manyTargetsCase(ready: number, terminating: number): ResourceSet {
  const endpoints = [
    ...Array.from({ length: ready }, (_, i) => pod(i, 'ready')),
    ...Array.from({ length: terminating }, (_, i) => pod(ready + i, 'terminating')),
  ];
  const ingress: Ingress = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web', namespace: 'shop', creationTimestamp: '2024-01-01T00:00:00Z' },
    spec: { ingressClassName: 'alb', defaultBackend: { service: { name: 'web', port: { name: 'http' } } } },
  };
  return resourcesOf([albClass, service('web'), ...slices('web', endpoints), ingress]);
}

export { host as hostName };
