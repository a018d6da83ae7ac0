/**
 * Pure conversions between the ALB model (alb-model.ts) and ELBv2 SDK shapes: model -> request
 * parameters for the applier, SDK descriptions -> actual-state model for the reader. Forward actions
 * name target groups by resource id in the model and by ARN in AWS; both directions take a lookup.
 */
import type {
  Action,
  Certificate,
  CreateTargetGroupCommandInput,
  Listener,
  LoadBalancer,
  Rule,
  RuleCondition,
  Tag,
  TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type {
  ActionSpec,
  AwsTags,
  ConditionSpec,
  HealthCheckSpec,
  TargetGroupSpec,
} from '../model/alb-model.js';

/** AWS tags from a model map, keys sorted. */
export function toSdkTags(tags: AwsTags): Tag[] {
  return Object.keys(tags)
    .sort()
    .map((Key) => ({ Key, Value: tags[Key] ?? '' }));
}

export function fromSdkTags(tags: readonly Tag[] | undefined): AwsTags {
  const out: Record<string, string> = {};
  for (const t of [...(tags ?? [])].sort((a, b) => ((a.Key ?? '') < (b.Key ?? '') ? -1 : 1)))
    if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}

export function toSdkConditions(conditions: readonly ConditionSpec[]): RuleCondition[] {
  return conditions.map((c) =>
    c.field === 'host-header'
      ? { Field: 'host-header', HostHeaderConfig: { Values: [...c.values] } }
      : { Field: 'path-pattern', PathPatternConfig: { Values: [...c.values] } },
  );
}

export function fromSdkConditions(conditions: readonly RuleCondition[] | undefined): ConditionSpec[] {
  const out: ConditionSpec[] = [];
  for (const c of conditions ?? []) {
    if (c.Field === 'host-header')
      out.push({ field: 'host-header', values: [...(c.HostHeaderConfig?.Values ?? c.Values ?? [])] });
    else if (c.Field === 'path-pattern')
      out.push({ field: 'path-pattern', values: [...(c.PathPatternConfig?.Values ?? c.Values ?? [])] });
  }
  return out.sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
}

/** `arnOf` maps a target group resource id to its ARN (throws when it is not known yet). */
export function toSdkActions(action: ActionSpec, arnOf: (resourceId: string) => string): Action[] {
  switch (action.type) {
    case 'forward':
      return [
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: action.targetGroups.map((t) => ({
              TargetGroupArn: arnOf(t.targetGroup),
              Weight: t.weight,
            })),
          },
        },
      ];
    case 'redirect':
      return [
        {
          Type: 'redirect',
          RedirectConfig: { Protocol: action.protocol, Port: action.port, StatusCode: action.statusCode },
        },
      ];
    case 'fixed-response':
      return [
        {
          Type: 'fixed-response',
          FixedResponseConfig: {
            StatusCode: action.statusCode,
            ContentType: action.contentType,
            ...(action.messageBody !== undefined ? { MessageBody: action.messageBody } : {}),
          },
        },
      ];
  }
}

/**
 * The model action of an SDK action list (the last, terminal action). `resourceIdOf` maps a target
 * group ARN to its resource id; an ARN we do not own is kept as it is.
 */
export function fromSdkActions(
  actions: readonly Action[] | undefined,
  resourceIdOf: (arn: string) => string | undefined,
): ActionSpec {
  const a = [...(actions ?? [])].sort((x, y) => (x.Order ?? 0) - (y.Order ?? 0)).at(-1);
  if (a?.Type === 'forward') {
    const groups =
      a.ForwardConfig?.TargetGroups?.map((t) => ({
        arn: t.TargetGroupArn ?? '',
        weight: t.Weight ?? 1,
      })) ?? (a.TargetGroupArn ? [{ arn: a.TargetGroupArn, weight: 1 }] : []);
    return {
      type: 'forward',
      targetGroups: groups
        .map((g) => ({ targetGroup: resourceIdOf(g.arn) ?? g.arn, weight: g.weight }))
        .sort((x, y) => (x.targetGroup < y.targetGroup ? -1 : x.targetGroup > y.targetGroup ? 1 : 0)),
    };
  }
  if (a?.Type === 'redirect') {
    return {
      type: 'redirect',
      protocol: 'HTTPS',
      port: a.RedirectConfig?.Port ?? '443',
      statusCode: a.RedirectConfig?.StatusCode === 'HTTP_302' ? 'HTTP_302' : 'HTTP_301',
    };
  }
  return {
    type: 'fixed-response',
    statusCode: a?.FixedResponseConfig?.StatusCode ?? '404',
    contentType: 'text/plain',
    ...(a?.FixedResponseConfig?.MessageBody !== undefined
      ? { messageBody: a.FixedResponseConfig.MessageBody }
      : {}),
  };
}

export function healthCheckParams(h: HealthCheckSpec): {
  HealthCheckProtocol: 'HTTP' | 'HTTPS';
  HealthCheckPort: string;
  HealthCheckPath: string;
  HealthCheckIntervalSeconds: number;
  HealthCheckTimeoutSeconds: number;
  HealthyThresholdCount: number;
  UnhealthyThresholdCount: number;
  Matcher: { HttpCode: string };
  HealthCheckEnabled: true;
} {
  return {
    HealthCheckEnabled: true,
    HealthCheckProtocol: h.protocol,
    HealthCheckPort: h.port,
    HealthCheckPath: h.path,
    HealthCheckIntervalSeconds: h.intervalSeconds,
    HealthCheckTimeoutSeconds: h.timeoutSeconds,
    HealthyThresholdCount: h.healthyThresholdCount,
    UnhealthyThresholdCount: h.unhealthyThresholdCount,
    Matcher: { HttpCode: h.successCodes },
  };
}

export function fromSdkHealthCheck(tg: TargetGroup): HealthCheckSpec {
  return {
    protocol: tg.HealthCheckProtocol === 'HTTPS' ? 'HTTPS' : 'HTTP',
    port: tg.HealthCheckPort ?? 'traffic-port',
    path: tg.HealthCheckPath ?? '/',
    intervalSeconds: tg.HealthCheckIntervalSeconds ?? 15,
    timeoutSeconds: tg.HealthCheckTimeoutSeconds ?? 5,
    healthyThresholdCount: tg.HealthyThresholdCount ?? 5,
    unhealthyThresholdCount: tg.UnhealthyThresholdCount ?? 2,
    successCodes: tg.Matcher?.HttpCode ?? '200',
  };
}

/** CreateTargetGroup's parameters for a target group (everything but its tags). */
export function targetGroupParams(tg: TargetGroupSpec): CreateTargetGroupCommandInput {
  return {
    Name: tg.name,
    Protocol: tg.protocol,
    ProtocolVersion: tg.protocolVersion,
    Port: tg.port,
    VpcId: tg.vpcId,
    TargetType: tg.targetType,
    ...healthCheckParams(tg.healthCheck),
  };
}

/** The subnet ids of a described load balancer, sorted. */
export function subnetIdsOf(lb: LoadBalancer): string[] {
  return (lb.AvailabilityZones ?? [])
    .map((z) => z.SubnetId)
    .filter((s): s is string => s !== undefined)
    .sort();
}

/** The default certificate first, then the others sorted. */
export function certificateArnsOf(listener: Listener, all: readonly Certificate[]): string[] {
  const def =
    all.find((c) => c.IsDefault)?.CertificateArn ?? listener.Certificates?.[0]?.CertificateArn ?? undefined;
  const others = all
    .map((c) => c.CertificateArn)
    .filter((a): a is string => a !== undefined && a !== def)
    .sort();
  return def ? [def, ...new Set(others)] : [...new Set(others)];
}

export function priorityOf(rule: Rule): number | undefined {
  return rule.IsDefault || rule.Priority === 'default' ? undefined : Number(rule.Priority);
}
