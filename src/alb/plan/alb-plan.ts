/**
 * alb plan: (desired AlbStack, actual stack of the same group) -> ordered changes. Pure.
 *
 * Pairing is by resource id (the `causeway.dev/resource` tag); listeners pair by port, rules by their
 * conditions. A resource whose AWS name differs from the desired one was built with a field AWS cannot
 * change in place (scheme, target group protocol, port, VPC: they are hashed into the name) and is
 * replaced: the new one is created, references move to it, the old one is deleted last. Duplicates of
 * a resource id (an interrupted create) keep the one with the desired name and delete the others.
 *
 * Order: terminating targets deregistered; target groups created (with their targets) and modified;
 * targets registered, then gone ones deregistered; load balancers created and modified; listeners
 * created (with their rules) and modified; rules created, modified, deleted, moved; listeners and
 * load balancers deleted (AWS deletes a load balancer's listeners and rules, a listener's rules, with
 * it); target groups deleted. A converged stack gives no change at all.
 *
 * Target groups and load balancers carry the digest of their managed attributes as a tag
 * (`causeway.dev/attributes-digest`, src/alb/model/attributes-digest.ts): it is part of their desired tags
 * (in the create, else an `update-tags` after the attribute change), so the reader can trust it on the
 * next read instead of describing the attributes.
 */
import type {
  ActualLoadBalancer,
  ActualStack,
  ActualTargetGroup,
  AlbChange,
  AlbPlan,
  AlbStack,
  AwsTags,
  HealthCheckSpec,
  ListenerSpec,
  LoadBalancerSpec,
  ResourceRef,
  TargetGroupSpec,
} from '../model/alb-model.js';
import { withAttributesDigest } from '../model/attributes-digest.js';
import { batches, diffTargets, isRegistered } from './plan-targets.js';
import {
  canonicalAction,
  planListenerRules,
  stableStringify,
  usesReplaced,
  type ListenerRuleChanges,
} from './plan-rules.js';

interface Paired<D, A> {
  readonly desired: D;
  readonly actual?: A;
}

/** Pairs desired and actual by resource id; returns the pairs and the actual resources left over. */
function pair<
  D extends { resourceId: string; name: string },
  A extends { resourceId: string; name: string; arn: string },
>(desired: readonly D[], actual: readonly A[]): { pairs: Paired<D, A>[]; obsolete: A[] } {
  const byId = new Map<string, A[]>();
  for (const a of [...actual].sort((x, y) => (x.arn < y.arn ? -1 : 1)))
    byId.set(a.resourceId, [...(byId.get(a.resourceId) ?? []), a]);
  const pairs: Paired<D, A>[] = [];
  const used = new Set<A>();
  for (const d of desired) {
    const match = byId.get(d.resourceId)?.find((a) => a.name === d.name);
    if (match) used.add(match);
    pairs.push(match ? { desired: d, actual: match } : { desired: d });
  }
  return {
    pairs,
    obsolete: actual
      .filter((a) => !used.has(a))
      .sort((x, y) =>
        x.resourceId < y.resourceId ? -1 : x.resourceId > y.resourceId ? 1 : x.arn < y.arn ? -1 : 1,
      ),
  };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  const x = [...a].sort();
  const y = [...b].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** Desired attributes that differ from the actual ones (only the keys we manage). */
function attributeChanges(
  desired: Readonly<Record<string, string>>,
  actual: Readonly<Record<string, string>>,
): Record<string, string> | undefined {
  const diff = Object.entries(desired).filter(([k, v]) => actual[k] !== v);
  return diff.length > 0 ? { ...desired } : undefined;
}

function tagChange(resource: ResourceRef, desired: AwsTags, actual: AwsTags): AlbChange | undefined {
  const add = Object.fromEntries(Object.entries(desired).filter(([k, v]) => actual[k] !== v));
  const remove = Object.keys(actual)
    .filter((k) => !(k in desired) && !k.startsWith('aws:'))
    .sort();
  if (Object.keys(add).length === 0 && remove.length === 0) return undefined;
  return { op: 'update-tags', resource, add, remove };
}

function sameHealthCheck(a: HealthCheckSpec, b: HealthCheckSpec): boolean {
  return stableStringify(a) === stableStringify(b);
}

function listenerHead(l: ListenerSpec): Omit<ListenerSpec, 'rules'> {
  const { rules: _rules, ...head } = l;
  return head;
}

function sameListener(d: ListenerSpec, a: ActualLoadBalancer['listeners'][number]): boolean {
  return (
    d.protocol === a.protocol &&
    (d.certificateArns[0] ?? '') === (a.certificateArns[0] ?? '') &&
    sameList(d.certificateArns, a.certificateArns) &&
    (d.protocol !== 'HTTPS' || d.sslPolicy === a.sslPolicy) &&
    canonicalAction(d.defaultAction) === canonicalAction(a.defaultAction)
  );
}

function loadBalancerHead(lb: LoadBalancerSpec): Omit<LoadBalancerSpec, 'listeners' | 'hosts' | 'ingresses'> {
  const { listeners: _l, hosts: _h, ingresses: _i, ...head } = lb;
  return { ...head, tags: withAttributesDigest(lb.tags, lb.attributes) };
}

/** Changes of the target groups and their targets, in the three phases they go out in. */
interface TargetGroupChanges {
  /** Terminating targets deregistered, before anything else. */
  readonly first: AlbChange[];
  /** Target groups created (with their targets) and modified. */
  readonly tgChanges: AlbChange[];
  /** Targets registered, then gone ones deregistered. */
  readonly targetChanges: AlbChange[];
}

function planCreateTargetGroup(d: TargetGroupSpec, out: TargetGroupChanges): void {
  const { targets, ...rest } = d;
  out.tgChanges.push({
    op: 'create-target-group',
    targetGroup: { ...rest, tags: withAttributesDigest(d.tags, d.attributes), targets },
  });
  for (const batch of batches(targets.filter(isRegistered).map((t) => ({ id: t.id, port: t.port }))))
    out.tgChanges.push({ op: 'register-targets', targetGroup: { resourceId: d.resourceId }, targets: batch });
}

function planTargetGroups(pairs: readonly Paired<TargetGroupSpec, ActualTargetGroup>[]): TargetGroupChanges {
  const out: TargetGroupChanges = { first: [], tgChanges: [], targetChanges: [] };
  for (const { desired: d, actual: a } of pairs) {
    if (!a) {
      planCreateTargetGroup(d, out);
      continue;
    }
    const ref: ResourceRef = { resourceId: d.resourceId, arn: a.arn };
    if (!sameHealthCheck(d.healthCheck, a.healthCheck))
      out.tgChanges.push({ op: 'modify-target-group', targetGroup: ref, healthCheck: d.healthCheck });
    const attrs = attributeChanges(d.attributes, a.attributes);
    if (attrs)
      out.tgChanges.push({ op: 'modify-target-group-attributes', targetGroup: ref, attributes: attrs });
    const tags = tagChange(ref, withAttributesDigest(d.tags, d.attributes), a.tags);
    if (tags) out.tgChanges.push(tags);
    const diff = diffTargets(d.targets, a.targets);
    for (const batch of diff.deregisterTerminating)
      out.first.push({ op: 'deregister-targets', targetGroup: ref, targets: batch });
    for (const batch of diff.register)
      out.targetChanges.push({ op: 'register-targets', targetGroup: ref, targets: batch });
    for (const batch of diff.deregisterGone)
      out.targetChanges.push({ op: 'deregister-targets', targetGroup: ref, targets: batch });
  }
  return out;
}

/** The create, or the modify and tag changes, of one load balancer (without its listeners). */
function planLoadBalancer(
  d: LoadBalancerSpec,
  a: ActualLoadBalancer | undefined,
  lbRef: ResourceRef,
): AlbChange[] {
  if (!a) return [{ op: 'create-load-balancer', loadBalancer: loadBalancerHead(d) }];
  const changes: AlbChange[] = [];
  const subnets = d.subnetIds.length > 0 && !sameList(d.subnetIds, a.subnetIds);
  const sgs = d.securityGroupIds.length > 0 && !sameList(d.securityGroupIds, a.securityGroupIds);
  const attrs = attributeChanges(d.attributes, a.attributes);
  const ipType = d.ipAddressType !== a.ipAddressType;
  if (subnets || sgs || attrs || ipType)
    changes.push({
      op: 'modify-load-balancer',
      loadBalancer: lbRef,
      ...(subnets ? { subnetIds: d.subnetIds } : {}),
      ...(sgs ? { securityGroupIds: d.securityGroupIds } : {}),
      ...(attrs ? { attributes: attrs } : {}),
      ...(ipType ? { ipAddressType: d.ipAddressType } : {}),
    });
  const tags = tagChange(lbRef, withAttributesDigest(d.tags, d.attributes), a.tags);
  if (tags) changes.push(tags);
  return changes;
}

/** Changes of the listeners of one load balancer, by phase. */
interface LoadBalancerListenerChanges {
  readonly listenerChanges: AlbChange[];
  readonly ruleChanges: ListenerRuleChanges[];
  readonly deletes: AlbChange[];
}

function planListeners(
  d: LoadBalancerSpec,
  a: ActualLoadBalancer | undefined,
  lbRef: ResourceRef,
  replaced: ReadonlySet<string>,
  out: LoadBalancerListenerChanges,
): void {
  const actualListeners = new Map((a?.listeners ?? []).map((l) => [l.port, l]));
  for (const l of d.listeners) {
    const al = actualListeners.get(l.port);
    actualListeners.delete(l.port);
    if (!al) {
      out.listenerChanges.push({ op: 'create-listener', loadBalancer: lbRef, listener: listenerHead(l) });
      for (const r of l.rules)
        out.listenerChanges.push({ op: 'create-rule', listener: { resourceId: l.resourceId }, rule: r });
      continue;
    }
    const ref: ResourceRef = { resourceId: l.resourceId, arn: al.arn };
    if (!sameListener(l, al) || usesReplaced(l.defaultAction, replaced))
      out.listenerChanges.push({ op: 'modify-listener', listener: ref, spec: listenerHead(l) });
    out.ruleChanges.push(planListenerRules(ref, l.rules, al.rules, replaced));
  }
  for (const al of [...actualListeners.values()].sort((x, y) => x.port - y.port))
    out.deletes.push({
      op: 'delete-listener',
      listener: { resourceId: `${d.resourceId}/listener/${al.port}`, arn: al.arn },
    });
}

/** Resource ids of target groups being replaced (a new one created under the id of an obsolete one). */
function replacedTargetGroups(tgs: {
  readonly pairs: readonly Paired<TargetGroupSpec, ActualTargetGroup>[];
  readonly obsolete: readonly ActualTargetGroup[];
}): Set<string> {
  const obsoleteIds = new Set(tgs.obsolete.map((a) => a.resourceId));
  return new Set(
    tgs.pairs
      .filter((p) => !p.actual && obsoleteIds.has(p.desired.resourceId))
      .map((p) => p.desired.resourceId),
  );
}

export function planAlbStack(desired: AlbStack | undefined, actual: ActualStack): AlbPlan {
  const tgs = pair<TargetGroupSpec, ActualTargetGroup>(desired?.targetGroups ?? [], actual.targetGroups);
  const lbs = pair<LoadBalancerSpec, ActualLoadBalancer>(desired?.loadBalancers ?? [], actual.loadBalancers);
  // Target groups created under the resource id of one being replaced: whatever forwards to them moves.
  const replaced = replacedTargetGroups(tgs);
  const { first, tgChanges, targetChanges } = planTargetGroups(tgs.pairs);
  const lbChanges: AlbChange[] = [];
  const listeners: LoadBalancerListenerChanges = { listenerChanges: [], ruleChanges: [], deletes: [] };
  for (const { desired: d, actual: a } of lbs.pairs) {
    const lbRef: ResourceRef = a ? { resourceId: d.resourceId, arn: a.arn } : { resourceId: d.resourceId };
    lbChanges.push(...planLoadBalancer(d, a, lbRef));
    planListeners(d, a, lbRef, replaced, listeners);
  }
  const { listenerChanges, ruleChanges, deletes } = listeners;
  for (const a of lbs.obsolete)
    deletes.push({ op: 'delete-load-balancer', loadBalancer: { resourceId: a.resourceId, arn: a.arn } });
  for (const a of tgs.obsolete)
    deletes.push({ op: 'delete-target-group', targetGroup: { resourceId: a.resourceId, arn: a.arn } });

  // Rules: creates everywhere before deletes anywhere (a host moving between load balancers of a
  // split group is served by the new one before the old one lets go), then priority moves.
  const phase = (k: keyof ListenerRuleChanges): AlbChange[] => ruleChanges.flatMap((r) => r[k]);
  return {
    changes: [
      ...first,
      ...tgChanges,
      ...targetChanges,
      ...lbChanges,
      ...listenerChanges,
      ...phase('creates'),
      ...phase('modifies'),
      ...phase('deletes'),
      ...phase('moves'),
      ...deletes,
    ],
  };
}
