/**
 * Resilience against a REAL kube-apiserver (and etcd), with a REAL Envoy gateway in front of "pods" in
 * network namespaces, under a steady request loop:
 *
 * 1. The apiserver is away for 30 s (etcd kept): the gateway keeps serving throughout (zero failed
 *    requests), the controller keeps its last state, and a change written meanwhile through a second
 *    apiserver of the same cluster (same etcd and prefix) reaches the gateway once the first is back.
 * 2. The controller (a real process, kill -9) restarts while 5,000 EndpointSlices exist (500 Services
 *    with 10 slices of one endpoint each, referenced by 10 Ingresses of 50 paths, plus one Service for the
 *    request loop): the restarted controller's first answers to a light xDS client that asked before the
 *    restart already hold ALL clusters, endpoints, listeners and routes (identical to before), the
 *    gateway's cluster and endpoint counts never drop while it reconnects, and no request fails.
 *
 * Needs root and iproute2 (network namespaces); without them, and only outside CI, the file is skipped.
 * Test 2 runs the compiled controller: `npx tsc -p tsconfig.build.json` first.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { runController, type RunningController } from '../../src/controller/app.js';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { buildBootstrap, XDS_CLUSTER_NAME } from '../../xds/bootstrap/bootstrap.js';
import { decodeResource, RESOURCE_TYPES } from '../../xds/protos/envoy-protos.js';
import { startControllerProcess, type ControllerProcess } from '../support/controller-process.js';
import { httpGet } from '../support/http-client.js';
import {
  ensureKubeBinaries,
  startEtcd,
  startKubeApiserver,
  type Etcd,
  type KubeApiserver,
} from '../support/kube-apiserver.js';
import {
  bulkCreate,
  causewayIngressClass,
  collectionPath,
  endpointSlice,
  eventually,
  kubeClients,
  kubeIngress,
  kubeService,
  namespace,
  type BulkObject,
  type KubeClients,
} from '../support/kube-objects.js';
import { createPodNetwork, podNetworkSupport, type PodNetwork } from '../support/netns.js';
import { freePorts } from '../support/ports.js';
import { backendCounts, startRequestLoop, type RequestLoop } from '../support/request-loop.js';
import {
  decodeSotwResources,
  XdsClient,
  type DeltaStream,
  type DiscoveryResponse,
  type SotwStream,
} from '../support/xds-client.js';

const support = podNetworkSupport();
const skipReason = !support.ok && !process.env['CI'] ? support.reason : undefined;
if (skipReason) {
  console.warn(`test/e2e/kube-resilience.test.ts skipped: ${skipReason} (always run under CI=true)`);
}
const suite = skipReason ? describe.skip : describe;

const POD_A = 'pod-a';
const POD_B = 'pod-b';

let etcd: Etcd | undefined;
let net: PodNetwork | undefined;
let podA = '';
let podB = '';
/** The pod network's first three octets, e.g. `10.244.37` (bulk endpoints use unused addresses in it). */
let subnetPrefix = '';
const figures: string[] = [];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  if (skipReason) return;
  await ensureKubeBinaries(); // a cold build takes minutes
}, 45 * 60_000);

beforeAll(async () => {
  if (skipReason) return;
  etcd = await startEtcd();
  net = await createPodNetwork({ name: 'resilience' });
  const a = await net.addPod('a');
  const b = await net.addPod('b');
  await a.startHttpEcho(POD_A, 8080);
  await b.startHttpEcho(POD_B, 8080);
  podA = a.ip;
  podB = b.ip;
  subnetPrefix = net.subnet.replace(/\.0\/24$/, '');
}, 120_000);

afterAll(async () => {
  await net?.destroy().catch(() => undefined);
  await etcd?.stop().catch(() => undefined);
  if (figures.length > 0) console.log(`kube-resilience figures:\n  ${figures.join('\n  ')}`);
}, 60_000);

/** A cluster: an apiserver on the shared etcd, with namespace `ns` and the `causeway` IngressClass. */
async function startCluster(name: string, ns: string): Promise<{ api: KubeApiserver; k: KubeClients }> {
  const api = await startKubeApiserver({ etcd: etcd!, name });
  const k = kubeClients(api.kubeconfig('admin'));
  await k.core.createNamespace({ body: namespace(ns) });
  await k.net.createIngressClass({ body: causewayIngressClass() });
  return { api, k };
}

function gatewayBootstrap(xdsPort: number, nodeId: string): object {
  return buildBootstrap({
    group: 'default',
    xdsHost: '127.0.0.1',
    xdsPort,
    nodeId,
    adminPort: 0,
    xdsReconnect: { baseIntervalMs: 100, maxIntervalMs: 500 },
    clusterStats: true, // the tests count per-cluster membership and EDS update stats
  });
}

async function served(httpPort: number, host: string, backend: string, timeoutMs = 30_000): Promise<void> {
  await eventually(
    `${host} served by ${backend}`,
    async () => {
      const r = await httpGet(`http://127.0.0.1:${httpPort}/`, { host, timeoutMs: 2000 });
      return r.status === 200 && r.headers['x-echo-backend'] === backend ? true : undefined;
    },
    timeoutMs,
  );
}

suite('apiserver away for 30 s', () => {
  test('the gateway serves throughout with zero failures; a change made meanwhile arrives once it is back', async () => {
    const NS = 'shop';
    const cleanup: Array<() => Promise<unknown>> = [];
    let loop: RequestLoop | undefined;
    try {
      const { api, k } = await startCluster('outage', NS);
      cleanup.push(() => api.stop());
      await k.core.createNamespacedService({ namespace: NS, body: kubeService(NS, 'web') });
      await k.disco.createNamespacedEndpointSlice({
        namespace: NS,
        body: endpointSlice(NS, 'web-1', 'web', [{ ip: podA }]),
      });
      await k.net.createNamespacedIngress({
        namespace: NS,
        body: kubeIngress(NS, 'web', 'web.example.com', 'web'),
      });

      const [httpPort, httpsPort] = (await freePorts(2)) as [number, number];
      const controller: RunningController = await runController({
        kubeconfig: api.kubeconfig('admin'),
        clusterName: 'outage',
        leaseNamespace: NS,
        identity: 'resilience-outage',
        xdsAddress: '127.0.0.1:0',
        adminAddress: '127.0.0.1:0',
        httpPort,
        httpsPort,
        logLevel: 'silent',
      });
      cleanup.push(() => controller.stop());
      const gateway = await startEnvoy({
        name: 'outage-gateway',
        bootstrap: gatewayBootstrap(controller.xdsPort, 'outage-gw'),
      });
      cleanup.push(() => gateway.stop());
      await gateway.waitForListener(httpPort);
      await served(httpPort, 'web.example.com', POD_A);

      // A second apiserver of the same cluster (same etcd and prefix): the way to write while the first is
      // away. The controller knows only the first.
      const other = await startKubeApiserver({ etcd: etcd!, prefix: api.prefix, name: 'outage-b' });
      cleanup.push(() => other.stop());
      const kb = kubeClients(other.kubeconfig('admin'));

      loop = startRequestLoop({
        url: `http://127.0.0.1:${httpPort}/`,
        host: 'web.example.com',
        intervalMs: 10,
      });
      await loop.waitFor('traffic on pod A', (s) => s.backend === POD_A);

      await api.kill();
      const downAt = Date.now();
      await sleep(1000);
      // Meanwhile: the Service's endpoint moves to pod B, and a new Ingress appears.
      const cur = await kb.disco.readNamespacedEndpointSlice({ name: 'web-1', namespace: NS });
      cur.endpoints = [{ addresses: [podB], conditions: { ready: true } }];
      await kb.disco.replaceNamespacedEndpointSlice({ name: 'web-1', namespace: NS, body: cur });
      await kb.net.createNamespacedIngress({
        namespace: NS,
        body: kubeIngress(NS, 'late', 'late.example.com', 'web'),
      });
      await sleep(30_000 - (Date.now() - downAt));
      // Still the state from before the outage: pod A only, no `late` host.
      const during = loop.since(downAt);
      expect(backendCounts(during)).toEqual({ [POD_A]: during.length });
      expect(
        (await httpGet(`http://127.0.0.1:${httpPort}/`, { host: 'late.example.com', timeoutMs: 2000 }))
          .status,
      ).toBe(404);
      expect((await fetch(`http://127.0.0.1:${controller.adminPort}/readyz`)).status).toBe(200);

      await api.restart();
      const backAt = Date.now();
      const outageMs = backAt - downAt;
      // About a second: every kind's loop waits on the cluster's readiness probe (at most one a second,
      // src/kubernetes/client/reachability-gate.ts), its first watch then gets 410 Gone (the restarted
      // apiserver's watch cache has no history) and relists at once; the generous timeout is the loops'
      // fallback (their backoff cap, 30 s) should the probe never succeed. test/e2e/kube-outage-recovery.test.ts
      // asserts the 2 s target.
      const first = await loop.waitFor(
        'traffic on pod B after the restart',
        (s) => s.backend === POD_B,
        75_000,
        backAt,
      );
      const arrivalMs = first.at - backAt;
      // Each kind's loop comes back on its own schedule: the Ingress may come later than the slice.
      await served(httpPort, 'late.example.com', POD_B, Math.max(1000, 75_000 - (Date.now() - backAt)));
      const ingressArrivalMs = Date.now() - backAt;
      await sleep(500);
      const after = loop.since(first.at + 1);
      expect(backendCounts(after)).toEqual({ [POD_B]: after.length });

      const { samples, failures } = await loop.stop();
      loop = undefined;
      expect(failures).toEqual([]);
      figures.push(
        `apiserver outage: ${outageMs} ms down (restart included), ${during.length} requests while down, ` +
          `${samples.length} in all, 0 failed`,
      );
      figures.push(
        `apiserver outage: after the restart, the gateway had the slice change made while down in ${arrivalMs} ms, ` +
          `the new Ingress in ${ingressArrivalMs} ms (polled)`,
      );
    } finally {
      await loop?.stop();
      for (const c of cleanup.reverse()) await c().catch(() => undefined);
    }
  }, 180_000);
});

// ---------------------------------------------------------------------------------------------------
// 5,000 EndpointSlices and a controller restart

const BULK_NS = 'bulk';
const SERVICES = 500;
const SLICES_PER_SERVICE = 10;
const PATHS_PER_INGRESS = 50;
const XDS_TYPES = [
  RESOURCE_TYPES.cluster,
  RESOURCE_TYPES.endpoint,
  RESOURCE_TYPES.listener,
  RESOURCE_TYPES.route,
] as const;

type XdsState = Map<string, Map<string, string>>;

/** Probe clients reconnect every 50-100 ms while the controller is down (grpc-js default: 1 s and up). */
const FAST_RECONNECT = {
  channelOptions: {
    'grpc.initial_reconnect_backoff_ms': 50,
    'grpc.min_reconnect_backoff_ms': 50,
    'grpc.max_reconnect_backoff_ms': 100,
  },
};

const svcName = (i: number): string => `svc-${String(i).padStart(3, '0')}`;

function nameOf(resource: Record<string, unknown>): string {
  return String(resource['name'] ?? resource['cluster_name'] ?? '');
}

function byName(res: DiscoveryResponse): Map<string, string> {
  return new Map(decodeSotwResources(res).map((r) => [nameOf(r), JSON.stringify(r)]));
}

function endpointCount(claJson: Iterable<string>): number {
  let n = 0;
  for (const text of claJson) {
    const cla = JSON.parse(text) as { endpoints?: Array<{ lb_endpoints?: unknown[] }> };
    for (const l of cla.endpoints ?? []) n += l.lb_endpoints?.length ?? 0;
  }
  return n;
}

/** Route names referenced by listeners (`rds.route_config_name`), found in their decoded JSON. */
function routeNames(listeners: Iterable<string>): string[] {
  const names = new Set<string>();
  for (const text of listeners) {
    for (const m of text.matchAll(/"route_config_name":"([^"]+)"/g)) names.add(m[1]!);
  }
  return [...names].sort();
}

/**
 * Opens a SotW stream that subscribes to every type at once (clusters and listeners wildcard, endpoints and
 * routes by the names given) and ACKs every response. Returns the first response of each type.
 */
async function firstResponses(
  stream: SotwStream,
  names: { endpoints: readonly string[]; routes: readonly string[] },
  timeoutMs: number,
): Promise<{ state: XdsState; at: Map<string, number> }> {
  stream.subscribe(RESOURCE_TYPES.cluster);
  stream.subscribe(RESOURCE_TYPES.endpoint, names.endpoints);
  stream.subscribe(RESOURCE_TYPES.listener);
  stream.subscribe(RESOURCE_TYPES.route, names.routes);
  const state: XdsState = new Map();
  const at = new Map<string, number>();
  await Promise.all(
    XDS_TYPES.map(async (t) => {
      const res = await stream.nextResponse(t, timeoutMs);
      at.set(t, Date.now());
      state.set(t, byName(res));
    }),
  );
  return { state, at };
}

/** The same with a Delta stream (what Envoy speaks by default): every type subscribed at once. */
async function firstDeltaResponses(
  stream: DeltaStream,
  names: { endpoints: readonly string[]; routes: readonly string[] },
  timeoutMs: number,
): Promise<{ state: XdsState; at: Map<string, number> }> {
  stream.subscribe(RESOURCE_TYPES.cluster);
  stream.subscribe(RESOURCE_TYPES.endpoint, names.endpoints);
  stream.subscribe(RESOURCE_TYPES.listener);
  stream.subscribe(RESOURCE_TYPES.route, names.routes);
  const state: XdsState = new Map();
  const at = new Map<string, number>();
  await Promise.all(
    XDS_TYPES.map(async (t) => {
      const res = await stream.nextResponse(t, timeoutMs);
      at.set(t, Date.now());
      state.set(
        t,
        new Map(
          res.resources.flatMap((r) =>
            r.resource
              ? [[r.name, JSON.stringify(decodeResource(r.resource.type_url, r.resource.value))]]
              : [],
          ),
        ),
      );
    }),
  );
  return { state, at };
}

function shortType(t: string): string {
  return t.split('.').at(-1) ?? t;
}

/** Names missing, extra or with other content in `got` compared with `want`, per type (empty: equal). */
function differences(want: XdsState, got: XdsState): string[] {
  const out: string[] = [];
  for (const t of XDS_TYPES) {
    const w = want.get(t) ?? new Map<string, string>();
    const g = got.get(t) ?? new Map<string, string>();
    const missing = [...w.keys()].filter((n) => !g.has(n));
    const extra = [...g.keys()].filter((n) => !w.has(n));
    const changed = [...w.keys()].filter((n) => g.has(n) && g.get(n) !== w.get(n));
    if (missing.length + extra.length + changed.length > 0) {
      out.push(
        `${shortType(t)}: ${w.size} expected, ${g.size} got; missing ${missing.length} (${missing.slice(0, 3).join(', ')}), ` +
          `extra ${extra.length}, different ${changed.length} (${changed.slice(0, 3).join(', ')})`,
      );
    }
  }
  return out;
}

/** A per-cluster stat of a cluster from the controller (not the bootstrap's xDS cluster). */
function isServedCluster(stat: string, suffix: string): boolean {
  return (
    stat.startsWith('cluster.') && stat.endsWith(suffix) && !stat.startsWith(`cluster.${XDS_CLUSTER_NAME}.`)
  );
}

interface EnvoySample {
  readonly at: number;
  readonly activeClusters: number;
  readonly endpoints: number;
  readonly connected: number;
  readonly cdsUpdates: number;
  readonly edsUpdates: number;
}

/** Polls the gateway's stats (cluster count, endpoint count, xDS connection) until stopped. */
function pollEnvoy(
  gateway: EnvoyProcess,
  intervalMs = 100,
): { samples: EnvoySample[]; stop(): Promise<void> } {
  const samples: EnvoySample[] = [];
  let stopping = false;
  const running = (async () => {
    while (!stopping) {
      const at = Date.now();
      const s = await gateway.stats(
        '^cluster_manager\\.(active_clusters|cds\\.update_success)$|^control_plane\\.connected_state$|' +
          '\\.membership_total$|\\.update_success$',
      );
      let endpoints = 0;
      let edsUpdates = 0;
      for (const [name, value] of Object.entries(s)) {
        if (isServedCluster(name, '.membership_total')) endpoints += value;
        if (isServedCluster(name, '.update_success')) edsUpdates += value;
      }
      samples.push({
        at,
        activeClusters: s['cluster_manager.active_clusters'] ?? -1,
        endpoints,
        connected: s['control_plane.connected_state'] ?? -1,
        cdsUpdates: s['cluster_manager.cds.update_success'] ?? -1,
        edsUpdates,
      });
      await sleep(intervalMs);
    }
  })();
  return {
    samples,
    async stop() {
      stopping = true;
      await running;
    },
  };
}

suite('controller restart with 5,000 EndpointSlices', () => {
  test('the restarted controller answers only with the complete config; the gateway never sees a partial one', async () => {
    const cleanup: Array<() => Promise<unknown>> = [];
    let loop: RequestLoop | undefined;
    let poller: ReturnType<typeof pollEnvoy> | undefined;
    let controller: ControllerProcess | undefined;
    try {
      const { api, k } = await startCluster('bulk', BULK_NS);
      cleanup.push(() => api.stop());

      // 500 Services x 10 slices x 1 endpoint (unused addresses of this test's own pod network; nothing
      // sends them traffic), 10 Ingresses x 50 paths; and `steady` -> pod A for the request loop.
      const t0 = Date.now();
      const services = Array.from({ length: SERVICES }, (_, i) => svcName(i));
      const ingresses = Array.from({ length: SERVICES / PATHS_PER_INGRESS }, (_, n) => n);
      const objects: BulkObject[] = [
        ...services.map((s) => ({ path: collectionPath('Service', BULK_NS), body: kubeService(BULK_NS, s) })),
        ...services.flatMap((s) =>
          Array.from({ length: SLICES_PER_SERVICE }, (_, j) => ({
            path: collectionPath('EndpointSlice', BULK_NS),
            body: endpointSlice(BULK_NS, `${s}-${j}`, s, [{ ip: `${subnetPrefix}.${100 + j}` }]),
          })),
        ),
        ...ingresses.map((n) => ({
          path: collectionPath('Ingress', BULK_NS),
          body: kubeIngress(
            BULK_NS,
            `bulk-${n}`,
            `bulk-${n}.example.com`,
            Array.from({ length: PATHS_PER_INGRESS }, (_, p) => {
              const s = svcName(n * PATHS_PER_INGRESS + p);
              return { path: `/${s}`, service: s };
            }),
          ),
        })),
      ];
      await bulkCreate({ url: api.url, token: api.adminToken, caCert: api.caCert }, objects, 16);
      await k.core.createNamespacedService({ namespace: BULK_NS, body: kubeService(BULK_NS, 'steady') });
      await k.disco.createNamespacedEndpointSlice({
        namespace: BULK_NS,
        body: endpointSlice(BULK_NS, 'steady-1', 'steady', [{ ip: podA }]),
      });
      await k.net.createNamespacedIngress({
        namespace: BULK_NS,
        body: kubeIngress(BULK_NS, 'steady', 'steady.example.com', 'steady'),
      });
      const createMs = Date.now() - t0;
      const listed = await k.disco.listNamespacedEndpointSlice({ namespace: BULK_NS, limit: 1 });
      expect((listed.metadata?.remainingItemCount ?? 0) + listed.items.length).toBe(
        SERVICES * SLICES_PER_SERVICE + 1,
      );
      figures.push(
        `bulk: ${SERVICES} Services, ${SERVICES * SLICES_PER_SERVICE} + 1 EndpointSlices, ` +
          `${ingresses.length} + 1 Ingresses created in ${createMs} ms (16 in flight, kept-alive connections)`,
      );

      const [xdsPort, adminPort, httpPort, httpsPort] = (await freePorts(4)) as [
        number,
        number,
        number,
        number,
      ];
      const start = (): Promise<ControllerProcess> =>
        startControllerProcess({
          kubernetes: {
            kubeconfig: api.kubeconfig('admin'),
            clusterName: 'bulk',
            leaseNamespace: BULK_NS,
            identity: 'resilience-bulk',
          },
          xdsPort,
          adminPort,
          httpPort,
          httpsPort,
        });
      cleanup.push(async () => controller?.kill('SIGKILL'));
      const s0 = Date.now();
      controller = await start();
      figures.push(`bulk: first controller start to /readyz: ${Date.now() - s0} ms`);

      // The complete config, as the first controller serves it.
      const baselineClient = new XdsClient(`127.0.0.1:${xdsPort}`);
      let baseline: XdsState;
      try {
        const s = baselineClient.sotw({ id: 'baseline', cluster: 'default' }, { autoAck: true });
        s.subscribe(RESOURCE_TYPES.cluster);
        const clusters = byName(await s.nextResponse(RESOURCE_TYPES.cluster, 30_000));
        s.subscribe(RESOURCE_TYPES.listener);
        const listeners = byName(await s.nextResponse(RESOURCE_TYPES.listener, 30_000));
        const names = {
          endpoints: [...clusters.keys()].sort(),
          routes: routeNames(listeners.values()),
        };
        const again = await firstResponses(
          baselineClient.sotw({ id: 'baseline-2', cluster: 'default' }, { autoAck: true }),
          names,
          30_000,
        );
        baseline = again.state;
        s.cancel();
      } finally {
        baselineClient.close();
      }
      const clusterCount = baseline.get(RESOURCE_TYPES.cluster)!.size;
      const endpointTotal = endpointCount(baseline.get(RESOURCE_TYPES.endpoint)!.values());
      expect(clusterCount).toBe(SERVICES + 1);
      expect(baseline.get(RESOURCE_TYPES.endpoint)!.size).toBe(SERVICES + 1);
      expect(endpointTotal).toBe(SERVICES * SLICES_PER_SERVICE + 1);
      expect(baseline.get(RESOURCE_TYPES.route)!.size).toBeGreaterThan(0);
      const wanted = {
        endpoints: [...baseline.get(RESOURCE_TYPES.endpoint)!.keys()].sort(),
        routes: [...baseline.get(RESOURCE_TYPES.route)!.keys()].sort(),
      };

      // A real gateway with all of it.
      const gateway = await startEnvoy({
        name: 'bulk-gateway',
        bootstrap: gatewayBootstrap(xdsPort, 'bulk-gw'),
      });
      cleanup.push(() => gateway.stop());
      await gateway.waitForListener(httpPort);
      await served(httpPort, 'steady.example.com', POD_A);
      const envoyClusters = await gateway.waitForStat(
        'cluster_manager.active_clusters',
        (v) => (v ?? 0) > clusterCount,
      );
      const full = await eventually('the gateway holds every endpoint', async () => {
        const s = await gateway.stats('^cluster\\..*\\.membership_total$');
        const sum = Object.entries(s)
          .filter(([name]) => isServedCluster(name, '.membership_total'))
          .reduce((a, [, v]) => a + v, 0);
        return sum === endpointTotal ? sum : undefined;
      });
      expect(full).toBe(endpointTotal);

      loop = startRequestLoop({
        url: `http://127.0.0.1:${httpPort}/`,
        host: 'steady.example.com',
        intervalMs: 10,
      });
      await loop.waitFor('traffic on pod A', (s) => s.backend === POD_A);
      poller = pollEnvoy(gateway);
      await sleep(300);

      // kill -9, then a new process; a second "gateway" (the xDS client) asks for everything while the
      // controller is down, retrying until the new process accepts its stream.
      await controller.kill('SIGKILL');
      const killedAt = Date.now();
      await sleep(500);
      const probeClient = new XdsClient(`127.0.0.1:${xdsPort}`, FAST_RECONNECT);
      cleanup.push(async () => probeClient.close());
      const deltaClient = new XdsClient(`127.0.0.1:${xdsPort}`, FAST_RECONNECT);
      cleanup.push(async () => deltaClient.close());
      // A stream refused while the controller is down fails at once: open another until one is answered.
      const retrying = async <S extends { cancel(): void }, T>(
        open: (attempt: number) => S,
        first: (stream: S) => Promise<T>,
      ): Promise<T> => {
        for (let attempt = 0; ; attempt++) {
          const stream = open(attempt);
          try {
            return await first(stream);
          } catch (err) {
            stream.cancel();
            if (Date.now() - killedAt > 60_000) throw err;
            await sleep(20);
          }
        }
      };
      const probe = retrying(
        (n) => probeClient.sotw({ id: `probe-sotw-${n}`, cluster: 'default' }, { autoAck: true }),
        (stream) => firstResponses(stream, wanted, 60_000),
      );
      const deltaProbe = retrying(
        (n) => deltaClient.delta({ id: `probe-delta-${n}`, cluster: 'default' }, { autoAck: true }),
        (stream) => firstDeltaResponses(stream, wanted, 60_000),
      );
      const spawnAt = Date.now();
      controller = await start();
      const readyAt = Date.now();
      const first = await probe;
      const firstDelta = await deltaProbe;
      const reconnected = await eventually(
        'the gateway reconnected',
        () => poller!.samples.find((s) => s.at > spawnAt && s.connected === 1),
        30_000,
      );
      await sleep(2000);
      await poller.stop();
      const { samples, failures } = await loop.stop();
      loop = undefined;

      // The first answers after the restart are the complete config, identical to before.
      expect(differences(baseline, first.state)).toEqual([]);
      expect(differences(baseline, firstDelta.state)).toEqual([]);
      expect(endpointCount(first.state.get(RESOURCE_TYPES.endpoint)!.values())).toBe(endpointTotal);
      // The gateway never held fewer clusters or endpoints, and no request failed.
      const polled = poller.samples;
      expect(polled.filter((s) => s.at > spawnAt).length).toBeGreaterThan(5);
      expect(
        polled.filter((s) => s.activeClusters !== envoyClusters || s.endpoints !== endpointTotal),
      ).toEqual([]);
      expect(failures).toEqual([]);
      expect(backendCounts(samples)).toEqual({ [POD_A]: samples.length });

      const firstPushAt = Math.min(...first.at.values());
      const lastFirstAt = Math.max(...first.at.values());
      const before = polled.filter((s) => s.at < killedAt).at(-1)!;
      const last = polled.at(-1)!;
      figures.push(
        `bulk restart: killed -> spawn ${spawnAt - killedAt} ms; spawn -> /readyz ${readyAt - spawnAt} ms; ` +
          `spawn -> first xDS response ${firstPushAt - spawnAt} ms (SotW: all four types by ${lastFirstAt - spawnAt} ms, ` +
          `Delta: by ${Math.max(...firstDelta.at.values()) - spawnAt} ms); ` +
          `spawn -> gateway reconnected (seen) ${reconnected.at - spawnAt} ms`,
      );
      // From the new controller's log: both probes' streams were open (and waiting) before its first
      // translation, so what they got first is what the controller served first.
      const log = controller
        .output()
        .split('\n')
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as { msg?: string; ms?: number; node?: string; time?: string }];
          } catch {
            return [];
          }
        });
      const translatedLine = log.find((l) => l.msg === 'translated');
      const translatedAt = Date.parse(translatedLine?.time ?? '');
      const probeOpens = log
        .filter((l) => l.msg === 'ads stream opened' && l.node?.startsWith('probe-'))
        .map((l) => Date.parse(l.time ?? ''));
      expect(probeOpens.length).toBeGreaterThanOrEqual(2);
      for (const t of probeOpens.slice(0, 2)) expect(t).toBeLessThan(translatedAt);
      figures.push(
        `bulk restart: the new controller's first full translation took ${translatedLine?.ms ?? '?'} ms (its log); ` +
          `the probes' streams were open ${translatedAt - Math.max(...probeOpens.slice(0, 2))} ms before it`,
      );
      figures.push(
        `bulk restart: gateway held ${envoyClusters} clusters / ${endpointTotal} endpoints in all ${polled.length} samples; ` +
          `CDS updates ${before.cdsUpdates} -> ${last.cdsUpdates}, EDS updates ${before.edsUpdates} -> ${last.edsUpdates}; ` +
          `${samples.length} requests, 0 failed`,
      );
    } catch (err) {
      if (controller) process.stderr.write(`controller output:\n${controller.output().slice(-5000)}\n`);
      throw err;
    } finally {
      await loop?.stop();
      await poller?.stop();
      for (const c of cleanup.reverse()) await c().catch(() => undefined);
    }
  }, 240_000);
});
