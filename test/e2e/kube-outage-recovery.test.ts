/**
 * Outage recovery against a REAL kube-apiserver (and etcd), with a REAL Envoy gateway in front of "pods"
 * in network namespaces (issue 14, item 5):
 *
 * The gateway routes to pod A; the apiserver the controller uses is killed; while nothing answers (~7 s,
 * plus its restart), the Service's EndpointSlice is moved to pod B through a SECOND apiserver on the same
 * etcd and prefix (so the change is truly made meanwhile, not after the restart); then the first apiserver
 * restarts. The gateway must route to pod B within 2 s of the restarted apiserver's /readyz answering 200
 * (the figure is printed), and must have served pod A throughout the outage without a failed request (the
 * last good configuration). Before the readiness probe (src/kubernetes/client/reachability-gate.ts) this
 * took 5-11 s: every kind's loop had backed off towards 30 s during the outage.
 *
 * Needs root and iproute2 (network namespaces); without them, and only outside CI, the file is skipped.
 */
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { runController, type RunningController } from '../../src/controller/app.js';
import { buildBootstrap } from '../../xds/bootstrap/bootstrap.js';
import { startEnvoy } from '../support/envoy-process.js';
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
} from '../support/kube-objects.js';
import { createPodNetwork, podNetworkSupport, type PodNetwork } from '../support/netns.js';
import { freePorts } from '../support/ports.js';
import { backendCounts, startRequestLoop, type RequestLoop } from '../support/request-loop.js';

const support = podNetworkSupport();
const skipReason = !support.ok && !process.env['CI'] ? support.reason : undefined;
if (skipReason) {
  console.warn(`test/e2e/kube-outage-recovery.test.ts skipped: ${skipReason} (always run under CI=true)`);
}
const suite = skipReason ? describe.skip : describe;

const POD_A = 'pod-a';
const POD_B = 'pod-b';
const NS = 'shop';
const HOST = 'web.example.com';
/** How long nothing answers before the restart begins (the restart itself adds its start-up time). */
const OUTAGE_MS = 7_000;
/** The target: the change made meanwhile routes within this long after /readyz answers 200 again. */
const RECOVERY_TARGET_MS = 2_000;

let etcd: Etcd | undefined;
let net: PodNetwork | undefined;
let podA = '';
let podB = '';
const figures: string[] = [];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  if (skipReason) return;
  await ensureKubeBinaries(); // a cold build takes minutes
}, 45 * 60_000);

beforeAll(async () => {
  if (skipReason) return;
  etcd = await startEtcd();
  net = await createPodNetwork({ name: 'outage' });
  const a = await net.addPod('a');
  const b = await net.addPod('b');
  await a.startHttpEcho(POD_A, 8080);
  await b.startHttpEcho(POD_B, 8080);
  podA = a.ip;
  podB = b.ip;
}, 120_000);

afterAll(async () => {
  await net?.destroy().catch(() => undefined);
  await etcd?.stop().catch(() => undefined);
  if (figures.length > 0) console.log(`kube-outage-recovery figures:\n  ${figures.join('\n  ')}`);
}, 60_000);

/** The status of `GET /readyz` (0 when nothing answers), with a short timeout. */
function readyzStatus(api: KubeApiserver): Promise<number> {
  return new Promise((resolve) => {
    const req = https.get(
      `${api.url}/readyz`,
      { headers: { authorization: `Bearer ${api.adminToken}` }, ca: api.caCert, timeout: 500 },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/** Polls /readyz every 20 ms until it answers 200; resolves to that moment (ms since epoch). */
async function firstReady(api: KubeApiserver, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const sentAt = Date.now();
    if ((await readyzStatus(api)) === 200) return sentAt;
    await sleep(20);
  }
  throw new Error(`${api.name}: /readyz did not answer 200 within ${timeoutMs} ms`);
}

suite('apiserver outage', () => {
  test(`a change made during the outage routes within ${RECOVERY_TARGET_MS} ms of /readyz 200; pod A served throughout`, async () => {
    const cleanup: Array<() => Promise<unknown>> = [];
    let loop: RequestLoop | undefined;
    try {
      const api = await startKubeApiserver({ etcd: etcd!, name: 'recovery' });
      cleanup.push(() => api.stop());
      const k = kubeClients(api.kubeconfig('admin'));
      await k.core.createNamespace({ body: namespace(NS) });
      await k.net.createIngressClass({ body: causewayIngressClass() });
      await k.core.createNamespacedService({ namespace: NS, body: kubeService(NS, 'web') });
      await k.disco.createNamespacedEndpointSlice({
        namespace: NS,
        body: endpointSlice(NS, 'web-1', 'web', [{ ip: podA }]),
      });
      await k.net.createNamespacedIngress({ namespace: NS, body: kubeIngress(NS, 'web', HOST, 'web') });

      // The second apiserver of the same cluster (same etcd and prefix): the controller knows only the first.
      const other = await startKubeApiserver({ etcd: etcd!, prefix: api.prefix, name: 'recovery-b' });
      cleanup.push(() => other.stop());
      const kb = kubeClients(other.kubeconfig('admin'));

      const [httpPort, httpsPort] = (await freePorts(2)) as [number, number];
      const controller: RunningController = await runController({
        kubeconfig: api.kubeconfig('admin'),
        clusterName: 'recovery',
        leaseNamespace: NS,
        identity: 'outage-recovery',
        xdsAddress: '127.0.0.1:0',
        adminAddress: '127.0.0.1:0',
        httpPort,
        httpsPort,
        logLevel: 'silent',
      });
      cleanup.push(() => controller.stop());
      const gateway = await startEnvoy({
        name: 'outage-recovery-gateway',
        bootstrap: buildBootstrap({
          group: 'default',
          xdsHost: '127.0.0.1',
          xdsPort: controller.xdsPort,
          nodeId: 'outage-recovery-gw',
          adminPort: 0,
          xdsReconnect: { baseIntervalMs: 100, maxIntervalMs: 500 },
        }),
      });
      cleanup.push(() => gateway.stop());
      await gateway.waitForListener(httpPort);
      await eventually(
        `${HOST} served by ${POD_A}`,
        async () => {
          const r = await httpGet(`http://127.0.0.1:${httpPort}/`, { host: HOST, timeoutMs: 2000 });
          return r.status === 200 && r.headers['x-echo-backend'] === POD_A ? true : undefined;
        },
        30_000,
      );

      loop = startRequestLoop({ url: `http://127.0.0.1:${httpPort}/`, host: HOST, intervalMs: 10 });
      await loop.waitFor('traffic on pod A', (s) => s.backend === POD_A);

      await api.kill();
      const downAt = Date.now();
      await sleep(1_000);
      // Meanwhile, through the other apiserver: the Service's endpoint moves to pod B.
      const cur = await kb.disco.readNamespacedEndpointSlice({ name: 'web-1', namespace: NS });
      cur.endpoints = [{ addresses: [podB], conditions: { ready: true } }];
      await kb.disco.replaceNamespacedEndpointSlice({ name: 'web-1', namespace: NS, body: cur });
      expect(await readyzStatus(api)).toBe(0); // nothing answers where the controller looks
      await sleep(OUTAGE_MS - (Date.now() - downAt));

      const ready = firstReady(api, 90_000);
      await api.restart();
      const readyAt = await ready;
      const during = loop.since(downAt).filter((s) => s.at < readyAt);
      // The last good configuration: pod A only, no failed request, while the apiserver was away.
      expect(backendCounts(during)).toEqual({ [POD_A]: during.length });

      const first = await loop.waitFor('traffic on pod B', (s) => s.backend === POD_B, 60_000, readyAt);
      const recoveryMs = Math.round(first.at + first.ms - readyAt);
      await sleep(300);
      const after = loop.since(first.at + 1);
      expect(backendCounts(after)).toEqual({ [POD_B]: after.length });
      const { failures } = await loop.stop();
      loop = undefined;
      expect(failures).toEqual([]);
      figures.push(
        `apiserver down ${readyAt - downAt} ms (kill -> /readyz 200, restart included); ` +
          `${during.length} requests meanwhile, all on pod A; /readyz 200 -> gateway routes to pod B: ${recoveryMs} ms`,
      );
      expect(recoveryMs).toBeLessThanOrEqual(RECOVERY_TARGET_MS);
    } finally {
      await loop?.stop();
      for (const c of cleanup.reverse()) await c().catch(() => undefined);
    }
  }, 240_000);
});
