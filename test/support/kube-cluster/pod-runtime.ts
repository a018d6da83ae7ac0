/**
 * One Pod on the node agent's node: its network namespace (a pod of test/support/netns.ts, so it has a
 * 10.244.N.x address from the node's podCIDR), its containers (container-runner.ts) and its status
 * (pod-status.ts), handed to `publish` whenever it changes. `terminate` is the kubelet's graceful stop;
 * `kill` the immediate one (agent shutdown, or the Pod object already gone).
 */
import type { V1Pod, V1PodStatus } from '@kubernetes/client-node';
import { makeTempDir, removeTempDir } from '../kube-apiserver.js';
import type { Pod as Netns, PodNetwork } from '../netns.js';
import { containerProcessSpec, type ContainerSpecError, type ImageResolver } from './container-spec.js';
import { containerMounts, materializeVolumes, type VolumeSourceReader } from './volumes.js';
import { ContainerRunner, type PodSandbox } from './container-runner.js';
import { podStatus, type ContainerView } from './pod-status.js';
import type { ContainerLog } from './container-logs.js';

export interface PodRuntimeOptions {
  readonly network: PodNetwork;
  readonly images: ImageResolver;
  /** Reads the Secrets and ConfigMaps of the Pod's volumes. */
  readonly readVolumeSource: VolumeSourceReader;
  /** Called with every new status (in order; the agent writes it to the apiserver). */
  readonly publish: (pod: V1Pod, status: V1PodStatus) => void;
}

let sandboxCounter = 0;

/** How often a volume that cannot be made yet (e.g. its Secret is missing) is tried again. */
export const VOLUME_RETRY_MS = 1000;

export class PodRuntime {
  private netns: Netns | undefined;
  /** The Pod's volumes live here (reaped with the test process, like the control plane's folders). */
  private volumeDir: string | undefined;
  private runners: ContainerRunner[] = [];
  /** Containers that cannot run, with why. */
  private broken = new Map<string, ContainerSpecError>();
  private readonly startTime = new Date().toISOString();
  private lastStatus: V1PodStatus | undefined;
  private lastText = '';
  private stopped: Promise<void> | undefined;

  constructor(
    private pod: V1Pod,
    private readonly opts: PodRuntimeOptions,
  ) {}

  get uid(): string {
    return this.pod.metadata?.uid ?? '';
  }

  /** The newest Pod object seen (its deletionTimestamp, grace period, ...). */
  update(pod: V1Pod): void {
    this.pod = pod;
  }

  private starting: Promise<void> | undefined;

  /** Creates the namespace and starts every container that can run (not after a stop began). */
  start(): Promise<void> {
    this.starting ??= this.startOnce();
    return this.starting;
  }

  private async startOnce(): Promise<void> {
    if (this.stopped) return;
    const meta = this.pod.metadata ?? {};
    // A counter keeps namespace names unique: pod names repeat across namespaces and get truncated.
    this.netns = await this.opts.network.addPod(`${String(++sandboxCounter)}-${meta.name ?? 'pod'}`);
    const sandbox: PodSandbox = {
      ip: this.netns.ip,
      spawn: (cmd, args) => this.netns!.spawn(cmd, args),
      exec: async (cmd, args, timeoutMs) => (await this.netns!.exec(cmd, args, { timeoutMs })).code,
    };
    const where = { podIP: this.netns.ip, hostIP: this.opts.network.gateway };
    const restartPolicy = this.pod.spec?.restartPolicy ?? 'Always';
    this.volumeDir = makeTempDir('pod-volumes');
    const volumes = await this.volumesWhenReady(this.volumeDir);
    if (this.stopped) return;
    for (const container of this.pod.spec?.containers ?? []) {
      const mounts = containerMounts(container, volumes.dirs, volumes.errors);
      if (typeof mounts === 'string') {
        this.broken.set(container.name, { reason: 'CreateContainerConfigError', message: mounts });
        continue;
      }
      const res = containerProcessSpec(this.pod, container, this.opts.images, where, mounts);
      if (!res.ok) {
        this.broken.set(container.name, res.error);
        continue;
      }
      this.runners.push(
        new ContainerRunner(container, res.spec, sandbox, restartPolicy, () => this.changed()),
      );
    }
    for (const r of this.runners) r.start();
    this.changed();
  }

  /**
   * The Pod's volumes, retried every VOLUME_RETRY_MS while one cannot be made (a Secret created after
   * the Pod, as the kubelet retries a mount); meanwhile the containers wait with the reason.
   */
  private async volumesWhenReady(dir: string): Promise<Awaited<ReturnType<typeof materializeVolumes>>> {
    for (;;) {
      const volumes = await materializeVolumes(this.pod, dir, this.opts.readVolumeSource);
      if (volumes.errors.size === 0 || this.stopped) {
        this.broken.clear();
        return volumes;
      }
      const message = [...volumes.errors.values()].join('; ');
      for (const c of this.pod.spec?.containers ?? [])
        this.broken.set(c.name, { reason: 'ContainerCreating', message });
      this.changed();
      await new Promise((r) => setTimeout(r, VOLUME_RETRY_MS));
    }
  }

  private views(): ContainerView[] {
    const broken = [...this.broken].map(([name, e]) => ({
      name,
      image: this.pod.spec?.containers.find((c) => c.name === name)?.image ?? '',
      state: { kind: 'waiting' as const, reason: e.reason, message: e.message },
      ready: false,
      restartCount: 0,
      willRestart: true,
    }));
    return [...this.runners.map((r) => r.view()), ...broken];
  }

  private changed(): void {
    if (!this.netns) return;
    const status = podStatus(
      {
        podIP: this.netns.ip,
        hostIP: this.opts.network.gateway,
        startTime: this.startTime,
        containers: this.views(),
      },
      this.lastStatus,
      new Date().toISOString(),
    );
    const text = JSON.stringify(status);
    if (text === this.lastText) return;
    this.lastText = text;
    this.lastStatus = status;
    this.opts.publish(this.pod, status);
  }

  /** Container output, for diagnosing a Pod that does not become ready. */
  logs(): string {
    return this.runners.map((r) => `--- ${r.view().name}\n${r.logs()}`).join('\n');
  }

  /** The log of the container named `name`, if it was started. */
  containerLog(name: string): ContainerLog | undefined {
    return this.runners.find((r) => r.view().name === name)?.log;
  }

  /**
   * The kubelet's graceful stop: every container's preStop, SIGTERM, SIGKILL when the Pod's
   * deletionGracePeriodSeconds (else terminationGracePeriodSeconds, else 30 s) is over; then the
   * namespace is removed. Idempotent.
   */
  terminate(): Promise<void> {
    const meta = this.pod.metadata ?? {};
    const graceS = meta.deletionGracePeriodSeconds ?? this.pod.spec?.terminationGracePeriodSeconds ?? 30;
    return this.stopAll(Date.now() + graceS * 1000);
  }

  /** Stops at once (SIGKILL, also during a graceful stop) and removes the namespace. Idempotent. */
  async kill(): Promise<void> {
    if (this.stopped) await this.netns?.remove();
    await this.stopAll(Date.now());
  }

  private stopAll(deadline: number): Promise<void> {
    this.stopped ??= (async () => {
      // A stop during start-up waits for it, so nothing it creates is left behind.
      await this.starting?.catch(() => undefined);
      await Promise.all(this.runners.map((r) => r.stop(deadline)));
      await this.netns?.remove();
      if (this.volumeDir !== undefined) removeTempDir(this.volumeDir);
    })();
    return this.stopped;
  }
}
