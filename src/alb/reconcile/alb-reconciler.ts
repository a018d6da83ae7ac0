/**
 * The ALB reconciler: on each translation, for every IngressGroup, build (pure) -> plan (pure) ->
 * apply (AWS edge). The only place that connects the ALB pure stages to AWS.
 *
 * - Actual state comes from the AlbStateReader's cache (read by ownership tags, re-read only for the
 *   groups an apply changed), so a converged resync makes no AWS call at all, and an endpoint change
 *   costs only its RegisterTargets/DeregisterTargets calls. The reader is given the desired attributes
 *   (`expectedAttributesOf`): where a resource's digest tag vouches for them, it describes nothing.
 * - Groups we own in AWS that no longer have an Ingress are planned against an empty desired stack:
 *   garbage collection of what we own. Groups held by the build (every Ingress of the group has an
 *   error) are left as they are.
 * - Reconciles are serialized and coalesced (the latest resources win); within one, groups run with
 *   bounded concurrency, each group by itself.
 * - Failures become diagnostics on the group's Ingresses (`CW_E_ALB_*`); the group is reconciled
 *   again on the next pass (`retryMs`), with the changes already made kept.
 */
import type { Logger } from 'pino';
import { compareDiagnostics, diagnostic, type Diagnostic, type ObjectRef } from '../../errors.js';
import type { ResourceSet } from '../../resources/resource-set.js';
import { indexClasses } from '../../ingress/ingress-class.js';
import { diagnosticRef, ingressRef } from '../../ingress/ingress-reader.js';
import { SUBNETS } from '../build/alb-group-annotations.js';
import { albClassFor } from '../build/alb-class.js';
import { buildAlbStacks, type AlbBuildResult } from '../build/alb-build.js';
import type { ActualStack, AlbPlan, AlbStack, AwsFacts } from '../model/alb-model.js';
import { expectedAttributesOf } from '../model/attributes-digest.js';
import { AlbApplyError, AlbNameConflictError } from '../apply/apply-errors.js';
import type { PlanApplier } from '../apply/plan-applier.js';
import type { AlbStateReader } from '../aws/actual-state-reader.js';
import { AwsCallError } from '../aws/aws-gateway.js';
import type { FactsResolver } from '../aws/facts-resolver.js';
import { placementsFromActual } from '../build/host-placement.js';

/** The pure planner: (desired, actual) -> ordered changes; `undefined` desired = delete everything. */
export type AlbPlanner = (desired: AlbStack | undefined, actual: ActualStack) => AlbPlan;
export type AlbBuilder = (
  resources: ResourceSet,
  facts: AwsFacts,
  options: { clusterName: string },
) => AlbBuildResult;

export interface AlbReconcilerOptions {
  readonly reader: AlbStateReader;
  readonly facts: FactsResolver;
  readonly applier: PlanApplier;
  readonly plan: AlbPlanner;
  readonly build?: AlbBuilder;
  readonly clusterName: string;
  readonly logger: Logger;
  /** Groups reconciled at once (default 4). */
  readonly concurrency?: number;
  /** Whether this replica may apply (leader); a non-leader only builds (default: always). */
  readonly mayApply?: () => boolean;
}

/** The outcome of one group. */
export interface GroupOutcome {
  readonly group: string;
  /** Changes applied (0 when converged). */
  readonly applied: number;
  /** Changes planned (the plan's length; equals `applied` unless the apply failed). */
  readonly planned: number;
  readonly error?: string;
}

export interface AlbReconcileResult {
  readonly groups: readonly GroupOutcome[];
  /** Build diagnostics plus apply failures, sorted. */
  readonly diagnostics: readonly Diagnostic[];
  /** The DNS names each Ingress should show, by `cluster/namespace/name` (only Ingresses of converged load balancers). */
  readonly hostnames: ReadonlyMap<string, readonly string[]>;
  /** Desired stacks by group (for the readiness gate and `causeway plan`). */
  readonly stacks: readonly AlbStack[];
}

const EMPTY_STACK = (group: string): AlbStack => ({
  group,
  loadBalancers: [],
  targetGroups: [],
  ingresses: [],
});

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `cluster/namespace/name` of an Ingress ref (the key of Ingress status). */
function ingressKey(ref: ObjectRef): string {
  return `${ref.cluster ?? ''}/${ref.namespace ?? ''}/${ref.name}`;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class AlbReconciler {
  private queued:
    | { resources: ResourceSet; waiters: ((r: AlbReconcileResult) => void)[]; fail: ((e: unknown) => void)[] }
    | undefined;
  private active: Promise<void> | undefined;

  constructor(private readonly o: AlbReconcilerOptions) {}

  /** Reconciles every group against `resources`; serialized and coalesced with other calls. */
  reconcile(resources: ResourceSet): Promise<AlbReconcileResult> {
    return new Promise((resolve, reject) => {
      if (this.queued) {
        this.queued.resources = resources;
        this.queued.waiters.push(resolve);
        this.queued.fail.push(reject);
      } else {
        this.queued = { resources, waiters: [resolve], fail: [reject] };
      }
      this.active ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    while (this.queued) {
      const job = this.queued;
      this.queued = undefined;
      try {
        const r = await this.run(job.resources);
        for (const w of job.waiters) w(r);
      } catch (err) {
        for (const f of job.fail) f(err);
      }
    }
    this.active = undefined;
  }

  /**
   * Makes the next reconcile a drift check: everything is read from AWS again (inventory, stacks,
   * facts), every attribute described for real whatever the digest tags say, so changes made out of
   * band are found and the plan undoes them. The loop calls it every `driftMs`.
   */
  startDriftCheck(): void {
    this.o.reader.invalidateAll({ describeAttributes: true });
    this.o.facts.invalidate();
  }

  /** Builds the desired stacks against the facts and the current actual placements (no apply). */
  async desired(resources: ResourceSet): Promise<{ built: AlbBuildResult; owned: readonly string[] }> {
    const base = await this.o.facts.facts(annotatedSubnetIds(resources));
    const owned = await this.o.reader.ownedGroups();
    const placements: Record<string, Record<string, string>> = {};
    for (const group of owned) {
      const p = placementsFromActual(await this.o.reader.layout(group));
      if (Object.keys(p).length > 0) placements[group] = p;
    }
    const build = this.o.build ?? buildAlbStacks;
    const built = build(resources, { ...base, placements }, { clusterName: this.o.clusterName });
    return { built, owned };
  }

  /** Plans every group without applying (what `causeway plan` prints), with the build's diagnostics. */
  async planAll(
    resources: ResourceSet,
  ): Promise<{ plans: { group: string; plan: AlbPlan }[]; diagnostics: readonly Diagnostic[] }> {
    const { built, owned } = await this.desired(resources);
    const plans: { group: string; plan: AlbPlan }[] = [];
    for (const { group, desired } of this.targets(built, owned))
      plans.push({
        group,
        plan: this.o.plan(desired, await this.o.reader.stack(group, expectedAttributesOf(desired))),
      });
    return { plans, diagnostics: built.diagnostics };
  }

  private targets(built: AlbBuildResult, owned: readonly string[]): { group: string; desired: AlbStack }[] {
    const held = new Set(built.heldGroups);
    const byGroup = new Map(built.stacks.map((s) => [s.group, s]));
    const groups = [...new Set([...byGroup.keys(), ...owned])].filter((g) => !held.has(g)).sort(compare);
    return groups.map((group) => ({ group, desired: byGroup.get(group) ?? EMPTY_STACK(group) }));
  }

  private async run(resources: ResourceSet): Promise<AlbReconcileResult> {
    let built: AlbBuildResult;
    let owned: readonly string[];
    try {
      ({ built, owned } = await this.desired(resources));
    } catch (err) {
      this.o.logger.error({ err: messageOf(err) }, 'ALB: cannot read AWS; nothing applied');
      return {
        groups: [],
        diagnostics: albIngresses(resources).map((ref) =>
          diagnostic('CW_E_ALB_AWS_UNAVAILABLE', ref, `AWS could not be read: ${messageOf(err)}`),
        ),
        hostnames: new Map(),
        stacks: [],
      };
    }
    const diags: Diagnostic[] = [...built.diagnostics];
    const hostnames = new Map<string, string[]>();
    const outcomes: GroupOutcome[] = [];
    const work = this.targets(built, owned);
    const mayApply = this.o.mayApply ?? (() => true);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < work.length) {
        const { group, desired } = work[next++]!;
        const outcome = await this.reconcileGroup(group, desired, mayApply(), diags, hostnames);
        outcomes.push(outcome);
      }
    };
    await Promise.all(
      Array.from({ length: Math.max(1, Math.min(this.o.concurrency ?? 4, work.length)) }, worker),
    );
    outcomes.sort((a, b) => compare(a.group, b.group));
    for (const list of hostnames.values()) list.sort(compare);
    return { groups: outcomes, diagnostics: diags.sort(compareDiagnostics), hostnames, stacks: built.stacks };
  }

  private async reconcileGroup(
    group: string,
    desired: AlbStack,
    apply: boolean,
    diags: Diagnostic[],
    hostnames: Map<string, string[]>,
  ): Promise<GroupOutcome> {
    const log = this.o.logger.child({ group });
    const ingresses = desired.ingresses;
    let planned = 0;
    try {
      const actual = await this.o.reader.stack(group, expectedAttributesOf(desired));
      const plan = this.o.plan(desired, actual);
      planned = plan.changes.length;
      let dns = new Map(actual.loadBalancers.map((lb) => [lb.resourceId, lb.dnsName]));
      if (planned > 0 && apply) {
        const t0 = performance.now();
        const r = await this.o.applier.apply(group, plan, actual);
        dns = new Map(r.dnsNames);
        log.info({ changes: planned, ms: Math.round(performance.now() - t0) }, 'ALB changes applied');
      }
      for (const lb of desired.loadBalancers) {
        const name = dns.get(lb.resourceId);
        if (!name) continue;
        for (const ref of lb.ingresses) {
          const key = ingressKey(ref);
          const list = hostnames.get(key) ?? [];
          if (!list.includes(name)) list.push(name);
          hostnames.set(key, list);
        }
      }
      return { group, applied: apply ? planned : 0, planned };
    } catch (err) {
      const code =
        err instanceof AlbApplyError && err.cause instanceof AlbNameConflictError
          ? 'CW_E_ALB_NAME_CONFLICT'
          : err instanceof AlbApplyError
            ? 'CW_E_ALB_APPLY_FAILED'
            : 'CW_E_ALB_AWS_UNAVAILABLE';
      const applied = err instanceof AlbApplyError ? err.index : 0;
      log.error({ code, err: messageOf(err), applied, planned }, 'ALB reconcile of the group failed');
      for (const ref of ingresses) diags.push(diagnostic(code, ref, messageOf(err)));
      if (err instanceof AwsCallError || !(err instanceof AlbApplyError))
        this.o.reader.invalidate(group, { describeAttributes: true });
      return { group, applied, planned, error: messageOf(err) };
    }
  }
}

/** Subnet ids named by `alb.causeway.dev/subnets` on any Ingress (the facts describe them too). */
function annotatedSubnetIds(resources: ResourceSet): string[] {
  const ids = new Set<string>();
  for (const { object } of resources.ingresses.values())
    for (const id of (object.metadata.annotations?.[SUBNETS.name] ?? '').split(','))
      if (id.trim() !== '') ids.add(id.trim());
  return [...ids].sort(compare);
}

/**
 * The ALB Ingresses of the resources (by IngressClass, whatever their annotations or the AWS facts), for
 * diagnostics when nothing could be built.
 */
function albIngresses(resources: ResourceSet): ObjectRef[] {
  const classes = indexClasses(resources);
  return [...resources.ingresses.values()]
    .filter((ing) => albClassFor(ing.object, classes) !== undefined)
    .map((ing) => diagnosticRef(ingressRef(ing), ing.origin));
}
