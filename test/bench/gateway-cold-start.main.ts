/**
 * Benchmark: gateway cold start with real Envoys. The controller runs in standalone mode on a generated
 * manifests folder (test/bench/generate-manifests.ts: by default 2,000 Ingresses and Services, 20,000
 * endpoints, all in one gateway group); N real Envoy gateways, each in its own network namespace on a
 * bridge, start together once the controller is ready. A few probed Services point at HTTP echo pods;
 * every other endpoint is an address nobody answers (nothing sends traffic there).
 *
 * Times controller ready -> every gateway answers 200 from the right pod for every probed host, and
 * reports each gateway's RSS (/proc/<pid>/status VmRSS), `server.memory_allocated`, its number of stats
 * and of clusters. Prints a table and writes dist/gateway-cold-start-result.json.
 *
 *   node dist/test/bench/gateway-cold-start.main.js [--gateways 1,10] [--ingresses 2000]
 *     [--endpoints-per-service 10] [--cluster-stats] [--concurrency 2] [--out FILE]
 *
 * `--concurrency` is each Envoy's worker threads (default 2; production gateways run one per core).
 *
 * Needs root (network namespaces).
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runController, type RunningController } from '../../src/controller/app.js';
import type { EndpointSlice, KubeObject } from '../../src/resources/kube-types.js';
import { projectRoot } from '../../src/tools/envoy-binary.js';
import { createPodNetwork, type Pod, type PodNetwork } from '../support/netns.js';
import { startNetnsGateway, type NetnsGateway } from '../support/netns-gateway.js';
import { generateInput, manifestFiles, serviceName } from './generate-manifests.js';

const GROUP = 'group-0';
const HTTP_PORT = 8080;

interface Probe {
  readonly service: number;
  readonly host: string;
  readonly pod: Pod;
}

interface GatewayFigures {
  readonly nodeId: string;
  readonly liveMs: number;
  readonly routedMs: number;
  readonly rssBytes: number;
  /** User + system CPU time of the Envoy process so far. */
  readonly cpuMs: number;
  readonly memoryAllocatedBytes: number;
  readonly memoryHeapBytes: number;
  readonly stats: number;
  readonly clusters: number;
}

interface RunFigures {
  readonly gateways: number;
  readonly controllerReadyMs: number;
  readonly allLiveMs: number;
  readonly allRoutedMs: number;
  /** CPU time of this process (the controller, and the probes) from controller ready to all routed. */
  readonly controllerCpuMs: number;
  readonly rssMiB: { readonly mean: number; readonly max: number };
  readonly envoyCpuMs: { readonly mean: number; readonly max: number };
  readonly memoryAllocatedMiB: { readonly mean: number; readonly max: number };
  readonly statsPerGateway: number;
  readonly clustersPerGateway: number;
  readonly perGateway: readonly GatewayFigures[];
}

function progress(text: string): void {
  process.stderr.write(`gateway-cold-start: ${text}\n`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** One GET through a gateway; resolves to the answering pod's name, or `status-NNN` / `error`. */
function probeOnce(ip: string, host: string): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get(
      { host: ip, port: HTTP_PORT, path: '/', headers: { host }, agent: false, timeout: 2000 },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve(
            res.statusCode === 200
              ? String(res.headers['x-echo-backend'] ?? 'no-backend-header')
              : `status-${String(res.statusCode)}`,
          ),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve('error'));
  });
}

/** Polls until every probe host answers from its pod through `ip`; returns when. */
async function waitRouted(ip: string, probes: readonly Probe[], deadline: number): Promise<number> {
  for (const p of probes) {
    let last = '';
    while ((last = await probeOnce(ip, p.host)) !== p.pod.name) {
      if (performance.now() > deadline) throw new Error(`gateway ${ip}: ${p.host} still answers ${last}`);
      await sleep(20);
    }
  }
  return performance.now();
}

/** The generated objects, with the probed Services' EndpointSlices pointing at their echo pods. */
function benchObjects(
  ingresses: number,
  endpointsPerService: number,
  probes: readonly Probe[],
): KubeObject[] {
  const input = generateInput({ ingresses, groups: 1, endpointsPerService, namespaces: 10 });
  const byService = new Map(probes.map((p) => [p.service, p.pod]));
  return input.objects.map((o) => {
    if (o.kind !== 'EndpointSlice') return o;
    const s = o as EndpointSlice;
    const service = Number(s.metadata.labels?.['kubernetes.io/service-name']?.slice('svc-'.length));
    const pod = byService.get(service);
    if (!pod) return o;
    return { ...s, endpoints: [{ addresses: [pod.ip], conditions: { ready: true, serving: true } }] };
  });
}

function vmRssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${String(pid)}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN) * 1024;
}

/** utime + stime of a process (/proc/<pid>/stat fields 14 and 15, in clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function gatewayFigures(gw: NetnsGateway, liveMs: number, routedMs: number): Promise<GatewayFigures> {
  const r = await gw.admin('/stats?format=json');
  const stats = (JSON.parse(r.body) as { stats?: Array<{ name?: string; value?: number }> }).stats ?? [];
  const value = (name: string): number => stats.find((s) => s.name === name)?.value ?? NaN;
  return {
    nodeId: gw.nodeId,
    liveMs,
    routedMs,
    rssBytes: vmRssBytes(gw.pid),
    cpuMs: cpuMs(gw.pid),
    memoryAllocatedBytes: value('server.memory_allocated'),
    memoryHeapBytes: value('server.memory_heap_size'),
    stats: stats.length,
    clusters: value('cluster_manager.active_clusters'),
  };
}

const MiB = 1024 * 1024;
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

interface RunOptions {
  readonly gateways: number;
  readonly ingresses: number;
  readonly endpointsPerService: number;
  readonly clusterStats: boolean;
  readonly concurrency: number;
}

/** One cold start: a fresh pod network, controller and N gateways; everything stopped afterwards. */
async function coldStart(o: RunOptions): Promise<RunFigures> {
  let pods: PodNetwork | undefined;
  let controller: RunningController | undefined;
  const gateways: NetnsGateway[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-cold-start-'));
  try {
    pods = await createPodNetwork({ name: 'coldstart' });
    const probeServices = [0, Math.floor(o.ingresses / 2), o.ingresses - 1];
    const probes: Probe[] = [];
    for (const service of probeServices) {
      const pod = await pods.addPod(`echo-${String(service)}`);
      await pod.startHttpEcho(pod.name, 8080);
      probes.push({ service, host: `app-${serviceName(service).slice('svc-'.length)}.example.com`, pod });
    }
    const gwPods: Pod[] = [];
    for (let i = 0; i < o.gateways; i++) gwPods.push(await pods.addPod(`gw-${String(i)}`));
    for (const [file, text] of manifestFiles(benchObjects(o.ingresses, o.endpointsPerService, probes), 200))
      fs.writeFileSync(path.join(dir, file), text);

    progress(`${String(o.ingresses)} Ingresses written; starting the controller`);
    const t0 = performance.now();
    controller = await runController({
      manifests: dir,
      xdsAddress: `${pods.gateway}:0`,
      xdsInsecure: true,
      adminAddress: '127.0.0.1:0',
      httpPort: HTTP_PORT,
      httpsPort: 8443,
      logLevel: 'silent',
    });
    const ready = performance.now();
    const cpuAtReady = process.cpuUsage();
    progress(
      `controller ready in ${((ready - t0) / 1000).toFixed(2)} s; starting ${String(o.gateways)} gateways`,
    );
    const deadline = ready + 120_000;
    const xdsPort = controller.xdsPort;
    const xdsHost = pods.gateway;
    const timings = await Promise.all(
      gwPods.map(async (pod, i) => {
        const gw = await startNetnsGateway({
          pod,
          group: GROUP,
          nodeId: `cold-gw-${String(i)}`,
          xdsHost,
          xdsPort,
          bootstrap: o.clusterStats ? { clusterStats: true } : {},
          liveTimeoutMs: 120_000,
          concurrency: o.concurrency,
        });
        gateways.push(gw);
        const live = performance.now();
        const routed = await waitRouted(pod.ip, probes, deadline);
        return { gw, liveMs: live - ready, routedMs: routed - ready };
      }),
    );
    const cpu = process.cpuUsage(cpuAtReady);
    const perGateway: GatewayFigures[] = [];
    for (const t of timings) perGateway.push(await gatewayFigures(t.gw, t.liveMs, t.routedMs));
    const rss = perGateway.map((g) => g.rssBytes / MiB);
    const allocated = perGateway.map((g) => g.memoryAllocatedBytes / MiB);
    return {
      gateways: o.gateways,
      controllerReadyMs: ready - t0,
      allLiveMs: Math.max(...perGateway.map((g) => g.liveMs)),
      allRoutedMs: Math.max(...perGateway.map((g) => g.routedMs)),
      controllerCpuMs: (cpu.user + cpu.system) / 1000,
      rssMiB: { mean: mean(rss), max: Math.max(...rss) },
      envoyCpuMs: {
        mean: mean(perGateway.map((g) => g.cpuMs)),
        max: Math.max(...perGateway.map((g) => g.cpuMs)),
      },
      memoryAllocatedMiB: { mean: mean(allocated), max: Math.max(...allocated) },
      statsPerGateway: Math.round(mean(perGateway.map((g) => g.stats))),
      clustersPerGateway: Math.round(mean(perGateway.map((g) => g.clusters))),
      perGateway,
    };
  } finally {
    await Promise.all(gateways.map((g) => g.stop()));
    await controller?.stop();
    await pods?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function line(r: RunFigures): string {
  return (
    `${String(r.gateways).padStart(3)} gateways: controller ready ${(r.controllerReadyMs / 1000).toFixed(2)} s; ` +
    `ready -> all LIVE ${(r.allLiveMs / 1000).toFixed(2)} s, -> all route ${(r.allRoutedMs / 1000).toFixed(2)} s; ` +
    `controller CPU ${(r.controllerCpuMs / 1000).toFixed(2)} s, Envoy CPU mean ${(r.envoyCpuMs.mean / 1000).toFixed(2)} s; RSS mean ${r.rssMiB.mean.toFixed(0)} MiB (max ${r.rssMiB.max.toFixed(0)}), ` +
    `memory_allocated mean ${r.memoryAllocatedMiB.mean.toFixed(0)} MiB; ` +
    `${String(r.statsPerGateway)} stats, ${String(r.clustersPerGateway)} clusters per gateway`
  );
}

async function main(): Promise<void> {
  // Keeps the event loop alive while the gateways start (the controller's servers do not hold it).
  const alive = setInterval(() => undefined, 1000);
  const { values } = parseArgs({
    options: {
      gateways: { type: 'string', default: '1,10' },
      ingresses: { type: 'string', default: '2000' },
      'endpoints-per-service': { type: 'string', default: '10' },
      'cluster-stats': { type: 'boolean', default: false },
      concurrency: { type: 'string', default: '2' },
      out: { type: 'string', default: path.join(projectRoot(), 'dist', 'gateway-cold-start-result.json') },
    },
  });
  const runs: RunFigures[] = [];
  for (const n of values.gateways.split(',').map(Number)) {
    const r = await coldStart({
      gateways: n,
      ingresses: Number(values.ingresses),
      endpointsPerService: Number(values['endpoints-per-service']),
      clusterStats: values['cluster-stats'],
      concurrency: Number(values.concurrency),
    });
    console.log(line(r));
    runs.push(r);
  }
  const result = {
    ingresses: Number(values.ingresses),
    endpointsPerService: Number(values['endpoints-per-service']),
    clusterStats: values['cluster-stats'],
    concurrency: Number(values.concurrency),
    loadAverage: os.loadavg(),
    runs,
  };
  fs.mkdirSync(path.dirname(values.out), { recursive: true });
  fs.writeFileSync(values.out, JSON.stringify(result, null, 2));
  clearInterval(alive);
}

await main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
