/**
 * Apply steps for target groups: create (or adopt after a crash), modify health check and attributes,
 * register and deregister targets, delete (retried while AWS still calls it in use).
 */
import {
  CreateTargetGroupCommand,
  DeleteTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeTargetGroupsCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AlbChange } from '../model/alb-model.js';
import { codeOf } from '../aws/aws-gateway.js';
import { healthCheckParams, targetGroupParams, toSdkTags } from '../aws/sdk-mapping.js';
import { ignoringNotFound, type ApplyContext } from './apply-context.js';
import { AlbNameConflictError } from './apply-errors.js';
import { NEW_TARGET_GROUP_ATTRIBUTES, beyondDefaults, createTags } from './create-tags.js';

type Change<Op extends AlbChange['op']> = Extract<AlbChange, { op: Op }>;

const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function adoptTargetGroup(ctx: ApplyContext, name: string, resourceId: string): Promise<string> {
  const r = await ctx.gateway.elbv2(new DescribeTargetGroupsCommand({ Names: [name] }));
  const arn = r.TargetGroups?.[0]?.TargetGroupArn;
  if (arn && ctx.isOurs(await ctx.tagsOf(arn), resourceId)) {
    ctx.options.logger?.info({ group: ctx.group, resourceId, arn }, 'adopted an existing target group');
    return arn;
  }
  throw new AlbNameConflictError(
    `a target group named ${name} exists and is not ours (no matching ownership tags)`,
  );
}

export async function createTargetGroup(ctx: ApplyContext, c: Change<'create-target-group'>): Promise<void> {
  const gw = ctx.gateway;
  const tg = c.targetGroup;
  const tags = { ...tg.tags, ...ctx.ownTags(tg.resourceId) };
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
    arn = await adoptTargetGroup(ctx, tg.name, tg.resourceId);
    adopted = true;
  }
  ctx.created('target-group', tg.resourceId, arn, adopted ? createTags(tags, true) : initialTags);
  if (tgAttributes.length > 0)
    await gw.elbv2(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: tgAttributes }));
  // An adopted target group gets no digest here: the next read describes it and the plan tags it.
  if (!adopted) await ctx.addDigestTag('target-group', tg.resourceId, arn, tags, tgAttributes.length > 0);
}

export async function modifyTargetGroup(ctx: ApplyContext, c: Change<'modify-target-group'>): Promise<void> {
  await ctx.gateway.elbv2(
    new ModifyTargetGroupCommand({
      TargetGroupArn: ctx.arnOf(c.targetGroup),
      ...healthCheckParams(c.healthCheck),
    }),
  );
}

export async function modifyTargetGroupAttributes(
  ctx: ApplyContext,
  c: Change<'modify-target-group-attributes'>,
): Promise<void> {
  await ctx.gateway.elbv2(
    new ModifyTargetGroupAttributesCommand({
      TargetGroupArn: ctx.arnOf(c.targetGroup),
      Attributes: Object.entries(c.attributes).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
}

export async function registerTargets(ctx: ApplyContext, c: Change<'register-targets'>): Promise<void> {
  await ctx.gateway.elbv2(
    new RegisterTargetsCommand({
      TargetGroupArn: ctx.arnOf(c.targetGroup),
      Targets: c.targets.map((t) => ({ Id: t.id, Port: t.port })),
    }),
  );
}

export async function deregisterTargets(ctx: ApplyContext, c: Change<'deregister-targets'>): Promise<void> {
  await ctx.gateway.elbv2(
    new DeregisterTargetsCommand({
      TargetGroupArn: ctx.arnOf(c.targetGroup),
      Targets: c.targets.map((t) => ({ Id: t.id, Port: t.port })),
    }),
  );
}

export async function deleteTargetGroup(ctx: ApplyContext, c: Change<'delete-target-group'>): Promise<void> {
  const arn = ctx.ownedArn(c.targetGroup);
  const attempts = ctx.options.inUseAttempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      await ignoringNotFound(() => ctx.gateway.elbv2(new DeleteTargetGroupCommand({ TargetGroupArn: arn })));
      break;
    } catch (err) {
      // A target group stays "in use" for a moment after its rules or load balancer are deleted.
      if (codeOf(err) !== 'ResourceInUse' || attempt >= attempts) throw err;
      await (ctx.options.sleep ?? realSleep)(500 * attempt);
    }
  }
  ctx.options.reader.noteDeleted(arn);
}
