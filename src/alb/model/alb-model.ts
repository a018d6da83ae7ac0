/**
 * The ALB model: what `alb build` produces (the desired stack), what the AWS edge reads back (the
 * actual stack) and what `alb plan` outputs (ordered changes). Plain readonly data, serializable to
 * YAML, so that build and plan are golden-tested and the CLI prints plans a reviewer can read.
 *
 * Resources are identified by a **resource id** that is stable across runs and stored in AWS as the
 * ownership tag `causeway.dev/resource`; ARNs exist only on the actual side. Changes refer to other
 * resources by resource id (an ARN that may not exist yet when the plan is made), and the applier
 * resolves them as it goes, the way the AWS Load Balancer Controller's stack references work.
 */
import type { ObjectRef } from '../../errors.js';

/** AWS tags, keys sorted when serialized. */
export type AwsTags = Readonly<Record<string, string>>;

/** Ownership tags every resource we create carries; actual state is found by them. */
export const TAG_CLUSTER = 'causeway.dev/cluster';
export const TAG_GROUP = 'causeway.dev/ingress-group';
export const TAG_RESOURCE = 'causeway.dev/resource';

/** The desired state of one IngressGroup (one Ingress, or several sharing `alb.causeway.dev/group.name`). */
export interface AlbStack {
  /** The IngressGroup: the explicit group name, or `<namespace>/<ingress name>` for a lone Ingress. */
  readonly group: string;
  /** One ALB, or more when the rules exceed one ALB's rule limit (sorted by resource id). */
  readonly loadBalancers: readonly LoadBalancerSpec[];
  /** Sorted by resource id. */
  readonly targetGroups: readonly TargetGroupSpec[];
  /** The Ingresses of the group, sorted (for status and Events). */
  readonly ingresses: readonly ObjectRef[];
}

export type AlbScheme = 'internet-facing' | 'internal';

export interface LoadBalancerSpec {
  /** Stable within the cluster, e.g. `<group>/lb/0`. */
  readonly resourceId: string;
  /** AWS name: at most 32 characters of [A-Za-z0-9-], stable (hashed from the resource id). */
  readonly name: string;
  readonly scheme: AlbScheme;
  readonly ipAddressType: 'ipv4' | 'dualstack';
  /** Sorted. */
  readonly subnetIds: readonly string[];
  /** Sorted. */
  readonly securityGroupIds: readonly string[];
  /** Load-balancer attributes (`idle_timeout.timeout_seconds`, ...), keys sorted. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly tags: AwsTags;
  /** Sorted by port. */
  readonly listeners: readonly ListenerSpec[];
  /**
   * The hosts whose rules this load balancer holds (sorted; `*` stands for rules without a host, which
   * every load balancer of a split group carries). DNS for a host must point at this load balancer.
   */
  readonly hosts: readonly string[];
  /** The Ingresses with at least one rule (or the default backend) here, sorted: their status gets its DNS name. */
  readonly ingresses: readonly ObjectRef[];
}

export interface ListenerSpec {
  /** `<load balancer resource id>/listener/<port>`. */
  readonly resourceId: string;
  readonly port: number;
  readonly protocol: 'HTTP' | 'HTTPS';
  /** HTTPS only: the first is the listener's default certificate, the others are added to it. */
  readonly certificateArns: readonly string[];
  readonly sslPolicy?: string;
  readonly defaultAction: ActionSpec;
  /** Sorted by priority (1 = evaluated first). */
  readonly rules: readonly RuleSpec[];
}

export type ConditionSpec =
  | { readonly field: 'host-header'; readonly values: readonly string[] }
  | { readonly field: 'path-pattern'; readonly values: readonly string[] };

export interface WeightedTargetGroup {
  /** Resource id of a TargetGroupSpec of the same stack. */
  readonly targetGroup: string;
  readonly weight: number;
}

export type ActionSpec =
  | { readonly type: 'forward'; readonly targetGroups: readonly WeightedTargetGroup[] }
  | {
      readonly type: 'redirect';
      readonly protocol: 'HTTPS';
      readonly port: string;
      readonly statusCode: 'HTTP_301' | 'HTTP_302';
    }
  | {
      readonly type: 'fixed-response';
      readonly statusCode: string;
      readonly contentType: 'text/plain';
      readonly messageBody?: string;
    };

export interface RuleSpec {
  /** Stable: derived from the rule's conditions, so a rule keeps its id when its priority moves. */
  readonly resourceId: string;
  /** 1..50000, unique within the listener. */
  readonly priority: number;
  /** At most 5 condition values in all (AWS limit); sorted by field. */
  readonly conditions: readonly ConditionSpec[];
  readonly action: ActionSpec;
  /** The Ingress path that produced the rule. */
  readonly source: ObjectRef;
}

export interface HealthCheckSpec {
  readonly protocol: 'HTTP' | 'HTTPS';
  /** `traffic-port` or a number as a string. */
  readonly port: string;
  readonly path: string;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly healthyThresholdCount: number;
  readonly unhealthyThresholdCount: number;
  /** e.g. `200`, `200-399`, `200,204`. */
  readonly successCodes: string;
}

export interface TargetGroupSpec {
  /** e.g. `<group>/tg/<namespace>/<service>/<port>`. */
  readonly resourceId: string;
  /** AWS name: at most 32 characters, stable (hashed). */
  readonly name: string;
  readonly protocol: 'HTTP' | 'HTTPS';
  readonly protocolVersion: 'HTTP1' | 'HTTP2' | 'GRPC';
  /** The target port (the pods' port). */
  readonly port: number;
  readonly targetType: 'ip';
  readonly vpcId: string;
  readonly healthCheck: HealthCheckSpec;
  /** Target-group attributes (`deregistration_delay.timeout_seconds`, `slow_start.duration_seconds`, ...). */
  readonly attributes: Readonly<Record<string, string>>;
  readonly tags: AwsTags;
  /** Sorted by (id, port). */
  readonly targets: readonly TargetSpec[];
  /** The Service port behind the group. */
  readonly service: ObjectRef;
}

export interface TargetSpec {
  /** The pod IP. */
  readonly id: string;
  readonly port: number;
  /**
   * `ready` and `not-ready` targets are registered (a not-ready pod may be waiting for the readiness
   * gate, which turns True only once its target is healthy; the ALB health check keeps traffic away
   * until then). `terminating` targets are listed so that the plan deregisters them first.
   * `serving-terminating`: no endpoint of the Service is ready, so (Kubernetes' fallback) the serving,
   * terminating ones stay registered. The plan registers every state but `terminating`.
   */
  readonly state: 'ready' | 'not-ready' | 'terminating' | 'serving-terminating';
  /** The pod (EndpointSlice targetRef), for the readiness gate. */
  readonly pod?: ObjectRef;
}

/** The facts the build needs from AWS, resolved by the edge before the pure build runs. */
export interface AwsFacts {
  readonly vpcId: string;
  /** Subnets usable per scheme (discovered by tags, or named by annotation), sorted. */
  readonly subnets: readonly SubnetFact[];
  /** ACM certificates: ARN and the domain names they cover (for TLS hosts without an ARN annotation). */
  readonly certificates: readonly CertificateFact[];
  /**
   * Where each host's rules live today, per IngressGroup: group -> host -> load balancer resource id
   * (`placementsFromActual` in src/alb/build/host-placement.ts reads it from an ActualStack). The build
   * keeps hosts where they are so that a split group stays stable; absent = a cold start.
   */
  readonly placements?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface SubnetFact {
  readonly id: string;
  readonly availabilityZone: string;
  /** Which scheme the subnet is tagged for (`kubernetes.io/role/elb` = internet-facing, `.../internal-elb` = internal). */
  readonly roles: readonly AlbScheme[];
}

export interface CertificateFact {
  readonly arn: string;
  /** Domain name and subject alternative names (may hold `*.example.com`). */
  readonly domains: readonly string[];
}

// ---------------------------------------------------------------------------------------------------
// Actual state, as read back from AWS by ownership tags.

export interface ActualStack {
  readonly loadBalancers: readonly ActualLoadBalancer[];
  readonly targetGroups: readonly ActualTargetGroup[];
}

export interface ActualLoadBalancer extends Omit<LoadBalancerSpec, 'listeners' | 'hosts' | 'ingresses'> {
  readonly arn: string;
  readonly dnsName: string;
  readonly listeners: readonly ActualListener[];
}

export interface ActualListener extends Omit<ListenerSpec, 'rules' | 'resourceId'> {
  readonly arn: string;
  readonly rules: readonly ActualRule[];
}

export interface ActualRule extends Omit<RuleSpec, 'source' | 'resourceId'> {
  readonly arn: string;
  /** From the rule's `causeway.dev/resource` tag when it has one. */
  readonly resourceId?: string;
}

export interface ActualTargetGroup extends Omit<TargetGroupSpec, 'targets' | 'service'> {
  readonly arn: string;
  readonly targets: readonly ActualTarget[];
}

export interface ActualTarget {
  readonly id: string;
  readonly port: number;
  /** ELBv2 target health state (`initial`, `healthy`, `unhealthy`, `draining`, `unused`, ...). */
  readonly health: string;
}

// ---------------------------------------------------------------------------------------------------
// Plan: ordered changes. Each refers to resources by resource id; `arn` is set when the resource
// already exists (known from the actual state).

/**
 * A resource a change acts on or points at. `arn`, when set, is authoritative. Otherwise the applier
 * resolves `resourceId` to the ARN of the resource created earlier in the same plan under that id (a
 * replacement, e.g. a target group whose port changed, is created under the same resource id as the
 * one it replaces: references by id then mean the new one; the old one is deleted by ARN), else to
 * the actual resource with that id.
 */
export interface ResourceRef {
  readonly resourceId: string;
  readonly arn?: string;
}

export type AlbChange =
  | { readonly op: 'create-target-group'; readonly targetGroup: TargetGroupSpec }
  | {
      readonly op: 'modify-target-group';
      readonly targetGroup: ResourceRef;
      readonly healthCheck: HealthCheckSpec;
    }
  | {
      readonly op: 'modify-target-group-attributes';
      readonly targetGroup: ResourceRef;
      readonly attributes: Readonly<Record<string, string>>;
    }
  | {
      readonly op: 'register-targets';
      readonly targetGroup: ResourceRef;
      /** At most 200 per change. */
      readonly targets: readonly { readonly id: string; readonly port: number }[];
    }
  | {
      readonly op: 'deregister-targets';
      readonly targetGroup: ResourceRef;
      /** At most 200 per change; terminating pods come first. */
      readonly targets: readonly { readonly id: string; readonly port: number }[];
    }
  | {
      readonly op: 'create-load-balancer';
      readonly loadBalancer: Omit<LoadBalancerSpec, 'listeners' | 'hosts' | 'ingresses'>;
    }
  | {
      readonly op: 'modify-load-balancer';
      readonly loadBalancer: ResourceRef;
      readonly subnetIds?: readonly string[];
      readonly securityGroupIds?: readonly string[];
      readonly attributes?: Readonly<Record<string, string>>;
      readonly ipAddressType?: 'ipv4' | 'dualstack';
    }
  | {
      readonly op: 'create-listener';
      readonly loadBalancer: ResourceRef;
      readonly listener: Omit<ListenerSpec, 'rules'>;
    }
  | {
      readonly op: 'modify-listener';
      readonly listener: ResourceRef;
      readonly spec: Omit<ListenerSpec, 'rules'>;
    }
  | { readonly op: 'create-rule'; readonly listener: ResourceRef; readonly rule: RuleSpec }
  | {
      readonly op: 'modify-rule';
      readonly rule: ResourceRef;
      readonly conditions: readonly ConditionSpec[];
      readonly action: ActionSpec;
    }
  | {
      readonly op: 'set-rule-priorities';
      readonly priorities: readonly { readonly rule: ResourceRef; readonly priority: number }[];
    }
  | { readonly op: 'delete-rule'; readonly rule: ResourceRef }
  | { readonly op: 'delete-listener'; readonly listener: ResourceRef }
  | { readonly op: 'delete-load-balancer'; readonly loadBalancer: ResourceRef }
  | { readonly op: 'delete-target-group'; readonly targetGroup: ResourceRef }
  | {
      readonly op: 'update-tags';
      readonly resource: ResourceRef;
      readonly add: AwsTags;
      readonly remove: readonly string[];
    };

export interface AlbPlan {
  /** In the order they must be applied. Empty for a converged stack. */
  readonly changes: readonly AlbChange[];
}
