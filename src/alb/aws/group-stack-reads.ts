/**
 * The AWS reads behind one IngressGroup's actual stack: target groups and load balancers by ARN, their
 * attributes, target health, listeners (with HTTPS certificates) and rules (with their tags), mapped
 * onto the model's Actual* types.
 */
import {
  DescribeListenerCertificatesCommand,
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  type DescribeRulesCommandOutput,
  type Listener,
  type LoadBalancer,
  type Rule,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  TAG_RESOURCE,
  type ActualListener,
  type ActualLoadBalancer,
  type ActualRule,
  type ActualTarget,
  type ActualTargetGroup,
  type AwsTags,
} from '../model/alb-model.js';
import type { AwsGateway } from './aws-gateway.js';
import { chunks, DESCRIBE_PAGE_SIZE, type OwnedResource } from './owned-inventory.js';
import {
  certificateArnsOf,
  fromSdkActions,
  fromSdkConditions,
  fromSdkHealthCheck,
  priorityOf,
  subnetIdsOf,
} from './sdk-mapping.js';

/** Tags of many ARNs (batched by the caller's reader). */
export type TagReader = (arns: readonly string[]) => Promise<Map<string, AwsTags>>;

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function attributeMap(
  attrs: readonly { Key?: string; Value?: string }[] | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of [...(attrs ?? [])].sort((x, y) => compare(x.Key ?? '', y.Key ?? '')))
    if (a.Key !== undefined) out[a.Key] = a.Value ?? '';
  return out;
}

export function sortTargets(targets: ActualTarget[]): ActualTarget[] {
  return targets.sort((a, b) => compare(a.id, b.id) || a.port - b.port);
}

export async function describeTargetGroups(gw: AwsGateway, arns: readonly string[]): Promise<TargetGroup[]> {
  const out: TargetGroup[] = [];
  for (const batch of chunks(arns)) {
    const r = await gw.elbv2(new DescribeTargetGroupsCommand({ TargetGroupArns: batch }));
    out.push(...(r.TargetGroups ?? []));
  }
  return out;
}

export async function describeLoadBalancers(
  gw: AwsGateway,
  arns: readonly string[],
): Promise<LoadBalancer[]> {
  const out: LoadBalancer[] = [];
  for (const batch of chunks(arns)) {
    const r = await gw.elbv2(new DescribeLoadBalancersCommand({ LoadBalancerArns: batch }));
    out.push(...(r.LoadBalancers ?? []));
  }
  return out;
}

export async function targetGroupAttributes(gw: AwsGateway, arn: string): Promise<Record<string, string>> {
  const r = await gw.elbv2(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn }));
  return attributeMap(r.Attributes);
}

export async function loadBalancerAttributes(gw: AwsGateway, arn: string): Promise<Record<string, string>> {
  const r = await gw.elbv2(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }));
  return attributeMap(r.Attributes);
}

export async function readTargets(gw: AwsGateway, arn: string): Promise<ActualTarget[]> {
  const r = await gw.elbv2(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
  return sortTargets(
    (r.TargetHealthDescriptions ?? [])
      .filter((d) => d.Target?.Id !== undefined)
      .map((d) => ({
        id: d.Target!.Id!,
        port: d.Target!.Port ?? 0,
        health: d.TargetHealth?.State ?? 'unavailable',
      })),
  );
}

export function actualTargetGroup(
  tg: TargetGroup,
  own: OwnedResource,
  attributes: Readonly<Record<string, string>>,
  targets: ActualTarget[],
): ActualTargetGroup {
  return {
    arn: tg.TargetGroupArn!,
    resourceId: own.resourceId,
    name: tg.TargetGroupName ?? '',
    protocol: tg.Protocol === 'HTTPS' ? 'HTTPS' : 'HTTP',
    protocolVersion: (tg.ProtocolVersion as 'HTTP1' | 'HTTP2' | 'GRPC' | undefined) ?? 'HTTP1',
    port: tg.Port ?? 0,
    targetType: 'ip',
    vpcId: tg.VpcId ?? '',
    healthCheck: fromSdkHealthCheck(tg),
    attributes,
    tags: own.tags,
    targets,
  };
}

export function actualLoadBalancer(
  lb: LoadBalancer,
  own: OwnedResource,
  attributes: Readonly<Record<string, string>>,
  listeners: ActualListener[],
): ActualLoadBalancer {
  return {
    arn: lb.LoadBalancerArn!,
    resourceId: own.resourceId,
    name: lb.LoadBalancerName ?? '',
    dnsName: lb.DNSName ?? '',
    scheme: lb.Scheme === 'internal' ? 'internal' : 'internet-facing',
    ipAddressType: lb.IpAddressType === 'dualstack' ? 'dualstack' : 'ipv4',
    subnetIds: subnetIdsOf(lb),
    securityGroupIds: [...(lb.SecurityGroups ?? [])].sort(compare),
    attributes,
    tags: own.tags,
    listeners,
  };
}

async function describeListeners(gw: AwsGateway, lbArn: string): Promise<Listener[]> {
  let marker: string | undefined;
  const listeners: Listener[] = [];
  do {
    const page = await gw.elbv2(
      new DescribeListenersCommand({
        LoadBalancerArn: lbArn,
        PageSize: DESCRIBE_PAGE_SIZE,
        ...(marker ? { Marker: marker } : {}),
      }),
    );
    listeners.push(...(page.Listeners ?? []));
    marker = page.NextMarker;
  } while (marker);
  return listeners;
}

async function describeRules(gw: AwsGateway, listenerArn: string): Promise<Rule[]> {
  let marker: string | undefined;
  const rules: Rule[] = [];
  do {
    const page: DescribeRulesCommandOutput = await gw.elbv2(
      new DescribeRulesCommand({
        ListenerArn: listenerArn,
        PageSize: DESCRIBE_PAGE_SIZE,
        ...(marker ? { Marker: marker } : {}),
      }),
    );
    rules.push(...(page.Rules ?? []));
    marker = page.NextMarker;
  } while (marker);
  return rules;
}

/** The non-default rules of a listener, with the resource id from their tags. */
async function readRules(
  gw: AwsGateway,
  listenerArn: string,
  tgResourceId: (arn: string) => string | undefined,
  tagsOf: TagReader,
): Promise<ActualRule[]> {
  const nonDefault = (await describeRules(gw, listenerArn)).filter((r) => priorityOf(r) !== undefined);
  const ruleTags = await tagsOf(nonDefault.map((r) => r.RuleArn!));
  return nonDefault.map((r) => {
    const resourceId = ruleTags.get(r.RuleArn!)?.[TAG_RESOURCE];
    return {
      arn: r.RuleArn!,
      priority: priorityOf(r)!,
      conditions: fromSdkConditions(r.Conditions),
      action: fromSdkActions(r.Actions, tgResourceId),
      ...(resourceId !== undefined ? { resourceId } : {}),
    };
  });
}

export async function readListeners(
  gw: AwsGateway,
  lbArn: string,
  tgResourceId: (arn: string) => string | undefined,
  tagsOf: TagReader,
): Promise<ActualListener[]> {
  const out: ActualListener[] = [];
  for (const l of await describeListeners(gw, lbArn)) {
    const arn = l.ListenerArn!;
    const certs =
      l.Protocol === 'HTTPS'
        ? ((await gw.elbv2(new DescribeListenerCertificatesCommand({ ListenerArn: arn }))).Certificates ?? [])
        : [];
    const actualRules = await readRules(gw, arn, tgResourceId, tagsOf);
    out.push({
      arn,
      port: l.Port ?? 0,
      protocol: l.Protocol === 'HTTPS' ? 'HTTPS' : 'HTTP',
      certificateArns: certificateArnsOf(l, certs),
      ...(l.SslPolicy ? { sslPolicy: l.SslPolicy } : {}),
      defaultAction: fromSdkActions(l.DefaultActions, tgResourceId),
      rules: actualRules.sort((a, b) => a.priority - b.priority),
    });
  }
  return out.sort((a, b) => a.port - b.port);
}
