/**
 * Runs the ALB reconciler inside `causeway controller --alb`: after every applied translation (it
 * subscribes to the runner's applied-state stream), on a resync timer, and again after a failure. The cached actual state makes a
 * resync of a converged world free (no AWS call); every `driftMs` the cache is dropped so that changes
 * made behind Causeway's back (console, another tool) are found and undone. That drift pass describes
 * every attribute for real: other reads trust the attributes digest tags (src/alb/model/attributes-digest.ts),
 * which a change made out of band leaves as they were.
 *
 * It also feeds the leader writers (`merge`, `addresses`): the ALB Ingresses join the served list with
 * their ALB DNS names as addresses (Ingress status), and ALB diagnostics join the diagnostics (Events); and it updates
 * the pod readiness gate with the desired stacks and target group ARNs.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { AppliedState, AppliedStateStream } from '../../pipeline/applied-state.js';
import { compareDiagnostics } from '../../errors.js';
import type { ServedIngress } from '../../ingress/ingress-types.js';
import type { AlbReconcileResult } from './alb-reconciler.js';
import { createAlbEdge, type AlbEdge } from './alb-reconciler-factory.js';
import { kubePodGateClient, PodReadinessGate } from '../apply/pod-readiness-gate.js';
import type { AwsMetrics } from '../aws/aws-metrics.js';

export interface AlbReconcileLoopOptions {
  readonly edge: AlbEdge;
  /** The runner's applied states: each new one is reconciled; the latest is the one resyncs read. */
  readonly applied: AppliedStateStream;
  readonly logger: Logger;
  /** Default 60 s. */
  readonly resyncMs?: number;
  /** Default 30 min. */
  readonly driftMs?: number;
  /** After a failed group, default 15 s. */
  readonly retryMs?: number;
  readonly gate?: PodReadinessGate;
  /** When this replica starts leading (checked every 2 s), it reconciles at once instead of at the next resync. */
  readonly isLeader?: () => boolean;
  /** Called after each reconcile (e.g. to write status and Events). */
  readonly onResult?: (result: AlbReconcileResult) => void;
}

/** The status "group" of an ALB Ingress: each Ingress has its own addresses (its load balancers). */
function statusGroup(namespace: string, name: string): string {
  return `alb:${namespace}/${name}`;
}

export class AlbReconcileLoop {
  private result: AlbReconcileResult | undefined;
  private resyncTimer: ReturnType<typeof setInterval> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private lastDrift = Date.now();
  private leaderTimer: ReturnType<typeof setInterval> | undefined;
  private wasLeader = false;
  private stopped = false;
  private readonly unsubscribe: () => void;

  constructor(private readonly o: AlbReconcileLoopOptions) {
    this.unsubscribe = o.applied.subscribe(() => void this.run());
  }

  start(): void {
    this.resyncTimer = setInterval(() => {
      if (Date.now() - this.lastDrift >= (this.o.driftMs ?? 30 * 60_000)) {
        this.lastDrift = Date.now();
        this.o.edge.reconciler.startDriftCheck();
      }
      void this.run();
    }, this.o.resyncMs ?? 60_000);
    this.resyncTimer.unref?.();
    const isLeader = this.o.isLeader;
    if (isLeader) {
      this.wasLeader = isLeader();
      this.leaderTimer = setInterval(() => {
        const now = isLeader();
        if (now && !this.wasLeader) {
          this.o.logger.info('became leader: reconciling ALBs now');
          void this.run();
        }
        this.wasLeader = now;
      }, 2000);
      this.leaderTimer.unref?.();
    }
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    if (this.leaderTimer) clearInterval(this.leaderTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.o.gate?.close();
  }

  lastResult(): AlbReconcileResult | undefined {
    return this.result;
  }

  /** The state with the ALB Ingresses served and the ALB diagnostics added. */
  merge(state: AppliedState): AppliedState {
    const r = this.result;
    if (!r) return state;
    return {
      ...state,
      served: [...state.served, ...this.served(state)],
      diagnostics: [...state.diagnostics, ...r.diagnostics].sort(compareDiagnostics),
    };
  }

  /** Gateway group addresses plus each ALB Ingress's DNS names. */
  addresses(base: ReadonlyMap<string, readonly string[]>): Map<string, readonly string[]> {
    const out = new Map(base);
    for (const [key, names] of this.result?.hostnames ?? []) {
      const [, namespace = '', name = ''] = key.split('/');
      out.set(statusGroup(namespace, name), names);
    }
    return out;
  }

  private served(state: AppliedState): ServedIngress[] {
    const out: ServedIngress[] = [];
    for (const stack of this.result?.stacks ?? [])
      for (const ref of stack.ingresses) {
        const namespace = ref.namespace ?? 'default';
        const cluster =
          ref.cluster ??
          [...state.resources.ingresses.values()].find(
            (i) => i.object.metadata.namespace === namespace && i.object.metadata.name === ref.name,
          )?.origin.cluster;
        if (cluster === undefined) continue;
        out.push({ cluster, namespace, name: ref.name, group: statusGroup(namespace, ref.name) });
      }
    return out;
  }

  private async run(): Promise<void> {
    const state = this.o.applied.latest();
    if (!state || this.stopped) return;
    let r: AlbReconcileResult;
    try {
      r = await this.o.edge.reconciler.reconcile(state.resources);
    } catch (err) {
      this.o.logger.error({ err }, 'ALB reconcile failed');
      this.retry();
      return;
    }
    this.result = r;
    if (
      r.groups.some((g) => g.error !== undefined) ||
      r.diagnostics.some((d) => d.code === 'CW_E_ALB_AWS_UNAVAILABLE')
    )
      this.retry();
    this.o.onResult?.(r);
    if (this.o.gate) {
      try {
        const arns = new Map<string, string>();
        for (const stack of r.stacks) {
          const actual = await this.o.edge.reader.layout(stack.group);
          for (const tg of actual.targetGroups) arns.set(tg.resourceId, tg.arn);
        }
        await this.o.gate.update(r.stacks, arns);
      } catch (err) {
        this.o.logger.warn({ err }, 'readiness gate update failed');
      }
    }
  }

  private retry(): void {
    if (this.retryTimer || this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.run();
    }, this.o.retryMs ?? 15_000);
    this.retryTimer.unref?.();
  }
}

export interface AlbModeOptions {
  readonly endpoint?: string;
  readonly region?: string;
  readonly vpcId?: string;
  /** Our `causeway.dev/cluster` tag value. */
  readonly clusterName: string;
  readonly metrics: AwsMetrics;
  readonly logger: Logger;
  readonly applied: AppliedStateStream;
  /** The cluster whose pods carry readiness gates (Kubernetes mode); none in standalone mode. */
  readonly kubeConfig?: KubeConfig;
  /** Only the leader applies and writes pod conditions (always true in standalone mode). */
  readonly isLeader: () => boolean;
  readonly onResult?: (result: AlbReconcileResult) => void;
}

/** `causeway controller --alb`: the edge, the readiness gate and the loop, ready to `start()`. */
export function createAlbMode(o: AlbModeOptions): { loop: AlbReconcileLoop; edge: AlbEdge } {
  const logger = o.logger.child({ component: 'alb' });
  const edge = createAlbEdge({
    clusterName: o.clusterName,
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.region ? { region: o.region } : {}),
    ...(o.vpcId ? { vpcId: o.vpcId } : {}),
    metrics: o.metrics,
    logger,
    mayApply: o.isLeader,
  });
  const gate = o.kubeConfig
    ? new PodReadinessGate({
        client: kubePodGateClient(o.kubeConfig),
        targetHealth: (arns) => edge.reader.targetHealth(arns),
        isLeader: o.isLeader,
        logger: logger.child({ component: 'readiness-gate' }),
      })
    : undefined;
  const loop = new AlbReconcileLoop({
    edge,
    applied: o.applied,
    logger,
    isLeader: o.isLeader,
    ...(gate ? { gate } : {}),
    ...(o.onResult ? { onResult: o.onResult } : {}),
  });
  return { loop, edge };
}
