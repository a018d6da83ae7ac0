/**
 * The Pod status the node agent writes, computed from what it knows of each container (pure): phase,
 * podIP / podIPs, hostIP, containerStatuses and the conditions PodScheduled, Initialized,
 * ContainersReady and Ready, as the kubelet reports them (so the endpoint-slice controller sees
 * `ready`, and `serving` / `terminating` once the Pod is deleted).
 */
import type { V1ContainerStatus, V1Pod, V1PodCondition, V1PodStatus } from '@kubernetes/client-node';

/** One container as the agent sees it. */
export type ContainerRunState =
  | { readonly kind: 'waiting'; readonly reason: string; readonly message?: string }
  | { readonly kind: 'running'; readonly startedAt: string }
  | {
      readonly kind: 'terminated';
      readonly exitCode: number;
      readonly reason: string;
      readonly startedAt: string;
      readonly finishedAt: string;
    };

export interface ContainerView {
  readonly name: string;
  readonly image: string;
  readonly state: ContainerRunState;
  readonly ready: boolean;
  readonly restartCount: number;
  /** Whether it will be started again (restartPolicy); a terminated container that will not ends the Pod. */
  readonly willRestart: boolean;
}

export interface PodView {
  readonly podIP?: string;
  readonly hostIP: string;
  readonly startTime: string;
  readonly containers: readonly ContainerView[];
}

/** `Pending`, `Running`, `Succeeded` or `Failed` from the containers, as the kubelet decides it. */
export function podPhase(containers: readonly ContainerView[]): string {
  const done = containers.filter((c) => c.state.kind === 'terminated' && !c.willRestart);
  if (containers.length > 0 && done.length === containers.length) {
    return done.every((c) => c.state.kind === 'terminated' && c.state.exitCode === 0)
      ? 'Succeeded'
      : 'Failed';
  }
  const started = containers.some((c) => c.state.kind !== 'waiting' || c.restartCount > 0);
  return started ? 'Running' : 'Pending';
}

function condition(type: string, ok: boolean, at: string, reason?: string): V1PodCondition {
  return {
    type,
    status: ok ? 'True' : 'False',
    lastTransitionTime: new Date(at),
    ...(reason !== undefined && !ok ? { reason } : {}),
  };
}

function containerStatus(c: ContainerView): V1ContainerStatus {
  const s = c.state;
  const state =
    s.kind === 'waiting'
      ? { waiting: { reason: s.reason, ...(s.message !== undefined ? { message: s.message } : {}) } }
      : s.kind === 'running'
        ? { running: { startedAt: new Date(s.startedAt) } }
        : {
            terminated: {
              exitCode: s.exitCode,
              reason: s.reason,
              startedAt: new Date(s.startedAt),
              finishedAt: new Date(s.finishedAt),
            },
          };
  return {
    name: c.name,
    image: c.image,
    imageID: '',
    ready: c.ready,
    restartCount: c.restartCount,
    started: s.kind === 'running',
    state,
  };
}

/**
 * The status to write. Transition times come from `previous` when a condition keeps its status, so a
 * rewrite with nothing new is byte-identical (the agent skips it).
 */
export function podStatus(view: PodView, previous: V1PodStatus | undefined, now: string): V1PodStatus {
  const containers = [...view.containers].sort((a, b) => a.name.localeCompare(b.name));
  const allReady = containers.length > 0 && containers.every((c) => c.ready);
  const phase = podPhase(containers);
  const fresh = [
    condition('PodScheduled', true, now),
    condition('Initialized', true, now),
    condition('ContainersReady', allReady, now, 'ContainersNotReady'),
    condition('Ready', allReady, now, 'ContainersNotReady'),
  ];
  const conditions = fresh.map((c) => {
    const old = previous?.conditions?.find((p) => p.type === c.type);
    return old !== undefined && old.status === c.status
      ? { ...c, lastTransitionTime: old.lastTransitionTime }
      : c;
  });
  return {
    phase,
    conditions,
    hostIP: view.hostIP,
    hostIPs: [{ ip: view.hostIP }],
    ...(view.podIP !== undefined ? { podIP: view.podIP, podIPs: [{ ip: view.podIP }] } : {}),
    startTime: new Date(view.startTime),
    // qosClass is left out: the apiserver set it at creation, and it may not change.
    containerStatuses: containers.map(containerStatus),
  };
}

/** Whether `pod` is being deleted (the kubelet's cue to stop it). */
export function isTerminating(pod: V1Pod): boolean {
  return pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
}
