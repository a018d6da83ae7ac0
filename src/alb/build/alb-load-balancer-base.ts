/**
 * The settings every load balancer of a group shares: scheme, IP address type, subnets (annotated, else
 * one tagged subnet per availability zone), security groups and attributes. Undefined (with a
 * diagnostic) when the subnets cover fewer than the two zones an ALB needs.
 */
import { diagnostic, type Diagnostic } from '../../errors.js';
import { compareStrings } from '../../ingress/ordering.js';
import type { AlbScheme, AwsFacts, LoadBalancerSpec } from '../model/alb-model.js';
import {
  IP_ADDRESS_TYPE,
  LOAD_BALANCER_ATTRIBUTES,
  SCHEME,
  SECURITY_GROUPS,
  SUBNETS,
} from './alb-group-annotations.js';
import type { GroupMembers } from './alb-group-members.js';
import type { AlbIngress } from './alb-ingress-reader.js';

export type LoadBalancerBase = Pick<
  LoadBalancerSpec,
  'scheme' | 'ipAddressType' | 'subnetIds' | 'securityGroupIds' | 'attributes'
>;

/** The subnets of the load balancers and how many availability zones they cover. */
function subnetsFor(
  annotated: readonly string[] | undefined,
  scheme: AlbScheme,
  facts: AwsFacts,
): { subnetIds: string[]; zones: number } {
  if (annotated) {
    const known = new Map(facts.subnets.map((s) => [s.id, s.availabilityZone]));
    return { subnetIds: [...annotated], zones: new Set(annotated.map((id) => known.get(id) ?? id)).size };
  }
  const byZone = new Map<string, string>();
  for (const s of [...facts.subnets].sort((a, b) => compareStrings(a.id, b.id)))
    if (s.roles.includes(scheme) && !byZone.has(s.availabilityZone)) byZone.set(s.availabilityZone, s.id);
  return { subnetIds: [...byZone.values()], zones: byZone.size };
}

export function loadBalancerBase(
  group: string,
  members: GroupMembers,
  facts: AwsFacts,
  first: AlbIngress,
  diags: Diagnostic[],
): LoadBalancerBase | undefined {
  const scheme = (members.setting(SCHEME.name) as AlbScheme | undefined) ?? 'internal';
  const annotated = members.setting(SUBNETS.name) as readonly string[] | undefined;
  const { subnetIds, zones } = subnetsFor(annotated, scheme, facts);
  if (zones < 2) {
    const owner = members.settingOwner(SUBNETS.name) ?? first;
    diags.push(
      diagnostic(
        'CW_E_ALB_SUBNETS',
        owner.entries.diagRef,
        annotated
          ? `group "${group}": alb.causeway.dev/subnets names subnets in ${zones} availability zone(s); an ALB needs two; the group is held (nothing in AWS is created or changed) until this is fixed`
          : `group "${group}": ${zones} availability zone(s) have a subnet tagged for scheme ${scheme}; an ALB needs two (tag subnets kubernetes.io/role/${scheme === 'internal' ? 'internal-elb' : 'elb'}=1 or annotate alb.causeway.dev/subnets); the group is held (nothing in AWS is created or changed) until this is fixed`,
      ),
    );
    return undefined;
  }
  return {
    scheme,
    ipAddressType: (members.setting(IP_ADDRESS_TYPE.name) as 'ipv4' | 'dualstack' | undefined) ?? 'ipv4',
    subnetIds: subnetIds.sort(compareStrings),
    securityGroupIds: [...((members.setting(SECURITY_GROUPS.name) as readonly string[] | undefined) ?? [])],
    attributes: (members.setting(LOAD_BALANCER_ATTRIBUTES.name) as Record<string, string> | undefined) ?? {},
  };
}
