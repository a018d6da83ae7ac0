/** Applies one change of an AlbPlan: dispatches on its op to the step for that resource kind. */
import { AddTagsCommand, RemoveTagsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AlbChange } from '../model/alb-model.js';
import type { ApplyContext } from './apply-context.js';
import {
  createListener,
  createRule,
  deleteListener,
  deleteRule,
  modifyListener,
  modifyRule,
  setRulePriorities,
} from './apply-listeners.js';
import { createLoadBalancer, deleteLoadBalancer, modifyLoadBalancer } from './apply-load-balancers.js';
import {
  createTargetGroup,
  deleteTargetGroup,
  deregisterTargets,
  modifyTargetGroup,
  modifyTargetGroupAttributes,
  registerTargets,
} from './apply-target-groups.js';

/** AddTags keys per call: AWS takes up to 50 tags per resource; moto refuses far fewer; 10 per call suits both. */
const ADD_TAGS_BATCH = 10;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function updateTags(ctx: ApplyContext, c: Extract<AlbChange, { op: 'update-tags' }>): Promise<void> {
  const arn = ctx.arnOf(c.resource);
  for (const batch of chunks(Object.keys(c.add).sort(), ADD_TAGS_BATCH)) {
    await ctx.gateway.elbv2(
      new AddTagsCommand({
        ResourceArns: [arn],
        Tags: batch.map((Key) => ({ Key, Value: c.add[Key] ?? '' })),
      }),
    );
  }
  if (c.remove.length > 0)
    await ctx.gateway.elbv2(new RemoveTagsCommand({ ResourceArns: [arn], TagKeys: [...c.remove] }));
  ctx.options.reader.noteTags(arn, c.add, c.remove);
}

export async function applyChange(ctx: ApplyContext, c: AlbChange): Promise<void> {
  switch (c.op) {
    case 'create-target-group':
      return createTargetGroup(ctx, c);
    case 'modify-target-group':
      return modifyTargetGroup(ctx, c);
    case 'modify-target-group-attributes':
      return modifyTargetGroupAttributes(ctx, c);
    case 'register-targets':
      return registerTargets(ctx, c);
    case 'deregister-targets':
      return deregisterTargets(ctx, c);
    case 'create-load-balancer':
      return createLoadBalancer(ctx, c);
    case 'modify-load-balancer':
      return modifyLoadBalancer(ctx, c);
    case 'create-listener':
      return createListener(ctx, c);
    case 'modify-listener':
      return modifyListener(ctx, c);
    case 'create-rule':
      return createRule(ctx, c);
    case 'modify-rule':
      return modifyRule(ctx, c);
    case 'set-rule-priorities':
      return setRulePriorities(ctx, c);
    case 'delete-rule':
      return deleteRule(ctx, c);
    case 'delete-listener':
      return deleteListener(ctx, c);
    case 'delete-load-balancer':
      return deleteLoadBalancer(ctx, c);
    case 'delete-target-group':
      return deleteTargetGroup(ctx, c);
    case 'update-tags':
      return updateTags(ctx, c);
  }
}
