/**
 * A small kubelet for tests (in-process; start/stop): registers a Node whose podCIDR is a pod network
 * of test/support/netns.ts (a bridge with a free 10.244.N.0/24), keeps its Lease in kube-node-lease
 * fresh, watches the Pods bound to it and runs each (pod-runtime.ts): a network namespace with the
 * Pod's IP, each container a local process (the image mapped to a binary: container-spec.ts), the Pod
 * status written as the kubelet writes it. A deleted Pod gets the kubelet's graceful stop, then the
 * object is deleted with grace period 0. The kubelet API's container logs are served on the node's
 * address (kubelet-server.ts; the Node's daemonEndpoints name the port), so `pods/log` works.
 *
 *   const agent = await startNodeAgent({ kubeconfig: api.kubeconfig('admin'), nodeName: 'node-a', images });
 *   ...
 *   await agent.stop();
 */
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  ListWatch,
  PatchStrategy,
  V1MicroTime,
  Watch,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { CoreV1Event, V1Lease, V1Node, V1Pod, V1PodStatus } from '@kubernetes/client-node';
import { createPodNetwork, type PodNetwork } from '../netns.js';
import type { ImageResolver } from './container-spec.js';
import { startKubeletServer, type KubeletServer } from './kubelet-server.js';
import type { LogRecord } from './container-logs.js';
import { isTerminating } from './pod-status.js';
import { PodRuntime } from './pod-runtime.js';

export interface NodeAgentOptions {
  /** A kubeconfig allowed to write Nodes, Leases, Pods and pods/status (e.g. the admin one). */
  readonly kubeconfig: string;
  /** The Node's name (also in names of its network namespaces). */
  readonly nodeName: string;
  readonly images: ImageResolver;
  /** Lease renewal period; default 10 s (the kubelet's). */
  readonly leaseRenewMs?: number;
  /** Called with problems the agent cannot report on a Pod (failed writes, watch errors). */
  readonly log?: (line: string) => void;
}

export interface NodeAgent {
  readonly nodeName: string;
  /** The node's pod CIDR (e.g. `10.244.37.0/24`). */
  readonly podCIDR: string;
  /** The node's address (the pod network's bridge): the Pods' hostIP. */
  readonly nodeIP: string;
  /**
   * The node's pod network. Other namespaces (e.g. gateways on the node) may be added to it: they get
   * addresses from the same allocator as the Pods, so they never clash.
   */
  readonly network: PodNetwork;
  /** The port of the node's kubelet API (HTTPS on nodeIP: container logs; kubelet-server.ts). */
  readonly kubeletPort: number;
  /** Container output of a running Pod (`namespace/name`), for diagnosing. */
  podLogs(key: string): string | undefined;
  /** Stops watching, kills every Pod's processes and removes the pod network. Idempotent. */
  stop(): Promise<void>;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const NODE_LEASE_NS = 'kube-node-lease';
/** Waiting reasons that mean the container cannot run as specified (reported as Events too). */
const FAILURE_REASONS: ReadonlySet<string> = new Set(['ErrImagePull', 'CreateContainerConfigError']);

function nodeObject(name: string, podCIDR: string, nodeIP: string): V1Node {
  const resources = { cpu: '16', memory: '64Gi', pods: '250', 'ephemeral-storage': '100Gi' };
  const now = new Date();
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' },
    },
    spec: { podCIDR, podCIDRs: [podCIDR] },
    status: {
      capacity: resources,
      allocatable: resources,
      addresses: [
        { type: 'InternalIP', address: nodeIP },
        { type: 'Hostname', address: name },
      ],
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'causeway test node agent is posting ready status',
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        },
      ],
      nodeInfo: {
        architecture: 'amd64',
        bootID: '',
        containerRuntimeVersion: 'causeway-node-agent://1',
        kernelVersion: '',
        kubeProxyVersion: '',
        kubeletVersion: 'v1.34.4',
        machineID: '',
        operatingSystem: 'linux',
        osImage: 'causeway test node agent',
        systemUUID: '',
      },
    },
  };
}

async function registerNode(core: CoreV1Api, node: V1Node, kubeletPort: number): Promise<void> {
  const name = node.metadata!.name!;
  try {
    await core.createNode({ body: node });
  } catch (err) {
    if (!(err instanceof ApiException) || err.code !== 409) throw err;
  }
  // Admission (TaintNodesByCondition) taints a new Node not-ready:NoSchedule until the node-lifecycle
  // controller, not run here, sees it Ready: the agent says it is ready, so it clears the taints.
  await core.patchNode({ name, body: { spec: { ...node.spec, taints: null } } }, mergePatch);
  // Create may drop the status: write it through the status subresource.
  // A patch body goes out as written, so the wire name (`Port`) of the kubelet endpoint's port.
  const daemonEndpoints = { kubeletEndpoint: { Port: kubeletPort } };
  await core.patchNodeStatus({ name, body: { status: { ...node.status, daemonEndpoints } } }, mergePatch);
}

function leaseRenewer(
  coord: CoordinationV1Api,
  nodeName: string,
  periodMs: number,
  log: (l: string) => void,
) {
  const renew = async (): Promise<void> => {
    const spec = { holderIdentity: nodeName, leaseDurationSeconds: 40, renewTime: new V1MicroTime() };
    try {
      await coord.patchNamespacedLease(
        { name: nodeName, namespace: NODE_LEASE_NS, body: { spec } },
        mergePatch,
      );
    } catch (err) {
      if (!(err instanceof ApiException) || err.code !== 404)
        return log(`lease renewal failed: ${String(err)}`);
      const body: V1Lease = { metadata: { name: nodeName, namespace: NODE_LEASE_NS }, spec };
      await coord
        .createNamespacedLease({ namespace: NODE_LEASE_NS, body })
        .catch((e: unknown) => log(`lease create failed: ${String(e)}`));
    }
  };
  const timer = setInterval(() => void renew(), periodMs);
  timer.unref();
  return { first: renew(), stop: () => clearInterval(timer) };
}

/** Registers the Node, then runs the Pods bound to it until `stop()`. */
export async function startNodeAgent(opts: NodeAgentOptions): Promise<NodeAgent> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`[node-agent ${opts.nodeName}] ${line}\n`));
  const kc = new KubeConfig();
  kc.loadFromFile(opts.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const network: PodNetwork = await createPodNetwork({ name: opts.nodeName });
  const pods = new PodSet(core, network, opts.images, log);
  let kubelet: KubeletServer;
  try {
    kubelet = await startKubeletServer(network.gateway, (ns, pod, c) => pods.containerLog(ns, pod, c));
  } catch (err) {
    await network.destroy();
    throw err;
  }
  const lease = leaseRenewer(
    kc.makeApiClient(CoordinationV1Api),
    opts.nodeName,
    opts.leaseRenewMs ?? 10_000,
    log,
  );
  try {
    await registerNode(core, nodeObject(opts.nodeName, network.subnet, network.gateway), kubelet.port);
    await lease.first;
  } catch (err) {
    lease.stop();
    await kubelet.close();
    await network.destroy();
    throw err;
  }
  const fieldSelector = `spec.nodeName=${opts.nodeName}`;
  const informer = new ListWatch<V1Pod>(
    '/api/v1/pods',
    new Watch(kc),
    () => core.listPodForAllNamespaces({ fieldSelector }),
    false,
    undefined,
    fieldSelector,
  );
  let stopping = false;
  informer.on('add', (p) => pods.seen(p));
  informer.on('update', (p) => pods.seen(p));
  informer.on('delete', (p) => pods.gone(p));
  informer.on('error', (err: unknown) => {
    if (stopping) return;
    log(`pod watch failed (${String(err)}); restarting it in 1 s`);
    setTimeout(() => void (stopping ? undefined : informer.start()), 1000).unref();
  });
  await informer.start();
  let stopped: Promise<void> | undefined;
  return {
    nodeName: opts.nodeName,
    podCIDR: network.subnet,
    nodeIP: network.gateway,
    network,
    kubeletPort: kubelet.port,
    podLogs: (key) => pods.logs(key),
    stop() {
      stopped ??= (async () => {
        stopping = true;
        lease.stop();
        await informer.stop();
        await kubelet.close();
        await pods.killAll();
        await network.destroy();
      })();
      return stopped;
    },
  };
}

/** The Pods this node runs, by uid, and the writes the kubelet makes for them. */
class PodSet {
  private readonly byUid = new Map<string, PodRuntime>();
  private readonly keys = new Map<string, string>();
  private readonly terminating = new Set<string>();
  /** Failures already reported as Events (`uid/container/reason`). */
  private readonly reported = new Set<string>();
  /** Per Pod, the status writes in order. */
  private readonly writes = new Map<string, Promise<void>>();

  constructor(
    private readonly core: CoreV1Api,
    private readonly network: PodNetwork,
    private readonly images: ImageResolver,
    private readonly log: (line: string) => void,
  ) {}

  seen(pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? '';
    let runtime = this.byUid.get(uid);
    if (!runtime) {
      const phase = pod.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') return;
      if (isTerminating(pod)) return void this.remove(pod);
      runtime = new PodRuntime(pod, {
        network: this.network,
        images: this.images,
        readVolumeSource: (kind, namespace, name) => this.readVolumeSource(kind, namespace, name),
        publish: (p, s) => this.publish(p, s),
      });
      this.byUid.set(uid, runtime);
      this.keys.set(`${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`, uid);
      runtime.start().catch((err: unknown) => this.log(`pod ${key(pod)}: start failed: ${String(err)}`));
      return;
    }
    runtime.update(pod);
    if (isTerminating(pod) && !this.terminating.has(uid)) {
      this.terminating.add(uid);
      void runtime.terminate().then(() => this.remove(pod));
    }
  }

  gone(pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? '';
    const runtime = this.byUid.get(uid);
    this.byUid.delete(uid);
    this.terminating.delete(uid);
    this.keys.delete(key(pod));
    void runtime?.kill();
  }

  logs(podKey: string): string | undefined {
    const uid = this.keys.get(podKey);
    return uid !== undefined ? this.byUid.get(uid)?.logs() : undefined;
  }

  /** A container's log records (`undefined`: no such Pod or container on this node). */
  containerLog(namespace: string, pod: string, container: string): readonly LogRecord[] | undefined {
    const uid = this.keys.get(`${namespace}/${pod}`);
    return uid !== undefined ? this.byUid.get(uid)?.containerLog(container)?.all() : undefined;
  }

  async killAll(): Promise<void> {
    const all = [...this.byUid.values()];
    this.byUid.clear();
    await Promise.all(all.map((r) => r.kill()));
  }

  private async readVolumeSource(
    kind: 'Secret' | 'ConfigMap',
    namespace: string,
    name: string,
  ): Promise<Record<string, Buffer> | undefined> {
    try {
      if (kind === 'Secret') {
        const secret = await this.core.readNamespacedSecret({ namespace, name });
        return Object.fromEntries(
          Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
        );
      }
      const cm = await this.core.readNamespacedConfigMap({ namespace, name });
      return Object.fromEntries([
        ...Object.entries(cm.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'utf8')] as const),
        ...Object.entries(cm.binaryData ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')] as const),
      ]);
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return undefined;
      throw err;
    }
  }

  /** A Warning Event per container and reason it cannot run for (as the kubelet reports `Failed`). */
  private reportFailures(pod: V1Pod, status: V1PodStatus): void {
    for (const c of status.containerStatuses ?? []) {
      const waiting = c.state?.waiting;
      if (!waiting?.reason || !FAILURE_REASONS.has(waiting.reason)) continue;
      const id = `${pod.metadata?.uid ?? ''}/${c.name}/${waiting.reason}`;
      if (this.reported.has(id)) continue;
      this.reported.add(id);
      const now = new Date();
      const namespace = pod.metadata?.namespace ?? 'default';
      const body: CoreV1Event = {
        metadata: { generateName: `${pod.metadata?.name ?? 'pod'}.`, namespace },
        involvedObject: {
          apiVersion: 'v1',
          kind: 'Pod',
          name: pod.metadata?.name ?? '',
          namespace,
          uid: pod.metadata?.uid ?? '',
          fieldPath: `spec.containers{${c.name}}`,
        },
        type: 'Warning',
        reason: 'Failed',
        message: `${waiting.reason}: ${waiting.message ?? ''}`,
        source: { component: 'kubelet', host: this.network.name },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      };
      this.core
        .createNamespacedEvent({ namespace, body })
        .catch((err: unknown) => this.log(`pod ${key(pod)}: event write failed: ${String(err)}`));
    }
  }

  private publish(pod: V1Pod, status: V1PodStatus): void {
    this.reportFailures(pod, status);
    const uid = pod.metadata?.uid ?? '';
    const previous = this.writes.get(uid) ?? Promise.resolve();
    const name = pod.metadata?.name ?? '';
    const namespace = pod.metadata?.namespace ?? '';
    const next = previous.then(async () => {
      try {
        await this.core.patchNamespacedPodStatus({ name, namespace, body: { status } }, mergePatch);
      } catch (err) {
        // 404: the Pod is gone already (deleted with grace 0, or force-deleted): nothing to report.
        if (!(err instanceof ApiException && err.code === 404))
          this.log(`pod ${key(pod)}: status write failed: ${String(err)}`);
      }
    });
    this.writes.set(uid, next);
  }

  /** What the kubelet does once a deleted Pod's containers are gone: delete the object with grace 0. */
  private async remove(pod: V1Pod): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    await this.writes.get(uid);
    this.writes.delete(uid);
    try {
      await this.core.deleteNamespacedPod({
        name: pod.metadata?.name ?? '',
        namespace: pod.metadata?.namespace ?? '',
        gracePeriodSeconds: 0,
        body: { gracePeriodSeconds: 0, preconditions: { uid } },
      });
    } catch (err) {
      if (!(err instanceof ApiException && (err.code === 404 || err.code === 409))) {
        this.log(`pod ${key(pod)}: delete failed: ${String(err)}`);
      }
    }
  }
}

function key(pod: V1Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}
