/**
 * Applies an AlbPlan to AWS, change by change in plan order, through the AwsGateway (rate limits,
 * retries, metrics). Changes name resources by resource id; the applier resolves them to ARNs as it
 * goes (from the actual stack the plan was made against, then from what each create returns).
 *
 * Idempotent, so a controller killed between two calls converges on the next run with no orphan and
 * no duplicate:
 * - every resource is tagged at creation (`Tags` on Create*: cluster, group, resource id), so a
 *   resource that exists is always found by the next inventory, never left untagged;
 * - names are stable (hashed from the resource id): a load balancer is looked up by name before it is
 *   created, and a duplicate target group name or listener port is adopted when it carries our tags
 *   (anything else with that name is not ours: the apply stops with an error, touching nothing);
 * - deleting something already gone succeeds.
 * Deletes only ever target ARNs read from our own tagged inventory.
 *
 * The attributes digest tag (src/alb/model/attributes-digest.ts) is only ever written once the attributes it
 * vouches for are set: a create that must modify attributes creates the resource without it and adds it
 * after the Modify*Attributes call (the plan puts its `update-tags` after the attribute change too), so
 * a crash in between leaves no tag or the old digest, and the next read describes the attributes
 * (unless the desired attributes went back to the old digest's meanwhile: the drift check covers it).
 *
 * The steps live beside this file: apply-change.ts dispatches each change to the step of its resource
 * kind (apply-target-groups, apply-load-balancers, apply-listeners), all sharing one ApplyContext.
 *
 * After a successful apply the reader's cache is kept in step: a plan of target changes only patches
 * the cached targets (no re-read); any other change makes the group's stack be re-read next time.
 */
import type { ActualStack, AlbChange, AlbPlan } from '../model/alb-model.js';
import { ApplyContext, type PlanApplierOptions } from './apply-context.js';
import { applyChange } from './apply-change.js';
import { AlbApplyError } from './apply-errors.js';

export type { PlanApplierOptions } from './apply-context.js';

export interface ApplyResult {
  readonly applied: number;
  /** Every load balancer of the group after the apply: resource id -> DNS name. */
  readonly dnsNames: ReadonlyMap<string, string>;
}

function isTargetChange(
  c: AlbChange,
): c is Extract<AlbChange, { op: 'register-targets' | 'deregister-targets' }> {
  return c.op === 'register-targets' || c.op === 'deregister-targets';
}

export class PlanApplier {
  constructor(private readonly o: PlanApplierOptions) {}

  /** Applies `plan` for `group`, made against `actual`. Throws AlbApplyError at the first failing change. */
  async apply(group: string, plan: AlbPlan, actual: ActualStack): Promise<ApplyResult> {
    const run = new ApplyContext(this.o, group, actual);
    const changes = plan.changes;
    for (const [i, change] of changes.entries()) {
      try {
        await applyChange(run, change);
      } catch (err) {
        // Attributes may be half set: the next read describes them rather than trust digest tags.
        this.o.reader.invalidate(group, { describeAttributes: true });
        throw new AlbApplyError(group, i, change, err);
      }
    }
    if (changes.length > 0) this.keepReaderInStep(group, changes, run);
    return { applied: changes.length, dnsNames: run.dnsNames };
  }

  /** A plan of target changes only patches the reader's cached targets; any other change invalidates it. */
  private keepReaderInStep(group: string, changes: readonly AlbChange[], run: ApplyContext): void {
    if (!changes.every(isTargetChange)) {
      this.o.reader.invalidate(group);
      return;
    }
    for (const c of changes) {
      const arn = run.arnOf(c.targetGroup);
      this.o.reader.noteTargets(
        group,
        arn,
        c.op === 'register-targets' ? c.targets : [],
        c.op === 'deregister-targets' ? c.targets : [],
      );
    }
  }
}
