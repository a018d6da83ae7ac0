/**
 * Apply steps for listeners and their rules: create (adopting a listener already on the port), modify
 * (with the extra certificates kept in step), delete; create, modify, reorder and delete rules.
 */
import {
  type Action,
  AddListenerCertificatesCommand,
  CreateListenerCommand,
  CreateRuleCommand,
  DeleteListenerCommand,
  DeleteRuleCommand,
  DescribeListenerCertificatesCommand,
  DescribeListenersCommand,
  ModifyListenerCommand,
  ModifyRuleCommand,
  RemoveListenerCertificatesCommand,
  SetRulePrioritiesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AlbChange, ListenerSpec } from '../model/alb-model.js';
import { codeOf } from '../aws/aws-gateway.js';
import { toSdkActions, toSdkConditions, toSdkTags } from '../aws/sdk-mapping.js';
import { ignoringNotFound, type ApplyContext } from './apply-context.js';

type Change<Op extends AlbChange['op']> = Extract<AlbChange, { op: Op }>;

function listenerParams(
  ctx: ApplyContext,
  l: Omit<ListenerSpec, 'rules'>,
): {
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
    DefaultActions: toSdkActions(l.defaultAction, (id) => ctx.arnOf(id)),
  };
}

/** Adds the listener's extra certificates that are missing and removes those no longer wanted. */
async function syncCertificates(
  ctx: ApplyContext,
  arn: string,
  wanted: readonly string[],
  https: boolean,
): Promise<void> {
  if (!https) return;
  const gw = ctx.gateway;
  const r = await gw.elbv2(new DescribeListenerCertificatesCommand({ ListenerArn: arn }));
  const have = new Set((r.Certificates ?? []).filter((c) => !c.IsDefault).map((c) => c.CertificateArn ?? ''));
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

async function adoptListener(ctx: ApplyContext, lbArn: string, port: number): Promise<string> {
  const r = await ctx.gateway.elbv2(new DescribeListenersCommand({ LoadBalancerArn: lbArn }));
  const arn = r.Listeners?.find((l) => l.Port === port)?.ListenerArn;
  if (!arn) throw new Error(`listener on port ${port} reported as duplicate but not found`);
  return arn;
}

export async function createListener(ctx: ApplyContext, c: Change<'create-listener'>): Promise<void> {
  const gw = ctx.gateway;
  const lbArn = ctx.arnOf(c.loadBalancer);
  const l = c.listener;
  let arn: string;
  try {
    const r = await gw.elbv2(
      new CreateListenerCommand({
        LoadBalancerArn: lbArn,
        ...listenerParams(ctx, l),
        Tags: toSdkTags(ctx.ownTags(l.resourceId)),
      }),
    );
    arn = r.Listeners![0]!.ListenerArn!;
  } catch (err) {
    if (codeOf(err) !== 'DuplicateListener') throw err;
    arn = await adoptListener(ctx, lbArn, l.port);
    await gw.elbv2(new ModifyListenerCommand({ ListenerArn: arn, ...listenerParams(ctx, l) }));
  }
  ctx.noteArn(l.resourceId, arn);
  await syncCertificates(ctx, arn, l.certificateArns, l.protocol === 'HTTPS');
}

export async function modifyListener(ctx: ApplyContext, c: Change<'modify-listener'>): Promise<void> {
  const arn = ctx.arnOf(c.listener);
  await ctx.gateway.elbv2(new ModifyListenerCommand({ ListenerArn: arn, ...listenerParams(ctx, c.spec) }));
  await syncCertificates(ctx, arn, c.spec.certificateArns, c.spec.protocol === 'HTTPS');
}

export async function deleteListener(ctx: ApplyContext, c: Change<'delete-listener'>): Promise<void> {
  await ignoringNotFound(() =>
    ctx.gateway.elbv2(new DeleteListenerCommand({ ListenerArn: ctx.arnOf(c.listener) })),
  );
}

export async function createRule(ctx: ApplyContext, c: Change<'create-rule'>): Promise<void> {
  const r = await ctx.gateway.elbv2(
    new CreateRuleCommand({
      ListenerArn: ctx.arnOf(c.listener),
      Priority: c.rule.priority,
      Conditions: toSdkConditions(c.rule.conditions),
      Actions: toSdkActions(c.rule.action, (id) => ctx.arnOf(id)),
      Tags: toSdkTags(ctx.ownTags(c.rule.resourceId)),
    }),
  );
  ctx.noteArn(c.rule.resourceId, r.Rules![0]!.RuleArn!);
}

export async function modifyRule(ctx: ApplyContext, c: Change<'modify-rule'>): Promise<void> {
  await ctx.gateway.elbv2(
    new ModifyRuleCommand({
      RuleArn: ctx.arnOf(c.rule),
      Conditions: toSdkConditions(c.conditions),
      Actions: toSdkActions(c.action, (id) => ctx.arnOf(id)),
    }),
  );
}

export async function setRulePriorities(ctx: ApplyContext, c: Change<'set-rule-priorities'>): Promise<void> {
  await ctx.gateway.elbv2(
    new SetRulePrioritiesCommand({
      RulePriorities: c.priorities.map((p) => ({ RuleArn: ctx.arnOf(p.rule), Priority: p.priority })),
    }),
  );
}

export async function deleteRule(ctx: ApplyContext, c: Change<'delete-rule'>): Promise<void> {
  await ignoringNotFound(() => ctx.gateway.elbv2(new DeleteRuleCommand({ RuleArn: ctx.arnOf(c.rule) })));
}
