/**
 * The AWS-side specs of one group's resources that do not depend on layout: the tags every resource
 * carries (user tags plus our ownership tags), a target group's spec from its backend, and the orders
 * the build output is sorted in.
 */
import type { ObjectRef } from '../../errors.js';
import { compareStrings } from '../../ingress/ordering.js';
import {
  TAG_CLUSTER,
  TAG_GROUP,
  TAG_RESOURCE,
  type AwsTags,
  type TargetGroupSpec,
} from '../model/alb-model.js';
import { awsName } from '../model/alb-names.js';
import type { AlbBackend } from './alb-backends.js';

/** Who the resources belong to: our cluster and the IngressGroup. */
export interface ResourceOwner {
  readonly clusterName: string;
  readonly group: string;
}

export function refKey(r: ObjectRef): string {
  return `${r.namespace ?? ''}/${r.name}`;
}

export function sortRefs(refs: readonly ObjectRef[]): ObjectRef[] {
  return [...refs].sort((a, b) => compareStrings(refKey(a), refKey(b)));
}

function sortedRecord(r: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => compareStrings(a, b)));
}

/** The tags of a resource: the group's `tags` annotation, then our ownership tags. */
export function resourceTags(
  owner: ResourceOwner,
  userTags: Readonly<Record<string, string>> | undefined,
  resourceId: string,
): AwsTags {
  return sortedRecord({
    ...(userTags ?? {}),
    [TAG_CLUSTER]: owner.clusterName,
    [TAG_GROUP]: owner.group,
    [TAG_RESOURCE]: resourceId,
  });
}

export function targetGroupSpec(
  owner: ResourceOwner,
  b: AlbBackend,
  resourceId: string,
  loadBalancerName: string,
  vpcId: string,
  tags: AwsTags,
): TargetGroupSpec {
  return {
    resourceId,
    name: awsName(`${b.service.name}-${b.service.port}`, [
      owner.clusterName,
      resourceId,
      loadBalancerName,
      b.protocol,
      b.protocolVersion,
      String(b.port),
      vpcId,
    ]),
    protocol: b.protocol,
    protocolVersion: b.protocolVersion,
    port: b.port,
    targetType: 'ip',
    vpcId,
    healthCheck: b.healthCheck,
    attributes: sortedRecord(b.attributes),
    tags,
    targets: b.targets,
    service: { kind: 'Service', namespace: b.service.namespace, name: b.service.name },
  };
}
