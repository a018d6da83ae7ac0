/**
 * Two Kubernetes clusters (two REAL kube-apiservers on one etcd, each under its own prefix), one
 * controller watching both (config `clusters: [east, west]`, group `default` with `homeCluster: east`),
 * and a REAL Envoy gateway in front of "pods" in network namespaces (east pod A, west pod B).
 *
 * The same Service `shop/api` exists in both clusters; its EndpointSlices point at east's pod A and west's
 * pod B, and the config file adds a VM backend (`vms:`, its own locality `vms`, a host in a third network
 * namespace). Proves, under a steady request loop through the gateway:
 * - all traffic goes to the home cluster's pod (west and the VM are priority 1: failover only);
 * - east's EndpointSlice deleted -> traffic fails over to west and the VM with zero failed requests; the
 *   slice recreated -> traffic returns to east;
 * - the same with east's endpoint marked not ready, then ready again;
 * - `causeway.dev/cross-cluster: round-robin` on the Service spreads traffic over both clusters;
 * - an Ingress (and its Service) defined only in west is served.
 *
 * Needs root and iproute2 (network namespaces); without them, and only outside CI, the file is skipped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { V1Service } from '@kubernetes/client-node';
import { runController, type RunningController } from '../../src/controller/app.js';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { buildBootstrap } from '../../xds/bootstrap/bootstrap.js';
import { httpGet } from '../support/http-client.js';
import {
  ensureKubeBinaries,
  startEtcd,
  startKubeApiserver,
  type Etcd,
  type KubeApiserver,
} from '../support/kube-apiserver.js';
import {
  causewayIngressClass,
  endpointSlice,
  eventually,
  kubeClients,
  kubeIngress,
  kubeService,
  namespace,
  type KubeClients,
} from '../support/kube-objects.js';
import { tempDir } from '../support/manifests.js';
import { createPodNetwork, podNetworkSupport, type PodNetwork } from '../support/netns.js';
import { freePorts } from '../support/ports.js';
import { backendCounts, startRequestLoop, type RequestLoop } from '../support/request-loop.js';

const support = podNetworkSupport();
const skipReason = !support.ok && !process.env['CI'] ? support.reason : undefined;
if (skipReason) {
  console.warn(`test/e2e/kube-multicluster.test.ts skipped: ${skipReason} (always run under CI=true)`);
}
const suite = skipReason ? describe.skip : describe;

const NS = 'shop';
const API_HOST = 'api.example.com';
const CATALOG_HOST = 'catalog.example.com';
/** Backend names the echo servers answer with (`x-echo-backend`). */
const EAST = 'east-a';
const WEST = 'west-b';
const WEST_CATALOG = 'west-catalog';
const VM = 'vm-c';
/** Where traffic goes when east has no endpoint: the failover priority holds west's pod and the VM. */
const FAILOVER = [VM, WEST];

interface Cluster {
  readonly api: KubeApiserver;
  readonly k: KubeClients;
}

let etcd: Etcd | undefined;
let east: Cluster | undefined;
let west: Cluster | undefined;
const networks: PodNetwork[] = [];
let podA = '';
let podB = '';
let podVm = '';
let dir: string | undefined;
let controller: RunningController | undefined;
let gateway: EnvoyProcess | undefined;
let httpPort = 0;
const loops = new Set<RequestLoop>();
const figures: string[] = [];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function startCluster(name: string): Promise<Cluster> {
  const api = await startKubeApiserver({ etcd: etcd!, name });
  const k = kubeClients(api.kubeconfig('admin'));
  await k.core.createNamespace({ body: namespace(NS) });
  await k.net.createIngressClass({ body: causewayIngressClass() });
  return { api, k };
}

function loop(host = API_HOST): RequestLoop {
  const l = startRequestLoop({ url: `http://127.0.0.1:${httpPort}/`, host, intervalMs: 10 });
  loops.add(l);
  return l;
}

async function stopLoop(l: RequestLoop): Promise<ReturnType<RequestLoop['failures']>> {
  loops.delete(l);
  const { failures } = await l.stop();
  return [...failures];
}

/** Waits until the loop has seen only `backend` for `quietMs` (so the switch is complete), from `from`. */
async function settledOn(l: RequestLoop, backend: string, from: number, quietMs = 1000): Promise<void> {
  const first = await l.waitFor(`traffic on ${backend}`, (s) => s.backend === backend, 30_000, from);
  // Every request sent after the first one that reached `backend` reaches it too.
  const after = first.at + 1;
  await sleep(quietMs);
  expect(backendCounts(l.since(after))).toEqual({ [backend]: l.since(after).length });
}

/** Waits until traffic has moved to the failover backends (west's pod and the VM) and stays there. */
async function settledOnFailover(l: RequestLoop, from: number, quietMs = 1000): Promise<number> {
  const first = await l.waitFor('failover traffic', (s) => FAILOVER.includes(s.backend ?? ''), 30_000, from);
  const after = first.at + 1;
  await sleep(quietMs);
  const counts = backendCounts(l.since(after));
  // Both failover localities share priority 1: round robin over west's pod and the VM, nothing on east.
  expect(Object.keys(counts).sort()).toEqual(FAILOVER);
  return first.at;
}

interface LocalityView {
  readonly region: string;
  readonly priority: number;
  readonly addresses: string[];
}

/** The localities of Service shop/api's ClusterLoadAssignment as the gateway holds it (`/config_dump`). */
async function apiLocalities(): Promise<LocalityView[]> {
  const dump = await gateway!.configDump({ resource: 'dynamic_endpoint_configs', includeEds: true });
  const clas = dump.configs.map((c) => c['endpoint_config'] as Record<string, unknown> | undefined);
  const cla = clas.find((c) => String(c?.['cluster_name']).includes('api'));
  if (!cla) throw new Error(`no ClusterLoadAssignment for shop/api in ${JSON.stringify(dump)}`);
  const endpoints = (cla['endpoints'] ?? []) as Array<{
    locality?: { region?: string };
    priority?: number;
    lb_endpoints?: Array<{ endpoint?: { address?: { socket_address?: { address?: string } } } }>;
  }>;
  return endpoints.map((e) => ({
    region: e.locality?.region ?? '',
    priority: e.priority ?? 0,
    addresses: (e.lb_endpoints ?? []).map((l) => l.endpoint?.address?.socket_address?.address ?? ''),
  }));
}

beforeAll(async () => {
  if (skipReason) return;
  await ensureKubeBinaries(); // a cold build takes minutes
}, 45 * 60_000);

beforeAll(async () => {
  if (skipReason) return;
  etcd = await startEtcd();
  [east, west] = await Promise.all([startCluster('east'), startCluster('west')]);

  const eastNet = await createPodNetwork({ name: 'east' });
  networks.push(eastNet);
  const westNet = await createPodNetwork({ name: 'west' });
  networks.push(westNet);
  const a = await eastNet.addPod('api-a');
  const b = await westNet.addPod('api-b');
  await a.startHttpEcho(EAST, 8080);
  await b.startHttpEcho(WEST, 8080);
  await b.startHttpEcho(WEST_CATALOG, 8081);
  podA = a.ip;
  podB = b.ip;
  const vmNet = await createPodNetwork({ name: 'vms' });
  networks.push(vmNet);
  const vm = await vmNet.addPod('api-vm');
  await vm.startHttpEcho(VM, 8080);
  podVm = vm.ip;

  // The same Service in both clusters, each with its own pod; an Ingress for it in east; in west only,
  // the Service `catalog` and its Ingress.
  await east.k.core.createNamespacedService({ namespace: NS, body: kubeService(NS, 'api') });
  await west.k.core.createNamespacedService({ namespace: NS, body: kubeService(NS, 'api') });
  await east.k.disco.createNamespacedEndpointSlice({
    namespace: NS,
    body: endpointSlice(NS, 'api-east', 'api', [{ ip: podA }]),
  });
  await west.k.disco.createNamespacedEndpointSlice({
    namespace: NS,
    body: endpointSlice(NS, 'api-west', 'api', [{ ip: podB }]),
  });
  await east.k.net.createNamespacedIngress({ namespace: NS, body: kubeIngress(NS, 'api', API_HOST, 'api') });
  await west.k.core.createNamespacedService({ namespace: NS, body: kubeService(NS, 'catalog') });
  await west.k.disco.createNamespacedEndpointSlice({
    namespace: NS,
    body: endpointSlice(NS, 'catalog-west', 'catalog', [{ ip: podB }], 8081),
  });
  await west.k.net.createNamespacedIngress({
    namespace: NS,
    body: kubeIngress(NS, 'catalog', CATALOG_HOST, 'catalog'),
  });

  dir = tempDir('causeway-e2e-multicluster-');
  let httpsPort: number;
  [httpPort, httpsPort] = (await freePorts(2)) as [number, number];
  const config = path.join(dir, 'config.yaml');
  fs.writeFileSync(
    config,
    [
      'clusters:',
      `  - { name: east, kubeconfig: ${JSON.stringify(east.api.kubeconfig('admin'))} }`,
      `  - { name: west, kubeconfig: ${JSON.stringify(west.api.kubeconfig('admin'))} }`,
      'groups:',
      '  default: { homeCluster: east, addresses: [203.0.113.10] }',
      'vms:',
      `  - { service: ${NS}/api, port: http, addresses: [${podVm}], targetPort: 8080, cluster: vms }`,
      '',
    ].join('\n'),
  );
  controller = await runController({
    config,
    leaseNamespace: NS,
    identity: 'multicluster-test',
    xdsAddress: '127.0.0.1:0',
    adminAddress: '127.0.0.1:0',
    httpPort,
    httpsPort,
    logLevel: 'silent',
  });
  gateway = await startEnvoy({
    name: 'multicluster-gateway',
    bootstrap: buildBootstrap({
      group: 'default',
      xdsHost: '127.0.0.1',
      xdsPort: controller.xdsPort,
      nodeId: 'multicluster-gw',
      adminPort: 0,
    }),
  });
  await gateway.waitForListener(httpPort);
  await eventually('api.example.com served', async () => {
    const r = await httpGet(`http://127.0.0.1:${httpPort}/`, { host: API_HOST, timeoutMs: 2000 });
    return r.status === 200 ? true : undefined;
  });
}, 180_000);

afterAll(async () => {
  for (const l of loops) await l.stop().catch(() => undefined);
  await gateway?.stop().catch(() => undefined);
  await controller?.stop().catch(() => undefined);
  for (const n of networks) await n.destroy().catch(() => undefined);
  await east?.api.stop().catch(() => undefined);
  await west?.api.stop().catch(() => undefined);
  await etcd?.stop().catch(() => undefined);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  if (figures.length > 0) console.log(`kube-multicluster figures:\n  ${figures.join('\n  ')}`);
}, 120_000);

suite('two clusters, home cluster east, a real Envoy gateway', () => {
  test('all traffic goes to the home cluster (east); west and the VM are only failover', async () => {
    const l = loop();
    await sleep(1500);
    const failures = await stopLoop(l);
    expect(failures).toEqual([]);
    expect(backendCounts(l.samples)).toEqual({ [EAST]: l.samples.length });
    expect(l.samples.length).toBeGreaterThan(30);

    // Both clusters' and the VM's endpoints are in the gateway's config: east at priority 0, the rest 1.
    expect(await apiLocalities()).toEqual([
      { region: 'east', priority: 0, addresses: [podA] },
      { region: 'vms', priority: 1, addresses: [podVm] },
      { region: 'west', priority: 1, addresses: [podB] },
    ]);
  });

  test("east's EndpointSlice deleted -> failover to west and the VM with zero failed requests; recreated -> back to east", async () => {
    const l = loop();
    try {
      await l.waitFor('traffic on east', (s) => s.backend === EAST);
      const t0 = Date.now();
      await east!.k.disco.deleteNamespacedEndpointSlice({ name: 'api-east', namespace: NS });
      const failoverMs = (await settledOnFailover(l, t0)) - t0;
      figures.push(`failover on slice delete: first request to west/VM ${failoverMs} ms after the DELETE`);
      expect(await apiLocalities()).toEqual([
        { region: 'vms', priority: 1, addresses: [podVm] },
        { region: 'west', priority: 1, addresses: [podB] },
      ]);

      const t1 = Date.now();
      await east!.k.disco.createNamespacedEndpointSlice({
        namespace: NS,
        body: endpointSlice(NS, 'api-east', 'api', [{ ip: podA }]),
      });
      await settledOn(l, EAST, t1);
      const backMs = l.since(t1).find((s) => s.backend === EAST)!.at - t1;
      figures.push(`failback on slice create: first request to east ${backMs} ms after the CREATE`);
    } finally {
      const failures = await stopLoop(l);
      expect(failures).toEqual([]);
    }
    figures.push(
      `slice delete/create: ${l.samples.length} requests, 0 failed (${JSON.stringify(backendCounts(l.samples))})`,
    );
  });

  test("east's endpoint not ready -> failover to west and the VM with zero failed requests; ready again -> back to east", async () => {
    const setReady = async (ready: boolean): Promise<void> => {
      const cur = await east!.k.disco.readNamespacedEndpointSlice({ name: 'api-east', namespace: NS });
      cur.endpoints = [{ addresses: [podA], conditions: { ready } }];
      await east!.k.disco.replaceNamespacedEndpointSlice({ name: 'api-east', namespace: NS, body: cur });
    };
    const l = loop();
    try {
      await l.waitFor('traffic on east', (s) => s.backend === EAST);
      const t0 = Date.now();
      await setReady(false);
      const failoverMs = (await settledOnFailover(l, t0)) - t0;
      figures.push(`failover on ready=false: first request to west/VM ${failoverMs} ms after the update`);

      const t1 = Date.now();
      await setReady(true);
      await settledOn(l, EAST, t1);
      const backMs = l.since(t1).find((s) => s.backend === EAST)!.at - t1;
      figures.push(`failback on ready=true: first request to east ${backMs} ms after the update`);
    } finally {
      const failures = await stopLoop(l);
      expect(failures).toEqual([]);
    }
  });

  test('causeway.dev/cross-cluster: round-robin on the Service spreads traffic over both clusters and the VM', async () => {
    const annotate = async (value: string | undefined): Promise<void> => {
      const cur: V1Service = await east!.k.core.readNamespacedService({ name: 'api', namespace: NS });
      const annotations = { ...(cur.metadata!.annotations ?? {}) };
      if (value === undefined) delete annotations['causeway.dev/cross-cluster'];
      else annotations['causeway.dev/cross-cluster'] = value;
      cur.metadata!.annotations = annotations;
      await east!.k.core.replaceNamespacedService({ name: 'api', namespace: NS, body: cur });
    };
    const l = loop();
    try {
      await l.waitFor('traffic on east', (s) => s.backend === EAST);
      const t0 = Date.now();
      await annotate('round-robin');
      const first = await l.waitFor('traffic on west', (s) => s.backend === WEST, 30_000, t0);
      await sleep(1000);
      const spread = backendCounts(l.since(first.at));
      expect(Object.keys(spread).sort()).toEqual([EAST, VM, WEST]);
      // Round robin over one endpoint per locality: about a third each.
      for (const b of [EAST, VM, WEST]) expect(spread[b]!).toBeGreaterThan(l.since(first.at).length / 6);

      // Annotation removed: failover mode again, so (after the push) only east.
      await annotate(undefined);
      await eventually(
        'only east for a whole second',
        async () => {
          const t = Date.now();
          await sleep(1000);
          const window = l.since(t);
          return window.length > 0 && window.every((s) => s.backend === EAST) ? true : undefined;
        },
        15_000,
      );
    } finally {
      const failures = await stopLoop(l);
      expect(failures).toEqual([]);
    }
  });

  test('an Ingress defined only in west is served, with its west-only Service', async () => {
    const r = await httpGet(`http://127.0.0.1:${httpPort}/items`, { host: CATALOG_HOST });
    expect(r.status).toBe(200);
    expect(r.headers['x-echo-backend']).toBe(WEST_CATALOG);
    expect((JSON.parse(r.body) as { path: string }).path).toBe('/items');

    // ... and follows west's changes: its slice removed, then back.
    await west!.k.disco.deleteNamespacedEndpointSlice({ name: 'catalog-west', namespace: NS });
    await eventually('catalog without endpoints answers 503', async () => {
      const x = await httpGet(`http://127.0.0.1:${httpPort}/`, { host: CATALOG_HOST, timeoutMs: 2000 });
      return x.status === 503 ? true : undefined;
    });
    await west!.k.disco.createNamespacedEndpointSlice({
      namespace: NS,
      body: endpointSlice(NS, 'catalog-west', 'catalog', [{ ip: podB }], 8081),
    });
    await eventually('catalog served again', async () => {
      const x = await httpGet(`http://127.0.0.1:${httpPort}/`, { host: CATALOG_HOST, timeoutMs: 2000 });
      return x.status === 200 && x.headers['x-echo-backend'] === WEST_CATALOG ? true : undefined;
    });
  });
});
