/**
 * The actual state of what this cluster owns in AWS, found by ownership tags (`causeway.dev/cluster`,
 * `.../ingress-group`, `.../resource`), read with as few calls as possible and cached:
 *
 * - **Inventory** (once, then kept up to date by the applier): DescribeLoadBalancers and
 *   DescribeTargetGroups paginated by 400, DescribeTags in batches of 20 ARNs; everything without our
 *   cluster tag is ignored (and never touched). This is what a restart costs: about
 *   `2 + (load balancers + target groups) / 20` calls, not one call per resource and kind.
 * - **Group stack** (per IngressGroup, only when a plan needs it): the group's load balancers by ARN,
 *   their attributes, listeners (and HTTPS listener certificates), rules (tags in batches of 20), the
 *   group's target groups by ARN, their attributes and target health. Kept until the applier reports a
 *   change to the group, so a converged resync reads nothing and an endpoint change costs only the
 *   register/deregister calls (the applier patches the cached targets instead of forgetting them).
 * - **Attributes** are the one read per resource that tags can spare: a resource whose
 *   `causeway.dev/attributes-digest` tag (src/alb/model/attributes-digest.ts, written by the applier once
 *   the attributes are set) equals the digest of the attributes the caller expects (the desired ones)
 *   is reported with those attributes, without a Describe*Attributes call; no tag, or another digest,
 *   and they are described. So a restart over a converged account reads no attributes. After
 *   `invalidateAll({ describeAttributes: true })` (the periodic drift pass) or a failed apply, the next
 *   read of each group describes every attribute for real: that is how out-of-band changes are found.
 *
 * This file keeps the cache and its invalidation; the reads are in owned-inventory.ts (inventory, tags)
 * and group-stack-reads.ts (one group's resources).
 */
import type { Logger } from 'pino';
import type {
  ActualLoadBalancer,
  ActualStack,
  ActualTarget,
  ActualTargetGroup,
  AwsTags,
} from '../model/alb-model.js';
import { digestVouchesFor, TAG_ATTRIBUTES_DIGEST } from '../model/attributes-digest.js';
import { codeOf, type AwsGateway } from './aws-gateway.js';
import {
  actualLoadBalancer,
  actualTargetGroup,
  compare,
  describeLoadBalancers,
  describeTargetGroups,
  loadBalancerAttributes,
  readListeners,
  readTargets,
  sortTargets,
  targetGroupAttributes,
} from './group-stack-reads.js';
import { readInventory, tagsOf, type OwnedResource } from './owned-inventory.js';

/**
 * The managed attributes the caller expects, by resource id (the desired stack's): a resource whose
 * digest tag vouches for them is reported with them instead of being described.
 */
export type ExpectedAttributes = ReadonlyMap<string, Readonly<Record<string, string>>>;

/** A group's stack as read, with the ARNs whose attributes are not read yet (shown as `{}`). */
interface CachedStack {
  readonly stack: ActualStack;
  readonly unread: ReadonlySet<string>;
}

/** Options of `invalidate` and `invalidateAll`. */
export interface InvalidateOptions {
  /** The next read describes every attribute for real, whatever the digest tags say (drift check). */
  readonly describeAttributes?: boolean;
}

export interface AlbStateReaderOptions {
  readonly gateway: AwsGateway;
  /** The value of our `causeway.dev/cluster` tag. */
  readonly clusterName: string;
  readonly logger?: Logger;
}

export class AlbStateReader {
  /** Everything we own, by ARN; undefined until the first inventory. */
  private owned: Map<string, OwnedResource> | undefined;
  private readonly stacks = new Map<string, CachedStack>();
  /** Groups whose next read describes every attribute for real (drift pass, failed apply). */
  private readonly verify = new Set<string>();
  /** After a drift pass: the groups read for real since; undefined when no drift pass is pending. */
  private verifiedSinceDrift: Set<string> | undefined;

  constructor(private readonly o: AlbStateReaderOptions) {}

  /** The IngressGroups that own something in AWS (reads the inventory the first time). */
  async ownedGroups(): Promise<string[]> {
    const owned = await this.inventory();
    return [...new Set([...owned.values()].map((r) => r.group))].sort(compare);
  }

  /**
   * The actual stack of a group: cached, else read. Attributes not read yet are taken from `expected`
   * when the resource's digest tag vouches for them, else described (and then cached either way).
   */
  async stack(group: string, expected?: ExpectedAttributes): Promise<ActualStack> {
    return this.withFreshInventoryOnNotFound(group, async () => {
      const cached = await this.cachedOrRead(group);
      if (cached.unread.size === 0) return cached.stack;
      const stack = await this.resolveAttributes(cached, expected ?? new Map());
      this.stacks.set(group, { stack, unread: new Set() });
      return stack;
    });
  }

  /**
   * The group's stack for what does not depend on attributes (listeners, rules, ARNs: host
   * placements, the readiness gate): attributes not read yet are shown as `{}`. Never plan against it.
   */
  async layout(group: string): Promise<ActualStack> {
    return this.withFreshInventoryOnNotFound(group, async () => (await this.cachedOrRead(group)).stack);
  }

  private async cachedOrRead(group: string): Promise<CachedStack> {
    const cached = this.stacks.get(group);
    if (cached) return cached;
    const owned = await this.inventory();
    const mine = [...owned.values()].filter((r) => r.group === group);
    const forReal =
      this.verify.has(group) ||
      (this.verifiedSinceDrift !== undefined && !this.verifiedSinceDrift.has(group));
    const read = await this.readGroup(mine, forReal);
    this.stacks.set(group, read);
    this.verify.delete(group);
    this.verifiedSinceDrift?.add(group);
    return read;
  }

  private async withFreshInventoryOnNotFound<T>(group: string, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (err) {
      if (!/NotFound$/.test(codeOf(err))) throw err;
      // Something of the group vanished behind our back: take a fresh inventory and read again.
      this.o.logger?.info({ group, code: codeOf(err) }, 'owned resource gone; re-reading the inventory');
      this.owned = undefined;
      this.stacks.delete(group);
      return await read();
    }
  }

  /** Fills in the attributes not read yet: from `expected` when the digest tag vouches, else described. */
  private async resolveAttributes(cached: CachedStack, expected: ExpectedAttributes): Promise<ActualStack> {
    const gw = this.o.gateway;
    const attributesOf = async (
      r: { arn: string; resourceId: string; tags: AwsTags; attributes: Readonly<Record<string, string>> },
      describe: (arn: string) => Promise<Record<string, string>>,
    ): Promise<Readonly<Record<string, string>>> => {
      if (!cached.unread.has(r.arn)) return r.attributes;
      const want = expected.get(r.resourceId);
      if (want !== undefined && digestVouchesFor(r.tags, want)) return { ...want };
      return describe(r.arn);
    };
    const targetGroups: ActualTargetGroup[] = [];
    for (const tg of cached.stack.targetGroups)
      targetGroups.push({
        ...tg,
        attributes: await attributesOf(tg, (arn) => targetGroupAttributes(gw, arn)),
      });
    const loadBalancers: ActualLoadBalancer[] = [];
    for (const lb of cached.stack.loadBalancers)
      loadBalancers.push({
        ...lb,
        attributes: await attributesOf(lb, (arn) => loadBalancerAttributes(gw, arn)),
      });
    return { loadBalancers, targetGroups };
  }

  /** Whether the group's stack is cached (a plan against it costs no call). */
  isCached(group: string): boolean {
    return this.stacks.has(group);
  }

  /** Forgets a group's stack (the next `stack(group)` reads it again). */
  invalidate(group: string, o: InvalidateOptions = {}): void {
    this.stacks.delete(group);
    if (o.describeAttributes) this.verify.add(group);
  }

  /** Forgets everything (inventory included); with `describeAttributes`, each group's next read ignores digests. */
  invalidateAll(o: InvalidateOptions = {}): void {
    this.stacks.clear();
    this.owned = undefined;
    if (o.describeAttributes) this.verifiedSinceDrift = new Set();
  }

  /** The applier created (or adopted) a resource, or changed its tags. */
  noteOwned(r: OwnedResource): void {
    this.owned?.set(r.arn, r);
  }

  /** The applier changed tags of a load balancer or target group: keep the inventory's copy in step. */
  noteTags(arn: string, add: AwsTags, remove: readonly string[]): void {
    const r = this.owned?.get(arn);
    if (!r) return;
    const tags: Record<string, string> = { ...r.tags, ...add };
    for (const k of remove) delete tags[k];
    this.owned!.set(arn, { ...r, tags });
  }

  /** The applier deleted a resource. */
  noteDeleted(arn: string): void {
    this.owned?.delete(arn);
  }

  /** The applier changed only targets of a group's target group: patch the cached stack. */
  noteTargets(
    group: string,
    targetGroupArn: string,
    registered: readonly { id: string; port: number }[],
    deregistered: readonly { id: string; port: number }[],
  ): void {
    const cached = this.stacks.get(group);
    if (!cached) return;
    const stack = cached.stack;
    const key = (t: { id: string; port: number }): string => `${t.id}:${t.port}`;
    const gone = new Set(deregistered.map(key));
    this.stacks.set(group, {
      unread: cached.unread,
      stack: {
        ...stack,
        targetGroups: stack.targetGroups.map((tg) => {
          if (tg.arn !== targetGroupArn) return tg;
          const kept = tg.targets.filter((t) => !gone.has(key(t)));
          const have = new Set(kept.map(key));
          const added: ActualTarget[] = registered
            .filter((t) => !have.has(key(t)))
            .map((t) => ({ id: t.id, port: t.port, health: 'initial' }));
          return { ...tg, targets: sortTargets([...kept, ...added]) };
        }),
      },
    });
  }

  /** Fresh target health of some target groups (readiness gate), by ARN; does not touch the cache. */
  async targetHealth(targetGroupArns: readonly string[]): Promise<Map<string, ActualTarget[]>> {
    const out = new Map<string, ActualTarget[]>();
    for (const arn of targetGroupArns) out.set(arn, await readTargets(this.o.gateway, arn));
    return out;
  }

  // -------------------------------------------------------------------------------------------------

  private async inventory(): Promise<Map<string, OwnedResource>> {
    if (this.owned) return this.owned;
    this.owned = await readInventory(this.o.gateway, this.o.clusterName, this.o.logger);
    return this.owned;
  }

  /**
   * Reads a group's stack; attributes are described at once when `describeAttributes` or the resource
   * has no digest tag, else left unread (`{}`, ARN in `unread`) for `stack()` to resolve.
   */
  private async readGroup(mine: readonly OwnedResource[], describeAttributes: boolean): Promise<CachedStack> {
    const unread = new Set<string>();
    const deferred = (own: OwnedResource): boolean => {
      const later = !describeAttributes && own.tags[TAG_ATTRIBUTES_DIGEST] !== undefined;
      if (later) unread.add(own.arn);
      return later;
    };
    const gw = this.o.gateway;
    const arnsOf = (kind: OwnedResource['kind']): string[] =>
      mine.filter((r) => r.kind === kind).map((r) => r.arn);
    const byArn = new Map(mine.map((r) => [r.arn, r]));
    const tgResourceId = (arn: string): string | undefined => byArn.get(arn)?.resourceId;
    const targetGroups: ActualTargetGroup[] = [];
    for (const tg of await describeTargetGroups(gw, arnsOf('target-group'))) {
      const own = byArn.get(tg.TargetGroupArn!)!;
      const attributes = deferred(own) ? {} : await targetGroupAttributes(gw, own.arn);
      targetGroups.push(actualTargetGroup(tg, own, attributes, await readTargets(gw, own.arn)));
    }
    const loadBalancers: ActualLoadBalancer[] = [];
    for (const lb of await describeLoadBalancers(gw, arnsOf('load-balancer'))) {
      const own = byArn.get(lb.LoadBalancerArn!)!;
      const attributes = deferred(own) ? {} : await loadBalancerAttributes(gw, own.arn);
      const listeners = await readListeners(gw, own.arn, tgResourceId, (arns) => tagsOf(gw, arns));
      loadBalancers.push(actualLoadBalancer(lb, own, attributes, listeners));
    }
    return {
      stack: {
        loadBalancers: loadBalancers.sort((a, b) => compare(a.resourceId, b.resourceId)),
        targetGroups: targetGroups.sort((a, b) => compare(a.resourceId, b.resourceId)),
      },
      unread,
    };
  }
}
