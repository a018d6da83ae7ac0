/**
 * The state of one apply of an AlbPlan: resource id -> ARN as resources get created, the ARNs we own
 * (deletes are checked against it), each load balancer's DNS name, and the ownership-tag helpers every
 * change step uses.
 */
import { AddTagsCommand, DescribeTagsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Logger } from 'pino';
import {
  TAG_CLUSTER,
  TAG_GROUP,
  TAG_RESOURCE,
  type ActualStack,
  type AwsTags,
  type ResourceRef,
} from '../model/alb-model.js';
import { TAG_ATTRIBUTES_DIGEST } from '../model/attributes-digest.js';
import type { AlbStateReader } from '../aws/actual-state-reader.js';
import { codeOf, type AwsGateway } from '../aws/aws-gateway.js';
import { fromSdkTags } from '../aws/sdk-mapping.js';

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

/** `<load balancer resource id>/listener/<port>`: how the model names a listener. */
function listenerResourceId(lbResourceId: string, port: number): string {
  return `${lbResourceId}/listener/${port}`;
}

/** Runs a delete that succeeds when the resource is already gone. */
export async function ignoringNotFound(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (err) {
    if (/NotFound$/.test(codeOf(err))) return;
    throw err;
  }
}

/** The state of one apply: resource id -> ARN as resources get created. */
export class ApplyContext {
  private readonly arns = new Map<string, string>();
  /** ARNs of load balancers and target groups we own (deletes are checked against it). */
  private readonly owned = new Set<string>();
  readonly dnsNames = new Map<string, string>();

  constructor(
    readonly options: PlanApplierOptions,
    readonly group: string,
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

  get gateway(): AwsGateway {
    return this.options.gateway;
  }

  arnOf(ref: ResourceRef | string): string {
    const id = typeof ref === 'string' ? ref : ref.resourceId;
    const arn = (typeof ref === 'string' ? undefined : ref.arn) ?? this.arns.get(id);
    if (arn === undefined) throw new Error(`no ARN known for ${id} (not created yet?)`);
    return arn;
  }

  /** Records the ARN of a listener or rule just created (or adopted). */
  noteArn(resourceId: string, arn: string): void {
    this.arns.set(resourceId, arn);
  }

  ownTags(resourceId: string): AwsTags {
    return { [TAG_CLUSTER]: this.options.clusterName, [TAG_GROUP]: this.group, [TAG_RESOURCE]: resourceId };
  }

  /** Whether tags say the resource is ours and is `resourceId`. */
  isOurs(tags: AwsTags, resourceId: string): boolean {
    return (
      tags[TAG_CLUSTER] === this.options.clusterName &&
      tags[TAG_GROUP] === this.group &&
      tags[TAG_RESOURCE] === resourceId
    );
  }

  async tagsOf(arn: string): Promise<AwsTags> {
    const r = await this.options.gateway.elbv2(new DescribeTagsCommand({ ResourceArns: [arn] }));
    return fromSdkTags(r.TagDescriptions?.[0]?.Tags);
  }

  created(kind: 'load-balancer' | 'target-group', resourceId: string, arn: string, tags: AwsTags): void {
    this.arns.set(resourceId, arn);
    this.owned.add(arn);
    this.options.reader.noteOwned({ kind, arn, group: this.group, resourceId, tags });
  }

  /**
   * After a create that left the digest tag out (attributes modified after it): the digest tag, now
   * that the attributes are set. Nothing when `tags` has no digest.
   */
  async addDigestTag(
    kind: 'load-balancer' | 'target-group',
    resourceId: string,
    arn: string,
    tags: AwsTags,
    leftOut: boolean,
  ): Promise<void> {
    const digest = tags[TAG_ATTRIBUTES_DIGEST];
    if (digest === undefined || !leftOut) return;
    await this.options.gateway.elbv2(
      new AddTagsCommand({ ResourceArns: [arn], Tags: [{ Key: TAG_ATTRIBUTES_DIGEST, Value: digest }] }),
    );
    this.created(kind, resourceId, arn, tags);
  }

  /** The ARN of a load balancer or target group to delete, refusing anything not from our inventory. */
  ownedArn(ref: ResourceRef): string {
    const arn = this.arnOf(ref);
    if (!this.owned.has(arn)) throw new Error(`refusing to delete ${arn}: not in our tagged inventory`);
    return arn;
  }
}
