/**
 * Tags and attributes on a Create call: the attributes a new resource lacks (beyond AWS's defaults),
 * and the create-time tags without the attributes digest while those attributes are still to be set.
 */
import type { AwsTags } from '../model/alb-model.js';
import { TAG_ATTRIBUTES_DIGEST } from '../model/attributes-digest.js';

/**
 * Attribute values AWS gives a new target group / load balancer: a create skips the
 * Modify*Attributes call for the attributes that already have them (on a cold start that is one
 * call saved per target group, since the default deregistration delay is AWS's own). A resource
 * adopted after a crash is re-read and planned on the next reconcile, so nothing is assumed for long.
 */
export const NEW_TARGET_GROUP_ATTRIBUTES: Readonly<Record<string, string>> = {
  'deregistration_delay.timeout_seconds': '300',
  'slow_start.duration_seconds': '0',
  'stickiness.enabled': 'false',
  'load_balancing.algorithm.type': 'round_robin',
};
export const NEW_LOAD_BALANCER_ATTRIBUTES: Readonly<Record<string, string>> = {
  'idle_timeout.timeout_seconds': '60',
  'deletion_protection.enabled': 'false',
  'routing.http2.enabled': 'true',
};

/** The wanted attributes whose value differs from what a new resource gets anyway. */
export function beyondDefaults(
  wanted: Readonly<Record<string, string>>,
  defaults: Readonly<Record<string, string>>,
): { Key: string; Value: string }[] {
  return Object.entries(wanted)
    .filter(([k, v]) => defaults[k] !== v)
    .map(([Key, Value]) => ({ Key, Value }));
}

/** Tags for a Create call: without the digest tag when attributes are still to be modified after it. */
export function createTags(tags: AwsTags, modifiesAttributes: boolean): AwsTags {
  if (!modifiesAttributes) return tags;
  const { [TAG_ATTRIBUTES_DIGEST]: _digest, ...rest } = tags;
  return rest;
}
