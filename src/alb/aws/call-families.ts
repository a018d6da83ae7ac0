/**
 * AWS operations grouped into call families, each with its own client-side token bucket. AWS throttles
 * ELBv2 per account and region with separate buckets for describes, load balancer changes, rule
 * changes and target registration; mirroring them keeps a burst of rule changes from starving target
 * registration (which a rollout waits on), and a describe storm from delaying either.
 *
 * Default rates (calls per second, burst) sit below the ELBv2 API quotas so that a single controller
 * is never throttled in steady state; `AwsGatewayOptions.rateLimits` overrides them (tests, benchmark).
 */
/** The AWS services Causeway calls. */
export type AwsService = 'elbv2' | 'ec2' | 'acm';

export type CallFamily =
  'describe' | 'mutate-lb' | 'mutate-rule' | 'mutate-tg' | 'targets' | 'tags' | 'ec2' | 'acm';

export const CALL_FAMILIES: readonly CallFamily[] = [
  'describe',
  'mutate-lb',
  'mutate-rule',
  'mutate-tg',
  'targets',
  'tags',
  'ec2',
  'acm',
];

export interface RateLimit {
  readonly ratePerSecond: number;
  readonly burst: number;
}

export const DEFAULT_RATE_LIMITS: Readonly<Record<CallFamily, RateLimit>> = {
  describe: { ratePerSecond: 10, burst: 20 },
  'mutate-lb': { ratePerSecond: 2, burst: 5 },
  'mutate-rule': { ratePerSecond: 10, burst: 20 },
  'mutate-tg': { ratePerSecond: 5, burst: 10 },
  targets: { ratePerSecond: 10, burst: 20 },
  tags: { ratePerSecond: 5, burst: 10 },
  ec2: { ratePerSecond: 10, burst: 20 },
  acm: { ratePerSecond: 5, burst: 10 },
};

/** Every ELBv2 operation the edge uses, with its family; `mutating` = changes AWS state. */
export const ELBV2_OPERATIONS: Readonly<Record<string, { family: CallFamily; mutating: boolean }>> = {
  DescribeLoadBalancers: { family: 'describe', mutating: false },
  DescribeLoadBalancerAttributes: { family: 'describe', mutating: false },
  DescribeListeners: { family: 'describe', mutating: false },
  DescribeListenerCertificates: { family: 'describe', mutating: false },
  DescribeRules: { family: 'describe', mutating: false },
  DescribeTargetGroups: { family: 'describe', mutating: false },
  DescribeTargetGroupAttributes: { family: 'describe', mutating: false },
  DescribeTargetHealth: { family: 'describe', mutating: false },
  DescribeTags: { family: 'describe', mutating: false },
  CreateLoadBalancer: { family: 'mutate-lb', mutating: true },
  DeleteLoadBalancer: { family: 'mutate-lb', mutating: true },
  SetSubnets: { family: 'mutate-lb', mutating: true },
  SetSecurityGroups: { family: 'mutate-lb', mutating: true },
  SetIpAddressType: { family: 'mutate-lb', mutating: true },
  ModifyLoadBalancerAttributes: { family: 'mutate-lb', mutating: true },
  CreateListener: { family: 'mutate-lb', mutating: true },
  ModifyListener: { family: 'mutate-lb', mutating: true },
  DeleteListener: { family: 'mutate-lb', mutating: true },
  AddListenerCertificates: { family: 'mutate-lb', mutating: true },
  RemoveListenerCertificates: { family: 'mutate-lb', mutating: true },
  CreateRule: { family: 'mutate-rule', mutating: true },
  ModifyRule: { family: 'mutate-rule', mutating: true },
  DeleteRule: { family: 'mutate-rule', mutating: true },
  SetRulePriorities: { family: 'mutate-rule', mutating: true },
  CreateTargetGroup: { family: 'mutate-tg', mutating: true },
  ModifyTargetGroup: { family: 'mutate-tg', mutating: true },
  ModifyTargetGroupAttributes: { family: 'mutate-tg', mutating: true },
  DeleteTargetGroup: { family: 'mutate-tg', mutating: true },
  RegisterTargets: { family: 'targets', mutating: true },
  DeregisterTargets: { family: 'targets', mutating: true },
  AddTags: { family: 'tags', mutating: true },
  RemoveTags: { family: 'tags', mutating: true },
};

export const EC2_OPERATIONS: readonly string[] = ['DescribeSubnets'];
export const ACM_OPERATIONS: readonly string[] = ['ListCertificates', 'DescribeCertificate'];

/** The family and whether the call mutates, for an operation of a service. */
export function classify(service: AwsService, operation: string): { family: CallFamily; mutating: boolean } {
  if (service === 'ec2') return { family: 'ec2', mutating: false };
  if (service === 'acm') return { family: 'acm', mutating: false };
  return ELBV2_OPERATIONS[operation] ?? { family: 'describe', mutating: !operation.startsWith('Describe') };
}
