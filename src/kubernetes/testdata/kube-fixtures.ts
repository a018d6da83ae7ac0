/** Raw API objects (as an apiserver returns them) for the Kubernetes source's unit tests. */

type Json = Record<string, unknown>;

export const PATHS = {
  IngressClass: '/apis/networking.k8s.io/v1/ingressclasses',
  Ingress: '/apis/networking.k8s.io/v1/ingresses',
  Service: '/api/v1/services',
  EndpointSlice: '/apis/discovery.k8s.io/v1/endpointslices',
  Secret: '/api/v1/secrets',
} as const;

const CREATED = '2026-01-02T03:04:05Z';

export function rawIngressClass(name = 'causeway', controller = 'causeway.dev/controller'): Json {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name, uid: `uid-ic-${name}`, creationTimestamp: CREATED, generation: 1 },
    spec: { controller },
  };
}

export function rawIngress(
  name: string,
  opts: { service?: string; host?: string; tlsSecret?: string; namespace?: string } = {},
): Json {
  const host = opts.host ?? `${name}.example.com`;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name,
      namespace: opts.namespace ?? 'shop',
      uid: `uid-ing-${name}`,
      creationTimestamp: CREATED,
      generation: 1,
      managedFields: [{ manager: 'kubectl', operation: 'Update' }],
    },
    spec: {
      ingressClassName: 'causeway',
      rules: [
        {
          host,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: opts.service ?? 'web', port: { name: 'http' } } },
              },
            ],
          },
        },
      ],
      ...(opts.tlsSecret !== undefined ? { tls: [{ hosts: [host], secretName: opts.tlsSecret }] } : {}),
    },
    status: { loadBalancer: {} },
  };
}

export function rawService(name: string, port = 80, namespace = 'shop'): Json {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, uid: `uid-svc-${name}`, creationTimestamp: CREATED },
    spec: {
      type: 'ClusterIP',
      clusterIP: '10.96.0.10',
      ports: [{ name: 'http', protocol: 'TCP', port, targetPort: 8080 }],
      selector: { app: name },
    },
    status: { loadBalancer: {} },
  };
}

export function rawSlice(name: string, service: string, addresses: string[], namespace = 'shop'): Json {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name,
      namespace,
      uid: `uid-eps-${name}`,
      creationTimestamp: CREATED,
      generation: 1,
      labels: { 'kubernetes.io/service-name': service },
    },
    addressType: 'IPv4',
    endpoints: addresses.map((a) => ({ addresses: [a], conditions: { ready: true } })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

export function rawTlsSecret(name: string, namespace = 'shop', cert = 'Y2VydA=='): Json {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, uid: `uid-sec-${name}`, creationTimestamp: CREATED },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': cert, 'tls.key': 'a2V5' },
  };
}

/** An Opaque Secret with `data` (base64 values), e.g. an htpasswd file under `auth` or a CA under `ca.crt`. */
export function rawOpaqueSecret(name: string, data: Readonly<Record<string, string>>, namespace = 'shop'): Json {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, uid: `uid-sec-${name}`, creationTimestamp: CREATED },
    type: 'Opaque',
    data,
  };
}

/** `o` with these annotations (an Ingress's or a Service's). */
export function withAnnotations(o: Json, annotations: Readonly<Record<string, string>>): Json {
  return { ...o, metadata: { ...(o['metadata'] as Json), annotations } };
}

export function withResourceVersion(o: Json, rv: string): Json {
  return { ...o, metadata: { ...(o['metadata'] as Json), resourceVersion: rv } };
}
