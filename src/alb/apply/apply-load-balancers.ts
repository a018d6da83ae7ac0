/**
 * Apply steps for load balancers: create (or adopt one of ours left by a crash), modify subnets, IP
 * address type, security groups and attributes, delete.
 */
import {
  type LoadBalancer,
  CreateLoadBalancerCommand,
  DeleteLoadBalancerCommand,
  DescribeLoadBalancersCommand,
  ModifyLoadBalancerAttributesCommand,
  SetIpAddressTypeCommand,
  SetSecurityGroupsCommand,
  SetSubnetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AlbChange, AwsTags } from '../model/alb-model.js';
import { codeOf } from '../aws/aws-gateway.js';
import { toSdkTags } from '../aws/sdk-mapping.js';
import { ignoringNotFound, type ApplyContext } from './apply-context.js';
import { AlbNameConflictError } from './apply-errors.js';
import { NEW_LOAD_BALANCER_ATTRIBUTES, beyondDefaults, createTags } from './create-tags.js';

type Change<Op extends AlbChange['op']> = Extract<AlbChange, { op: Op }>;

/** A load balancer of that name that is ours (a create that went through before a crash), else none. */
async function adoptLoadBalancer(
  ctx: ApplyContext,
  name: string,
  resourceId: string,
): Promise<LoadBalancer | undefined> {
  let found: LoadBalancer[];
  try {
    const r = await ctx.gateway.elbv2(new DescribeLoadBalancersCommand({ Names: [name] }));
    found = (r.LoadBalancers ?? []).filter((lb) => lb.LoadBalancerArn !== undefined);
  } catch (err) {
    if (codeOf(err) === 'LoadBalancerNotFound') return undefined;
    throw err;
  }
  for (const lb of found) {
    if (ctx.isOurs(await ctx.tagsOf(lb.LoadBalancerArn!), resourceId)) {
      ctx.options.logger?.info(
        { group: ctx.group, resourceId, arn: lb.LoadBalancerArn },
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

async function createNewLoadBalancer(
  ctx: ApplyContext,
  lb: Change<'create-load-balancer'>['loadBalancer'],
  initialTags: AwsTags,
): Promise<LoadBalancer> {
  const r = await ctx.gateway.elbv2(
    new CreateLoadBalancerCommand({
      Name: lb.name,
      Type: 'application',
      Scheme: lb.scheme,
      IpAddressType: lb.ipAddressType,
      Subnets: [...lb.subnetIds],
      ...(lb.securityGroupIds.length > 0 ? { SecurityGroups: [...lb.securityGroupIds] } : {}),
      Tags: toSdkTags(initialTags),
    }),
  );
  return r.LoadBalancers![0]!;
}

export async function createLoadBalancer(
  ctx: ApplyContext,
  c: Change<'create-load-balancer'>,
): Promise<void> {
  const lb = c.loadBalancer;
  const tags = { ...lb.tags, ...ctx.ownTags(lb.resourceId) };
  const lbAttributes = beyondDefaults(lb.attributes, NEW_LOAD_BALANCER_ATTRIBUTES);
  const initialTags = createTags(tags, lbAttributes.length > 0);
  const adopted = await adoptLoadBalancer(ctx, lb.name, lb.resourceId);
  const found = adopted ?? (await createNewLoadBalancer(ctx, lb, initialTags));
  const arn = found.LoadBalancerArn!;
  ctx.dnsNames.set(lb.resourceId, found.DNSName ?? '');
  ctx.created('load-balancer', lb.resourceId, arn, adopted ? createTags(tags, true) : initialTags);
  if (lbAttributes.length > 0)
    await ctx.gateway.elbv2(
      new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: lbAttributes }),
    );
  if (!adopted) await ctx.addDigestTag('load-balancer', lb.resourceId, arn, tags, lbAttributes.length > 0);
}

export async function modifyLoadBalancer(
  ctx: ApplyContext,
  c: Change<'modify-load-balancer'>,
): Promise<void> {
  const gw = ctx.gateway;
  const arn = ctx.arnOf(c.loadBalancer);
  if (c.subnetIds) await gw.elbv2(new SetSubnetsCommand({ LoadBalancerArn: arn, Subnets: [...c.subnetIds] }));
  if (c.ipAddressType)
    await gw.elbv2(new SetIpAddressTypeCommand({ LoadBalancerArn: arn, IpAddressType: c.ipAddressType }));
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
}

export async function deleteLoadBalancer(
  ctx: ApplyContext,
  c: Change<'delete-load-balancer'>,
): Promise<void> {
  const arn = ctx.ownedArn(c.loadBalancer);
  await ignoringNotFound(() => ctx.gateway.elbv2(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn })));
  ctx.options.reader.noteDeleted(arn);
  ctx.dnsNames.delete(c.loadBalancer.resourceId);
}
