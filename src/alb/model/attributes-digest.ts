/**
 * The attributes digest: a short hash of the attributes Causeway manages on a target group or load
 * balancer, stored in the tag `causeway.dev/attributes-digest` when those attributes are set. Tags
 * are read in batches of 20 ARNs, attributes one call per resource; so on a read for planning, a
 * resource whose tag equals the digest of the DESIRED attributes is taken to have them, and no
 * Describe*Attributes call is made (src/alb/aws/actual-state-reader.ts). A change made out of band
 * leaves the tag as it was: the periodic drift pass describes every resource for real to find it.
 *
 * Pure: only the keys we manage (the desired map), canonical JSON (keys sorted), sha256, 16 hex digits.
 */
import { createHash } from 'node:crypto';
import type { AlbStack, AwsTags } from './alb-model.js';

/** The tag holding the digest of the managed attributes last set on the resource. */
export const TAG_ATTRIBUTES_DIGEST = 'causeway.dev/attributes-digest';

/** Hex digits kept of the sha256 (64 bits: a collision by chance is not a concern for 50k resources). */
const DIGEST_LENGTH = 16;

/** The digest of managed attributes: canonical (sorted keys) JSON, sha256, the first 16 hex digits. */
function attributesDigest(attributes: Readonly<Record<string, string>>): string {
  const canonical = JSON.stringify(
    Object.keys(attributes)
      .sort()
      .map((k) => [k, attributes[k]]),
  );
  return createHash('sha256').update(canonical).digest('hex').slice(0, DIGEST_LENGTH);
}

/** `tags` plus the digest tag of `attributes` (what a converged resource carries). */
export function withAttributesDigest(tags: AwsTags, attributes: Readonly<Record<string, string>>): AwsTags {
  return { ...tags, [TAG_ATTRIBUTES_DIGEST]: attributesDigest(attributes) };
}

/**
 * Whether the resource's tags vouch for `attributes`: its digest tag equals their digest. False when
 * the tag is missing (a resource set before digests, or whose attributes were never set by us).
 */
export function digestVouchesFor(tags: AwsTags, attributes: Readonly<Record<string, string>>): boolean {
  const tag = tags[TAG_ATTRIBUTES_DIGEST];
  return tag !== undefined && tag === attributesDigest(attributes);
}

/** The desired managed attributes of a stack's target groups and load balancers, by resource id. */
export function expectedAttributesOf(stack: AlbStack): ReadonlyMap<string, Readonly<Record<string, string>>> {
  return new Map([
    ...stack.targetGroups.map((tg) => [tg.resourceId, tg.attributes] as const),
    ...stack.loadBalancers.map((lb) => [lb.resourceId, lb.attributes] as const),
  ]);
}
