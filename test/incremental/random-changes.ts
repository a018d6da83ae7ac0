/**
 * Random worlds and change sequences for the incremental translation property test, from a seeded
 * PRNG (mulberry32): a few Ingresses (two clusters, shared hosts, paths, TLS, group moves, policies,
 * canaries, passthrough, client certificates, basic auth), Services (ports, TCP-port and group
 * annotations, backend TLS), EndpointSlices, Secrets and IngressClasses over 2-4 gateway groups.
 * Small pools of names and values so that objects collide (conflicts, shared Services and Secrets).
 */
import type {
  EndpointSlice,
  Ingress,
  IngressClass,
  KubeObject,
  Secret,
  Service,
  ServicePort,
} from '../../src/resources/kube-types.js';
import { objectKey, type Sourced } from '../../src/resources/resource-set.js';
import type { Rng } from '../../src/util/seeded-random.js';

const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const chance = (r: Rng, p: number): boolean => r() < p;

export interface WorldShape {
  readonly groups: readonly string[];
  /** PEM pairs usable as TLS Secrets, and a CA certificate (client certs, backend TLS). */
  readonly cert: { readonly cert: string; readonly key: string };
  readonly caCert: string;
}

const NAMESPACES = ['a', 'b'];
const SERVICES = ['s0', 's1', 's2', 's3'];
const SECRETS = ['tls0', 'tls1', 'ca', 'auth'];
const HOSTS = ['h0.example.com', 'h1.example.com', '*.example.com', 'www.h2.example.com', undefined];
const PATHS = ['/', '/api', '/api/v1', '/x'];
const TIMES = ['2024-01-01T00:00:00Z', '2024-01-01T00:00:01Z', '2024-01-02T00:00:00Z', undefined];
const CLUSTERS = ['c1', 'c1', 'c2'];

function meta(r: Rng, name: string, namespace: string | undefined, annotations: Record<string, string>) {
  const t = pick(r, TIMES);
  return {
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(t !== undefined ? { creationTimestamp: t } : {}),
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
}

function ingressAnnotations(r: Rng, w: WorldShape): Record<string, string> {
  const a: Record<string, string> = {};
  if (chance(r, 0.7)) a['causeway.dev/gateway-group'] = pick(r, w.groups);
  if (chance(r, 0.2)) a['causeway.dev/idle-timeout'] = pick(r, ['5s', '30s', 'bad']);
  if (chance(r, 0.15)) a['causeway.dev/ssl-redirect'] = pick(r, ['true', 'false']);
  if (chance(r, 0.1)) a['causeway.dev/rewrite-target'] = '/';
  if (chance(r, 0.1)) {
    a['causeway.dev/canary'] = 'true';
    a['causeway.dev/canary-weight'] = pick(r, ['10', '50']);
  }
  if (chance(r, 0.08)) a['causeway.dev/ssl-passthrough'] = 'true';
  if (chance(r, 0.08)) a['causeway.dev/auth-tls-secret'] = `a/${pick(r, SECRETS)}`;
  if (chance(r, 0.08)) {
    a['causeway.dev/auth-type'] = 'basic';
    a['causeway.dev/auth-secret'] = pick(r, SECRETS);
  }
  if (chance(r, 0.08)) a['causeway.dev/limit-rps'] = '10';
  if (chance(r, 0.05)) a['causeway.dev/from-to-www-redirect'] = 'true';
  return a;
}

function ingress(r: Rng, w: WorldShape, name: string, namespace: string): Ingress {
  const backend = () => ({
    service: { name: pick(r, SERVICES), port: chance(r, 0.8) ? { number: 80 } : { name: 'https' } },
  });
  const rules = Array.from({ length: 1 + Math.floor(r() * 2) }, () => {
    const host = pick(r, HOSTS);
    const paths = Array.from({ length: 1 + Math.floor(r() * 2) }, () => ({
      path: pick(r, PATHS),
      pathType: pick(r, ['Prefix', 'Exact', 'ImplementationSpecific'] as const),
      backend: backend(),
    }));
    return { ...(host !== undefined ? { host } : {}), http: { paths } };
  });
  const tls = chance(r, 0.4)
    ? [
        {
          hosts: [
            pick(
              r,
              HOSTS.filter((h) => h !== undefined),
            ),
          ],
          secretName: pick(r, SECRETS),
        },
      ]
    : undefined;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: meta(r, name, namespace, ingressAnnotations(r, w)),
    spec: {
      ...(chance(r, 0.85) ? { ingressClassName: pick(r, ['causeway', 'causeway', 'other']) } : {}),
      ...(chance(r, 0.1) ? { defaultBackend: backend() } : {}),
      rules,
      ...(tls ? { tls } : {}),
    },
  };
}

function service(r: Rng, w: WorldShape, name: string, namespace: string): Service {
  const a: Record<string, string> = {};
  if (chance(r, 0.25)) a['causeway.dev/gateway-tcp-port'] = pick(r, ['9000', '9001', '8080', 'x']);
  if (chance(r, 0.3)) a['causeway.dev/gateway-group'] = pick(r, w.groups);
  if (chance(r, 0.1)) a['causeway.dev/backend-protocol'] = 'HTTPS';
  if (chance(r, 0.1)) a['causeway.dev/backend-tls-ca-secret'] = 'ca';
  if (chance(r, 0.1)) a['causeway.dev/load-balance'] = 'round_robin';
  const ports: ServicePort[] = [{ name: 'http', port: 80, targetPort: 8080 }];
  if (chance(r, 0.4)) ports.push({ name: 'https', port: 443, targetPort: 8443 });
  if (chance(r, 0.35)) a['causeway.dev/gateway-udp-port'] = pick(r, ['9000', '9000', '8080', 'x']);
  if (chance(r, 0.5)) ports.push({ name: 'dns', port: 53, targetPort: 5353, protocol: 'UDP' });
  return { apiVersion: 'v1', kind: 'Service', metadata: meta(r, name, namespace, a), spec: { ports } };
}

function slice(r: Rng, svc: string, namespace: string, n: number): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${svc}-${n}`, namespace, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: [
      { name: 'http', port: 8080, protocol: 'TCP' },
      { name: 'https', port: 8443, protocol: 'TCP' },
      { name: 'dns', port: 5353, protocol: 'UDP' },
    ],
    endpoints: Array.from({ length: Math.floor(r() * 3) }, (_, i) => ({
      addresses: [chance(r, 0.05) ? 'not-an-ip' : `10.0.${n}.${1 + Math.floor(r() * 4) + i * 10}`],
      conditions: { ready: chance(r, 0.85) },
      ...(chance(r, 0.5) ? { zone: pick(r, ['z1', 'z2']) } : {}),
    })),
  };
}

function secret(r: Rng, w: WorldShape, name: string, namespace: string): Secret {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const data = pick<Record<string, string>>(r, [
    { 'tls.crt': b64(w.cert.cert), 'tls.key': b64(w.cert.key) },
    { 'ca.crt': b64(w.caCert) },
    { auth: b64('user:$apr1$abc$def\n') },
    { 'tls.crt': b64('garbage') },
  ]);
  return { apiVersion: 'v1', kind: 'Secret', metadata: meta(r, name, namespace, {}), type: 'Opaque', data };
}

function ingressClass(r: Rng, name: string): IngressClass {
  const def: Record<string, string> = chance(r, 0.5)
    ? { 'ingressclass.kubernetes.io/is-default-class': 'true' }
    : {};
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name, ...(Object.keys(def).length > 0 ? { annotations: def } : {}) },
    spec: {
      controller: name === 'causeway' || chance(r, 0.2) ? 'causeway.dev/gateway' : 'example.com/other',
    },
  };
}

/** One random object (a new one, or a new version of an existing name). */
export function randomObject(r: Rng, w: WorldShape): Sourced<KubeObject> {
  const ns = pick(r, NAMESPACES);
  const roll = r();
  let object: KubeObject;
  let cluster = 'c1';
  if (roll < 0.4) {
    object = ingress(r, w, pick(r, ['i0', 'i1', 'i2', 'i3', 'i4', 'i5']), ns);
    cluster = pick(r, CLUSTERS);
  } else if (roll < 0.6) object = service(r, w, pick(r, SERVICES), ns);
  else if (roll < 0.8) object = slice(r, pick(r, SERVICES), ns, Math.floor(r() * 2));
  else if (roll < 0.93) object = secret(r, w, pick(r, SECRETS), ns);
  else object = ingressClass(r, pick(r, ['causeway', 'other']));
  return { object, origin: { cluster } };
}

/** The identity of an object in a world (cluster, kind, key). */
export function idOf(s: Sourced<KubeObject>): string {
  return `${s.origin.cluster}|${s.object.kind}|${objectKey(s.object)}`;
}

/** The next world: 1-3 upserts or deletes of random objects (EndpointSlice-only steps happen too). */
export function nextWorld(
  r: Rng,
  w: WorldShape,
  world: ReadonlyMap<string, Sourced<KubeObject>>,
): Map<string, Sourced<KubeObject>> {
  const next = new Map(world);
  const n = 1 + Math.floor(r() * 3);
  const slicesOnly = chance(r, 0.2);
  for (let i = 0; i < n; i++) {
    const ids = [...next.keys()];
    if (ids.length > 0 && chance(r, 0.25)) {
      const id = pick(r, ids);
      if (!slicesOnly || id.includes('|EndpointSlice|')) next.delete(id);
      continue;
    }
    let s = randomObject(r, w);
    for (let tries = 0; slicesOnly && s.object.kind !== 'EndpointSlice' && tries < 20; tries++)
      s = randomObject(r, w);
    next.set(idOf(s), s);
  }
  return next;
}
