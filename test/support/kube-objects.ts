/**
 * Typed builders and clients for end-to-end tests that write objects into a real kube-apiserver
 * (test/support/kube-apiserver.ts): the four kinds the controller serves, API clients from a kubeconfig
 * file, and a bounded-concurrency runner for bulk creation.
 *
 *   const k = kubeClients(api.kubeconfig('admin'));
 *   await k.core.createNamespace({ body: namespace('shop') });
 *   await k.disco.createNamespacedEndpointSlice({ namespace: 'shop', body: endpointSlice('shop', 'web-1', 'web', [{ ip }]) });
 *
 * For thousands of objects, `bulkCreate` POSTs over kept-alive connections: client-node makes a new
 * https.Agent (so a new TLS handshake) for every request, which is ~5x slower on a 2-core machine.
 */
import https from 'node:https';
import {
  CoreV1Api,
  DiscoveryV1Api,
  KubeConfig,
  NetworkingV1Api,
  type V1EndpointSlice,
  type V1Ingress,
  type V1IngressClass,
  type V1Namespace,
  type V1Service,
} from '@kubernetes/client-node';

export interface KubeClients {
  readonly core: CoreV1Api;
  readonly disco: DiscoveryV1Api;
  readonly net: NetworkingV1Api;
}

export function kubeClients(kubeconfigPath: string): KubeClients {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return {
    core: kc.makeApiClient(CoreV1Api),
    disco: kc.makeApiClient(DiscoveryV1Api),
    net: kc.makeApiClient(NetworkingV1Api),
  };
}

/** The IngressClass the controller claims (`causeway.dev/gateway`). */
export function causewayIngressClass(name = 'causeway'): V1IngressClass {
  return { metadata: { name }, spec: { controller: 'causeway.dev/gateway' } };
}

export function namespace(name: string): V1Namespace {
  return { metadata: { name } };
}

/** A Service with port 80 named `http` to target port 8080 (no selector: tests write the slices). */
export function kubeService(ns: string, name: string, annotations?: Record<string, string>): V1Service {
  return {
    metadata: { name, namespace: ns, ...(annotations ? { annotations } : {}) },
    spec: { ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
  };
}

export interface SliceEndpoint {
  readonly ip: string;
  /** Default true. */
  readonly ready?: boolean;
}

/** An IPv4 EndpointSlice of `service` with port `http` = `port` (default 8080). */
export function endpointSlice(
  ns: string,
  name: string,
  service: string,
  endpoints: readonly SliceEndpoint[],
  port = 8080,
): V1EndpointSlice {
  return {
    metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints: endpoints.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready ?? true } })),
    ports: [{ name: 'http', port, protocol: 'TCP' }],
  };
}

export interface IngressPath {
  readonly path: string;
  readonly service: string;
}

/** An Ingress of class `causeway` with one host and Prefix paths to port 80 of each Service. */
export function kubeIngress(
  ns: string,
  name: string,
  host: string,
  paths: readonly IngressPath[] | string,
): V1Ingress {
  const list = typeof paths === 'string' ? [{ path: '/', service: paths }] : paths;
  return {
    metadata: { name, namespace: ns },
    spec: {
      ingressClassName: 'causeway',
      rules: [
        {
          host,
          http: {
            paths: list.map((p) => ({
              path: p.path,
              pathType: 'Prefix',
              backend: { service: { name: p.service, port: { number: 80 } } },
            })),
          },
        },
      ],
    },
  };
}

/** Runs `fn` over `items` with at most `limit` calls in flight; rejects with the first failure. */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async (): Promise<void> => {
    while (failed === undefined && next < items.length) {
      const i = next++;
      try {
        await fn(items[i]!, i);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, () => worker()));
  if (failed !== undefined) throw failed;
}

/** Waits until `fn` returns a value other than undefined (errors count as undefined). */
export async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`${what}: not within ${timeoutMs} ms${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface BulkCreateTarget {
  /** `https://127.0.0.1:PORT`. */
  readonly url: string;
  /** A bearer token allowed to create the objects (e.g. `api.adminToken`). */
  readonly token: string;
  /** PEM of the CA of the apiserver's certificate. */
  readonly caCert: string;
}

export interface BulkObject {
  /** The collection, e.g. `/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices`. */
  readonly path: string;
  readonly body: object;
}

/** The collection path of a namespaced object of these kinds. */
export function collectionPath(kind: 'Service' | 'EndpointSlice' | 'Ingress', ns: string): string {
  switch (kind) {
    case 'Service':
      return `/api/v1/namespaces/${ns}/services`;
    case 'EndpointSlice':
      return `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`;
    case 'Ingress':
      return `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses`;
  }
}

/**
 * Creates the objects (POST, in order of the list as far as `concurrency` allows) over at most
 * `concurrency` kept-alive TLS connections; rejects with the first failure (status and body).
 */
export async function bulkCreate(
  target: BulkCreateTarget,
  objects: readonly BulkObject[],
  concurrency = 16,
): Promise<void> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: concurrency, ca: target.caCert });
  const post = (o: BulkObject): Promise<void> =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify(o.body);
      const req = https.request(
        `${target.url}${o.path}`,
        {
          method: 'POST',
          agent,
          headers: {
            authorization: `Bearer ${target.token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
          timeout: 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            if (res.statusCode === 201) resolve();
            else
              reject(
                new Error(
                  `POST ${o.path}: ${res.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 500)}`,
                ),
              );
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`POST ${o.path} timed out`)));
      req.on('error', reject);
      req.end(body);
    });
  try {
    await forEachLimit(objects, concurrency, post);
  } finally {
    agent.destroy();
  }
}
