/**
 * The pod readiness gate `alb.causeway.dev/target-healthy`: a pod whose spec lists it in
 * `readinessGates` is not Ready until Causeway sets that condition True, which it does only once the
 * pod's IP:port target is `healthy` in every target group that holds it. A rollout (maxUnavailable)
 * therefore waits for ALB registration and health checks, instead of taking old pods away while the
 * new ones still get no traffic.
 *
 * `gateStates` is pure: desired stacks + target health -> per pod, healthy or not and why.
 * `PodReadinessGate` is the edge: it polls DescribeTargetHealth only for target groups holding gated
 * pods that are not True yet, and patches `pods/status` (strategic merge on the condition type) only
 * when the condition changes. Only the leader writes. A condition once True is left True (the gate
 * admits a pod into the rollout; later health is the ALB's business). Terminating pods are left alone:
 * the plan deregisters them first, and they keep their condition until they are gone.
 */
import {
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Pod,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { ActualTarget, AlbStack } from '../model/alb-model.js';
import { describeCallError, requestOptions } from '../../kubernetes/client/kube-api-call.js';
import { httpStatusOf } from '../../kubernetes/client/http-status.js';

export const READINESS_GATE_CONDITION = 'alb.causeway.dev/target-healthy';

export interface PodGateState {
  readonly namespace: string;
  readonly name: string;
  readonly healthy: boolean;
  /** e.g. `healthy in 2 target groups`, or `initial in store/lb/0/tg/default/cart/80`. */
  readonly message: string;
  /** Resource ids of the target groups holding the pod, sorted. */
  readonly targetGroups: readonly string[];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Per pod (`namespace/name`): whether its target is healthy in every target group of `stacks` that
 * holds it. `health(targetGroupResourceId)` gives the group's current target health, or undefined
 * when unknown (the pod is then not healthy). Terminating targets are skipped.
 */
export function gateStates(
  stacks: readonly AlbStack[],
  health: (targetGroupResourceId: string) => readonly ActualTarget[] | undefined,
): Map<string, PodGateState> {
  const holders = new Map<string, { namespace: string; name: string; tgs: { tg: string; key: string }[] }>();
  for (const stack of stacks)
    for (const tg of stack.targetGroups)
      for (const t of tg.targets) {
        if (!t.pod || t.state === 'terminating') continue;
        const ns = t.pod.namespace ?? 'default';
        const podKey = `${ns}/${t.pod.name}`;
        const entry = holders.get(podKey) ?? { namespace: ns, name: t.pod.name, tgs: [] };
        entry.tgs.push({ tg: tg.resourceId, key: `${t.id}:${t.port}` });
        holders.set(podKey, entry);
      }
  const out = new Map<string, PodGateState>();
  for (const [podKey, h] of [...holders].sort(([a], [b]) => compare(a, b))) {
    const bad: string[] = [];
    for (const { tg, key } of h.tgs) {
      const state = health(tg)?.find((t) => `${t.id}:${t.port}` === key)?.health ?? 'unknown';
      if (state !== 'healthy') bad.push(`${state} in ${tg}`);
    }
    const targetGroups = [...new Set(h.tgs.map((x) => x.tg))].sort(compare);
    out.set(podKey, {
      namespace: h.namespace,
      name: h.name,
      healthy: bad.length === 0,
      message:
        bad.length === 0
          ? `target healthy in ${targetGroups.length} target group${targetGroups.length === 1 ? '' : 's'}`
          : `target ${bad.join(', ')}`,
      targetGroups,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// The edge

/** What the gate needs from the apiserver (pods get and pods/status patch). */
export interface PodGateClient {
  /** The pod's gate condition: undefined when the pod has no such readiness gate; null when gone. */
  gate(namespace: string, name: string): Promise<{ status: string | undefined } | undefined | null>;
  setCondition(namespace: string, name: string, status: 'True' | 'False', message: string): Promise<void>;
}

export function kubePodGateClient(kubeConfig: KubeConfig, requestTimeoutMs = 10_000): PodGateClient {
  const api = kubeConfig.makeApiClient(CoreV1Api);
  return {
    async gate(namespace, name) {
      let pod: V1Pod;
      try {
        pod = await api.readNamespacedPod({ namespace, name }, requestOptions(requestTimeoutMs));
      } catch (err) {
        if (httpStatusOf(err) === 404) return null;
        throw err;
      }
      if (!(pod.spec?.readinessGates ?? []).some((g) => g.conditionType === READINESS_GATE_CONDITION))
        return undefined;
      const c = (pod.status?.conditions ?? []).find((x) => x.type === READINESS_GATE_CONDITION);
      return { status: c?.status };
    },
    async setCondition(namespace, name, status, message) {
      const body = {
        status: {
          conditions: [
            {
              type: READINESS_GATE_CONDITION,
              status,
              reason: status === 'True' ? 'TargetHealthy' : 'TargetNotHealthy',
              message,
              lastTransitionTime: new Date().toISOString(),
            },
          ],
        },
      };
      await api.patchNamespacedPodStatus(
        { namespace, name, body },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch, requestOptions(requestTimeoutMs)),
      );
    },
  };
}

export interface PodReadinessGateOptions {
  readonly client: PodGateClient;
  /** Fresh target health of target groups by ARN (AlbStateReader.targetHealth). */
  readonly targetHealth: (arns: readonly string[]) => Promise<Map<string, ActualTarget[]>>;
  readonly isLeader: () => boolean;
  readonly logger: Logger;
  /** Health poll period while some gated pod is not True (default 5 s). */
  readonly pollMs?: number;
}

interface PodKnowledge {
  /** undefined: the pod has no gate; else the condition status as last read or written. */
  readonly gated: boolean;
  status: string | undefined;
}

export class PodReadinessGate {
  private stacks: readonly AlbStack[] = [];
  private arns = new Map<string, string>();
  private readonly pods = new Map<string, PodKnowledge>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(private readonly o: PodReadinessGateOptions) {}

  /** The desired stacks and the ARN of each target group (by resource id) after a reconcile. */
  update(stacks: readonly AlbStack[], targetGroupArns: ReadonlyMap<string, string>): Promise<void> {
    this.stacks = stacks;
    this.arns = new Map(targetGroupArns);
    return this.kick();
  }

  /** Runs one pass now (serialized; a call during a pass runs one more after it). */
  kick(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.pass();
        } catch (err) {
          this.o.logger.warn({ err: describeCallError(err) }, 'readiness gate pass failed; retrying');
          this.schedule();
        }
      } while (this.again && !this.closed);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.kick();
    }, this.o.pollMs ?? 5000);
    this.timer.unref?.();
  }

  private async pass(): Promise<void> {
    if (!this.o.isLeader()) {
      this.pods.clear();
      return;
    }
    const all = gateStates(this.stacks, () => []);
    for (const key of [...this.pods.keys()]) if (!all.has(key)) this.pods.delete(key);
    // Which pods carry the gate (read once per pod).
    const pending: string[] = [];
    for (const [key, p] of all) {
      let k = this.pods.get(key);
      if (!k) {
        const g = await this.o.client.gate(p.namespace, p.name);
        if (g === null) continue;
        k = { gated: g !== undefined, status: g?.status };
        this.pods.set(key, k);
      }
      if (k.gated && k.status !== 'True') pending.push(key);
    }
    if (pending.length === 0) return;
    // Fresh health only for the target groups holding pending pods.
    const tgIds = [...new Set(pending.flatMap((key) => all.get(key)!.targetGroups))].sort(compare);
    const arns = tgIds.map((id) => this.arns.get(id)).filter((a): a is string => a !== undefined);
    const byArn = await this.o.targetHealth(arns);
    const byId = new Map(tgIds.map((id) => [id, byArn.get(this.arns.get(id) ?? '')]));
    const states = gateStates(this.stacks, (id) => byId.get(id));
    let stillPending = false;
    for (const key of pending) {
      const s = states.get(key)!;
      const k = this.pods.get(key)!;
      const want = s.healthy ? 'True' : 'False';
      if (!s.healthy) stillPending = true;
      if (k.status === want) continue;
      if (!this.o.isLeader()) return;
      try {
        await this.o.client.setCondition(s.namespace, s.name, want, s.message);
        k.status = want;
        this.o.logger.info({ pod: key, status: want, message: s.message }, 'readiness gate condition set');
      } catch (err) {
        if (httpStatusOf(err) === 404) this.pods.delete(key);
        else throw err;
      }
    }
    if (stillPending) this.schedule();
  }
}
