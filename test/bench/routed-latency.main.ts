/**
 * Write -> routed, as a user sees it: a REAL kube-apiserver, the controller in Kubernetes mode, a REAL
 * Envoy gateway, and two HTTP echo pods in network namespaces. One Service, one Ingress; each write moves
 * the Service's only endpoint from one pod to the other by server-side apply of its EndpointSlice. A
 * prober sends requests through the gateway back to back (one at a time, keep-alive); a write counts as
 * routed at the first answer from the new pod whose request left after the write started, and every
 * later answer must come from the new pod too (a flip back is reported as a failure).
 *
 * Prints p50/p90/max over the writes and the controller's own split (watch event, push), and writes
 * dist/routed-latency-result.json.
 *
 *   node dist/test/bench/routed-latency.main.js [--writes 40] [--envoy-log debug] [--out FILE]
 */
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { runController, type RunningController } from '../../src/controller/app.js';
import { projectRoot } from '../../src/tools/envoy-binary.js';
import { buildBootstrap } from '../../xds/bootstrap/bootstrap.js';
import { startEnvoy, type EnvoyLogLevel, type EnvoyProcess } from '../support/envoy-process.js';
import { applyManifest, applyManifestFile } from '../support/kube-apply.js';
import { startEtcd, startKubeApiserver, type Etcd, type KubeApiserver } from '../support/kube-apiserver.js';
import { createPodNetwork, type Pod, type PodNetwork } from '../support/netns.js';
import { startNetnsGateway, type NetnsGateway } from '../support/netns-gateway.js';
import { freePorts } from '../support/ports.js';
import { Prober } from './http-prober.js';

const NS = 'bench';
const HOST = 'routed.example.com';

interface Sample {
  readonly writeMs: number;
  readonly routedMs: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
  };
  readonly [field: string]: unknown;
}

function slice(pod: Pod): Manifest {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-1', namespace: NS, labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: [{ addresses: [pod.ip], conditions: { ready: true } }],
  };
}

/** Server-side apply of one object (one round trip, as `kubectl apply --server-side`), keep-alive. */
function serverSideApply(api: KubeApiserver, agent: https.Agent, object: Manifest): Promise<void> {
  const url = `${api.url}/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices/${object.metadata.name}?fieldManager=bench&force=true`;
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: 'PATCH',
        agent,
        ca: api.caCert,
        headers: {
          authorization: `Bearer ${api.adminToken}`,
          'content-type': 'application/apply-patch+yaml',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          res.statusCode === 200 || res.statusCode === 201
            ? resolve()
            : reject(
                new Error(`apply answered ${String(res.statusCode)}: ${Buffer.concat(chunks).toString()}`),
              ),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(object));
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      writes: { type: 'string', default: '40' },
      'envoy-log': { type: 'string', default: 'warning' },
      'controller-log': { type: 'string', default: 'silent' },
      'gateway-netns': { type: 'boolean', default: false },
      'new-connections': { type: 'boolean', default: false },
      out: { type: 'string', default: path.join(projectRoot(), 'dist', 'routed-latency-result.json') },
    },
  });
  const writes = Number(values.writes);
  let etcd: Etcd | undefined;
  let api: KubeApiserver | undefined;
  let pods: PodNetwork | undefined;
  let controller: RunningController | undefined;
  let gateway: EnvoyProcess | NetnsGateway | undefined;
  let prober: Prober | undefined;
  try {
    etcd = await startEtcd();
    api = await startKubeApiserver({ etcd, name: 'routed' });
    pods = await createPodNetwork({ name: 'routed' });
    const podA = await pods.addPod('pod-a');
    const podB = await pods.addPod('pod-b');
    await podA.startHttpEcho('pod-a', 8080);
    await podB.startHttpEcho('pod-b', 8080);

    const admin = new KubeConfig();
    admin.loadFromFile(api.kubeconfig('admin'));
    for (const file of ['namespace.yaml', 'rbac.yaml', 'ingress-class.yaml'])
      await applyManifestFile(admin, path.join(projectRoot(), 'manifests', file));
    await applyManifest(admin, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const service: Manifest = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: NS },
      spec: { ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
    };
    await applyManifest(admin, service);
    await applyManifest(admin, slice(podA));
    const ingress: Manifest = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace: NS },
      spec: {
        ingressClassName: 'causeway',
        rules: [
          {
            host: HOST,
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: 'web', port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    };
    await applyManifest(admin, ingress);

    const inNetns = values['gateway-netns'];
    const [httpPort, httpsPort] = inNetns ? [8080, 8443] : await freePorts(2);
    controller = await runController({
      kubeconfig: api.kubeconfig('admin'),
      clusterName: 'bench',
      xdsAddress: inNetns ? `${pods.gateway}:0` : '127.0.0.1:0',
      xdsInsecure: inNetns,
      adminAddress: '127.0.0.1:0',
      httpPort: httpPort!,
      httpsPort: httpsPort!,
      logLevel: values['controller-log'],
    });
    let gatewayHost = '127.0.0.1';
    if (inNetns) {
      const gwPod = await pods.addPod('gateway');
      gatewayHost = gwPod.ip;
      gateway = await startNetnsGateway({
        pod: gwPod,
        group: 'default',
        nodeId: 'routed-gw',
        xdsHost: pods.gateway,
        xdsPort: controller.xdsPort,
      });
    } else {
      const envoy = await startEnvoy({
        name: 'routed-gateway',
        logLevel: values['envoy-log'] as EnvoyLogLevel,
        echoLogs: values['envoy-log'] === 'debug' || values['envoy-log'] === 'trace',
        bootstrap: buildBootstrap({
          group: 'default',
          xdsHost: '127.0.0.1',
          xdsPort: controller.xdsPort,
          nodeId: 'routed-gw',
          adminPort: 0,
        }),
      });
      await envoy.waitForListener(httpPort!);
      gateway = envoy;
    }
    prober = new Prober({
      ip: gatewayHost,
      port: httpPort!,
      host: HOST,
      newConnections: values['new-connections'],
    });
    prober.start();
    await prober.routedAfter(performance.now(), 'pod-a', 30_000);

    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    await serverSideApply(api, agent, slice(podA));
    const samples: Sample[] = [];
    let current = podA;
    for (let i = 0; i < writes; i++) {
      const next = current === podA ? podB : podA;
      const t0 = performance.now();
      await serverSideApply(api, agent, slice(next));
      const writeMs = performance.now() - t0;
      const routedMs = await prober.routedAfter(t0, next.name, 10_000);
      samples.push({ writeMs, routedMs });
      console.log(`write ${String(i + 1)}: write ${writeMs.toFixed(1)} ms, routed ${routedMs.toFixed(1)} ms`);
      current = next;
      await sleep(100 + Math.random() * 100);
    }
    const routed = samples.map((s) => s.routedMs).sort((a, b) => a - b);
    const result = {
      writes,
      routedMs: { p50: percentile(routed, 50), p90: percentile(routed, 90), max: routed[routed.length - 1] },
      writeMs: {
        p50: percentile(
          samples.map((s) => s.writeMs).sort((a, b) => a - b),
          50,
        ),
      },
      samples,
    };
    console.log(
      `kube mode, 1 Ingress, 1 gateway: write -> routed p50 ${result.routedMs.p50.toFixed(1)} ms, ` +
        `p90 ${result.routedMs.p90.toFixed(1)} ms, max ${result.routedMs.max!.toFixed(1)} ms ` +
        `(apiserver answer p50 ${result.writeMs.p50.toFixed(1)} ms)`,
    );
    fs.mkdirSync(path.dirname(values.out), { recursive: true });
    fs.writeFileSync(values.out, JSON.stringify(result, null, 2));
  } finally {
    await prober?.stop();
    await gateway?.stop();
    await controller?.stop();
    await pods?.destroy();
    await api?.stop();
    await etcd?.stop();
  }
}

await main();
