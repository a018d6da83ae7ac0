/**
 * A small real Kubernetes cluster for tests: etcd + kube-apiserver (test/support/kube-apiserver.ts),
 * kube-controller-manager + kube-scheduler (control-plane.ts), and node agents (node-agent.ts) that run
 * the scheduled Pods as processes in network namespaces with their own 10.244.N.x addresses. Deployments
 * roll, the real endpoint-slice controller writes EndpointSlices (terminating endpoints included).
 *
 *   const cluster = await startKubeCluster({ name: 'rollout' });
 *   const kc = new KubeConfig(); kc.loadFromFile(cluster.kubeconfigFile);   // admin; also for Go tools
 *   ...
 *   await cluster.stop();
 *
 * Images: the conformance echo-basic image runs the echo-basic built from
 * sigs.k8s.io/gateway-api/conformance (test/kube/conformance/build-echo-basic.sh); `images` adds more.
 * Everything it starts is stopped by `stop()`, and reaped with the test process if that dies first.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../../src/tools/envoy-binary.js';
import { memoizeAsync } from '../../../src/util/memoize-async.js';
import {
  ensureKubeBinaries,
  startEtcd,
  startKubeApiserver,
  type Etcd,
  type KubeApiserver,
  type KubeUser,
} from '../kube-apiserver.js';
import { imageResolver } from './container-spec.js';
import { startKubeControllerManager, startKubeScheduler, type KubeComponent } from './control-plane.js';
import { startNodeAgent, type NodeAgent } from './node-agent.js';

/** The echo-basic binary, built once by test/kube/conformance/build-echo-basic.sh (memoized per process). */
export const ensureEchoBasic: () => Promise<string> = memoizeAsync(async () => {
  const script = path.join(projectRoot(), 'test', 'kube', 'conformance', 'build-echo-basic.sh');
  const child = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`${script} failed (exit ${String(code)}); its progress is on stderr`);
  return path.join(out.trim().split('\n').pop() ?? '', 'echo-basic');
});

export interface KubeClusterOptions {
  /** Shown in names; default `cluster`. */
  readonly name?: string;
  /** Node names; default one node, `<name>-node`. */
  readonly nodes?: readonly string[];
  /** Extra users for the apiserver's token file. */
  readonly users?: readonly KubeUser[];
  /** Exact image references mapped to local binaries, on top of echo-basic. */
  readonly images?: Readonly<Record<string, string>>;
  /** Copies the control plane's logs to stderr (also with env CAUSEWAY_KUBE_LOGS=1). */
  readonly echoLogs?: boolean;
}

export interface KubeCluster {
  readonly etcd: Etcd;
  readonly api: KubeApiserver;
  readonly controllerManager: KubeComponent;
  readonly scheduler: KubeComponent;
  readonly nodes: readonly NodeAgent[];
  /** An admin kubeconfig file (for client-node, kubectl or a Go test binary's `--kubeconfig`). */
  readonly kubeconfigFile: string;
  /** Milliseconds `startKubeCluster` took once the binaries were there. */
  readonly startMs: number;
  /** Stops everything (nodes first, so their Pods' processes go). Idempotent. */
  stop(): Promise<void>;
}

/** Runs `stops` in order, each whatever the others did; throws the first error afterwards. */
async function stopAll(stops: ReadonlyArray<(() => Promise<void>) | undefined>): Promise<void> {
  let first: unknown;
  for (const stop of stops) {
    try {
      await stop?.();
    } catch (err) {
      first ??= err;
    }
  }
  if (first !== undefined) throw first;
}

/** Starts the whole cluster; on a failure, what was started is stopped again before the error is thrown. */
export async function startKubeCluster(opts: KubeClusterOptions = {}): Promise<KubeCluster> {
  await ensureKubeBinaries();
  const echoBasic = await ensureEchoBasic();
  const name = opts.name ?? 'cluster';
  const echoLogs = opts.echoLogs;
  const t0 = performance.now();
  let etcd: Etcd | undefined;
  let api: KubeApiserver | undefined;
  let cm: KubeComponent | undefined;
  let scheduler: KubeComponent | undefined;
  const nodes: NodeAgent[] = [];
  const stop = (): Promise<void> =>
    stopAll([
      ...nodes.map((n) => () => n.stop()),
      scheduler && (() => scheduler!.stop()),
      cm && (() => cm!.stop()),
      api && (() => api!.stop()),
      etcd && (() => etcd!.stop()),
    ]);
  try {
    etcd = await startEtcd({ name: `${name}-etcd`, ...(echoLogs !== undefined ? { echoLogs } : {}) });
    api = await startKubeApiserver({
      etcd,
      name,
      // The node agents' names do not resolve: the apiserver reaches their kubelet API (pods/log) by IP.
      extraArgs: ['--kubelet-preferred-address-types=InternalIP'],
      ...(opts.users ? { users: opts.users } : {}),
      ...(echoLogs !== undefined ? { echoLogs } : {}),
    });
    const component = { api, ...(echoLogs !== undefined ? { echoLogs } : {}) };
    [cm, scheduler] = await Promise.all([
      startKubeControllerManager(component),
      startKubeScheduler(component),
    ]);
    const images = imageResolver(echoBasic, opts.images);
    const kubeconfig = api.kubeconfig('admin');
    for (const nodeName of opts.nodes ?? [`${name}-node`]) {
      nodes.push(await startNodeAgent({ kubeconfig, nodeName, images }));
    }
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  const startMs = performance.now() - t0;
  let stopped: Promise<void> | undefined;
  return {
    etcd,
    api,
    controllerManager: cm,
    scheduler,
    nodes,
    kubeconfigFile: api.kubeconfig('admin'),
    startMs,
    stop: () => (stopped ??= stop()),
  };
}
