/**
 * The leader writers of Kubernetes mode (Ingress status, Events, Service conditions, fed by a NACK
 * tracker) wired to a benchmark's runner as `runController` wires them, so the controller's CPU per
 * change includes what the applied-state subscribers do. Every group's addresses are the empty list:
 * the benchmark's Ingresses are created without a status, so once leading, a sync finds every status
 * right and sends no PATCH; what is left is the controller's own work per applied state.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { LeaderWriters } from '../../src/controller/leader-writers.js';
import { NackTracker } from '../../src/controller/nack-tracker.js';
import type { AppliedStateStream } from '../../src/pipeline/applied-state.js';

export interface BenchLeaderWriters {
  stop(): Promise<void>;
}

/** Starts the writers and resolves once this process holds the Lease (or throws after `timeoutMs`). */
export async function startBenchLeaderWriters(o: {
  readonly kubeConfigs: ReadonlyMap<string, KubeConfig>;
  readonly applied: AppliedStateStream;
  readonly groups: readonly string[];
  readonly logger: Logger;
  readonly timeoutMs?: number;
}): Promise<BenchLeaderWriters> {
  const nacks = new NackTracker({
    applied: o.applied,
    logger: o.logger,
    onChange: () => writers.nacksChanged(),
  });
  const addresses = new Map(o.groups.map((g) => [g, [] as readonly string[]]));
  const writers: LeaderWriters = new LeaderWriters({
    kubeConfigs: o.kubeConfigs,
    leaseNamespace: 'default',
    leaseName: 'kube-bench',
    identity: `kube-bench-${process.pid}`,
    applied: o.applied,
    groupAddresses: () => addresses,
    logger: o.logger,
    nacks,
  });
  const stop = async (): Promise<void> => {
    nacks.close();
    await writers.stop();
  };
  writers.start();
  const deadline = performance.now() + (o.timeoutMs ?? 30_000);
  while (!writers.isLeader()) {
    if (performance.now() > deadline) {
      await stop();
      throw new Error('the benchmark did not become the leader (Lease default/kube-bench)');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { stop };
}

/**
 * Resolves once this process has been nearly idle (under `busyRatio` of one core) for `windowMs`, or
 * after `maxMs`: the writers' first sync LISTs every Ingress and Service, which must not land in the
 * per-write figures. Returns how long it waited.
 */
export async function quietDown(windowMs = 250, busyRatio = 0.1, maxMs = 60_000): Promise<number> {
  const start = performance.now();
  for (;;) {
    const before = process.cpuUsage();
    await new Promise((r) => setTimeout(r, windowMs));
    const used = process.cpuUsage(before);
    if ((used.user + used.system) / 1000 < windowMs * busyRatio) return performance.now() - start;
    if (performance.now() - start > maxMs) return performance.now() - start;
  }
}
