/**
 * What the SotW and Delta machines share: per-type subscriptions whose removals may be held back, the
 * clusters still warming at the client, the listener/route types deferred until they are warm, and the
 * push pass that plans all of it in make-before-break order (see make-before-break.ts).
 */
import type { ChangedNames, GroupSnapshot } from '../cache/config-watcher.js';
import { RESOURCE_TYPES, type ResourceTypeUrl } from '../protos/envoy-protos.js';
import { AckTracker, type Verdict } from './ack-tracker.js';
import type { AdsNackInfo } from './connection.js';
import type { NodeRejections, RejectedContent } from './rejected-memory.js';
import { WarmingClusters, planPass } from './make-before-break.js';
import { StepBuilder, type Step } from './stream-machine.js';

/**
 * Names of a subscription whose content for the client may differ from what it has, since its last plan:
 * a change pass looks only at these (and at held names), so a change costs O(changed names). `all` after
 * a (re)subscription or a change whose names are unknown.
 */
export type Dirty = Set<string> | 'all';

/** Adds the changed names the subscription cares about (`names` undefined: anything may have changed). */
export function markDirty(
  sub: { dirty: Dirty; readonly wildcard: boolean; readonly names: ReadonlySet<string> },
  names: ReadonlySet<string> | undefined,
): void {
  if (names === undefined) sub.dirty = 'all';
  else if (sub.dirty !== 'all') {
    for (const name of names) if (sub.wildcard || sub.names.has(name)) sub.dirty.add(name);
  }
}

function isDirty(sub: { readonly dirty: Dirty }): boolean {
  return sub.dirty === 'all' || sub.dirty.size > 0;
}

export abstract class HoldingMachine<
  Sub extends {
    held: ReadonlySet<string>;
    dirty: Dirty;
    readonly wildcard: boolean;
    readonly names: ReadonlySet<string>;
  },
  P,
> {
  protected readonly subs = new Map<ResourceTypeUrl, Sub>();
  private readonly warming = new WarmingClusters();
  /** Listener/route types held back until new clusters are warm. */
  private deferred = new Set<ResourceTypeUrl>();

  readonly acks: AckTracker;

  /** What this stream's node rejected on earlier streams (no re-push of rejected content on reconnect). */
  protected readonly rejected: NodeRejections | undefined;
  /**
   * The client told, in a first request of some type, a version it runs: a reconnect of a running
   * process, not a fresh one. Envoy re-subscribes in the order it subscribed (clusters first), so a type
   * it never accepted anything of (e.g. a rejected first Secret) follows a type it told a version of.
   */
  protected runsConfig = false;

  constructor(now: () => number, rejected?: NodeRejections) {
    this.acks = new AckTracker(now);
    this.rejected = rejected;
  }

  /** The content of the response the client just NACKed (name -> resource version). */
  protected abstract rejectedContent(typeUrl: ResourceTypeUrl, nack: AdsNackInfo): RejectedContent;

  /** The clusters of a cluster plan the client does not have yet and that need endpoints to warm. */
  protected abstract newClusters(p: P, snapshot: GroupSnapshot): string[];
  /** The clusters of a cluster plan the client already has at another version (it will re-create them). */
  protected abstract updatedClusters(p: P): string[];
  /** Forgets that the client holds these ClusterLoadAssignments, so the next endpoint plan sends them. */
  protected abstract forgetEndpoints(names: readonly string[]): void;
  /** Records what is sent and adds the push to the step. */
  protected abstract commit(step: StepBuilder, typeUrl: ResourceTypeUrl, p: P): void;
  /** For a change pass: what to send for the type, or undefined (recording a hold that starts or ends). */
  protected abstract planChange(
    typeUrl: ResourceTypeUrl,
    sub: Sub,
    snapshot: GroupSnapshot,
    allowed: boolean,
  ): P | undefined;

  /**
   * A snapshot change: marks the changed names each subscription cares about, then plans the types that
   * have some (or hold something back). `names` per type, as the watcher tells them (absent: unknown).
   */
  onChange(snapshot: GroupSnapshot, changed: ReadonlySet<ResourceTypeUrl>, names?: ChangedNames): Step {
    const types = new Set<ResourceTypeUrl>();
    for (const [t, sub] of this.subs) {
      if (changed.has(t)) markDirty(sub, names?.get(t));
      if ((changed.has(t) && isDirty(sub)) || sub.held.size > 0) types.add(t);
    }
    return this.pass(snapshot, types, false);
  }

  releaseHeld(snapshot: GroupSnapshot, force: boolean): Step {
    if (force) this.warming.clear();
    const types = new Set([...this.subs].filter(([, s]) => s.held.size > 0).map(([t]) => t));
    return types.size === 0 && this.deferred.size === 0
      ? new StepBuilder().build()
      : this.pass(snapshot, types, force);
  }

  hasHeld(): boolean {
    if (this.deferred.size > 0) return true;
    for (const sub of this.subs.values()) if (sub.held.size > 0) return true;
    return false;
  }

  /**
   * An ACK or NACK of endpoints settles the clusters whose assignments that response carried. A NACK is
   * remembered for the node (and an ACK forgets it), so a reconnect is not sent the rejected content again.
   */
  protected noteVerdict(typeUrl: ResourceTypeUrl, verdict: Verdict): void {
    if (verdict.kind === 'nack')
      this.rejected?.remember(typeUrl, this.rejectedContent(typeUrl, verdict.nack));
    else if (verdict.kind === 'ack') this.rejected?.forget(typeUrl);
    if (typeUrl === RESOURCE_TYPES.endpoint && (verdict.kind === 'ack' || verdict.kind === 'nack'))
      this.warming.settle(this.acks.sentNames(typeUrl));
  }

  /**
   * Answers a request for one type: plans it alone (a listener or route still waits while clusters
   * warm) and commits what is planned. Returns whether the type was deferred and how many pushes.
   */
  protected answer(
    step: StepBuilder,
    snapshot: GroupSnapshot,
    typeUrl: ResourceTypeUrl,
    plan: (t: ResourceTypeUrl, allowed: boolean) => P | undefined,
  ): { deferred: boolean; pushes: number } {
    const { plans, deferred } = planPass(new Set([typeUrl]), this.acks, plan, {
      warming: this.warming,
      newClusters: (p) => this.newClusters(p, snapshot),
      routingDeferred: this.deferred.size > 0,
    });
    if (deferred.has(typeUrl)) this.deferred.add(typeUrl);
    else this.deferred.delete(typeUrl);
    this.commitAll(step, plans, snapshot);
    return { deferred: deferred.has(typeUrl), pushes: plans.length };
  }

  /** Pushes every type of `changedTypes` (and every deferred one) whose content for the client changed. */
  private pass(snapshot: GroupSnapshot, changedTypes: ReadonlySet<ResourceTypeUrl>, force: boolean): Step {
    const step = new StepBuilder();
    const types = new Set([...changedTypes, ...this.deferred]);
    const { plans, deferred } = planPass(
      types,
      this.acks,
      (typeUrl, allowed) => {
        const sub = this.subs.get(typeUrl);
        return sub ? this.planChange(typeUrl, sub, snapshot, allowed) : undefined;
      },
      { force, warming: this.warming, newClusters: (p) => this.newClusters(p, snapshot) },
    );
    this.deferred = new Set(deferred);
    this.commitAll(step, plans, snapshot);
    return step.build();
  }

  private commitAll(
    step: StepBuilder,
    plans: ReadonlyArray<readonly [ResourceTypeUrl, P]>,
    snapshot: GroupSnapshot,
  ): void {
    let updated: string[] = [];
    for (const [typeUrl, p] of plans) {
      if (typeUrl === RESOURCE_TYPES.cluster) {
        this.warming.add(this.newClusters(p, snapshot));
        updated = this.updatedClusters(p);
      }
      this.commit(step, typeUrl, p);
    }
    this.resendEndpointsOf(step, updated, snapshot);
  }

  /**
   * Envoy replaces an updated EDS cluster by a new one that warms until its ClusterLoadAssignment
   * arrives, and the old one keeps serving meanwhile. The assignment did not change, so nothing would send
   * it: the new cluster would wait for Envoy's initial fetch timeout (15 s) before it takes over. So the
   * assignments of updated clusters are sent again right after the clusters, on the same stream.
   */
  private resendEndpointsOf(step: StepBuilder, clusters: readonly string[], snapshot: GroupSnapshot): void {
    const sub = this.subs.get(RESOURCE_TYPES.endpoint);
    if (clusters.length === 0 || !sub) return;
    this.forgetEndpoints(clusters);
    const p = this.planChange(RESOURCE_TYPES.endpoint, sub, snapshot, false);
    if (p !== undefined) this.commit(step, RESOURCE_TYPES.endpoint, p);
  }
}
