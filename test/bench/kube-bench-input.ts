/**
 * The kube benchmark's input (kube-bench.main.ts): the generated Ingresses, Services and EndpointSlices
 * of two clusters, the small `Plan` the controller process keeps of them, each EndpointSlice as written
 * (and rewritten by the write runs), and their creation through the apiservers' REST API.
 */
import type { EndpointSlice } from '../../src/resources/kube-types.js';
import { SERVICE_NAME_LABEL } from '../../src/resources/kube-types.js';
import { fmtMs, now, round } from './bench-harness.js';
import { generateInput, serviceName, type GeneratedInput } from './generate-manifests.js';
import { ApiError, collectionPath, forCreate, pool, type KubeRest, type WireObject } from './kube-rest.js';

export const CLUSTERS = ['east', 'west'] as const;
export type ClusterName = (typeof CLUSTERS)[number];
export const NAMESPACES = 10;

/** The shape of the input, small enough to keep in the controller process (the objects are the writer's). */
export interface Plan {
  readonly services: number;
  readonly endpointsPerSlice: number;
  readonly groupNames: readonly string[];
  /** namespaces[s]: the namespace of Service s. */
  readonly namespaces: readonly string[];
  /** serviceGroups[s]: the groups whose Ingresses route to Service s. */
  readonly serviceGroups: readonly (readonly string[])[];
  readonly ingressesPerCluster: Readonly<Record<ClusterName, number>>;
  readonly ingresses: number;
  readonly paths: number;
}

export function generate(services: number, groups: number): GeneratedInput {
  return generateInput({
    ingresses: services,
    groups,
    endpointsPerService: 1,
    namespaces: NAMESPACES,
  });
}

/** Ingress i of n lives in the first cluster for the first half, in the second for the rest. */
export function clusterOfIngress(i: number, n: number): ClusterName {
  return CLUSTERS[Math.floor((i * CLUSTERS.length) / n)]!;
}

export function planOf(input: GeneratedInput, endpointsPerSlice: number): Plan {
  const n = input.ingresses.length;
  const perCluster = Object.fromEntries(CLUSTERS.map((c) => [c, 0])) as Record<ClusterName, number>;
  for (let i = 0; i < n; i++) perCluster[clusterOfIngress(i, n)]++;
  return {
    services: input.services.length,
    endpointsPerSlice,
    groupNames: [...input.groupNames],
    namespaces: input.services.map((svc) => svc.metadata.namespace ?? 'default'),
    serviceGroups: input.serviceGroups,
    ingressesPerCluster: perCluster,
    ingresses: n,
    paths: input.counts.paths,
  };
}

/**
 * Address of endpoint e of Service s in cluster ci; `flipped` is its replacement (a second range). In
 * 10.64.0.0/10: clear of the pods' 10.244.0.0/16 (real gateways) and of the churn run's 10.128.0.0/10.
 */
export function podAddress(l: Plan, ci: number, s: number, e: number, flipped: boolean): string {
  const perRange = CLUSTERS.length * l.services * l.endpointsPerSlice;
  const k = (ci * l.services + s) * l.endpointsPerSlice + e + (flipped ? perRange : 0);
  if (k >= 1 << 22) throw new Error('too many endpoints for 10.64.0.0/10');
  return `10.${64 + (k >> 16)}.${(k >> 8) & 255}.${k & 255}`;
}

export function sliceName(s: number, cluster: ClusterName): string {
  return `${serviceName(s)}-${cluster}`;
}

/**
 * The EndpointSlice of Service s in `cluster`; endpoints in `flipped` use their replacement address,
 * endpoints in `overrides` the address given (the churn run's).
 */
export function endpointSlice(
  l: Plan,
  cluster: ClusterName,
  s: number,
  flipped: ReadonlySet<number>,
  overrides?: ReadonlyMap<number, string>,
): EndpointSlice {
  const ci = CLUSTERS.indexOf(cluster);
  const namespace = l.namespaces[s]!;
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: sliceName(s, cluster), namespace, labels: { [SERVICE_NAME_LABEL]: serviceName(s) } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: Array.from({ length: l.endpointsPerSlice }, (_, e) => ({
      addresses: [overrides?.get(e) ?? podAddress(l, ci, s, e, flipped.has(e))],
      conditions: { ready: true, serving: true, terminating: false },
      zone: `${cluster}-zone-${e % 3}`,
      nodeName: `${cluster}-node-${(s + e) % 50}`,
      targetRef: { kind: 'Pod', name: `${serviceName(s)}-pod-${cluster}-${e}`, namespace },
    })),
  };
}

export interface CreatePhase {
  readonly what: string;
  readonly objects: number;
  readonly ms: number;
}

export interface Creation {
  readonly phases: readonly CreatePhase[];
  readonly objects: number;
  readonly ms: number;
  readonly concurrencyPerApiserver: number;
  readonly requests: number;
  readonly retries: number;
}

/** Writes the whole input: per cluster in parallel, kind after kind, `concurrency` requests per apiserver. */
export async function createObjects(
  input: GeneratedInput,
  l: Plan,
  rest: ReadonlyMap<ClusterName, KubeRest>,
  concurrency: number,
): Promise<Creation> {
  const perCluster = new Map<ClusterName, Map<string, WireObject[]>>();
  for (const cluster of CLUSTERS) {
    const namespaces = Array.from({ length: NAMESPACES }, (_, n): WireObject => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: `ns-${n}` },
    }));
    perCluster.set(
      cluster,
      new Map<string, WireObject[]>([
        ['Namespaces and IngressClass', [...namespaces, input.ingressClass]],
        ['Services', [...input.services]],
        [
          'EndpointSlices',
          Array.from({ length: l.services }, (_, s) => endpointSlice(l, cluster, s, new Set())),
        ],
        ['Ingresses', input.ingresses.filter((_, i) => clusterOfIngress(i, l.ingresses) === cluster)],
      ]),
    );
  }
  const phases: CreatePhase[] = [];
  const t0 = now();
  for (const what of ['Namespaces and IngressClass', 'Services', 'EndpointSlices', 'Ingresses']) {
    const tp = now();
    let objects = 0;
    await Promise.all(
      CLUSTERS.map((cluster) => {
        const items = perCluster.get(cluster)!.get(what)!;
        objects += items.length;
        const client = rest.get(cluster)!;
        // Namespaces before anything in them: that phase goes one by one.
        const c = what === 'Namespaces and IngressClass' ? 1 : concurrency;
        return pool(items, c, async (o) => {
          await client.send('POST', collectionPath(o), forCreate(o));
        });
      }),
    );
    phases.push({ what, objects, ms: round(now() - tp) });
    process.stderr.write(`kube-bench: created ${objects} ${what} in ${fmtMs(now() - tp)}\n`);
  }
  const clients = [...rest.values()];
  return {
    phases,
    objects: phases.reduce((n, p) => n + p.objects, 0),
    ms: round(now() - t0),
    concurrencyPerApiserver: concurrency,
    requests: clients.reduce((n, c) => n + c.requests, 0),
    retries: clients.reduce((n, c) => n + c.retries, 0),
  };
}

/** The apiserver creates the `kubernetes` Service itself: wait for it, so it does not arrive mid-measure. */
export async function waitForKubernetesService(rest: KubeRest): Promise<void> {
  for (let i = 0; ; i++) {
    const ok = await rest.send('GET', '/api/v1/namespaces/default/services/kubernetes').then(
      () => true,
      (err: unknown) => {
        if (err instanceof ApiError && err.status === 404) return false;
        throw err;
      },
    );
    if (ok) return;
    if (i > 300) throw new Error(`${rest.api.name}: the kubernetes Service never appeared`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
