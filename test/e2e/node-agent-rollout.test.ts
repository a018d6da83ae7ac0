/**
 * The node agent's own test (issue 15): a rolling update under load, on a real control plane. The
 * cluster harness (test/support/kube-cluster/) runs etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler and a test node agent; a Deployment of 3 echo-basic Pods (readinessProbe, and a preStop
 * sleep as a careful user writes it) sits behind a Service; the Causeway controller (in-process,
 * Kubernetes mode) serves an Ingress to it through a real Envoy gateway. A request loop runs through the
 * gateway while a pod-template annotation rolls the Deployment: 3 old Pods replaced by 3 new ones.
 *
 * Asserted: no request fails, new Pods answer (echo-basic names its Pod), and the real endpoint-slice
 * controller wrote terminating endpoints (serving and terminating) for the old Pods while they stopped.
 * Then a Pod's log read through the apiserver (pods/log, which it proxies to the node agent's kubelet
 * API) shows echo-basic's line for a request just made.
 *
 * Needs root and iproute2, Envoy, and the kube binaries. Without root or `ip` the file is skipped with a
 * message, but only when CI is unset.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  NetworkingV1Api,
  PatchStrategy,
  Watch,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { V1EndpointSlice, V1Ingress } from '@kubernetes/client-node';
import { runController, type RunningController } from '../../src/controller/app.js';
import { buildBootstrap } from '../../xds/bootstrap/bootstrap.js';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { startKubeCluster, type KubeCluster } from '../support/kube-cluster/cluster.js';
import { echoDeployment, echoService, waitUntil } from '../support/kube-cluster/echo-objects.js';
import { causewayIngressClass } from '../support/kube-objects.js';
import { podNetworkSupport } from '../support/netns.js';
import { freePorts } from '../support/ports.js';
import { backendCounts, startRequestLoop } from '../support/request-loop.js';
import { httpGet, type HttpResponse } from '../support/http-client.js';

const support = podNetworkSupport();
const skipReason = !support.ok && !process.env['CI'] ? support.reason : undefined;
if (skipReason) {
  console.warn(
    `test/e2e/node-agent-rollout.test.ts skipped: ${skipReason} (these tests always run under CI=true)`,
  );
}
const suite = skipReason ? describe.skip : describe;

const NS = 'default';
const APP = 'echo';
const HOST = 'echo.example.com';
const REPLICAS = 3;
const PRE_STOP_S = 4;
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

function ingress(): V1Ingress {
  return {
    // No retries: a request sent to a Pod that is gone would fail instead of being tried on another.
    metadata: { name: APP, namespace: NS, annotations: { 'causeway.dev/retry-count': '0' } },
    spec: {
      ingressClassName: 'causeway',
      rules: [
        {
          host: HOST,
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: { service: { name: APP, port: { number: 80 } } } },
            ],
          },
        },
      ],
    },
  };
}

/** The Pod that answered: echo-basic's JSON names it. */
function podOf(res: HttpResponse): string | undefined {
  const body = JSON.parse(res.body) as { pod?: unknown };
  return typeof body.pod === 'string' ? body.pod : undefined;
}

interface SeenEndpoint {
  readonly address: string;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
}

/** Records every endpoint state the Service's EndpointSlices ever showed (a watch, from now on). */
async function watchSliceConditions(kc: KubeConfig): Promise<{ seen: SeenEndpoint[]; stop: () => void }> {
  const seen: SeenEndpoint[] = [];
  const controller = await new Watch(kc).watch(
    `/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices`,
    { labelSelector: `kubernetes.io/service-name=${APP}` },
    (_phase, slice: V1EndpointSlice) => {
      for (const e of slice.endpoints ?? []) {
        const c = e.conditions ?? {};
        for (const address of e.addresses) {
          seen.push({
            address,
            ready: c.ready !== false,
            serving: c.serving ?? c.ready !== false,
            terminating: c.terminating === true,
          });
        }
      }
    },
    () => undefined,
  );
  return { seen, stop: () => controller.abort() };
}

suite(`node agent: a Deployment rolled under load${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let cluster: KubeCluster | undefined;
  let controller: RunningController | undefined;
  let gateway: EnvoyProcess | undefined;
  let kc: KubeConfig;
  let httpPort: number;

  beforeAll(async () => {
    cluster = await startKubeCluster({ name: 'rollout' });
    console.log(`cluster harness up in ${cluster.startMs.toFixed(0)} ms`);
    kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfigFile);
    const apps = kc.makeApiClient(AppsV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    const net = kc.makeApiClient(NetworkingV1Api);
    await net.createIngressClass({ body: causewayIngressClass() });
    const deployment = echoDeployment({
      namespace: NS,
      name: APP,
      replicas: REPLICAS,
      readinessPeriodS: 1,
      preStopSleepS: PRE_STOP_S,
      terminationGracePeriodS: 30,
    });
    await apps.createNamespacedDeployment({ namespace: NS, body: deployment });
    await core.createNamespacedService({ namespace: NS, body: echoService({ namespace: NS, name: APP }) });
    await net.createNamespacedIngress({ namespace: NS, body: ingress() });

    [httpPort] = (await freePorts(1)) as [number];
    const [httpsPort] = (await freePorts(1)) as [number];
    controller = await runController({
      kubeconfig: cluster.kubeconfigFile,
      clusterName: 'rollout',
      leaseNamespace: NS,
      xdsAddress: '127.0.0.1:0',
      adminAddress: '127.0.0.1:0',
      httpPort,
      httpsPort,
      logLevel: process.env['CAUSEWAY_TEST_LOG_LEVEL'] ?? 'silent',
    });
    gateway = await startEnvoy({
      name: 'rollout-gateway',
      bootstrap: buildBootstrap({
        group: 'default',
        xdsHost: '127.0.0.1',
        xdsPort: controller.xdsPort,
        nodeId: 'rollout-gw',
        adminPort: 0,
      }),
    });
    await gateway.waitForListener(httpPort);
  }, 15 * 60_000);

  afterAll(async () => {
    const failures: string[] = [];
    for (const [what, step] of [
      ['Envoy', () => gateway?.stop()],
      ['controller', () => controller?.stop()],
      ['cluster', () => cluster?.stop()],
    ] as const) {
      try {
        await step();
      } catch (err) {
        failures.push(`${what}: ${(err as Error).message}`);
      }
    }
    if (failures.length > 0) throw new Error(`cleanup failed: ${failures.join('; ')}`);
  }, 120_000);

  test('3 old Pods replaced by 3 new ones: zero failed requests, terminating endpoints seen', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    const podNames = async (): Promise<string[]> =>
      (await core.listNamespacedPod({ namespace: NS, labelSelector: `app=${APP}` })).items
        .map((p) => p.metadata!.name!)
        .sort();
    // Every old Pod serves through the gateway before the roll.
    const oldPods = await waitUntil('3 Ready pods', podNames, (names) => names.length === REPLICAS, 60_000);
    const url = `http://127.0.0.1:${String(httpPort)}/`;
    const answered = new Set<string>();
    await waitUntil(
      'the gateway answers from every old pod',
      async () => {
        const res = await httpGet(url, { host: HOST, timeoutMs: 2000 });
        if (res.status === 200) answered.add(podOf(res) ?? '');
        return [...answered].sort();
      },
      (names) => names.join() === oldPods.join(),
      60_000,
      20,
    );

    const oldIps = (await core.listNamespacedPod({ namespace: NS, labelSelector: `app=${APP}` })).items.map(
      (p) => p.status?.podIP ?? '',
    );
    const slices = await watchSliceConditions(kc);
    const loop = startRequestLoop({ url, host: HOST, intervalMs: 5, backendFrom: podOf });
    try {
      await loop.waitFor('traffic before the roll', (s) => s.status === 200, 10_000);
      const template = { metadata: { annotations: { 'causeway.test/rollout': '1' } } };
      await apps.patchNamespacedDeployment(
        { namespace: NS, name: APP, body: { spec: { template } } },
        mergePatch,
      );
      const newPods = await waitUntil(
        '3 new pods and no old one left',
        podNames,
        (names) => names.length === REPLICAS && names.every((n) => !oldPods.includes(n)),
        120_000,
        200,
      );
      await loop.waitFor('traffic on a new pod', (s) => newPods.includes(s.backend ?? ''), 10_000);
    } finally {
      slices.stop();
    }
    const { samples, failures } = await loop.stop();
    const counts = backendCounts(samples);
    console.log(`requests per pod: ${JSON.stringify(counts)}`);
    expect(failures).toEqual([]);
    const fromNew = samples.filter((s) => s.backend !== undefined && !oldPods.includes(s.backend));
    expect(fromNew.length).toBeGreaterThan(0);
    // The real endpoint-slice controller wrote the old Pods as serving while terminating (preStop).
    const servingTerminating = slices.seen.filter((e) => e.terminating && e.serving);
    expect(servingTerminating.length).toBeGreaterThan(0);
    expect(servingTerminating.filter((e) => !oldIps.includes(e.address))).toEqual([]);
  }, 240_000);

  test("a Pod's log read through the apiserver (pods/log, proxied to the node agent's kubelet API)", async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const path = `/logs-through-the-apiserver-${String(Date.now())}`;
    const res = await httpGet(`http://127.0.0.1:${String(httpPort)}${path}`, { host: HOST, timeoutMs: 2000 });
    expect(res.status).toBe(200);
    const pod = podOf(res) ?? '';
    const line = `Echoing back request made to ${path} to client`;
    const read = (opts: { sinceSeconds?: number; timestamps?: boolean }) =>
      core.readNamespacedPodLog({ namespace: NS, name: pod, container: 'echo', ...opts });
    const logs = await waitUntil(
      'the request in the pod log',
      () => read({}),
      (l) => l.includes(line),
      10_000,
    );
    expect(logs.split('\n').filter((l) => l.includes(line))).toHaveLength(1);
    // The kubelet's query semantics: timestamps prefix each line, sinceSeconds keeps the recent ones.
    const stamped = (await read({ sinceSeconds: 600, timestamps: true }))
      .split('\n')
      .find((l) => l.includes(line));
    expect(stamped).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z Echoing back/);
    await expect(
      core.readNamespacedPodLog({ namespace: NS, name: pod, container: 'no-such-container' }),
    ).rejects.toThrow(/no-such-container/);
  }, 60_000);
});
