/**
 * The inventory of what this cluster owns in AWS: every application load balancer and target group,
 * paginated, with their tags read in batches; only resources with our cluster tag (and a group and
 * resource tag) are kept. Also the batched tag read the group stack reader uses for rules.
 */
import {
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  type DescribeTargetGroupsCommandOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Logger } from 'pino';
import { TAG_CLUSTER, TAG_GROUP, TAG_RESOURCE, type AwsTags } from '../model/alb-model.js';
import { codeOf, type AwsGateway } from './aws-gateway.js';
import { fromSdkTags } from './sdk-mapping.js';

export const DESCRIBE_PAGE_SIZE = 400;
const TAG_BATCH = 20;

/** A load balancer or target group that carries our cluster tag. */
export interface OwnedResource {
  readonly kind: 'load-balancer' | 'target-group';
  readonly arn: string;
  readonly group: string;
  readonly resourceId: string;
  readonly tags: AwsTags;
}

export function chunks<T>(items: readonly T[], size: number = TAG_BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Tags of ARNs, 20 per DescribeTags call; an ARN that vanished meanwhile is skipped. */
export async function tagsOf(gw: AwsGateway, arns: readonly string[]): Promise<Map<string, AwsTags>> {
  const out = new Map<string, AwsTags>();
  for (const batch of chunks(arns, TAG_BATCH)) {
    try {
      const r = await gw.elbv2(new DescribeTagsCommand({ ResourceArns: batch }));
      for (const d of r.TagDescriptions ?? []) if (d.ResourceArn) out.set(d.ResourceArn, fromSdkTags(d.Tags));
    } catch (err) {
      if (!/NotFound$/.test(codeOf(err)) || batch.length === 1) {
        if (/NotFound$/.test(codeOf(err))) continue;
        throw err;
      }
      // One ARN of the batch is gone: ask one by one for this batch only.
      for (const m of await tagsOfEach(gw, batch)) out.set(m[0], m[1]);
    }
  }
  return out;
}

async function tagsOfEach(gw: AwsGateway, arns: readonly string[]): Promise<Map<string, AwsTags>> {
  const out = new Map<string, AwsTags>();
  for (const arn of arns) for (const m of await tagsOf(gw, [arn])) out.set(m[0], m[1]);
  return out;
}

async function allApplicationLoadBalancerArns(gw: AwsGateway): Promise<string[]> {
  const lbArns: string[] = [];
  let marker: string | undefined;
  do {
    const page = await gw.elbv2(
      new DescribeLoadBalancersCommand({
        PageSize: DESCRIBE_PAGE_SIZE,
        ...(marker ? { Marker: marker } : {}),
      }),
    );
    for (const lb of page.LoadBalancers ?? [])
      if (lb.Type === 'application' && lb.LoadBalancerArn) lbArns.push(lb.LoadBalancerArn);
    marker = page.NextMarker;
  } while (marker);
  return lbArns;
}

async function allTargetGroupArns(gw: AwsGateway): Promise<string[]> {
  const tgArns: string[] = [];
  let marker: string | undefined;
  do {
    const page: DescribeTargetGroupsCommandOutput = await gw.elbv2(
      new DescribeTargetGroupsCommand({
        PageSize: DESCRIBE_PAGE_SIZE,
        ...(marker ? { Marker: marker } : {}),
      }),
    );
    for (const tg of page.TargetGroups ?? []) if (tg.TargetGroupArn) tgArns.push(tg.TargetGroupArn);
    marker = page.NextMarker;
  } while (marker);
  return tgArns;
}

/** Every load balancer and target group tagged with our cluster, by ARN. */
export async function readInventory(
  gw: AwsGateway,
  clusterName: string,
  logger: Logger | undefined,
): Promise<Map<string, OwnedResource>> {
  const lbArns = await allApplicationLoadBalancerArns(gw);
  const tgArns = await allTargetGroupArns(gw);
  const owned = new Map<string, OwnedResource>();
  const kinds = new Map<string, OwnedResource['kind']>([
    ...lbArns.map((a) => [a, 'load-balancer'] as const),
    ...tgArns.map((a) => [a, 'target-group'] as const),
  ]);
  const tags = await tagsOf(gw, [...lbArns, ...tgArns]);
  for (const [arn, t] of tags) {
    if (t[TAG_CLUSTER] !== clusterName) continue;
    const group = t[TAG_GROUP];
    const resourceId = t[TAG_RESOURCE];
    if (group === undefined || resourceId === undefined) {
      logger?.warn({ arn }, 'resource has our cluster tag but no group/resource tag; left alone');
      continue;
    }
    owned.set(arn, { kind: kinds.get(arn)!, arn, group, resourceId, tags: t });
  }
  return owned;
}
