/**
 * Generated benchmark input, in memory: one IngressClass (default, ours), N Services with one
 * EndpointSlice each, and N Ingresses (one host, 1-2 paths) spread over gateway groups with the
 * `causeway.dev/gateway-group` annotation. Deterministic: the same options give the same objects.
 *
 * Ingress i is in group `group-(i % groups)` and namespace `ns-(i % namespaces)`, and routes `/` to
 * Service i. Ingresses i = 1 (mod 4) also route `/api` to a Service of the same namespace and group
 * (shared by two Ingresses); i = 3 (mod 4) also have an Exact `/status` path. `serviceGroups` tells
 * which groups use each Service (with the defaults: exactly one).
 */
import YAML from 'yaml';
import type {
  EndpointSlice,
  HTTPIngressPath,
  Ingress,
  IngressClass,
  KubeObject,
  Service,
} from '../../src/resources/kube-types.js';
import { SERVICE_NAME_LABEL } from '../../src/resources/kube-types.js';

export interface GenerateOptions {
  readonly ingresses: number;
  readonly groups: number;
  readonly endpointsPerService: number;
  readonly namespaces: number;
}

export const DEFAULT_GENERATE_OPTIONS: GenerateOptions = {
  ingresses: 1000,
  groups: 4,
  endpointsPerService: 10,
  namespaces: 10,
};

export interface GeneratedInput {
  readonly options: GenerateOptions;
  readonly objects: readonly KubeObject[];
  readonly ingressClass: IngressClass;
  readonly ingresses: readonly Ingress[];
  readonly services: readonly Service[];
  /** slices[s] is the (only) EndpointSlice of Service s. */
  readonly slices: readonly EndpointSlice[];
  readonly groupNames: readonly string[];
  /** serviceGroups[s]: the groups whose Ingresses route to Service s. */
  readonly serviceGroups: readonly (readonly string[])[];
  readonly counts: {
    readonly ingresses: number;
    readonly services: number;
    readonly endpointSlices: number;
    readonly endpoints: number;
    readonly paths: number;
  };
}

const BASE_TIME = Date.UTC(2024, 0, 1);
const pad = (n: number): string => String(n).padStart(4, '0');

export function groupName(g: number): string {
  return `group-${g}`;
}

function namespaceOf(i: number, o: GenerateOptions): string {
  return `ns-${i % o.namespaces}`;
}

export function serviceName(s: number): string {
  return `svc-${pad(s)}`;
}

/** The address of endpoint e of Service s; `flipped` gives the alternative address used by changes. */
export function endpointAddress(s: number, e: number, flipped: boolean): string {
  return `10.${1 + Math.floor(s / 256)}.${s % 256}.${(flipped ? 100 : 10) + e}`;
}

function service(s: number, o: GenerateOptions): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: serviceName(s),
      namespace: namespaceOf(s, o),
      creationTimestamp: new Date(BASE_TIME + s * 1000).toISOString(),
    },
    spec: {
      type: 'ClusterIP',
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }],
      selector: { app: serviceName(s) },
    },
  };
}

/** The EndpointSlice of Service s; endpoints listed in `flipped` use their alternative address. */
export function endpointSlice(
  s: number,
  o: GenerateOptions,
  flipped: ReadonlySet<number> = new Set(),
): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${serviceName(s)}-abcde`,
      namespace: namespaceOf(s, o),
      labels: { [SERVICE_NAME_LABEL]: serviceName(s) },
    },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: Array.from({ length: o.endpointsPerService }, (_, e) => ({
      addresses: [endpointAddress(s, e, flipped.has(e))],
      conditions: { ready: true, serving: true, terminating: false },
      zone: `zone-${e % 3}`,
      nodeName: `node-${(s + e) % 50}`,
      targetRef: { kind: 'Pod', name: `${serviceName(s)}-pod-${e}`, namespace: namespaceOf(s, o) },
    })),
  };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** The Service of the second path of Ingress i (odd i only): same namespace and, when N allows, same group. */
function secondService(i: number, o: GenerateOptions): number {
  const step = (o.groups * o.namespaces) / gcd(o.groups, o.namespaces);
  return (i + step) % o.ingresses;
}

function ingress(i: number, o: GenerateOptions): Ingress {
  const backend = (s: number) => ({ service: { name: serviceName(s), port: { name: 'http' } } });
  const paths: HTTPIngressPath[] = [{ path: '/', pathType: 'Prefix', backend: backend(i) }];
  if (i % 4 === 1) paths.push({ path: '/api', pathType: 'Prefix', backend: backend(secondService(i, o)) });
  if (i % 4 === 3) paths.push({ path: '/status', pathType: 'Exact', backend: backend(i) });
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: `app-${pad(i)}`,
      namespace: namespaceOf(i, o),
      creationTimestamp: new Date(BASE_TIME + i * 1000).toISOString(),
      annotations: { 'causeway.dev/gateway-group': groupName(i % o.groups) },
    },
    spec: {
      ingressClassName: 'causeway',
      rules: [{ host: `app-${pad(i)}.example.com`, http: { paths } }],
    },
  };
}

export function generateInput(o: GenerateOptions = DEFAULT_GENERATE_OPTIONS): GeneratedInput {
  const ingressClass: IngressClass = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: {
      name: 'causeway',
      annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' },
      creationTimestamp: new Date(BASE_TIME).toISOString(),
    },
    spec: { controller: 'causeway.dev/gateway' },
  };
  const services = Array.from({ length: o.ingresses }, (_, s) => service(s, o));
  const slices = Array.from({ length: o.ingresses }, (_, s) => endpointSlice(s, o));
  const ingresses = Array.from({ length: o.ingresses }, (_, i) => ingress(i, o));
  const objects: KubeObject[] = [ingressClass, ...services, ...slices, ...ingresses];
  const groupsOf = Array.from({ length: o.ingresses }, () => new Set<string>());
  ingresses.forEach((ing, i) => {
    for (const p of ing.spec?.rules?.[0]?.http?.paths ?? []) {
      const s = Number(p.backend.service?.name.slice('svc-'.length));
      groupsOf[s]?.add(groupName(i % o.groups));
    }
  });
  return {
    options: o,
    objects,
    ingressClass,
    ingresses,
    services,
    slices,
    groupNames: Array.from({ length: o.groups }, (_, g) => groupName(g)),
    serviceGroups: groupsOf.map((g) => [...g].sort()),
    counts: {
      ingresses: ingresses.length,
      services: services.length,
      endpointSlices: slices.length,
      endpoints: slices.reduce((n, s) => n + (s.endpoints?.length ?? 0), 0),
      paths: ingresses.reduce((n, i) => n + (i.spec?.rules?.[0]?.http?.paths.length ?? 0), 0),
    },
  };
}

/** The objects as YAML files for a manifests folder: `perFile` objects (of any kind) per file. */
export function manifestFiles(objects: readonly KubeObject[], perFile: number): Map<string, string> {
  const files = new Map<string, string>();
  for (let i = 0; i < objects.length; i += perFile) {
    const docs = objects.slice(i, i + perFile).map((d) => YAML.stringify(d));
    files.set(`objects-${pad(i / perFile)}.yaml`, docs.join('---\n'));
  }
  return files;
}
