/**
 * The kube benchmark's client for the apiserver's REST API (kube-bench.main.ts): an admin token,
 * keep-alive connections, retries on transient failures, a bounded pool of requests in flight, and the
 * collection path of each kind the benchmark writes.
 */
import https from 'node:https';
import type { ObjectMeta } from '../../src/resources/kube-types.js';

const REQUEST_TIMEOUT_MS = 30_000;
const MAX_ATTEMPTS = 5;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const TRANSIENT_STATUS = new Set([429, 500, 502, 503, 504]);

/** How the writer reaches one apiserver. */
export interface ApiEndpoint<Name extends string = string> {
  readonly name: Name;
  readonly port: number;
  readonly token: string;
  readonly caCert: string;
}

export class KubeRest {
  private readonly agent: https.Agent;
  requests = 0;
  retries = 0;

  constructor(
    readonly api: ApiEndpoint,
    maxSockets: number,
  ) {
    this.agent = new https.Agent({ keepAlive: true, maxSockets, ca: api.caCert });
  }

  /** Sends one request; retries transient failures (a retried create that meets 409 had succeeded). */
  async send(method: 'GET' | 'POST' | 'PUT', urlPath: string, body?: unknown): Promise<unknown> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    for (let attempt = 1; ; attempt++) {
      this.requests++;
      try {
        const { status, text } = await this.once(method, urlPath, payload);
        if (status >= 200 && status < 300) return text === '' ? undefined : (JSON.parse(text) as unknown);
        if (status === 409 && method === 'POST' && attempt > 1) return undefined;
        const message = `${this.api.name}: ${method} ${urlPath}: HTTP ${status}: ${text.slice(0, 300)}`;
        if (!TRANSIENT_STATUS.has(status) || attempt >= MAX_ATTEMPTS) throw new ApiError(status, message);
      } catch (err) {
        if (err instanceof ApiError || attempt >= MAX_ATTEMPTS) throw err;
      }
      this.retries++;
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }

  private once(method: string, urlPath: string, payload?: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: this.api.port,
          path: urlPath,
          method,
          agent: this.agent,
          ca: this.api.caCert,
          headers: {
            authorization: `Bearer ${this.api.token}`,
            accept: 'application/json',
            ...(payload !== undefined
              ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
              : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.setTimeout(REQUEST_TIMEOUT_MS, () =>
        req.destroy(new Error(`no answer in ${REQUEST_TIMEOUT_MS} ms`)),
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs `fn` over `items` with at most `concurrency` in flight. */
export async function pool<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** What is written: any object with a kind and a name (the generator's objects, Namespaces). */
export interface WireObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
}

export function collectionPath(o: WireObject): string {
  const ns = o.metadata.namespace;
  switch (o.kind) {
    case 'Namespace':
      return '/api/v1/namespaces';
    case 'IngressClass':
      return '/apis/networking.k8s.io/v1/ingressclasses';
    case 'Service':
      return `/api/v1/namespaces/${ns}/services`;
    case 'EndpointSlice':
      return `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`;
    case 'Ingress':
      return `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses`;
    default:
      throw new Error(`no API path for ${o.kind}`);
  }
}

/**
 * The object as written: server-set fields (the generator's creationTimestamp) removed; Services
 * headless (`clusterIP: None`): the controller never reads the cluster IP, and its allocation made
 * Services the slowest objects to create (about 200/s against 550 EndpointSlices/s, 2 busy cores).
 */
export function forCreate(o: WireObject): WireObject {
  const metadata = { ...o.metadata };
  delete metadata.creationTimestamp;
  if (o.kind === 'Service') {
    const spec = (o as WireObject & { spec?: object }).spec;
    return { ...o, metadata, spec: { ...spec, clusterIP: 'None' } } as WireObject;
  }
  return { ...o, metadata };
}
