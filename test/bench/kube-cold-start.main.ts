/**
 * Kubernetes-mode cold start, measured against REAL kube-apiservers (issue 14, item 3): how long from
 * `load()` of a MultiClusterSource over one KubernetesSource per cluster to the first complete update,
 * split per cluster and kind (start offset and duration of each kind's initial list, pages, objects), and
 * what decoding one big list costs: the EndpointSlices of the first cluster listed page by page (`limit`
 * + `continue`, as the source does) against one unpaged list, with wall time and peak memory (heap +
 * external, sampled after every page; run with --expose-gc for a clean baseline).
 *
 * Input per cluster (written as `admin` over kept-alive HTTPS, 16 in flight): Namespaces ns-0..ns-9, the
 * `causeway` IngressClass, `--services` Services with one EndpointSlice each of `--endpoints-per-slice`
 * endpoints, and `--ingresses` Ingresses (one path each) spread over the clusters. The figures are printed
 * and written to dist/kube-cold-start-result.json.
 *
 *   node --expose-gc dist/test/bench/kube-cold-start.main.js [--clusters 2] [--services 2000]
 *     [--ingresses 2000] [--endpoints-per-slice 5] [--page-size 500] [--runs 3] [--out FILE]
 *     [--cpu-profile FILE]   (a .cpuprofile of the first cold start, for Chrome DevTools)
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { KubeHttpTransport } from '../../src/kubernetes/client/kube-http-transport.js';
import { KubernetesSource, loadKubeConfig } from '../../src/kubernetes/watch/index.js';
import { dropManagedFields } from '../../src/kubernetes/watch/watch-objects.js';
import { MultiClusterSource } from '../../src/sources/multi-cluster-source.js';
import { startEtcd, startKubeApiserver, type Etcd, type KubeApiserver } from '../support/kube-apiserver.js';
import {
  bulkCreate,
  causewayIngressClass,
  collectionPath,
  endpointSlice,
  kubeIngress,
  kubeService,
  namespace,
  type BulkObject,
} from '../support/kube-objects.js';

const NAMESPACES = 10;

interface Options {
  readonly clusters: number;
  readonly services: number;
  readonly ingresses: number;
  readonly endpointsPerSlice: number;
  readonly pageSize: number;
  readonly runs: number;
  readonly out: string;
  readonly cpuProfile: string | undefined;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      clusters: { type: 'string', default: '2' },
      services: { type: 'string', default: '2000' },
      ingresses: { type: 'string', default: '2000' },
      'endpoints-per-slice': { type: 'string', default: '5' },
      'page-size': { type: 'string', default: '500' },
      runs: { type: 'string', default: '3' },
      out: { type: 'string', default: 'dist/kube-cold-start-result.json' },
      'cpu-profile': { type: 'string' },
    },
  });
  return {
    clusters: Number(values.clusters),
    services: Number(values.services),
    ingresses: Number(values.ingresses),
    endpointsPerSlice: Number(values['endpoints-per-slice']),
    pageSize: Number(values['page-size']),
    runs: Number(values.runs),
    out: values.out,
    cpuProfile: values['cpu-profile'],
  };
}

const svc = (i: number): string => `svc-${String(i).padStart(5, '0')}`;
const nsOf = (i: number): string => `ns-${i % NAMESPACES}`;

/** The objects of cluster `c` of `n`: every Service and slice, and its share of the Ingresses. */
function objectsOf(o: Options, c: number): { readonly first: BulkObject[]; readonly bulk: BulkObject[] } {
  const first: BulkObject[] = [];
  for (let n = 0; n < NAMESPACES; n++) first.push({ path: '/api/v1/namespaces', body: namespace(`ns-${n}`) });
  first.push({ path: '/apis/networking.k8s.io/v1/ingressclasses', body: causewayIngressClass() });
  const bulk: BulkObject[] = [];
  for (let i = 0; i < o.services; i++) {
    const ns = nsOf(i);
    bulk.push({ path: collectionPath('Service', ns), body: kubeService(ns, svc(i)) });
    const eps = Array.from({ length: o.endpointsPerSlice }, (_, e) => {
      const n = i * o.endpointsPerSlice + e;
      return { ip: `10.${100 + c}.${(n >> 8) & 255}.${n & 255}` };
    });
    bulk.push({
      path: collectionPath('EndpointSlice', ns),
      body: endpointSlice(ns, `${svc(i)}-1`, svc(i), eps),
    });
  }
  for (let i = c; i < o.ingresses; i += o.clusters) {
    const s = i % o.services;
    bulk.push({
      path: collectionPath('Ingress', nsOf(s)),
      body: kubeIngress(nsOf(s), `app-${String(i).padStart(5, '0')}`, `app-${i}.example.com`, svc(s)),
    });
  }
  return { first, bulk };
}

interface KindFigure {
  readonly cluster: string;
  readonly kind: string;
  readonly objects: number;
  readonly pages: number;
  /** When its list ended, relative to load(). */
  readonly endMs: number;
  readonly ms: number;
}

/** One cold start: load() of a fresh MultiClusterSource; the per-kind figures come from the 'listed' logs. */
async function coldStart(apis: readonly KubeApiserver[]): Promise<{ totalMs: number; kinds: KindFigure[] }> {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const sources = apis.map(
    (api) =>
      new KubernetesSource({
        cluster: api.name,
        kubeConfig: loadKubeConfig(api.kubeconfig('admin')),
        logger,
      }),
  );
  const multi = new MultiClusterSource({
    clusters: sources.map((source) => ({ cluster: source.cluster, source })),
    logger,
  });
  const t0 = Date.now();
  await multi.load();
  const totalMs = Date.now() - t0;
  await multi.close();
  const kinds = lines
    .filter((l) => l['msg'] === 'listed')
    .map((l) => ({
      cluster: String(l['cluster']),
      kind: `${String(l['kind'])}${l['fieldSelector'] !== undefined ? ` (${String(l['fieldSelector'])})` : ''}`,
      objects: Number(l['objects']),
      pages: Number(l['pages']),
      endMs: Number(l['time']) - t0,
      ms: Number(l['ms']),
    }));
  return { totalMs, kinds };
}

interface DecodeFigure {
  readonly pageSize: number | 'unpaged';
  /** The list's resourceVersion parameter: '' (a consistent read) or '0' (any: the watch cache). */
  readonly resourceVersion: string;
  /** Whether each page's items lost their managedFields before the next page (as KindWatch does). */
  readonly dropManagedFields: boolean;
  readonly items: number;
  readonly pages: number;
  readonly ms: number;
  /** Max over the samples of heapUsed + external, minus the baseline. */
  readonly peakMemBytes: number;
}

function memNow(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/** Lists `path` through the source's transport, page by page (or in one request); times it, samples memory. */
async function decode(
  api: KubeApiserver,
  path: string,
  pageSize: number | 'unpaged',
  resourceVersion: string,
  drop: boolean,
): Promise<DecodeFigure> {
  const transport = new KubeHttpTransport(loadKubeConfig(api.kubeconfig('admin')));
  (globalThis as { gc?: () => void }).gc?.();
  const base = memNow();
  let peak = 0;
  const items: unknown[] = [];
  let pages = 0;
  let cont: string | undefined;
  const sampler = setInterval(() => (peak = Math.max(peak, memNow() - base)), 2);
  const t0 = performance.now();
  do {
    const query: Record<string, string> = pageSize === 'unpaged' ? {} : { limit: String(pageSize) };
    if (cont !== undefined) query['continue'] = cont;
    else if (resourceVersion !== '') query['resourceVersion'] = resourceVersion;
    const page = await transport.list(path, query, new AbortController().signal);
    peak = Math.max(peak, memNow() - base);
    for (const item of page.items) items.push(drop ? dropManagedFields(item) : item);
    cont = page.continueToken;
    pages++;
  } while (cont !== undefined);
  const ms = performance.now() - t0;
  clearInterval(sampler);
  peak = Math.max(peak, memNow() - base);
  return {
    pageSize,
    resourceVersion,
    dropManagedFields: drop,
    items: items.length,
    pages,
    ms: Math.round(ms),
    peakMemBytes: peak,
  };
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<void> {
  const o = options();
  const etcd: Etcd = await startEtcd();
  const apis: KubeApiserver[] = [];
  try {
    for (let c = 0; c < o.clusters; c++) apis.push(await startKubeApiserver({ etcd, name: `c${c}` }));
    const tw = Date.now();
    await Promise.all(
      apis.map(async (api, c) => {
        const target = { url: api.url, token: api.adminToken, caCert: api.caCert };
        const { first, bulk } = objectsOf(o, c);
        await bulkCreate(target, first, 4);
        await bulkCreate(target, bulk, 16);
      }),
    );
    console.log(`input written in ${Date.now() - tw} ms`);

    const runs: Awaited<ReturnType<typeof coldStart>>[] = [];
    if (o.cpuProfile !== undefined) {
      const session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
      runs.push(await coldStart(apis));
      const { profile } = await session.post('Profiler.stop');
      fs.writeFileSync(o.cpuProfile, JSON.stringify(profile));
      session.disconnect();
    }
    while (runs.length < o.runs) runs.push(await coldStart(apis));
    const totals = runs.map((r) => r.totalMs);
    console.log(
      `cold start (load() -> first full update), ${o.clusters} clusters: runs ${totals.join(', ')} ms`,
    );
    const last = runs[runs.length - 1]!;
    for (const k of [...last.kinds].sort((a, b) => a.endMs - b.endMs)) {
      console.log(
        `  ${k.cluster.padEnd(4)} ${k.kind.padEnd(40)} ${String(k.objects).padStart(6)} objects ` +
          `${String(k.pages).padStart(3)} pages  from ${String(k.endMs - k.ms).padStart(5)} to ${String(k.endMs).padStart(5)} ms`,
      );
    }

    const path = '/apis/discovery.k8s.io/v1/endpointslices';
    const decodes: DecodeFigure[] = [];
    for (const [size, rv, drop] of [
      [o.pageSize, '', true],
      [o.pageSize, '', false],
      [o.pageSize, '0', false],
      ['unpaged', '', false],
      ['unpaged', '0', false],
    ] as const) {
      const figures: DecodeFigure[] = [];
      for (let r = 0; r < o.runs; r++) figures.push(await decode(apis[0]!, path, size, rv, drop));
      const pick = figures.find((f) => f.ms === median(figures.map((x) => x.ms)))!;
      decodes.push({ ...pick, peakMemBytes: median(figures.map((x) => x.peakMemBytes)) });
    }
    for (const d of decodes) {
      console.log(
        `EndpointSlices of ${apis[0]!.name} (${d.items} slices, ${d.items * o.endpointsPerSlice} endpoints), ` +
          `${d.pageSize === 'unpaged' ? 'one unpaged list' : `pages of ${d.pageSize}`}, resourceVersion=${JSON.stringify(d.resourceVersion)}` +
          `${d.dropManagedFields ? ', managedFields dropped per page' : ''}: ` +
          `${d.ms} ms, ${d.pages} pages, ` +
          `peak heap+external ${mb(d.peakMemBytes)} (median of ${o.runs})`,
      );
    }
    fs.mkdirSync('dist', { recursive: true });
    fs.writeFileSync(
      o.out,
      JSON.stringify({ options: o, coldStartMs: totals, kinds: last.kinds, decodes }, null, 2),
    );
    console.log(`written to ${o.out}`);
  } finally {
    for (const api of apis) await api.stop().catch(() => undefined);
    await etcd.stop().catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
