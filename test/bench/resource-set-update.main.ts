/**
 * The sources stage alone, at issue 14's scale: what one EndpointSlice write costs from the watch event to
 * the ResourceSet the runner gets (object store -> multi-cluster merge -> config-file VM overlay), without
 * the apiserver, the translation or xDS.
 *
 * Input: 2 clusters, each with the same 10,000 Services (namespace sameness: the first cluster's win) and
 * one EndpointSlice of 5 endpoints per Service (20,000 slices, 100,000 endpoints), 1,000 Ingresses in the
 * first cluster, a few TLS Secrets, and 4 VM entries from the config file. Then `--writes` slice updates
 * (an endpoint's address changes), alternating clusters, each through the whole stage; the time and CPU of
 * each are measured, and the heap after a GC.
 *
 *   npm run build && node --expose-gc dist/test/bench/resource-set-update.main.js [--writes 200]
 *        [--services 10000] [--endpoints-per-slice 5] [--out dist/resource-set-update.json]
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { createLogger } from '../../src/observability/logger.js';
import { KubeObjectStore } from '../../src/kubernetes/watch/kube-object-store.js';
import type { KubeKind } from '../../src/resources/kube-types.js';
import { MultiClusterSource } from '../../src/sources/multi-cluster-source.js';
import { StaticVmsSource } from '../../src/sources/static-vms-source.js';
import { median, mb, now, percentile, round } from './bench-harness.js';
import { StoreSource } from '../support/store-source.js';

const { values } = parseArgs({
  options: {
    writes: { type: 'string', default: '200' },
    services: { type: 'string', default: '10000' },
    'endpoints-per-slice': { type: 'string', default: '5' },
    out: { type: 'string', default: 'dist/resource-set-update.json' },
  },
});
const WRITES = Number(values.writes);
const SERVICES = Number(values.services);
const PER_SLICE = Number(values['endpoints-per-slice']);
const CLUSTERS = ['east', 'west'];
const namespaced = (k: KubeKind): boolean => k !== 'IngressClass';
const ns = (i: number): string => `team-${i % 50}`;

function service(i: number): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `svc-${i}`, namespace: ns(i), creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
  };
}

function slice(i: number, cluster: number, generation: number): unknown {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `svc-${i}-abc${cluster}`,
      namespace: ns(i),
      labels: { 'kubernetes.io/service-name': `svc-${i}` },
      resourceVersion: String(generation),
    },
    addressType: 'IPv4',
    endpoints: Array.from({ length: PER_SLICE }, (_, e) => ({
      addresses: [
        `10.${cluster * 50 + (Math.floor(generation / 250) % 50)}.${(i * PER_SLICE + e + generation) % 250}.${(i + e) % 250}`,
      ],
      conditions: { ready: true, serving: true, terminating: false },
    })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

function ingress(i: number): unknown {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: `ing-${i}`, namespace: ns(i), creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: {
      ingressClassName: 'causeway',
      tls: i % 100 === 0 ? [{ hosts: [`h${i}.example.com`], secretName: `tls-${i}` }] : undefined,
      rules: [
        {
          host: `h${i}.example.com`,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: `svc-${i}`, port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  };
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

const stores = CLUSTERS.map((c) => new KubeObjectStore(c, namespaced));
const tLoad0 = now();
stores.forEach((store, c) => {
  store.replace('IngressClass', [
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: 'causeway' },
      spec: { controller: 'causeway.dev/gateway' },
    },
  ]);
  store.replace(
    'Service',
    Array.from({ length: SERVICES }, (_, i) => service(i)),
  );
  store.replace(
    'EndpointSlice',
    Array.from({ length: SERVICES }, (_, i) => slice(i, c, 0)),
  );
  if (c === 0)
    store.replace(
      'Ingress',
      Array.from({ length: SERVICES / 10 }, (_, i) => ingress(i)),
    );
  store.replace(
    'Secret',
    Array.from({ length: SERVICES / 1000 }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name: `tls-${i * 100}`, namespace: ns(i * 100) },
      data: { 'tls.crt': 'Y2VydA==', 'tls.key': 'a2V5' },
    })),
  );
});
const listMs = now() - tLoad0;
const sources = stores.map((store) => new StoreSource(store));
const logger = createLogger({ level: 'error' });
const multi = new MultiClusterSource({
  clusters: CLUSTERS.map((cluster, i) => ({ cluster, source: sources[i]! })),
  logger,
});
const vms = [0, 1, 2, 3].map((i) => ({
  namespace: ns(i),
  service: `svc-${i}`,
  portName: 'http',
  addresses: [`192.168.0.${i + 1}`, `192.168.1.${i + 1}`],
  targetPort: 8080,
  cluster: 'vms',
}));
const source = new StaticVmsSource({ source: multi, vms });
let latest = await source.load();
const loadMs = now() - tLoad0;
await source.watch((u) => {
  latest = u;
});

const wallMs: number[] = [];
const cpuMs: number[] = [];
for (let w = 0; w < WRITES; w++) {
  const c = w % CLUSTERS.length;
  const i = (w * 7919) % SERVICES;
  const raw = slice(i, c, w + 1);
  const before = latest;
  const t0 = now();
  const cpu0 = process.cpuUsage();
  stores[c]!.upsert('EndpointSlice', raw);
  sources[c]!.flush();
  const cpu = process.cpuUsage(cpu0);
  wallMs.push(now() - t0);
  cpuMs.push((cpu.user + cpu.system) / 1000);
  if (latest === before || latest.changed.length !== 1) throw new Error(`write ${w}: no single change`);
}
gc();
const heap = process.memoryUsage();
const sortedWall = [...wallMs].sort((a, b) => a - b);
const sortedCpu = [...cpuMs].sort((a, b) => a - b);
const endpoints = SERVICES * CLUSTERS.length * PER_SLICE;
const result = {
  services: SERVICES,
  slices: SERVICES * CLUSTERS.length,
  endpoints,
  writes: WRITES,
  loadMs: round(loadMs),
  listIntoStoresMs: round(listMs),
  firstUpdateMs: round(loadMs - listMs),
  perWriteWallMs: { p50: round(median(wallMs), 3), p99: round(percentile(sortedWall, 0.99), 3) },
  perWriteCpuMs: {
    mean: round(cpuMs.reduce((a, b) => a + b, 0) / cpuMs.length, 3),
    p50: round(percentile(sortedCpu, 0.5), 3),
    p99: round(percentile(sortedCpu, 0.99), 3),
  },
  heapUsedMb: mb(heap.heapUsed),
  rssMb: mb(heap.rss),
};
console.log(
  `sources stage, ${endpoints} endpoints in ${SERVICES * CLUSTERS.length} slices (${CLUSTERS.length} clusters), ${WRITES} slice writes`,
);
console.log(
  `  initial load: ${result.loadMs} ms (lists into the stores ${result.listIntoStoresMs} ms, first update store -> merge -> VMs ${result.firstUpdateMs} ms)`,
);
console.log(
  `  per slice write: wall p50 ${result.perWriteWallMs.p50} ms, p99 ${result.perWriteWallMs.p99} ms; CPU mean ${result.perWriteCpuMs.mean} ms, p99 ${result.perWriteCpuMs.p99} ms`,
);
console.log(`  heap used after GC ${result.heapUsedMb} MB, RSS ${result.rssMb} MB`);
fs.writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
await source.close();
