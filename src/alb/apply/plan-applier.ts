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
 * After a successful apply the reader's cache is kept in step: a plan of target changes only patches
 * the cached targets (no re-read); any other change makes the group's stack be re-read next time.
 */
import {
  type Action,
  type LoadBalancer,
  AddListenerCertificatesCommand,
  AddTagsCommand,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteRuleCommand,
  DeleteTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeListenerCertificatesCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  ModifyListenerCommand,
  ModifyLoadBalancerAttributesCommand,
  ModifyRuleCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  RegisterTargetsCommand,
  RemoveListenerCertificatesCommand,
  RemoveTagsCommand,
  SetRulePrioritiesCommand,
  SetIpAddressTypeCommand,
  SetSecurityGroupsCommand,
  SetSubnetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Logger } from 'pino';
import {
  TAG_CLUSTER,
  TAG_GROUP,
  TAG_RESOURCE,
  type ActualStack,
  type AlbChange,
  type AlbPlan,
  type AwsTags,
  type ListenerSpec,
  type ResourceRef,
} from '../model/alb-model.js';
import { TAG_ATTRIBUTES_DIGEST } from '../model/attributes-digest.js';
import type { AlbStateReader } from '../aws/actual-state-reader.js';
import { codeOf, type AwsGateway } from '../aws/aws-gateway.js';
import {
  fromSdkTags,
  healthCheckParams,
  targetGroupParams,
  toSdkActions,
  toSdkConditions,
  toSdkTags,
} from '../aws/sdk-mapping.js';

/** AddTags keys per call: AWS takes up to 50 tags per resource; moto refuses far fewer; 10 per call suits both. */
export const ADD_TAGS_BATCH = 10;

export interface PlanApplierOptions {
  readonly gateway: AwsGateway;
  readonly reader: AlbStateReader;
  /** Our `causeway.dev/cluster` tag value. */
  readonly clusterName: string;
  readonly logger?: Logger;
  /** Attempts of a DeleteTargetGroup refused with ResourceInUse (a just-deleted rule or LB), default 5. */
  readonly inUseAttempts?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** An apply stopped at a change; the changes before it are applied (the next run re-reads and goes on). */
export class AlbApplyError extends Error {
  override readonly name = 'AlbApplyError';
  constructor(
    readonly group: string,
    readonly index: number,
    readonly change: AlbChange,
    override readonly cause: unknown,
  ) {
    super(
      `${group}: change ${index + 1} (${change.op}) failed: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
  }
}

/** A resource with the stable name we need exists and is not ours: we leave it alone. */
export class AlbNameConflictError extends Error {
  override readonly name = 'AlbNameConflictError';
}

export interface ApplyResult {
  readonly applied: number;
  /** Every load balancer of the group after the apply: resource id -> DNS name. */
  readonly dnsNames: ReadonlyMap<string, string>;
}

const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Attribute values AWS gives a new target group / load balancer: a create skips the
 * Modify*Attributes call for the attributes that already have them (on a cold start that is one
 * call saved per target group, since the default deregistration delay is AWS's own). A resource
 * adopted after a crash is re-read and planned on the next reconcile, so nothing is assumed for long.
 */
export const NEW_TARGET_GROUP_ATTRIBUTES: Readonly<Record<string, string>> = {
  'deregistration_delay.timeout_seconds': '300',
  'slow_start.duration_seconds': '0',
  'stickiness.enabled': 'false',
  'load_balancing.algorithm.type': 'round_robin',
};
export const NEW_LOAD_BALANCER_ATTRIBUTES: Readonly<Record<string, string>> = {
  'idle_timeout.timeout_seconds': '60',
  'deletion_protection.enabled': 'false',
  'routing.http2.enabled': 'true',
};

function beyondDefaults(
  wanted: Readonly<Record<string, string>>,
  defaults: Readonly<Record<string, string>>,
): { Key: string; Value: string }[] {
  return Object.entries(wanted)
    .filter(([k, v]) => defaults[k] !== v)
    .map(([Key, Value]) => ({ Key, Value }));
}

/** Tags for a Create call: without the digest tag when attributes are still to be modified after it. */
function createTags(tags: AwsTags, modifiesAttributes: boolean): AwsTags {
  if (!modifiesAttributes) return tags;
  const { [TAG_ATTRIBUTES_DIGEST]: _digest, ...rest } = tags;
  return rest;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** `<load balancer resource id>/listener/<port>`: how the model names a listener. */
export function listenerResourceId(lbResourceId: string, port: number): string {
  return `${lbResourceId}/listener/${port}`;
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
    const run = new ApplyRun(this.o, group, actual);
    const changes = plan.changes;
    for (const [i, change] of changes.entries()) {
      try {
        await run.apply(change);
      } catch (err) {
        // Attributes may be half set: the next read describes them rather than trust digest tags.
        this.o.reader.invalidate(group, { describeAttributes: true });
        throw new AlbApplyError(group, i, change, err);
      }
    }
    if (changes.length > 0) {
      if (changes.every(isTargetChange)) {
        for (const c of changes) {
          const arn = run.arnOf(c.targetGroup);
          this.o.reader.noteTargets(
            group,
            arn,
            c.op === 'register-targets' ? c.targets : [],
            c.op === 'deregister-targets' ? c.targets : [],
          );
        }
      } else {
        this.o.reader.invalidate(group);
      }
    }
    return { applied: changes.length, dnsNames: run.dnsNames };
  }
}

/** The state of one apply: resource id -> ARN as resources get created. */
class ApplyRun {
  private readonly arns = new Map<string, string>();
  /** ARNs of load balancers and target groups we own (deletes are checked against it). */
  private readonly owned = new Set<string>();
  readonly dnsNames = new Map<string, string>();

  constructor(
    private readonly o: PlanApplierOptions,
    private readonly group: string,
    actual: ActualStack,
  ) {
    for (const lb of actual.loadBalancers) {
      this.arns.set(lb.resourceId, lb.arn);
      this.owned.add(lb.arn);
      this.dnsNames.set(lb.resourceId, lb.dnsName);
      for (const l of lb.listeners) {
        this.arns.set(listenerResourceId(lb.resourceId, l.port), l.arn);
        for (const r of l.rules) if (r.resourceId) this.arns.set(r.resourceId, r.arn);
      }
    }
    for (const tg of actual.targetGroups) {
      this.arns.set(tg.resourceId, tg.arn);
      this.owned.add(tg.arn);
    }
  }

  arnOf(ref: ResourceRef | string): string {
    const id = typeof ref === 'string' ? ref : ref.resourceId;
    const arn = (typeof ref === 'string' ? undefined : ref.arn) ?? this.arns.get(id);
    if (arn === undefined) throw new Error(`no ARN known for ${id} (not created yet?)`);
    return arn;
  }

  private ownTags(resourceId: string): AwsTags {
    return { [TAG_CLUSTER]: this.o.clusterName, [TAG_GROUP]: this.group, [TAG_RESOURCE]: resourceId };
  }

  /** Whether tags say the resource is ours and is `resourceId`. */
  private isOurs(tags: AwsTags, resourceId: string): boolean {
    return (
      tags[TAG_CLUSTER] === this.o.clusterName &&
      tags[TAG_GROUP] === this.group &&
      tags[TAG_RESOURCE] === resourceId
    );
  }

  private async tagsOf(arn: string): Promise<AwsTags> {
    const r = await this.o.gateway.elbv2(new DescribeTagsCommand({ ResourceArns: [arn] }));
    return fromSdkTags(r.TagDescriptions?.[0]?.Tags);
  }

  private created(
    kind: 'load-balancer' | 'target-group',
    resourceId: string,
    arn: string,
    tags: AwsTags,
  ): void {
    this.arns.set(resourceId, arn);
    this.owned.add(arn);
    this.o.reader.noteOwned({ kind, arn, group: this.group, resourceId, tags });
  }

  async apply(c: AlbChange): Promise<void> {
    const gw = this.o.gateway;
    switch (c.op) {
      case 'create-target-group': {
        const tg = c.targetGroup;
        const tags = { ...tg.tags, ...this.ownTags(tg.resourceId) };
        const tgAttributes = beyondDefaults(tg.attributes, NEW_TARGET_GROUP_ATTRIBUTES);
        const initialTags = createTags(tags, tgAttributes.length > 0);
        let adopted = false;
        let arn: string;
        try {
          const r = await gw.elbv2(
            new CreateTargetGroupCommand({ ...targetGroupParams(tg), Tags: toSdkTags(initialTags) }),
          );
          arn = r.TargetGroups![0]!.TargetGroupArn!;
        } catch (err) {
          if (codeOf(err) !== 'DuplicateTargetGroupName') throw err;
          arn = await this.adoptTargetGroup(tg.name, tg.resourceId);
          adopted = true;
        }
        this.created('target-group', tg.resourceId, arn, adopted ? createTags(tags, true) : initialTags);
        if (tgAttributes.length > 0)
          await gw.elbv2(
            new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: tgAttributes }),
          );
        // An adopted target group gets no digest here: the next read describes it and the plan tags it.
        if (!adopted)
          await this.addDigestTag('target-group', tg.resourceId, arn, tags, tgAttributes.length > 0);
        return;
      }
      case 'modify-target-group':
        await gw.elbv2(
          new ModifyTargetGroupCommand({
            TargetGroupArn: this.arnOf(c.targetGroup),
            ...healthCheckParams(c.healthCheck),
          }),
        );
        return;
      case 'modify-target-group-attributes':
        await gw.elbv2(
          new ModifyTargetGroupAttributesCommand({
            TargetGroupArn: this.arnOf(c.targetGroup),
            Attributes: Object.entries(c.attributes).map(([Key, Value]) => ({ Key, Value })),
          }),
        );
        return;
      case 'register-targets':
        await gw.elbv2(
          new RegisterTargetsCommand({
            TargetGroupArn: this.arnOf(c.targetGroup),
            Targets: c.targets.map((t) => ({ Id: t.id, Port: t.port })),
          }),
        );
        return;
      case 'deregister-targets':
        await gw.elbv2(
          new DeregisterTargetsCommand({
            TargetGroupArn: this.arnOf(c.targetGroup),
            Targets: c.targets.map((t) => ({ Id: t.id, Port: t.port })),
          }),
        );
        return;
      case 'create-load-balancer': {
        const lb = c.loadBalancer;
        const tags = { ...lb.tags, ...this.ownTags(lb.resourceId) };
        const lbAttributes = beyondDefaults(lb.attributes, NEW_LOAD_BALANCER_ATTRIBUTES);
        const initialTags = createTags(tags, lbAttributes.length > 0);
        const adopted = await this.adoptLoadBalancer(lb.name, lb.resourceId);
        const found =
          adopted ??
          (
            await gw.elbv2(
              new CreateLoadBalancerCommand({
                Name: lb.name,
                Type: 'application',
                Scheme: lb.scheme,
                IpAddressType: lb.ipAddressType,
                Subnets: [...lb.subnetIds],
                ...(lb.securityGroupIds.length > 0 ? { SecurityGroups: [...lb.securityGroupIds] } : {}),
                Tags: toSdkTags(initialTags),
              }),
            )
          ).LoadBalancers![0]!;
        const arn = found.LoadBalancerArn!;
        this.dnsNames.set(lb.resourceId, found.DNSName ?? '');
        this.created('load-balancer', lb.resourceId, arn, adopted ? createTags(tags, true) : initialTags);
        if (lbAttributes.length > 0)
          await gw.elbv2(
            new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: lbAttributes }),
          );
        if (!adopted)
          await this.addDigestTag('load-balancer', lb.resourceId, arn, tags, lbAttributes.length > 0);
        return;
      }
      case 'modify-load-balancer': {
        const arn = this.arnOf(c.loadBalancer);
        if (c.subnetIds)
          await gw.elbv2(new SetSubnetsCommand({ LoadBalancerArn: arn, Subnets: [...c.subnetIds] }));
        if (c.ipAddressType)
          await gw.elbv2(
            new SetIpAddressTypeCommand({ LoadBalancerArn: arn, IpAddressType: c.ipAddressType }),
          );
        if (c.securityGroupIds)
          await gw.elbv2(
            new SetSecurityGroupsCommand({ LoadBalancerArn: arn, SecurityGroups: [...c.securityGroupIds] }),
          );
        if (c.attributes && Object.keys(c.attributes).length > 0)
          await gw.elbv2(
            new ModifyLoadBalancerAttributesCommand({
              LoadBalancerArn: arn,
              Attributes: Object.entries(c.attributes).map(([Key, Value]) => ({ Key, Value })),
            }),
          );
        return;
      }
      case 'create-listener': {
        const lbArn = this.arnOf(c.loadBalancer);
        const l = c.listener;
        let arn: string;
        try {
          const r = await gw.elbv2(
            new CreateListenerCommand({
              LoadBalancerArn: lbArn,
              ...this.listenerParams(l),
              Tags: toSdkTags(this.ownTags(l.resourceId)),
            }),
          );
          arn = r.Listeners![0]!.ListenerArn!;
        } catch (err) {
          if (codeOf(err) !== 'DuplicateListener') throw err;
          arn = await this.adoptListener(lbArn, l.port);
          await gw.elbv2(new ModifyListenerCommand({ ListenerArn: arn, ...this.listenerParams(l) }));
        }
        this.arns.set(l.resourceId, arn);
        await this.syncCertificates(arn, l.certificateArns, l.protocol === 'HTTPS');
        return;
      }
      case 'modify-listener': {
        const arn = this.arnOf(c.listener);
        await gw.elbv2(new ModifyListenerCommand({ ListenerArn: arn, ...this.listenerParams(c.spec) }));
        await this.syncCertificates(arn, c.spec.certificateArns, c.spec.protocol === 'HTTPS');
        return;
      }
      case 'create-rule': {
        const r = await gw.elbv2(
          new CreateRuleCommand({
            ListenerArn: this.arnOf(c.listener),
            Priority: c.rule.priority,
            Conditions: toSdkConditions(c.rule.conditions),
            Actions: toSdkActions(c.rule.action, (id) => this.arnOf(id)),
            Tags: toSdkTags(this.ownTags(c.rule.resourceId)),
          }),
        );
        this.arns.set(c.rule.resourceId, r.Rules![0]!.RuleArn!);
        return;
      }
      case 'modify-rule':
        await gw.elbv2(
          new ModifyRuleCommand({
            RuleArn: this.arnOf(c.rule),
            Conditions: toSdkConditions(c.conditions),
            Actions: toSdkActions(c.action, (id) => this.arnOf(id)),
          }),
        );
        return;
      case 'set-rule-priorities':
        await gw.elbv2(
          new SetRulePrioritiesCommand({
            RulePriorities: c.priorities.map((p) => ({ RuleArn: this.arnOf(p.rule), Priority: p.priority })),
          }),
        );
        return;
      case 'delete-rule':
        await this.ignoringNotFound(() => gw.elbv2(new DeleteRuleCommand({ RuleArn: this.arnOf(c.rule) })));
        return;
      case 'delete-listener':
        await this.ignoringNotFound(() =>
          gw.elbv2(new DeleteListenerCommand({ ListenerArn: this.arnOf(c.listener) })),
        );
        return;
      case 'delete-load-balancer': {
        const arn = this.ownedArn(c.loadBalancer);
        await this.ignoringNotFound(() => gw.elbv2(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn })));
        this.o.reader.noteDeleted(arn);
        this.dnsNames.delete(c.loadBalancer.resourceId);
        return;
      }
      case 'delete-target-group': {
        const arn = this.ownedArn(c.targetGroup);
        const attempts = this.o.inUseAttempts ?? 5;
        for (let attempt = 1; ; attempt++) {
          try {
            await this.ignoringNotFound(() =>
              gw.elbv2(new DeleteTargetGroupCommand({ TargetGroupArn: arn })),
            );
            break;
          } catch (err) {
            // A target group stays "in use" for a moment after its rules or load balancer are deleted.
            if (codeOf(err) !== 'ResourceInUse' || attempt >= attempts) throw err;
            await (this.o.sleep ?? realSleep)(500 * attempt);
          }
        }
        this.o.reader.noteDeleted(arn);
        return;
      }
      case 'update-tags': {
        const arn = this.arnOf(c.resource);
        for (const batch of chunks(Object.keys(c.add).sort(), ADD_TAGS_BATCH)) {
          await gw.elbv2(
            new AddTagsCommand({
              ResourceArns: [arn],
              Tags: batch.map((Key) => ({ Key, Value: c.add[Key] ?? '' })),
            }),
          );
        }
        if (c.remove.length > 0)
          await gw.elbv2(new RemoveTagsCommand({ ResourceArns: [arn], TagKeys: [...c.remove] }));
        this.o.reader.noteTags(arn, c.add, c.remove);
        return;
      }
    }
  }

  /**
   * After a create that left the digest tag out (attributes modified after it): the digest tag, now
   * that the attributes are set. Nothing when `tags` has no digest.
   */
  private async addDigestTag(
    kind: 'load-balancer' | 'target-group',
    resourceId: string,
    arn: string,
    tags: AwsTags,
    leftOut: boolean,
  ): Promise<void> {
    const digest = tags[TAG_ATTRIBUTES_DIGEST];
    if (digest === undefined || !leftOut) return;
    await this.o.gateway.elbv2(
      new AddTagsCommand({ ResourceArns: [arn], Tags: [{ Key: TAG_ATTRIBUTES_DIGEST, Value: digest }] }),
    );
    this.created(kind, resourceId, arn, tags);
  }

  /** The ARN of a load balancer or target group to delete, refusing anything not from our inventory. */
  private ownedArn(ref: ResourceRef): string {
    const arn = this.arnOf(ref);
    if (!this.owned.has(arn)) throw new Error(`refusing to delete ${arn}: not in our tagged inventory`);
    return arn;
  }

  private listenerParams(l: Omit<ListenerSpec, 'rules'>): {
    Port: number;
    Protocol: 'HTTP' | 'HTTPS';
    Certificates?: { CertificateArn: string }[];
    SslPolicy?: string;
    DefaultActions: Action[];
  } {
    return {
      Port: l.port,
      Protocol: l.protocol,
      ...(l.protocol === 'HTTPS' && l.certificateArns[0] !== undefined
        ? { Certificates: [{ CertificateArn: l.certificateArns[0] }] }
        : {}),
      ...(l.sslPolicy ? { SslPolicy: l.sslPolicy } : {}),
      DefaultActions: toSdkActions(l.defaultAction, (id) => this.arnOf(id)),
    };
  }

  /** Adds the listener's extra certificates that are missing and removes those no longer wanted. */
  private async syncCertificates(arn: string, wanted: readonly string[], https: boolean): Promise<void> {
    if (!https) return;
    const gw = this.o.gateway;
    const r = await gw.elbv2(new DescribeListenerCertificatesCommand({ ListenerArn: arn }));
    const have = new Set(
      (r.Certificates ?? []).filter((c) => !c.IsDefault).map((c) => c.CertificateArn ?? ''),
    );
    const extra = new Set(wanted.slice(1));
    const add = [...extra].filter((a) => !have.has(a));
    const remove = [...have].filter((a) => !extra.has(a) && a !== wanted[0]);
    if (add.length > 0)
      await gw.elbv2(
        new AddListenerCertificatesCommand({
          ListenerArn: arn,
          Certificates: add.map((CertificateArn) => ({ CertificateArn })),
        }),
      );
    if (remove.length > 0)
      await gw.elbv2(
        new RemoveListenerCertificatesCommand({
          ListenerArn: arn,
          Certificates: remove.map((CertificateArn) => ({ CertificateArn })),
        }),
      );
  }

  private async ignoringNotFound(call: () => Promise<unknown>): Promise<void> {
    try {
      await call();
    } catch (err) {
      if (/NotFound$/.test(codeOf(err))) return;
      throw err;
    }
  }

  /** A load balancer of that name that is ours (a create that went through before a crash), else none. */
  private async adoptLoadBalancer(name: string, resourceId: string): Promise<LoadBalancer | undefined> {
    let found: LoadBalancer[];
    try {
      const r = await this.o.gateway.elbv2(new DescribeLoadBalancersCommand({ Names: [name] }));
      found = (r.LoadBalancers ?? []).filter((lb) => lb.LoadBalancerArn !== undefined);
    } catch (err) {
      if (codeOf(err) === 'LoadBalancerNotFound') return undefined;
      throw err;
    }
    for (const lb of found) {
      if (this.isOurs(await this.tagsOf(lb.LoadBalancerArn!), resourceId)) {
        this.o.logger?.info(
          { group: this.group, resourceId, arn: lb.LoadBalancerArn },
          'adopted an existing load balancer',
        );
        return lb;
      }
    }
    if (found.length > 0)
      throw new AlbNameConflictError(
        `a load balancer named ${name} exists and is not ours (no matching ownership tags)`,
      );
    return undefined;
  }

  private async adoptTargetGroup(name: string, resourceId: string): Promise<string> {
    const r = await this.o.gateway.elbv2(new DescribeTargetGroupsCommand({ Names: [name] }));
    const arn = r.TargetGroups?.[0]?.TargetGroupArn;
    if (arn && this.isOurs(await this.tagsOf(arn), resourceId)) {
      this.o.logger?.info({ group: this.group, resourceId, arn }, 'adopted an existing target group');
      return arn;
    }
    throw new AlbNameConflictError(
      `a target group named ${name} exists and is not ours (no matching ownership tags)`,
    );
  }

  private async adoptListener(lbArn: string, port: number): Promise<string> {
    const r = await this.o.gateway.elbv2(new DescribeListenersCommand({ LoadBalancerArn: lbArn }));
    const arn = r.Listeners?.find((l) => l.Port === port)?.ListenerArn;
    if (!arn) throw new Error(`listener on port ${port} reported as duplicate but not found`);
    return arn;
  }
}
